"""The Order shapes are the same whether the order was read by the display selectors (JSON-folded
history and payment, product stock annotated), by their prefetch path (databases other than PostgreSQL)
or plainly (the fallback other callers may use)."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderStatus
from orders.selectors import order_detail, order_list_for_user, orders_for_display
from orders.serializers import AdminOrderSerializer, OrderSerializer, admin_order_data, order_data
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentFactory,
    ProductFactory,
    ReservationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(customer):
    order = OrderFactory(user=customer, status=OrderStatus.PROCESSING, total_amount=Decimal("33.30"))
    product = ProductFactory(stock_quantity=4, price=Decimal("11.10"))
    OrderItemFactory(order=order, product=product, quantity=3)
    ReservationFactory(product=product, quantity=6)  # more held than on hand: available floors at 0
    OrderEventFactory(order=order)
    OrderEventFactory(
        order=order, from_status=OrderStatus.PENDING, to_status=OrderStatus.PROCESSING, note="x"
    )
    PaymentFactory(order=order, failed=True)
    PaymentFactory(order=order, status="partially_refunded", refunded_amount=Decimal("0.10"))
    return order


def test_plain_and_selected_orders_render_the_same(order):
    selected = order_data(order_detail(order_id=order.pk))
    plain = order_data(Order.objects.get(pk=order.pk))

    assert selected == plain
    assert selected["payment"]["status"] == "partially_refunded"
    assert selected["payment"]["refunded_amount"] == Decimal("0.10")
    assert [e["to_status"] for e in selected["status_history"]] == ["pending", "processing"]
    assert (selected["items"][0]["product"]["stock"], selected["items"][0]["product"]["reserved"]) == (0, 6)


def test_admin_order_adds_the_owner(order, customer):
    selected = admin_order_data(order_detail(order_id=order.pk, with_user=True))
    plain = admin_order_data(Order.objects.get(pk=order.pk))

    assert selected == plain
    assert selected["user"] == {"id": str(customer.pk), "email": customer.email}


def test_drf_wrappers_render_lists(order, customer):
    orders = list(order_list_for_user(user=customer))
    assert OrderSerializer(orders, many=True).data == [order_data(order_detail(order_id=order.pk))]
    assert AdminOrderSerializer(Order.objects.get(pk=order.pk)).data["user"]["email"] == customer.email


@pytest.mark.parametrize("with_user", [False, True])
def test_prefetch_path_renders_like_the_json_folded_path(order, customer, with_user):
    """The path a non-PostgreSQL database takes, forced here on PostgreSQL, answers the same."""
    OrderFactory(user=customer)  # an order without items, history or payment renders too
    render = admin_order_data if with_user else order_data

    def rendered(json_folding):
        orders = orders_for_display(
            Order.objects.filter(user=customer).order_by("-created_at", "-id"),
            with_user=with_user,
            json_folding=json_folding,
        )
        return [render(o) for o in orders]

    folded, prefetched = rendered(True), rendered(False)

    assert prefetched == folded
    assert [len(o["status_history"]) for o in folded] == [0, 2]
    assert folded[0]["payment"] is None
    assert folded[1]["payment"]["status"] == "partially_refunded"
