"""Cancellation under real concurrency (API.md §5.4): exactly once, whoever asks."""

from decimal import Decimal

import pytest

from catalog.models import Product
from orders.models import OrderEvent, OrderStatus
from payments.models import Payment, PaymentStatus
from tests.factories import OrderEventFactory, OrderFactory, OrderItemFactory, PaymentFactory, ProductFactory
from tests.orders.helpers import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_cancels_of_one_order_restock_and_refund_once(customer, admin_user, make_api):
    order = OrderFactory(user=customer, status=OrderStatus.PROCESSING, total_amount=Decimal("30.00"))
    item = OrderItemFactory(
        order=order, product=ProductFactory(stock_quantity=4, price=Decimal("10.00")), quantity=3
    )
    OrderEventFactory(order=order)
    payment = PaymentFactory(order=order)
    clients = [make_api(customer) if i % 2 else make_api(admin_user) for i in range(8)]

    results = run_concurrently(
        [lambda c=client: c.put(f"/api/v1/orders/{order.pk}/cancel") for client in clients], workers=8
    )

    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [409] * 7
    assert {r.json()["error"] for r in results if r.status_code == 409} == {
        "order cannot be cancelled at this stage"
    }
    assert Product.objects.get(pk=item.product_id).stock_quantity == 7
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("30.00"))
    assert Payment.objects.filter(order=order).count() == 1
