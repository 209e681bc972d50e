"""API.md §5.2's worked example, replayed end to end over HTTP: three shoppers and one product of 100
units, through E17 (add), E21 (the real checkout), E16 (validate) and E11 (the product's figures).

Time is controlled, never slept: step 5 moves B's reservation `expires_at` into the past through the ORM,
which is all "10 minutes pass" means to the rules (a reservation counts while `expires_at` > now).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart.models import CartItem
from catalog.models import Reservation
from orders.models import Order, OrderItem
from tests.factories import ProductFactory, UserFactory
from tests.orders.helpers import checkout_body

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/cart/items"
ORDERS = "/api/v1/orders"


def figures(api, product) -> tuple[int, int, int]:
    """(`stock_quantity`, `reserved`, `stock`) as the public catalogue shows them."""
    data = api.get(f"/api/v1/products/{product.pk}").json()["data"]
    return data["stock_quantity"], data["reserved"], data["stock"]


def cart_lines(client) -> list[tuple[int, str | None]]:
    """(quantity, reserved_until) of every line of the caller's cart (E15)."""
    response = client.get("/api/v1/cart")
    assert response.status_code == 200
    return [(item["quantity"], item["reserved_until"]) for item in response.json()["data"]["items"]]


def test_the_worked_example_of_section_5_2_over_http(api, make_api, settings):
    settings.STOCK_RESERVATION_TTL_MINUTES = Decimal("10")
    product = ProductFactory(stock_quantity=100, price=Decimal("10.00"), name="Gaming Laptop")
    a_user, b_user, c_user = UserFactory(), UserFactory(), UserFactory()
    a, b, c = make_api(a_user), make_api(b_user), make_api(c_user)
    add = {"product_id": str(product.pk)}

    # 0: nothing held.
    assert figures(api, product) == (100, 0, 100)

    # 1: A holds 30 for the TTL.
    before = timezone.now()
    response = a.post(ITEMS, {**add, "quantity": 30})
    assert response.status_code == 201, response.json()
    a_hold = Reservation.objects.get(cart__user=a_user, product=product)
    assert a_hold.quantity == 30
    assert before + timedelta(minutes=10) <= a_hold.expires_at <= timezone.now() + timedelta(minutes=10)
    assert figures(api, product) == (100, 30, 70)

    # 2: B holds 50 (100 − 30 = 70 ≥ 50).
    assert b.post(ITEMS, {**add, "quantity": 50}).status_code == 201
    assert figures(api, product) == (100, 80, 20)

    # 3: C asks for 25 of the 20 left: refused, C's cart unchanged.
    response = c.post(ITEMS, {**add, "quantity": 25})
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["message"], body["error"]) == (
        "insufficient_stock",
        "Failed to add item to cart",
        "insufficient stock",
    )
    assert body["details"] == {"product_id": str(product.pk), "requested": 25, "available": 20}
    assert cart_lines(c) == []
    assert not Reservation.objects.filter(cart__user=c_user).exists()
    assert figures(api, product) == (100, 80, 20)

    # 4: A checks out: an order for 30; A's line and reservation are gone.
    response = a.post(ORDERS, checkout_body("cod"))
    assert response.status_code == 201, response.json()
    order = response.json()["data"]
    assert [(item["product_id"], item["quantity"]) for item in order["items"]] == [(str(product.pk), 30)]
    assert order["total_amount"] == Decimal("300.00")
    assert cart_lines(a) == []
    assert not Reservation.objects.filter(cart__user=a_user).exists()
    assert figures(api, product) == (70, 50, 20)

    # 5: B's hold expires. The line stays (no `reserved_until`), the stock is free, and B is still valid.
    Reservation.objects.filter(cart__user=b_user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert cart_lines(b) == [(50, None)]
    assert b.get("/api/v1/cart").json()["data"]["expires_at"] is None
    assert figures(api, product) == (70, 0, 70)
    response = b.get("/api/v1/cart/validate")
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["valid"] is True

    # 6: C now gets 25 (70 − 0 = 70 ≥ 25).
    assert c.post(ITEMS, {**add, "quantity": 25}).status_code == 201
    assert figures(api, product) == (70, 25, 45)

    # 7: B checks out 50 of the 45 left: refused, nothing written, B's cart unchanged.
    response = b.post(ORDERS, checkout_body("cod"))
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["message"]) == ("insufficient_stock", "Failed to create order")
    assert body["error"] == "Insufficient stock for Gaming Laptop. Available: 45"
    assert body["details"] == {"product_id": str(product.pk), "requested": 50, "available": 45}
    assert not Order.objects.filter(user=b_user).exists()
    assert OrderItem.objects.filter(product=product).count() == 1
    assert cart_lines(b) == [(50, None)]
    assert CartItem.objects.get(cart__user=b_user).quantity == 50
    assert figures(api, product) == (70, 25, 45)

    # ...and B's E16 now names the shortfall the same way.
    response = b.get("/api/v1/cart/validate")
    assert response.status_code == 409
    assert response.json()["data"]["items"] == [
        {"product_id": str(product.pk), "requested": 50, "available": 45, "reason": "insufficient_stock"}
    ]
