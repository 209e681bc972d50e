"""E21, E22, E24, E25 and E23 (API.md §4.6): status codes, envelope, messages, ownership."""

from datetime import timedelta
from decimal import Decimal

import pytest

from cart.models import CartItem
from catalog.models import Product, Reservation
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import Payment, PaymentStatus
from tests.factories import (
    CartFactory,
    OrderFactory,
    PaymentFactory,
    ProductFactory,
    ReservationFactory,
    UserFactory,
    address,
    order_with_item,
)
from tests.helpers import ORDER_KEYS, PAYMENT_KEYS, PRODUCT_KEYS, assert_error
from tests.orders.helpers import checkout_body, fill_cart

pytestmark = pytest.mark.django_db

ITEM_KEYS = {
    "id",
    "order_id",
    "product_id",
    "product",
    "quantity",
    "price_at_time",
    "product_name",
    "product_sku",
    "line_total",
    "created_at",
}


# --- E21 POST /orders ----------------------------------------------------------------------------


def test_e21_card_checkout_answers_the_stored_processing_order(customer, customer_api):
    product = ProductFactory(price=Decimal("19.99"), stock_quantity=5)
    fill_cart(customer, (product, 2))

    response = customer_api.post("/api/v1/orders", checkout_body("cc", payment_token="tok_visa"))

    body = response.json()
    assert response.status_code == 201, body
    assert body["success"] is True
    assert body["message"] == "Order created successfully"
    data = body["data"]
    assert set(data) == ORDER_KEYS
    order = Order.objects.get()
    assert data["id"] == str(order.pk)
    assert data["user_id"] == str(customer.pk)
    assert data["status"] == "processing"
    assert data["total_amount"] == 39.98
    assert data["payment"]["status"] == "completed"
    assert set(data["payment"]) == PAYMENT_KEYS
    assert [item["id"] for item in data["items"]] == [str(i.pk) for i in order.items.all()]
    item = data["items"][0]
    assert set(item) == ITEM_KEYS
    assert set(item["product"]) == PRODUCT_KEYS
    assert item["order_id"] == str(order.pk)
    assert (item["quantity"], item["price_at_time"], item["line_total"]) == (2, 19.99, 39.98)
    assert item["product"]["stock"] == 3
    assert [(e["from_status"], e["to_status"], e["note"]) for e in data["status_history"]] == [
        (None, "pending", ""),
        ("pending", "processing", "payment captured"),
    ]
    assert data["order_number"].startswith("ORD-")
    assert data["created_at"].endswith("Z")
    assert data["delivered_at"] is None


def test_e21_cod_checkout_is_pending_without_payment(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))

    response = customer_api.post("/api/v1/orders", checkout_body("cod"))

    data = response.json()["data"]
    assert response.status_code == 201
    assert (data["status"], data["payment"], data["payment_method"]) == ("pending", None, "cod")


@pytest.mark.parametrize(("method", "token"), [("cod", None), ("cc", "tok_visa"), ("dc", "tok_decline")])
def test_e21_answer_is_the_order_as_e24_reads_it(customer, customer_api, method, token):
    """Cash on delivery answers from the rows checkout wrote (its items read back); a card reads the order
    back after the payment step: either way the answer is what E24 gives for the order."""
    other = ProductFactory(stock_quantity=9)
    fill_cart(customer, (ProductFactory(price=Decimal("2.50"), stock_quantity=7), 2), (other, 3))
    ReservationFactory(product=other, quantity=4)  # another cart's hold: in `reserved` and `available`

    body = checkout_body(method, **({"payment_token": token} if token else {}))
    created = customer_api.post("/api/v1/orders", body)

    assert created.status_code == 201, created.json()
    data = created.json()["data"]
    assert data == customer_api.get(f"/api/v1/orders/{data['id']}").json()["data"]
    assert sorted((i["quantity"], i["product"]["stock"]) for i in data["items"]) == [
        (2, 5),
        (3, 2),
    ]  # 9 - 3 - 4 held


def test_e21_declined_card_is_201_pending_with_failed_payment(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))

    response = customer_api.post("/api/v1/orders", checkout_body("dc", payment_token="tok_decline"))

    data = response.json()["data"]
    assert response.status_code == 201
    assert data["status"] == "pending"
    assert data["payment"]["status"] == "failed"
    assert data["payment"]["payment_details"] == {"decline_code": "card_declined"}
    assert data["payment"]["transaction_id"].startswith("TXN-")


def test_e21_empty_cart_is_400_cart_empty(customer_api):
    response = customer_api.post("/api/v1/orders", checkout_body())
    assert_error(response, 400, "cart_empty", "Failed to create order", "cart is empty")


def test_e21_insufficient_stock_is_409_with_details_and_nothing_written(customer, customer_api):
    product = ProductFactory(name="Gaming Laptop", stock_quantity=20)
    cart = fill_cart(customer, (product, 25), reserve=False)

    response = customer_api.post("/api/v1/orders", checkout_body())

    body = assert_error(
        response,
        409,
        "insufficient_stock",
        "Failed to create order",
        "Insufficient stock for Gaming Laptop. Available: 20",
    )
    assert body["details"] == {"product_id": str(product.pk), "requested": 25, "available": 20}
    assert not Order.objects.exists()
    assert Product.objects.get(pk=product.pk).stock_quantity == 20
    assert CartItem.objects.get(cart=cart).quantity == 25


def test_e21_inactive_product_is_409_no_longer_available(customer, customer_api):
    product = ProductFactory(name="Old Phone", inactive=True)
    fill_cart(customer, (product, 1))

    response = customer_api.post("/api/v1/orders", checkout_body())

    body = assert_error(
        response, 409, "insufficient_stock", "Failed to create order", "Old Phone is no longer available"
    )
    assert body["details"] == {"product_id": str(product.pk), "requested": 1, "available": 0}
    assert Reservation.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "payment_method"),
        ({"shipping_address": address()}, "payment_method"),
        ({"payment_method": "paypal", "shipping_address": address()}, "payment_method"),
        ({"payment_method": "CC", "shipping_address": address()}, "payment_method"),
        ({"payment_method": "COD", "shipping_address": address()}, "payment_method"),
        ({"payment_method": "card", "shipping_address": address()}, "payment_method"),
        ({"payment_method": "   ", "shipping_address": address()}, "payment_method"),
        ({"payment_method": ["cc"], "shipping_address": address()}, "payment_method"),
        ({"payment_method": "cc", "shipping_address": address(street="x" * 256)}, "shipping_address.street"),
        ({"payment_method": "cc", "shipping_address": address(city={"a": 1})}, "shipping_address.city"),
        ({"payment_method": "cc", "shipping_address": [address()]}, "shipping_address"),
        ({"payment_method": "cc", "shipping_address": address(), "billing_address": "x"}, "billing_address"),
        ({"payment_method": "cc"}, "shipping_address"),
        ({"payment_method": "cc", "shipping_address": "London"}, "shipping_address"),
        ({"payment_method": "cc", "shipping_address": address(city=None)}, "shipping_address.city"),
        ({"payment_method": "cc", "shipping_address": address(street="   ")}, "shipping_address.street"),
        ({"payment_method": "cc", "shipping_address": address(state="x" * 256)}, "shipping_address.state"),
        (
            {"payment_method": "cc", "shipping_address": address(full_name="a\x00b")},
            "shipping_address.full_name",
        ),
        (
            {"payment_method": "cc", "shipping_address": address(), "billing_address": {"full_name": "B"}},
            "billing_address.street",
        ),
        (
            {"payment_method": "cc", "shipping_address": address(), "payment_token": "t" * 256},
            "payment_token",
        ),
        ({"payment_method": "cc", "shipping_address": address(), "payment_token": ["tok"]}, "payment_token"),
    ],
)
def test_e21_invalid_body_is_400_naming_the_field_and_writes_nothing(customer, customer_api, body, field):
    fill_cart(customer, (ProductFactory(), 1))

    response = customer_api.post("/api/v1/orders", body)

    result = assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert field in result["errors"]
    assert not Order.objects.exists()


def test_e21_validation_lists_every_failing_field(customer_api):
    response = customer_api.post("/api/v1/orders", {"shipping_address": {"city": "Oslo"}})
    errors = response.json()["errors"]
    assert {
        "payment_method",
        "shipping_address.full_name",
        "shipping_address.street",
        "shipping_address.country",
        "shipping_address.postal_code",
    } <= set(errors)
    assert "shipping_address.city" not in errors


def test_e21_malformed_json_is_400_invalid_json(customer_api):
    response = customer_api.generic("POST", "/api/v1/orders", "{not json", content_type="application/json")
    assert_error(response, 400, "invalid_json", "Invalid request body", "malformed JSON body")


def test_e21_requires_authentication(api):
    response = api.post("/api/v1/orders", checkout_body())
    assert_error(response, 401, "unauthorized", "Unauthorized")


def test_e21_strings_are_trimmed_and_token_is_not_stored(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))

    response = customer_api.post(
        "/api/v1/orders",
        checkout_body(shipping_address=address(city="  Leeds "), payment_token=" tok_secret_42 "),
    )

    assert response.status_code == 201
    order = Order.objects.get()
    assert order.shipping_address["city"] == "Leeds"
    stored = (
        str(list(Payment.objects.values()))
        + str(list(Order.objects.values()))
        + str(list(OrderEvent.objects.values()))
    )
    assert "tok_secret_42" not in stored


def test_e21_payment_method_is_trimmed_like_every_string(customer, customer_api):
    """API.md §1.2: a string's surrounding whitespace is trimmed, a choice's too."""
    fill_cart(customer, (ProductFactory(), 1))

    response = customer_api.post("/api/v1/orders", checkout_body(" cod "))

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["payment_method"] == "cod"


def test_e21_address_values_of_255_characters_are_accepted(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    long = "x" * 255

    response = customer_api.post(
        "/api/v1/orders", checkout_body("cod", shipping_address=address(street=long, phone=long))
    )

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["billing_address"]["street"] == long


# --- E22 GET /orders -----------------------------------------------------------------------------


def test_e22_lists_own_orders_newest_first_with_items_and_meta(customer, customer_api):
    older, _ = order_with_item(customer)
    newer, _ = order_with_item(customer)
    Order.objects.filter(pk=older.pk).update(created_at=newer.created_at - timedelta(minutes=1))
    order_with_item(UserFactory())

    response = customer_api.get("/api/v1/orders")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Orders retrieved successfully"
    orders = body["data"]["orders"]
    assert [o["id"] for o in orders] == [str(newer.pk), str(older.pk)]
    assert all(len(o["items"]) == 1 and set(o) == ORDER_KEYS for o in orders)
    assert body["data"]["meta"] == {"page": 1, "limit": 10, "total": 2, "totalPages": 1}


def test_e22_order_is_newest_first_then_id_descending(customer, customer_api):
    orders = [OrderFactory(user=customer) for _ in range(3)]
    same_time = orders[0].created_at
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(created_at=same_time)
    newest = OrderFactory(user=customer)

    ids = [o["id"] for o in customer_api.get("/api/v1/orders").json()["data"]["orders"]]

    assert ids == [str(newest.pk)] + sorted((str(o.pk) for o in orders), reverse=True)


def test_e22_paginates_and_past_the_end_is_empty(customer, customer_api):
    for _ in range(3):
        OrderFactory(user=customer)

    page2 = customer_api.get("/api/v1/orders?page=2&limit=2").json()["data"]
    past = customer_api.get("/api/v1/orders?page=9&limit=2").json()["data"]

    assert len(page2["orders"]) == 1
    assert page2["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    assert past["orders"] == []
    assert past["meta"]["total"] == 3


def test_e22_status_keeps_only_orders_in_that_status_case_insensitively(customer, customer_api):
    shipped = [OrderFactory(user=customer, status=OrderStatus.SHIPPED) for _ in range(3)]
    OrderFactory(user=customer, status=OrderStatus.PENDING)
    OrderFactory(user=customer, status=OrderStatus.DELIVERED)
    OrderFactory(user=UserFactory(), status=OrderStatus.SHIPPED)  # another shopper's

    for value in ("shipped", " SHIPPED ", "Shipped"):
        data = customer_api.get("/api/v1/orders", {"status": value}).json()["data"]
        assert {o["id"] for o in data["orders"]} == {str(o.pk) for o in shipped}, value
        assert {o["status"] for o in data["orders"]} == {"shipped"}
        assert data["meta"]["total"] == 3
    page = customer_api.get("/api/v1/orders", {"status": "shipped", "limit": 2, "page": 2}).json()["data"]
    assert page["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    returning = customer_api.get("/api/v1/orders", {"status": "return_requested"}).json()["data"]
    assert (returning["orders"], returning["meta"]["total"]) == ([], 0)


@pytest.mark.parametrize("junk", ["", "all", "shipping", "paid", "shipped\x00", "shipped,pending"])
def test_e22_an_unknown_status_is_ignored(customer, customer_api, junk):
    OrderFactory(user=customer, status=OrderStatus.SHIPPED)
    OrderFactory(user=customer, status=OrderStatus.PENDING)

    response = customer_api.get("/api/v1/orders", {"status": junk})

    assert response.status_code == 200
    assert response.json()["data"]["meta"]["total"] == 2


def test_e22_without_orders_is_an_empty_list(customer_api):
    data = customer_api.get("/api/v1/orders").json()["data"]
    assert data["orders"] == []
    assert data["meta"] == {"page": 1, "limit": 10, "total": 0, "totalPages": 0}


def test_e22_items_are_present_even_in_lists_and_show_current_product_stock(customer, customer_api):
    order, item = order_with_item(customer, stock=7)
    ReservationFactory(product=item.product, quantity=3)
    Product.objects.filter(pk=item.product_id).update(price=Decimal("12.50"))

    data = customer_api.get("/api/v1/orders").json()["data"]["orders"][0]["items"][0]

    assert data["price_at_time"] == 10.0
    assert data["product"]["price"] == 12.5
    assert (data["product"]["stock"], data["product"]["reserved"], data["product"]["stock_quantity"]) == (
        4,
        3,
        7,
    )


# --- E24 GET /orders/:id -------------------------------------------------------------------------


def test_e24_owner_gets_the_order_without_user_key(customer, customer_api):
    order, _ = order_with_item(customer)
    PaymentFactory(order=order, failed=True)

    response = customer_api.get(f"/api/v1/orders/{order.pk}")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Order retrieved successfully"
    assert set(body["data"]) == ORDER_KEYS
    assert body["data"]["payment"]["status"] == "failed"
    assert body["data"]["status_history"][0]["from_status"] is None


def test_e24_admin_gets_any_order_as_admin_order(admin_api):
    owner = UserFactory()
    order, _ = order_with_item(owner)

    response = admin_api.get(f"/api/v1/orders/{order.pk}")

    data = response.json()["data"]
    assert response.status_code == 200
    assert set(data) == ORDER_KEYS | {"user"}
    assert data["user"] == {"id": str(owner.pk), "email": owner.email}


def test_e24_another_users_order_is_404(customer_api):
    order, _ = order_with_item(UserFactory())
    response = customer_api.get(f"/api/v1/orders/{order.pk}")
    assert_error(response, 404, "not_found", "Order not found", "not_found")


def test_e24_unknown_order_is_404(customer_api):
    response = customer_api.get("/api/v1/orders/00000000-0000-4000-8000-000000000000")
    assert_error(response, 404, "not_found", "Order not found", "not_found")


def test_e24_malformed_id_is_400_invalid_id(customer_api):
    response = customer_api.get("/api/v1/orders/not-a-uuid")
    assert_error(response, 400, "invalid_id", "Invalid order ID", "invalid UUID")


def test_e24_uppercase_uuid_is_accepted(customer, customer_api):
    order, _ = order_with_item(customer)
    assert customer_api.get(f"/api/v1/orders/{str(order.pk).upper()}").status_code == 200


# --- E25 PUT /orders/:id/cancel ------------------------------------------------------------------


def test_e25_owner_cancels_pending_order_stock_restored_and_event_by_owner(customer, customer_api):
    order, item = order_with_item(customer, quantity=2, stock=5)

    response = customer_api.put(f"/api/v1/orders/{order.pk}/cancel")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Order cancelled successfully"
    assert body["data"]["status"] == "cancelled"
    assert set(body["data"]) == ORDER_KEYS
    assert Product.objects.get(pk=item.product_id).stock_quantity == 7
    event = OrderEvent.objects.filter(order=order).latest("created_at")
    assert (event.from_status, event.to_status, event.actor_id) == ("pending", "cancelled", customer.pk)


def test_e25_processing_order_with_completed_payment_is_refunded_in_full(customer, customer_api):
    order, _ = order_with_item(customer, status=OrderStatus.PROCESSING)
    payment = PaymentFactory(order=order)

    response = customer_api.put(f"/api/v1/orders/{order.pk}/cancel")

    assert response.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, order.total_amount)
    assert response.json()["data"]["payment"]["status"] == "refunded"
    assert response.json()["data"]["payment"]["refunded_amount"] == 20.0


def test_e25_admin_cancels_any_order_and_gets_admin_order(admin_user, admin_api):
    order, _ = order_with_item(UserFactory(), status=OrderStatus.PROCESSING)

    response = admin_api.put(f"/api/v1/orders/{order.pk}/cancel")

    assert response.status_code == 200
    assert "user" in response.json()["data"]
    assert OrderEvent.objects.filter(order=order, to_status="cancelled").get().actor_id == admin_user.pk


@pytest.mark.parametrize(
    "status",
    [
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
        OrderStatus.CANCELLED,
        OrderStatus.REFUNDED,
        OrderStatus.RETURN_REQUESTED,
    ],
)
def test_e25_order_past_processing_is_409_and_unchanged(customer, customer_api, status):
    order, item = order_with_item(customer, status=status, stock=5)

    response = customer_api.put(f"/api/v1/orders/{order.pk}/cancel")

    assert_error(
        response,
        409,
        "invalid_transition",
        "Failed to cancel order",
        "order cannot be cancelled at this stage",
    )
    order.refresh_from_db()
    assert order.status == status
    assert Product.objects.get(pk=item.product_id).stock_quantity == 5
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_e25_another_users_order_is_404_and_unchanged(customer_api):
    order, _ = order_with_item(UserFactory())
    response = customer_api.put(f"/api/v1/orders/{order.pk}/cancel")
    assert_error(response, 404, "not_found", "Order not found", "not_found")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_e25_unknown_and_malformed_ids(customer_api):
    assert_error(
        customer_api.put("/api/v1/orders/00000000-0000-4000-8000-000000000000/cancel"),
        404,
        "not_found",
        "Order not found",
    )
    assert_error(
        customer_api.put("/api/v1/orders/123/cancel"), 400, "invalid_id", "Invalid order ID", "invalid UUID"
    )


def test_e25_ignores_the_body_even_malformed_json(customer, customer_api):
    order, _ = order_with_item(customer)
    response = customer_api.generic(
        "PUT", f"/api/v1/orders/{order.pk}/cancel", "{oops", content_type="application/json"
    )
    assert response.status_code == 200


def test_e25_wrong_method_is_405(customer, customer_api):
    order, _ = order_with_item(customer)
    response = customer_api.post(f"/api/v1/orders/{order.pk}/cancel")
    assert_error(response, 405, "method_not_allowed", "Method not allowed")


# --- E23 GET /orders/:id/payment -----------------------------------------------------------------


def test_e23_returns_the_latest_payment(customer, customer_api):
    order, _ = order_with_item(customer)
    failed = PaymentFactory(order=order, failed=True)
    latest = PaymentFactory(order=order)
    Payment.objects.filter(pk=failed.pk).update(created_at=latest.created_at - timedelta(minutes=1))

    response = customer_api.get(f"/api/v1/orders/{order.pk}/payment")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Payment retrieved successfully"
    assert body["data"]["id"] == str(latest.pk)
    assert set(body["data"]) == PAYMENT_KEYS


def test_e23_order_without_payment_is_404_payment_not_found(customer, customer_api):
    order, _ = order_with_item(customer, payment_method="cod")
    response = customer_api.get(f"/api/v1/orders/{order.pk}/payment")
    assert_error(response, 404, "not_found", "Payment not found", "not_found")


def test_e23_another_users_order_is_404_order_not_found(customer_api):
    order, _ = order_with_item(UserFactory())
    PaymentFactory(order=order)
    response = customer_api.get(f"/api/v1/orders/{order.pk}/payment")
    assert_error(response, 404, "not_found", "Order not found", "not_found")


def test_e23_admin_reads_any_orders_payment(admin_api):
    order, _ = order_with_item(UserFactory())
    payment = PaymentFactory(order=order)
    response = admin_api.get(f"/api/v1/orders/{order.pk}/payment")
    assert response.json()["data"]["id"] == str(payment.pk)


def test_e23_malformed_id_is_400(customer_api):
    assert_error(customer_api.get("/api/v1/orders/xyz/payment"), 400, "invalid_id", "Invalid order ID")


def test_unknown_cart_does_not_matter_for_reads(customer_api, customer):
    CartFactory(user=customer)
    assert customer_api.get("/api/v1/orders").status_code == 200
