"""Query counts pinned (STYLE.md): an N+1 is a failing test, not a slow page. Counts include the
bearer authentication's user lookup."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.selectors import orders_for_display
from orders.serializers import order_data
from tests.factories import OrderEventFactory, OrderFactory, OrderItemFactory, PaymentFactory, ProductFactory
from tests.orders.helpers import checkout_body, fill_cart


def orders_for(user, count, items_per_order):
    for _ in range(count):
        order = OrderFactory(user=user)
        for _ in range(items_per_order):
            OrderItemFactory(order=order, product=ProductFactory())
        OrderEventFactory(order=order)
        PaymentFactory(order=order, failed=True)
        PaymentFactory(order=order)


def query_count(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.json()
    return len(captured)


def statement_count(call):
    """Statements sent for `call`, leaving out the transaction markers (BEGIN, COMMIT, savepoints)."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.json()
    markers = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return sum(1 for query in captured if not query["sql"].lstrip().upper().startswith(markers))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("method", "most"), [("cc", 12), ("cod", 8)])
def test_checkout_of_a_two_line_order_takes_at_most_12_statements_by_card_8_cash(
    customer, customer_api, method, most
):
    """Issue 19's pins (20 / 13), the side effects included: the order-placed email's job row and one
    webhook-endpoint lookup per transaction (order.created; by card also payment.completed and
    order.status_changed, in the second), besides authentication, locks and the writes (the order, its
    items, a card's pending payment and the first event written and the cart's lines and holds deleted in
    one round trip; by card the payment's result, then the move to `processing` with its event). The
    answer reads only the items back: nothing else changed the order since it was placed."""
    fill_cart(customer, (ProductFactory(price=Decimal("5.00")), 2), (ProductFactory(), 1))

    count = statement_count(lambda: customer_api.post("/api/v1/orders", checkout_body(method)))

    assert count <= most


@pytest.mark.django_db
@pytest.mark.parametrize(("orders", "items"), [(1, 1), (6, 4)])
def test_order_list_takes_at_most_4_queries_whatever_the_size(customer, customer_api, orders, items):
    orders_for(customer, orders, items)

    count = query_count(lambda: customer_api.get("/api/v1/orders"))

    assert count <= 4


@pytest.mark.django_db
def test_order_list_query_count_does_not_grow_with_orders_or_items(customer, customer_api):
    orders_for(customer, 1, 1)
    small = query_count(lambda: customer_api.get("/api/v1/orders"))
    orders_for(customer, 8, 5)
    large = query_count(lambda: customer_api.get("/api/v1/orders"))
    assert small == large


@pytest.mark.django_db
@pytest.mark.parametrize("as_admin", [False, True])
def test_order_detail_takes_at_most_4_queries(customer, customer_api, admin_api, as_admin):
    orders_for(customer, 1, 5)
    order = customer.orders.get()
    client = admin_api if as_admin else customer_api

    assert query_count(lambda: client.get(f"/api/v1/orders/{order.pk}")) <= 4


@pytest.mark.django_db
def test_prefetch_path_takes_4_queries_whatever_the_number_of_orders_and_items(customer):
    """The non-PostgreSQL path: orders, then items (product and stock included), events and payments."""

    def queries():
        with CaptureQueriesContext(connection) as captured:
            orders = orders_for_display(Order.objects.filter(user=customer), json_folding=False)
            [order_data(order) for order in orders]
        return len(captured)

    orders_for(customer, 1, 1)
    small = queries()
    orders_for(customer, 6, 4)

    assert small == queries() == 4
