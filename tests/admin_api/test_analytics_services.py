"""Analytics and top products (API.md §5.8), checked against orders made here in several statuses/dates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.analytics import analytics_summary, top_products
from orders.models import OrderStatus
from tests.factories import ProductFactory, UserFactory, make_order
from tests.helpers import ORDER_STATUSES

pytestmark = pytest.mark.django_db


def test_revenue_excludes_cancelled_and_refunded_and_average_rounds_half_up():
    make_order(OrderStatus.PROCESSING, "10.00")
    make_order(OrderStatus.DELIVERED, "10.00")
    make_order(OrderStatus.COMPLETED, "10.01")
    make_order(OrderStatus.CANCELLED, "500.00")
    make_order(OrderStatus.REFUNDED, "700.00")

    totals = analytics_summary(range_days=0)["totals"]

    assert totals["total_revenue"] == Decimal("30.01")
    assert totals["total_orders"] == 5
    # 30.01 / 3 = 10.00333… → 10.00
    assert totals["avg_order_value"] == Decimal("10.00")


def test_average_rounds_half_up_at_the_half_cent():
    make_order(OrderStatus.PENDING, "0.01")
    make_order(OrderStatus.PENDING, "0.00")
    assert analytics_summary(range_days=0)["totals"]["avg_order_value"] == Decimal("0.01")  # 0.005 → 0.01


def test_orders_by_status_lists_all_eight_statuses_in_order_with_zeros():
    make_order(OrderStatus.SHIPPED, "5.00")
    make_order(OrderStatus.SHIPPED, "5.00")

    by_status = analytics_summary(range_days=0)["orders_by_status"]

    assert [row["status"] for row in by_status] == ORDER_STATUSES
    assert {row["status"]: row["count"] for row in by_status}["shipped"] == 2
    assert sum(row["count"] for row in by_status) == 2


def test_range_days_limits_orders_and_customers_but_not_the_catalogue_size():
    make_order(OrderStatus.PROCESSING, "20.00", days_ago=1)
    make_order(OrderStatus.PROCESSING, "30.00", days_ago=40)
    UserFactory(created_at=timezone.now() - timedelta(days=90))
    ProductFactory(is_active=True, created_at=timezone.now() - timedelta(days=400))
    ProductFactory(is_active=False)

    summary = analytics_summary(range_days=7)

    assert summary["range_days"] == 7
    assert summary["totals"]["total_revenue"] == Decimal("20.00")
    assert summary["totals"]["total_orders"] == 1
    assert summary["totals"]["total_products"] == 1
    # The recent order's owner is a customer registered now; the 90-day-old one is out of range.
    assert summary["totals"]["total_customers"] == 2  # both order owners were registered just now
    assert analytics_summary(range_days=0)["totals"]["total_customers"] == 3


def test_empty_shop_has_zero_figures():
    totals = analytics_summary(range_days=0)["totals"]
    assert totals == {
        "total_revenue": Decimal("0.00"),
        "total_orders": 0,
        "total_products": 0,
        "total_customers": 0,
        "avg_order_value": Decimal("0.00"),
    }


def test_admins_are_not_counted_as_customers():
    UserFactory(admin=True)
    UserFactory()
    assert analytics_summary(range_days=0)["totals"]["total_customers"] == 1


def test_analytics_is_three_queries_whatever_the_number_of_orders(django_assert_max_num_queries):
    for index in range(15):
        make_order(OrderStatus.PROCESSING, f"{index}.50")
    with django_assert_max_num_queries(3):
        analytics_summary(range_days=30)


def test_top_products_order_by_quantity_then_revenue_then_id_and_skip_dead_orders():
    alpha, beta, gamma, unsold = (ProductFactory() for _ in range(4))
    make_order(OrderStatus.DELIVERED, "0", items=[(alpha, 3, "1.00"), (beta, 3, "2.00")])
    make_order(OrderStatus.PROCESSING, "0", items=[(gamma, 1, "50.00")])
    make_order(OrderStatus.CANCELLED, "0", items=[(gamma, 10, "50.00")])
    make_order(OrderStatus.REFUNDED, "0", items=[(alpha, 10, "1.00")])

    ranking = top_products(limit=10, range_days=0)

    assert [(row.product.pk, row.total_quantity, row.total_revenue) for row in ranking] == [
        (beta.pk, 3, Decimal("6.00")),
        (alpha.pk, 3, Decimal("3.00")),
        (gamma.pk, 1, Decimal("50.00")),
    ]
    assert unsold.pk not in {row.product.pk for row in ranking}


def test_top_products_full_ties_break_on_product_id():
    first, second = sorted((ProductFactory(), ProductFactory()), key=lambda product: product.pk)
    make_order(OrderStatus.COMPLETED, "0", items=[(second, 2, "5.00"), (first, 2, "5.00")])
    assert [row.product.pk for row in top_products(limit=10, range_days=0)] == [first.pk, second.pk]


def test_top_products_respects_limit_range_and_reports_available_stock(django_assert_max_num_queries):
    recent, old = ProductFactory(stock_quantity=7), ProductFactory()
    make_order(OrderStatus.PROCESSING, "0", items=[(recent, 1, "1.00")], days_ago=2)
    make_order(OrderStatus.PROCESSING, "0", items=[(old, 5, "1.00")], days_ago=20)

    with django_assert_max_num_queries(2):
        ranking = top_products(limit=1, range_days=10)

    assert [row.product.pk for row in ranking] == [recent.pk]
    assert ranking[0].product.available == 7
