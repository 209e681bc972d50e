"""The Order shapes are the same whether the display selectors folded the history and payment as JSON
(PostgreSQL) or prefetched them (other databases), and rendering them issues no query."""

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


def test_a_selected_order_renders_its_history_payment_and_stock_without_a_query(
    order, django_assert_num_queries
):
    selected = order_detail(order_id=order.pk)
    with django_assert_num_queries(0):
        rendered = order_data(selected)

    assert rendered["payment"]["status"] == "partially_refunded"
    assert rendered["payment"]["refunded_amount"] == Decimal("0.10")
    assert [e["to_status"] for e in rendered["status_history"]] == ["pending", "processing"]
    assert (rendered["items"][0]["product"]["stock"], rendered["items"][0]["product"]["reserved"]) == (0, 6)


def test_admin_order_adds_the_owner(order, customer, django_assert_num_queries):
    selected = order_detail(order_id=order.pk, with_user=True)
    with django_assert_num_queries(0):
        rendered = admin_order_data(selected)

    assert rendered == {**order_data(selected), "user": {"id": str(customer.pk), "email": customer.email}}


def test_drf_wrappers_render_lists(order, customer):
    orders = list(order_list_for_user(user=customer))
    assert OrderSerializer(orders, many=True).data == [order_data(order_detail(order_id=order.pk))]
    admin_row = order_detail(order_id=order.pk, with_user=True)
    assert AdminOrderSerializer(admin_row).data["user"]["email"] == customer.email


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
