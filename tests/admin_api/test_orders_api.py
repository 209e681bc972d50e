"""Admin orders and analytics E36–E40 (API.md §4.10, §5.4, §5.8)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Product
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import Payment, PaymentMethod, PaymentStatus
from tests.factories import (
    OrderEventFactory,
    PaymentFactory,
    ProductFactory,
    ReservationFactory,
    UserFactory,
    ago,
    make_order,
)
from tests.helpers import ADMIN_ORDER_KEYS, META_KEYS, ORDER_STATUSES, assert_error, assert_success

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/admin/orders"
RECENT = "/api/v1/admin/orders/recent"
ANALYTICS = "/api/v1/admin/analytics"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def ids(orders) -> list[str]:
    return [row["id"] for row in orders]


def status_url(order) -> str:
    return f"{ORDERS}/{order.pk}/status"


# --- E36 list ------------------------------------------------------------------------------------


def test_list_answers_every_users_orders_newest_first_as_admin_orders(admin_api):
    alice = UserFactory(email="alice@example.com")
    bob = UserFactory(email="bob@example.com")
    product = ProductFactory(stock_quantity=9)
    ReservationFactory(product=product, quantity=2)
    old = make_order(OrderStatus.DELIVERED, "20.00", user=alice, days_ago=3, items=[(product, 2, "10.00")])
    new = make_order(OrderStatus.PENDING, "5.00", user=bob, items=[(product, 1, "5.00")])
    OrderEventFactory(order=new, to_status=OrderStatus.PENDING)
    PaymentFactory(order=new, status=PaymentStatus.FAILED, payment_details={"decline_code": "card_declined"})

    data = assert_success(admin_api.get(ORDERS), 200, "All orders retrieved")

    assert ids(data["orders"]) == [str(new.pk), str(old.pk)]
    assert data["meta"] == {"page": 1, "limit": 10, "total": 2, "totalPages": 1}
    first = data["orders"][0]
    assert set(first) == ADMIN_ORDER_KEYS
    assert first["user"] == {"id": str(bob.pk), "email": "bob@example.com"}
    assert first["total_amount"] == Decimal("5.00")
    assert first["payment"]["status"] == "failed"
    assert [event["to_status"] for event in first["status_history"]] == ["pending"]
    assert set(first["shipping_address"]) == {
        "full_name",
        "street",
        "city",
        "state",
        "country",
        "postal_code",
        "phone",
    }
    item = data["orders"][1]["items"][0]
    assert (item["product_id"], item["product_name"], item["product_sku"]) == (
        str(product.pk),
        product.name,
        product.sku,
    )
    assert (item["quantity"], item["price_at_time"], item["line_total"]) == (2, Decimal("10"), Decimal("20"))
    assert item["product"]["stock"] == 7


def test_list_status_filter_is_exact_and_a_non_status_matches_nothing(admin_api):
    shipped = make_order(OrderStatus.SHIPPED)
    make_order(OrderStatus.PENDING)

    data = assert_success(admin_api.get(ORDERS, {"status": "shipped"}), 200, "All orders retrieved")
    assert ids(data["orders"]) == [str(shipped.pk)]

    for value in ("SHIPPED", "ship", "bogus"):
        data = assert_success(admin_api.get(ORDERS, {"status": value}), 200, "All orders retrieved")
        assert data == {"orders": [], "meta": {"page": 1, "limit": 10, "total": 0, "totalPages": 0}}

    assert (
        assert_success(admin_api.get(ORDERS, {"status": ""}), 200, "All orders retrieved")["meta"]["total"]
        == 2
    )


def test_list_search_matches_order_number_or_owner_email_case_insensitively(admin_api):
    carol = UserFactory(email="carol.smith@example.com")
    by_email = make_order(OrderStatus.PENDING, user=carol)
    by_number = make_order(OrderStatus.PENDING)
    make_order(OrderStatus.PENDING)
    Order.objects.filter(pk=by_number.pk).update(order_number="ORD-1700000000-abcdef12")

    data = assert_success(admin_api.get(ORDERS, {"search": "CAROL.SMITH"}), 200, "All orders retrieved")
    assert ids(data["orders"]) == [str(by_email.pk)]

    data = assert_success(admin_api.get(ORDERS, {"search": "ABCDEF"}), 200, "All orders retrieved")
    assert ids(data["orders"]) == [str(by_number.pk)]

    data = assert_success(admin_api.get(ORDERS, {"search": "%"}), 200, "All orders retrieved")
    assert data["orders"] == []


def test_list_range_days_and_filters_combine_with_paging(admin_api):
    recent = [make_order(OrderStatus.PROCESSING, days_ago=index / 10) for index in range(3)]
    make_order(OrderStatus.PROCESSING, days_ago=30)
    make_order(OrderStatus.PENDING, days_ago=1)

    data = assert_success(
        admin_api.get(ORDERS, {"range_days": 7, "status": "processing", "limit": 2, "page": 2}),
        200,
        "All orders retrieved",
    )

    assert ids(data["orders"]) == [str(recent[2].pk)]
    assert data["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    assert set(data["meta"]) == META_KEYS


def test_list_with_a_nul_in_a_filter_is_a_validation_error(admin_api):
    content = assert_error(
        admin_api.get(ORDERS, {"search": "a\x00b"}), 400, "validation_error", "Validation failed"
    )
    assert "search" in content["errors"]


def test_list_costs_at_most_five_queries_whatever_the_number_of_orders(
    admin_api, django_assert_max_num_queries
):
    products = [ProductFactory() for _ in range(3)]
    for index in range(30):
        order = make_order(
            OrderStatus.PROCESSING, "3.00", items=[(product, 1, "1.00") for product in products]
        )
        OrderEventFactory(order=order, to_status=OrderStatus.PENDING)
        PaymentFactory(order=order)
        if index % 2:
            ReservationFactory(product=products[0], quantity=1)

    with django_assert_max_num_queries(5):
        data = assert_success(
            admin_api.get(ORDERS, {"limit": 100, "search": "example.com"}), 200, "All orders retrieved"
        )

    assert len(data["orders"]) == 30
    assert all(len(order["items"]) == 3 and order["payment"] for order in data["orders"])


# --- E37 recent ----------------------------------------------------------------------------------


def test_recent_answers_the_newest_orders_with_the_limit_applied(admin_api):
    orders = [make_order(OrderStatus.PENDING, days_ago=index) for index in range(12)]

    data = assert_success(admin_api.get(RECENT), 200, "Recent orders retrieved")
    assert data["limit"] == 10
    assert ids(data["orders"]) == [str(order.pk) for order in orders[:10]]
    assert set(data["orders"][0]) == ADMIN_ORDER_KEYS

    data = assert_success(admin_api.get(RECENT, {"limit": 3}), 200, "Recent orders retrieved")
    assert (data["limit"], ids(data["orders"])) == (3, [str(order.pk) for order in orders[:3]])

    data = assert_success(admin_api.get(RECENT, {"limit": 500}), 200, "Recent orders retrieved")
    assert (data["limit"], len(data["orders"])) == (100, 12)

    data = assert_success(admin_api.get(RECENT, {"limit": "zero"}), 200, "Recent orders retrieved")
    assert data["limit"] == 10


def test_recent_range_days_keeps_orders_in_range(admin_api):
    recent = make_order(OrderStatus.PENDING, days_ago=1)
    make_order(OrderStatus.PENDING, days_ago=10)

    data = assert_success(admin_api.get(RECENT, {"range_days": 5}), 200, "Recent orders retrieved")
    assert ids(data["orders"]) == [str(recent.pk)]


def test_recent_with_no_orders_is_an_empty_list(admin_api):
    assert assert_success(admin_api.get(RECENT), 200, "Recent orders retrieved") == {
        "limit": 10,
        "orders": [],
    }


def test_recent_costs_at_most_four_queries(admin_api, django_assert_max_num_queries):
    product = ProductFactory()
    for _ in range(20):
        make_order(OrderStatus.PENDING, items=[(product, 1, "1.00")])
    with django_assert_max_num_queries(4):
        assert_success(admin_api.get(RECENT, {"limit": 20}), 200, "Recent orders retrieved")


# --- E38 detail ----------------------------------------------------------------------------------


def test_detail_answers_any_users_order_as_admin_order(admin_api):
    owner = UserFactory(email="owner@example.com")
    order = make_order(OrderStatus.SHIPPED, "7.00", user=owner, items=[(ProductFactory(), 1, "7.00")])

    data = assert_success(admin_api.get(f"{ORDERS}/{order.pk}"), 200, "Order retrieved successfully")

    assert set(data) == ADMIN_ORDER_KEYS
    assert data["id"] == str(order.pk)
    assert data["user"] == {"id": str(owner.pk), "email": "owner@example.com"}
    assert data["status"] == "shipped"


def test_detail_costs_at_most_three_queries(admin_api, django_assert_max_num_queries):
    order = make_order(OrderStatus.PENDING, items=[(ProductFactory(), 1, "1.00") for _ in range(5)])
    PaymentFactory(order=order)
    with django_assert_max_num_queries(3):
        data = assert_success(admin_api.get(f"{ORDERS}/{order.pk}"), 200, "Order retrieved successfully")
    assert len(data["items"]) == 5


def test_detail_accepts_an_upper_case_uuid(admin_api):
    order = make_order(OrderStatus.PENDING)
    assert_success(admin_api.get(f"{ORDERS}/{str(order.pk).upper()}"), 200, "Order retrieved successfully")


def test_detail_with_a_malformed_id_is_invalid_id(admin_api):
    assert_error(admin_api.get(f"{ORDERS}/nope"), 400, "invalid_id", "Invalid order ID", "invalid UUID")


def test_detail_of_an_unknown_order_is_not_found(admin_api):
    assert_error(admin_api.get(f"{ORDERS}/{UNKNOWN_ID}"), 404, "not_found", "Order not found", "not_found")


# --- E39 status change ---------------------------------------------------------------------------


def test_status_change_moves_the_order_with_the_admin_as_actor_and_the_note(admin_api, admin_user):
    order = make_order(OrderStatus.PROCESSING)

    data = assert_success(
        admin_api.put(status_url(order), {"status": "shipped", "note": "  DHL 123  "}),
        200,
        "Order status updated",
    )

    assert set(data) == ADMIN_ORDER_KEYS
    assert data["status"] == "shipped"
    assert data["status_history"][-1]["from_status"] == "processing"
    assert data["status_history"][-1]["to_status"] == "shipped"
    assert data["status_history"][-1]["note"] == "DHL 123"
    event = OrderEvent.objects.get(order=order)
    assert (event.actor_id, event.from_status, event.to_status, event.note) == (
        admin_user.pk,
        "processing",
        "shipped",
        "DHL 123",
    )


def test_status_change_to_the_same_status_is_a_no_op_without_an_event(admin_api):
    for status in (
        OrderStatus.PENDING,
        OrderStatus.CANCELLED,
        OrderStatus.REFUNDED,
        OrderStatus.RETURN_REQUESTED,
    ):
        order = make_order(status)
        before = Order.objects.get(pk=order.pk).updated_at

        data = assert_success(
            admin_api.put(status_url(order), {"status": status}), 200, "Order status updated"
        )

        assert data["status"] == status
        assert not OrderEvent.objects.filter(order=order).exists()
        assert Order.objects.get(pk=order.pk).updated_at == before


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("shipped", "pending"),
        ("pending", "shipped"),
        ("cancelled", "processing"),
        ("completed", "delivered"),
        ("delivered", "return_requested"),
        ("return_requested", "refunded"),
        ("return_requested", "delivered"),
        ("processing", "refunded"),
        ("refunded", "completed"),
    ],
)
def test_a_move_outside_the_table_is_invalid_transition_and_changes_nothing(admin_api, current, target):
    order = make_order(current)

    assert_error(
        admin_api.put(status_url(order), {"status": target}),
        409,
        "invalid_transition",
        "Failed to update order status",
        f"invalid status transition from {current} to {target}",
    )
    assert Order.objects.get(pk=order.pk).status == current
    assert not OrderEvent.objects.filter(order=order).exists()


def test_cancelling_through_the_status_endpoint_restocks_and_refunds(admin_api):
    product = ProductFactory(stock_quantity=5)
    order = make_order(OrderStatus.PROCESSING, "20.00", items=[(product, 2, "10.00")])
    payment = PaymentFactory(order=order, amount=Decimal("20.00"))

    data = assert_success(
        admin_api.put(status_url(order), {"status": "cancelled"}), 200, "Order status updated"
    )

    assert data["status"] == "cancelled"
    assert Product.objects.get(pk=product.pk).stock_quantity == 7
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == Decimal("20.00")


def test_delivering_a_cod_order_creates_its_payment_and_sets_delivered_at(admin_api):
    order = make_order(OrderStatus.SHIPPED, "15.00", payment_method=PaymentMethod.CASH_ON_DELIVERY)

    data = assert_success(
        admin_api.put(status_url(order), {"status": "delivered"}), 200, "Order status updated"
    )

    assert data["status"] == "delivered"
    assert data["delivered_at"] is not None
    assert data["payment"]["payment_method"] == "cod"
    assert data["payment"]["status"] == "completed"
    assert Payment.objects.get(order=order).amount == Decimal("15.00")


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "status"), ({"status": "lost"}, "status"), ({"status": "shipped", "note": "n" * 1001}, "note")],
)
def test_status_change_with_a_bad_body_is_a_validation_error(admin_api, payload, field):
    order = make_order(OrderStatus.PROCESSING)
    content = assert_error(
        admin_api.put(status_url(order), payload), 400, "validation_error", "Validation failed"
    )
    assert field in content["errors"]
    assert Order.objects.get(pk=order.pk).status == "processing"


def test_status_change_trims_the_status_like_every_string_input(admin_api):
    """API.md §1.2: strings are trimmed, so `" shipped "` is the status `shipped`."""
    order = make_order(OrderStatus.PROCESSING)

    data = assert_success(
        admin_api.put(status_url(order), {"status": "  shipped "}), 200, "Order status updated"
    )

    assert data["status"] == "shipped"
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_status_change_accepts_a_1000_character_note(admin_api):
    order = make_order(OrderStatus.PROCESSING)
    assert_success(
        admin_api.put(status_url(order), {"status": "shipped", "note": "n" * 1000}),
        200,
        "Order status updated",
    )
    assert OrderEvent.objects.get(order=order).note == "n" * 1000


def test_status_change_with_a_malformed_id_is_invalid_id_before_validation(admin_api):
    assert_error(
        admin_api.put(f"{ORDERS}/xyz/status", {"status": "lost"}),
        400,
        "invalid_id",
        "Invalid order ID",
        "invalid UUID",
    )


def test_status_change_validates_the_body_before_looking_the_order_up(admin_api):
    response = admin_api.put(f"{ORDERS}/{UNKNOWN_ID}/status", {"status": "lost"})
    assert_error(response, 400, "validation_error", "Validation failed")


def test_status_change_of_an_unknown_order_is_not_found(admin_api):
    assert_error(
        admin_api.put(f"{ORDERS}/{UNKNOWN_ID}/status", {"status": "shipped"}),
        404,
        "not_found",
        "Order not found",
    )


# --- E40 analytics -------------------------------------------------------------------------------


def test_analytics_figures_match_the_orders_made_in_several_statuses_and_dates(admin_api):
    make_order(OrderStatus.PENDING, "10.00")
    make_order(OrderStatus.PROCESSING, "20.00", days_ago=2)
    make_order(OrderStatus.DELIVERED, "30.01", days_ago=5)
    make_order(OrderStatus.RETURN_REQUESTED, "15.00", days_ago=6)
    make_order(OrderStatus.CANCELLED, "500.00", days_ago=1)
    make_order(OrderStatus.REFUNDED, "700.00", days_ago=3)
    make_order(OrderStatus.COMPLETED, "100.00", days_ago=40)
    make_order(OrderStatus.SHIPPED, "1.00", days_ago=60)
    make_order(OrderStatus.CANCELLED, "0.00", days_ago=90)
    ProductFactory()
    ProductFactory(is_active=False)
    UserFactory(admin=True)
    UserFactory(created_at=ago(90))  # a customer registered long ago

    all_time = assert_success(admin_api.get(ANALYTICS), 200, "Analytics retrieved")
    week = assert_success(admin_api.get(ANALYTICS, {"range_days": 7}), 200, "Analytics retrieved")

    # All time: revenue = 10 + 20 + 30.01 + 15 + 100 + 1 = 176.01 over 6 orders → 29.335 → 29.34.
    assert all_time["range_days"] == 0
    assert all_time["totals"] == {
        "total_revenue": Decimal("176.01"),
        "total_orders": 9,
        "total_products": 1,
        "total_customers": 10,  # the 9 order owners (customers registered now) and the old one
        "avg_order_value": Decimal("29.34"),
    }
    by_status = {row["status"]: row["count"] for row in all_time["orders_by_status"]}
    assert by_status == {
        "pending": 1,
        "processing": 1,
        "shipped": 1,
        "delivered": 1,
        "completed": 1,
        "cancelled": 2,
        "refunded": 1,
        "return_requested": 1,
    }
    # Last 7 days: 10 + 20 + 30.01 + 15 = 75.01 over 4 revenue orders → 18.7525 → 18.75.
    assert week["range_days"] == 7
    assert week["totals"]["total_revenue"] == Decimal("75.01")
    assert week["totals"]["total_orders"] == 6
    assert week["totals"]["avg_order_value"] == Decimal("18.75")
    assert week["totals"]["total_products"] == 1
    assert week["totals"]["total_customers"] == 9
    assert [row["status"] for row in week["orders_by_status"]] == ORDER_STATUSES
    assert [row["count"] for row in week["orders_by_status"]] == [1, 1, 0, 1, 0, 1, 1, 1]


def test_analytics_counts_active_products_now_and_customers_not_admins(admin_api):
    make_order(OrderStatus.PENDING, items=[(ProductFactory(is_active=False, created_at=ago(400)), 1, "1.00")])
    ProductFactory(created_at=ago(400))
    UserFactory(admin=True)

    totals = assert_success(admin_api.get(ANALYTICS, {"range_days": 1}), 200, "Analytics retrieved")["totals"]

    assert totals["total_products"] == 1  # active now, whenever it was created
    # The order's owner is the only customer (the admin caller and the extra admin do not count).
    assert totals["total_customers"] == 1


def test_analytics_of_an_empty_shop_has_zeros_and_all_eight_statuses(admin_api):
    data = assert_success(admin_api.get(ANALYTICS, {"range_days": "abc"}), 200, "Analytics retrieved")

    assert data == {
        "range_days": 0,
        "totals": {
            "total_revenue": 0,
            "total_orders": 0,
            "total_products": 0,
            "total_customers": 0,
            "avg_order_value": 0,
        },
        "orders_by_status": [{"status": status, "count": 0} for status in ORDER_STATUSES],
    }


def test_analytics_costs_at_most_six_queries_whatever_the_number_of_orders(
    admin_api, django_assert_max_num_queries
):
    for index in range(40):
        make_order(ORDER_STATUSES[index % 8], f"{index}.25", days_ago=index)
    with django_assert_max_num_queries(6):
        data = assert_success(admin_api.get(ANALYTICS, {"range_days": 30}), 200, "Analytics retrieved")
    assert data["totals"]["total_orders"] == 30
