"""Checkout under real concurrency (API.md §5.3): real threads, each with its own PostgreSQL connection.

Pool size: PostgreSQL's `max_connections` is 100 here (`SHOW max_connections`) and other test runs may
share the server, so the 200 buyers run on a pool of `MAX_WORKERS` (30) threads, released together by a
barrier; each thread checks out its buyers one after the other and closes its connection at the end.
"""

from decimal import Decimal

import pytest
from django.db import connection

from cart.models import CartItem
from catalog.models import Product
from orders.models import Order, OrderItem
from payments.models import Payment, PaymentStatus
from tests.concurrency import MAX_WORKERS, run_concurrently
from tests.factories import ProductFactory, UserFactory
from tests.orders.helpers import checkout_body, fill_cart

pytestmark = pytest.mark.django_db(transaction=True)


def checkout_task(make_api, user, method="cc"):
    def task():
        response = make_api(user).post("/api/v1/orders", checkout_body(method))
        return response.status_code, response.json()

    return task


def test_the_connection_budget_fits_the_server():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        assert int(cursor.fetchone()[0]) > MAX_WORKERS + 1


def test_200_buyers_for_50_units_make_exactly_50_orders(make_api):
    product = ProductFactory(stock_quantity=50, price=Decimal("9.99"), name="Hot item")
    buyers = [UserFactory() for _ in range(200)]
    for buyer in buyers:
        fill_cart(buyer, (product, 1), reserve=False)  # holds expired long ago: everyone may try

    results = run_concurrently([checkout_task(make_api, buyer) for buyer in buyers])

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 50
    assert statuses.count(409) == 150
    assert len(statuses) == 200
    conflicts = [body for status, body in results if status == 409]
    assert {body["code"] for body in conflicts} == {"insufficient_stock"}
    assert {body["error"] for body in conflicts} == {"Insufficient stock for Hot item. Available: 0"}
    assert Product.objects.get(pk=product.pk).stock_quantity == 0
    assert Order.objects.count() == 50
    assert OrderItem.objects.count() == 50
    assert Payment.objects.filter(status=PaymentStatus.COMPLETED).count() == 50
    assert CartItem.objects.count() == 150  # the losers' carts are unchanged


def test_two_checkouts_of_one_cart_make_one_order(make_api, customer):
    product = ProductFactory(stock_quantity=10)
    fill_cart(customer, (product, 3), (ProductFactory(stock_quantity=10), 1))

    results = run_concurrently([checkout_task(make_api, customer, "cod") for _ in range(4)], workers=4)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 400, 400, 400]
    assert {body["code"] for status, body in results if status == 400} == {"cart_empty"}
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 7


def test_checkouts_with_overlapping_products_in_opposite_order_all_finish(make_api):
    first, second, third = (ProductFactory(stock_quantity=100) for _ in range(3))
    buyers = [UserFactory() for _ in range(20)]
    for index, buyer in enumerate(buyers):
        # lines added in opposite orders; the locks are still taken in ascending id order
        lines = [(first, 1), (second, 2), (third, 1)] if index % 2 else [(third, 1), (second, 2), (first, 1)]
        fill_cart(buyer, *lines)

    results = run_concurrently([checkout_task(make_api, buyer) for buyer in buyers], workers=20)

    assert [status for status, _ in results] == [201] * 20
    assert [
        p.stock_quantity
        for p in Product.objects.filter(pk__in=[first.pk, second.pk, third.pk]).order_by("sku")
    ] == [80, 60, 80]
