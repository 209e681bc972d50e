"""Cancellation under real concurrency (API.md §5.4): exactly once, whoever asks."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from catalog.models import Product
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import Payment, PaymentStatus
from tests.concurrency import run_concurrently
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentFactory,
    ProductFactory,
    UserFactory,
)

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


@pytest.mark.parametrize("endpoint", ["cancel", "pay"])
def test_another_users_order_is_404_without_waiting_for_its_row_lock(customer, make_api, endpoint):
    """A customer's cancel (E25) or payment (E26) of someone else's order never locks that order's row:
    while its owner's transaction holds the lock, the stranger gets 404 at once (the lock wait would
    end in `lock_timeout`, a 500)."""
    order = OrderFactory(user=UserFactory(), status=OrderStatus.PENDING)
    locked, finished = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                locked.set()
                finished.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
        client = make_api(customer)
        if endpoint == "cancel":
            response = client.put(f"/api/v1/orders/{order.pk}/cancel")
        else:
            response = client.post("/api/v1/payments", {"order_id": str(order.pk), "payment_method": "cc"})
    finally:
        finished.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert response.status_code == 404, response.json()
    assert response.json()["message"] == "Order not found"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
