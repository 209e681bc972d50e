"""E15–E20 over HTTP: every row of their tables, the Cart/CartItem shapes, ownership and query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart.models import Cart, CartItem
from catalog.models import Product, Reservation
from tests.factories import CartFactory, CartItemFactory, ProductFactory, ReservationFactory, UserFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart"
VALIDATE = "/api/v1/cart/validate"
ITEMS = "/api/v1/cart/items"
UNKNOWN = "6f1c1d2e-1111-4a4a-8b8b-123456789abc"
CART_KEYS = {"id", "user_id", "items", "total_amount", "item_count", "expires_at", "created_at", "updated_at"}
ITEM_KEYS = {
    "id",
    "cart_id",
    "product_id",
    "product",
    "quantity",
    "line_total",
    "reserved_until",
    "created_at",
}


def add(client, product, quantity):
    return client.post(ITEMS, {"product_id": str(product.pk), "quantity": quantity})


def item_url(item_id) -> str:
    return f"{ITEMS}/{item_id}"


def reservation_of(user, product) -> Reservation | None:
    return Reservation.objects.filter(cart__user=user, product=product).first()


def line_of(user, product) -> CartItem | None:
    return CartItem.objects.filter(cart__user=user, product=product).first()


def other_cart_holds(product, quantity):
    """Another shopper's line with an active reservation of `quantity` units."""
    line = CartItemFactory(product=product, quantity=quantity)
    ReservationFactory(cart=line.cart, product=product, quantity=quantity)
    return line


# --- E15: GET /cart ------------------------------------------------------------------------------------


def test_first_read_creates_an_empty_cart(customer_api, customer):
    response = customer_api.get(CART)

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Cart retrieved successfully"
    assert set(body["data"]) == CART_KEYS
    assert body["data"]["user_id"] == str(customer.pk)
    assert body["data"]["items"] == []
    assert (body["data"]["total_amount"], body["data"]["item_count"], body["data"]["expires_at"]) == (
        0,
        0,
        None,
    )
    assert Cart.objects.filter(user=customer).count() == 1
    assert customer_api.get(CART).json()["data"]["id"] == body["data"]["id"]


def test_cart_lists_lines_newest_first_with_totals_at_current_prices(customer_api, customer):
    cart = CartFactory(user=customer)
    now = timezone.now()
    old = CartItemFactory(
        cart=cart,
        quantity=3,
        product=ProductFactory(price=Decimal("0.10")),
        created_at=now - timedelta(minutes=5),
    )
    new = CartItemFactory(
        cart=cart, quantity=1, product=ProductFactory(price=Decimal("319.96")), created_at=now
    )
    Product.objects.filter(pk=old.product_id).update(price=Decimal("0.20"))  # price changed since the add

    data = customer_api.get(CART).json()["data"]

    assert [item["id"] for item in data["items"]] == [str(new.pk), str(old.pk)]
    assert set(data["items"][0]) == ITEM_KEYS
    assert data["items"][1]["line_total"] == 0.6
    assert data["items"][0]["line_total"] == 319.96
    assert data["total_amount"] == 320.56
    assert data["item_count"] == 4
    assert data["items"][0]["product"]["id"] == str(new.product_id)
    assert data["items"][0]["cart_id"] == str(cart.pk)


def test_expires_at_is_the_earliest_active_hold_and_reserved_until_is_null_once_expired(
    customer_api, customer
):
    cart = CartFactory(user=customer)
    soon, later, lapsed = (CartItemFactory(cart=cart) for _ in range(3))
    now = timezone.now()
    ReservationFactory(cart=cart, product=soon.product, expires_at=now + timedelta(minutes=2))
    ReservationFactory(cart=cart, product=later.product, expires_at=now + timedelta(minutes=9))
    ReservationFactory(cart=cart, product=lapsed.product, expires_at=now - timedelta(seconds=1))

    data = customer_api.get(CART).json()["data"]

    until = {item["id"]: item["reserved_until"] for item in data["items"]}
    assert until[str(lapsed.pk)] is None
    assert until[str(soon.pk)] is not None and until[str(later.pk)] is not None
    assert data["expires_at"] == until[str(soon.pk)]
    assert data["expires_at"].endswith("Z")


def test_a_lines_product_stock_is_what_this_cart_can_hold_other_carts_holds_only(customer_api, customer):
    product = ProductFactory(stock_quantity=10)
    add(customer_api, product, 4)
    other_cart_holds(product, 3)

    product_data = customer_api.get(CART).json()["data"]["items"][0]["product"]

    # reserved counts every cart (§2.2); stock leaves this cart's own hold of 4 out (§2.4): 10 − 3
    assert (product_data["stock_quantity"], product_data["reserved"], product_data["stock"]) == (10, 7, 7)
    # the catalogue keeps the available-for-anyone meaning
    assert customer_api.get(f"/api/v1/products/{product.pk}").json()["data"]["stock"] == 3


def test_the_shoppers_own_hold_does_not_lower_the_stock_shown_on_its_line(customer_api):
    """The web client's cart page: 3 in stock, 2 in the cart must not say "Only 1 left"."""
    product = ProductFactory(stock_quantity=3)

    (item,) = add(customer_api, product, 2).json()["data"]["items"]

    assert (item["quantity"], item["product"]["stock"], item["product"]["reserved"]) == (2, 3, 2)
    (item,) = customer_api.get(CART).json()["data"]["items"]
    assert item["product"]["stock"] == 3


def test_another_carts_hold_lowers_the_stock_on_the_line(customer_api):
    product = ProductFactory(stock_quantity=10)
    other_cart_holds(product, 6)

    (item,) = add(customer_api, product, 1).json()["data"]["items"]

    assert item["product"]["stock"] == 4
    other_cart_holds(product, 5)  # more than on hand is held by others: floored at 0
    assert customer_api.get(CART).json()["data"]["items"][0]["product"]["stock"] == 0


def test_an_expired_hold_of_another_cart_does_not_count_on_the_line(customer_api):
    product = ProductFactory(stock_quantity=10)
    line = CartItemFactory(product=product, quantity=4)
    ReservationFactory(cart=line.cart, product=product, quantity=4, expired=True)

    (item,) = add(customer_api, product, 2).json()["data"]["items"]

    assert item["product"]["stock"] == 10


def test_the_line_can_be_updated_up_to_the_stock_it_shows_and_no_further(customer_api, customer):
    """The + button: the client lets the quantity grow while it is below `product.stock`."""
    product = ProductFactory(stock_quantity=5)
    other_cart_holds(product, 2)
    (item,) = add(customer_api, product, 1).json()["data"]["items"]
    assert item["product"]["stock"] == 3

    for quantity in (2, 3):
        response = customer_api.put(item_url(item["id"]), {"quantity": quantity})
        assert response.status_code == 200, response.json()
        (item,) = response.json()["data"]["items"]
        assert (item["quantity"], item["product"]["stock"]) == (quantity, 3)

    response = customer_api.put(item_url(item["id"]), {"quantity": 4})
    content = assert_error(
        response, 409, "insufficient_stock", "Failed to update cart item", "insufficient stock"
    )
    assert content["details"] == {"product_id": str(product.pk), "requested": 4, "available": 3}
    assert reservation_of(customer, product).quantity == 3
    assert customer_api.get(VALIDATE).status_code == 200


def test_every_cart_answer_shows_the_stock_this_cart_can_hold(customer_api):
    first = ProductFactory(stock_quantity=8)
    second = ProductFactory(stock_quantity=6)
    other_cart_holds(first, 1)
    add(customer_api, first, 3)
    item_id = next(i["id"] for i in add(customer_api, second, 2).json()["data"]["items"])

    answers = [
        customer_api.get(CART),
        customer_api.put(item_url(item_id), {"quantity": 2}),
        customer_api.get(VALIDATE),
    ]

    for response in answers:
        assert response.status_code == 200, response.json()
        data = response.json()["data"]
        items = data.get("cart", data)["items"]
        assert {i["product_id"]: i["product"]["stock"] for i in items} == {
            str(first.pk): 7,
            str(second.pk): 6,
        }
    remaining = customer_api.delete(item_url(item_id)).json()["data"]["items"]
    assert [(i["product_id"], i["product"]["stock"]) for i in remaining] == [(str(first.pk), 7)]


def test_cart_needs_a_bearer_token(api):
    for method, url in (
        ("get", CART),
        ("get", VALIDATE),
        ("post", ITEMS),
        ("delete", CART),
        ("put", item_url(UNKNOWN)),
        ("delete", item_url(UNKNOWN)),
    ):
        response = getattr(api, method)(url)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_cart_read_costs_at_most_three_queries(customer_api, customer, django_assert_max_num_queries):
    cart = CartFactory(user=customer)
    for line in CartItemFactory.create_batch(10, cart=cart):
        ReservationFactory(cart=cart, product=line.product, quantity=line.quantity)
        other_cart_holds(line.product, 1)

    with django_assert_max_num_queries(3):
        response = customer_api.get(CART)

    assert len(response.json()["data"]["items"]) == 10


def test_first_cart_read_of_a_new_shopper_costs_at_most_three_queries(
    customer_api, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = customer_api.get(CART)

    assert response.status_code == 200


# --- E17: POST /cart/items -----------------------------------------------------------------------------


def test_add_creates_a_line_and_reserves_it_for_the_ttl(customer_api, customer):
    product = ProductFactory(stock_quantity=10, price=Decimal("12.50"))
    before = timezone.now()

    response = add(customer_api, product, 3)

    body = response.json()
    assert response.status_code == 201
    assert body["message"] == "Item added to cart successfully"
    (item,) = body["data"]["items"]
    assert (item["quantity"], item["line_total"], item["product"]["stock"]) == (3, 37.5, 10)
    reservation = reservation_of(customer, product)
    assert reservation.quantity == 3
    assert before + timedelta(minutes=10) <= reservation.expires_at <= timezone.now() + timedelta(minutes=10)
    assert item["reserved_until"] == reservation.expires_at.isoformat().replace("+00:00", "Z")
    assert body["data"]["expires_at"] == item["reserved_until"]
    assert line_of(customer, product).unit_price == Decimal("12.50")


def test_adding_again_grows_the_one_line_and_its_reservation(customer_api, customer):
    product = ProductFactory(stock_quantity=10)
    first = add(customer_api, product, 2).json()["data"]["items"][0]

    response = add(customer_api, product, 5)

    assert response.status_code == 201
    (item,) = response.json()["data"]["items"]
    assert (item["id"], item["quantity"]) == (first["id"], 7)
    assert reservation_of(customer, product).quantity == 7
    assert Reservation.objects.count() == 1


def test_adding_records_the_current_price_on_the_line(customer_api, customer):
    product = ProductFactory(price=Decimal("10.00"))
    add(customer_api, product, 1)
    Product.objects.filter(pk=product.pk).update(price=Decimal("11.00"))

    add(customer_api, product, 1)

    assert line_of(customer, product).unit_price == Decimal("11.00")


def test_add_of_an_unknown_product_is_not_found(customer_api):
    response = customer_api.post(ITEMS, {"product_id": UNKNOWN, "quantity": 1})

    assert_error(response, 404, "not_found", "Product not found", "not_found")


def test_add_of_an_inactive_product_is_not_found_and_writes_nothing(customer_api):
    product = ProductFactory(is_active=False)

    response = add(customer_api, product, 1)

    assert_error(response, 404, "not_found", "Product not found", "not_found")
    assert not CartItem.objects.exists() and not Reservation.objects.exists()


def test_add_beyond_available_is_insufficient_stock_and_changes_nothing(customer_api, customer):
    product = ProductFactory(stock_quantity=10)
    other_cart_holds(product, 6)
    add(customer_api, product, 3)
    reservation = reservation_of(customer, product)

    response = add(customer_api, product, 2)

    body = assert_error(
        response, 409, "insufficient_stock", "Failed to add item to cart", "insufficient stock"
    )
    assert body["details"] == {"product_id": str(product.pk), "requested": 5, "available": 4}
    assert line_of(customer, product).quantity == 3
    unchanged = reservation_of(customer, product)
    assert (unchanged.quantity, unchanged.expires_at) == (3, reservation.expires_at)


def test_a_first_add_beyond_available_writes_no_line_and_no_hold(customer_api, customer):
    """The new line is written in the hold's round trip (shop.statements.run_along): the 409 rolls it back."""
    product = ProductFactory(stock_quantity=4)
    other_cart_holds(product, 3)

    response = add(customer_api, product, 2)

    body = assert_error(
        response, 409, "insufficient_stock", "Failed to add item to cart", "insufficient stock"
    )
    assert body["details"] == {"product_id": str(product.pk), "requested": 2, "available": 1}
    assert not CartItem.objects.filter(cart__user=customer).exists()
    assert not Reservation.objects.filter(cart__user=customer).exists()


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ({}, {"product_id", "quantity"}),
        ({"product_id": UNKNOWN}, {"quantity"}),
        ({"quantity": 1}, {"product_id"}),
        ({"product_id": "not-a-uuid", "quantity": 1}, {"product_id"}),
        ({"product_id": 12345, "quantity": 1}, {"product_id"}),
        ({"product_id": UNKNOWN.replace("-", ""), "quantity": 1}, {"product_id"}),
        ({"product_id": "{" + UNKNOWN + "}", "quantity": 1}, {"product_id"}),
        ({"product_id": "urn:uuid:" + UNKNOWN, "quantity": 1}, {"product_id"}),
        ({"product_id": UNKNOWN + "\x00", "quantity": 1}, {"product_id"}),
        ({"product_id": "   ", "quantity": 1}, {"product_id"}),
        ({"product_id": UNKNOWN, "quantity": 0}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": -2}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": 1001}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": 1.5}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": "two"}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": True}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": "1_0"}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": "\u0662"}, {"quantity"}),
        ({"product_id": UNKNOWN, "quantity": "\uff13"}, {"quantity"}),
        ({"product_id": None, "quantity": None}, {"product_id", "quantity"}),
    ],
)
def test_add_with_bad_fields_is_a_validation_error_keyed_by_field(customer_api, body, keys):
    response = customer_api.post(ITEMS, body)

    assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert set(response.json()["errors"]) == keys


def test_add_takes_the_product_id_trimmed_and_in_any_case(customer_api, customer):
    product = ProductFactory(stock_quantity=10)

    padded = customer_api.post(ITEMS, {"product_id": f"  {product.pk}\n", "quantity": 1})
    upper = customer_api.post(ITEMS, {"product_id": str(product.pk).upper(), "quantity": 1})

    assert padded.status_code == 201, padded.json()
    assert upper.status_code == 201, upper.json()
    assert line_of(customer, product).quantity == 2


def test_add_accepts_the_quantity_bounds(customer_api):
    assert add(customer_api, ProductFactory(stock_quantity=1000), 1000).status_code == 201
    assert add(customer_api, ProductFactory(stock_quantity=5), 1).status_code == 201


def test_add_making_the_line_exceed_1000_is_a_validation_error_on_quantity(customer_api, customer):
    product = ProductFactory(stock_quantity=5000)
    add(customer_api, product, 999)

    response = add(customer_api, product, 2)

    assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert list(response.json()["errors"]) == ["quantity"]
    assert line_of(customer, product).quantity == 999
    assert reservation_of(customer, product).quantity == 999


def test_malformed_json_body_is_invalid_json(customer_api):
    response = customer_api.generic("POST", ITEMS, b'{"product_id": ', content_type="application/json")

    assert_error(response, 400, "invalid_json", "Invalid request body", "malformed JSON body")


def test_cart_add_costs_at_most_seven_queries(customer_api, customer, django_assert_max_num_queries):
    """Issue 19 pins cart add at 8 or fewer. Five statements (authentication, the cart's upsert, the product's
    lock with its line, the hold written with the line in one round trip, the answer's read) and the
    savepoint pair of the test's own transaction."""
    cart = CartFactory(user=customer)
    for line in CartItemFactory.create_batch(5, cart=cart):
        ReservationFactory(cart=cart, product=line.product, quantity=line.quantity)
    product = ProductFactory(stock_quantity=10)
    other_cart_holds(product, 2)

    with django_assert_max_num_queries(7):
        response = add(customer_api, product, 2)
    with django_assert_max_num_queries(7):
        grown = add(customer_api, product, 1)

    assert response.status_code == 201 and grown.status_code == 201
    assert len(grown.json()["data"]["items"]) == 6


def test_first_add_of_a_new_shopper_costs_at_most_seven_queries(customer_api, django_assert_max_num_queries):
    product = ProductFactory()

    with django_assert_max_num_queries(7):
        response = add(customer_api, product, 1)

    assert response.status_code == 201


# --- E18: PUT /cart/items/:itemId ----------------------------------------------------------------------


def test_update_sets_the_quantity_and_the_reservation_follows(customer_api, customer):
    product = ProductFactory(stock_quantity=10)
    item_id = add(customer_api, product, 8).json()["data"]["items"][0]["id"]

    response = customer_api.put(item_url(item_id), {"quantity": 2})

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Cart item updated successfully"
    assert body["data"]["items"][0]["quantity"] == 2
    assert body["data"]["items"][0]["product"]["stock"] == 10  # the line's own hold is not counted
    assert reservation_of(customer, product).quantity == 2


def test_update_to_the_same_quantity_refreshes_the_hold(customer_api, customer):
    product = ProductFactory(stock_quantity=10)
    item_id = add(customer_api, product, 4).json()["data"]["items"][0]["id"]
    Reservation.objects.update(expires_at=timezone.now() + timedelta(seconds=5))

    response = customer_api.put(item_url(item_id), {"quantity": 4})

    assert response.status_code == 200
    assert reservation_of(customer, product).expires_at > timezone.now() + timedelta(minutes=9)


def test_update_of_an_expired_line_holds_it_again(customer_api, customer):
    product = ProductFactory(stock_quantity=10)
    item_id = add(customer_api, product, 4).json()["data"]["items"][0]["id"]
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert customer_api.get(CART).json()["data"]["items"][0]["reserved_until"] is None

    response = customer_api.put(item_url(item_id), {"quantity": 5})

    assert response.status_code == 200
    assert response.json()["data"]["items"][0]["reserved_until"] is not None
    assert reservation_of(customer, product).quantity == 5


@pytest.mark.parametrize("bad_id", ["42", "not-a-uuid"])
def test_update_with_a_malformed_id_is_invalid_id_before_the_body_is_checked(customer_api, bad_id):
    response = customer_api.put(item_url(bad_id), {"quantity": 0})

    assert_error(response, 400, "invalid_id", "Invalid item ID", "invalid UUID")


def test_update_of_an_unknown_line_is_not_found(customer_api):
    response = customer_api.put(item_url(UNKNOWN), {"quantity": 1})

    assert_error(response, 404, "not_found", "Cart item not found", "not_found")


def test_update_of_another_users_line_is_not_found_and_leaves_it(customer_api, make_api):
    product = ProductFactory(stock_quantity=10)
    owner = UserFactory()
    item_id = add(make_api(owner), product, 2).json()["data"]["items"][0]["id"]

    response = customer_api.put(item_url(item_id), {"quantity": 5})

    assert_error(response, 404, "not_found", "Cart item not found", "not_found")
    assert CartItem.objects.get(pk=item_id).quantity == 2
    assert reservation_of(owner, product).quantity == 2


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1001}, "quantity"),
        ({"quantity": "x"}, "quantity"),
        ({"quantity": "1_0"}, "quantity"),
        ({"quantity": "\u0662"}, "quantity"),
    ],
)
def test_update_with_a_bad_quantity_is_a_validation_error(customer_api, body, key):
    item_id = add(customer_api, ProductFactory(), 1).json()["data"]["items"][0]["id"]

    response = customer_api.put(item_url(item_id), body)

    assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert list(response.json()["errors"]) == [key]


def test_update_beyond_available_is_insufficient_stock_and_changes_nothing(customer_api, customer):
    product = ProductFactory(stock_quantity=10)
    item_id = add(customer_api, product, 3).json()["data"]["items"][0]["id"]
    other_cart_holds(product, 5)
    held = reservation_of(customer, product)

    response = customer_api.put(item_url(item_id), {"quantity": 6})

    body = assert_error(
        response, 409, "insufficient_stock", "Failed to update cart item", "insufficient stock"
    )
    assert body["details"] == {"product_id": str(product.pk), "requested": 6, "available": 5}
    assert CartItem.objects.get(pk=item_id).quantity == 3
    assert (reservation_of(customer, product).quantity, reservation_of(customer, product).expires_at) == (
        3,
        held.expires_at,
    )


def test_update_of_a_line_whose_product_was_deactivated_is_insufficient_stock_with_nothing_available(
    customer_api, customer
):
    product = ProductFactory(stock_quantity=10)
    item_id = add(customer_api, product, 3).json()["data"]["items"][0]["id"]
    Product.objects.filter(pk=product.pk).update(is_active=False)

    response = customer_api.put(item_url(item_id), {"quantity": 1})

    body = assert_error(
        response, 409, "insufficient_stock", "Failed to update cart item", "insufficient stock"
    )
    assert body["details"] == {"product_id": str(product.pk), "requested": 1, "available": 0}
    assert CartItem.objects.get(pk=item_id).quantity == 3


# --- E19: DELETE /cart/items/:itemId -------------------------------------------------------------------


def test_remove_deletes_the_line_and_its_reservation(customer_api, customer):
    keep, drop = ProductFactory(), ProductFactory()
    add(customer_api, keep, 1)
    item_id = add(customer_api, drop, 2).json()["data"]["items"][0]["id"]

    response = customer_api.delete(item_url(item_id))

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Item removed from cart successfully"
    assert [item["product_id"] for item in body["data"]["items"]] == [str(keep.pk)]
    assert reservation_of(customer, drop) is None and line_of(customer, drop) is None
    assert reservation_of(customer, keep) is not None


@pytest.mark.parametrize("bad_id", ["42", "nope"])
def test_remove_with_a_malformed_id_is_invalid_id(customer_api, bad_id):
    response = customer_api.delete(item_url(bad_id))

    assert_error(response, 400, "invalid_id", "Invalid item ID", "invalid UUID")


def test_remove_of_an_unknown_line_is_not_found(customer_api):
    response = customer_api.delete(item_url(UNKNOWN))

    assert_error(response, 404, "not_found", "Cart item not found", "not_found")


def test_remove_of_another_users_line_is_not_found_and_leaves_it(customer_api, make_api):
    product = ProductFactory()
    owner = UserFactory()
    item_id = add(make_api(owner), product, 1).json()["data"]["items"][0]["id"]

    response = customer_api.delete(item_url(item_id))

    assert_error(response, 404, "not_found", "Cart item not found", "not_found")
    assert CartItem.objects.filter(pk=item_id).exists()
    assert reservation_of(owner, product) is not None


# --- E20: DELETE /cart ---------------------------------------------------------------------------------


def test_clear_removes_every_line_and_reservation_of_the_cart_only(customer_api, customer):
    first, second = ProductFactory(), ProductFactory()
    cart_id = add(customer_api, first, 1).json()["data"]["id"]
    add(customer_api, second, 2)
    theirs = other_cart_holds(first, 1)

    response = customer_api.delete(CART)

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Cart cleared successfully"
    assert body["data"]["id"] == cart_id
    assert (body["data"]["items"], body["data"]["total_amount"], body["data"]["item_count"]) == ([], 0, 0)
    assert body["data"]["expires_at"] is None
    assert not CartItem.objects.filter(cart__user=customer).exists()
    assert not Reservation.objects.filter(cart__user=customer).exists()
    assert Cart.objects.filter(pk=cart_id).exists()
    assert (
        CartItem.objects.filter(pk=theirs.pk).exists()
        and Reservation.objects.filter(cart=theirs.cart).exists()
    )


def test_clear_of_an_empty_cart_is_fine(customer_api):
    response = customer_api.delete(CART)

    assert response.status_code == 200
    assert response.json()["data"]["items"] == []


# --- E16: GET /cart/validate ---------------------------------------------------------------------------


def test_empty_cart_is_valid(customer_api):
    response = customer_api.get(VALIDATE)

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Cart is valid"
    assert body["data"]["valid"] is True
    assert body["data"]["warnings"] == []
    assert body["data"]["cart"]["items"] == []


def test_valid_cart_answers_the_cart_and_price_change_warnings(customer_api):
    product = ProductFactory(name="Gaming Laptop", price=Decimal("1499.99"), stock_quantity=5)
    add(customer_api, product, 2)
    Product.objects.filter(pk=product.pk).update(price=Decimal("1299.5"))

    response = customer_api.get(VALIDATE)

    data = response.json()["data"]
    assert response.status_code == 200
    assert data["valid"] is True
    assert data["warnings"] == ["Price of Gaming Laptop changed from 1499.99 to 1299.50"]
    assert data["cart"]["items"][0]["line_total"] == 2599.0
    assert set(data["cart"]) == CART_KEYS


def test_own_expired_reservation_does_not_count_against_the_cart(customer_api):
    product = ProductFactory(stock_quantity=5)
    add(customer_api, product, 5)
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert customer_api.get(VALIDATE).status_code == 200


def test_insufficient_stock_fails_validation_with_the_409_body(customer_api):
    product = ProductFactory(name="Gaming Laptop", stock_quantity=45)
    add(customer_api, product, 25)
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    other_cart_holds(product, 25)

    response = customer_api.get(VALIDATE)

    body = assert_error(response, 409, "cart_invalid", "Cart validation failed", "cart validation failed")
    assert body["data"] == {
        "valid": False,
        "errors": ["Insufficient stock for Gaming Laptop. Available: 20"],
        "items": [
            {"product_id": str(product.pk), "requested": 25, "available": 20, "reason": "insufficient_stock"}
        ],
        "warnings": [],
    }


def test_inactive_product_fails_validation(customer_api):
    product = ProductFactory(name="Old Phone", stock_quantity=10)
    add(customer_api, product, 1)
    Product.objects.filter(pk=product.pk).update(is_active=False)

    response = customer_api.get(VALIDATE)

    data = assert_error(response, 409, "cart_invalid", "Cart validation failed", "cart validation failed")[
        "data"
    ]
    assert data["errors"] == ["Old Phone is no longer available"]
    assert data["items"] == [
        {"product_id": str(product.pk), "requested": 1, "available": 0, "reason": "inactive"}
    ]


def test_validation_lists_every_failing_line_and_keeps_warnings(customer_api):
    gone = ProductFactory(name="Gone", stock_quantity=10)
    short = ProductFactory(name="Short", stock_quantity=3, price=Decimal("2.00"))
    add(customer_api, gone, 1)
    add(customer_api, short, 3)
    Product.objects.filter(pk=gone.pk).update(is_active=False)
    Product.objects.filter(pk=short.pk).update(stock_quantity=1, price=Decimal("3.00"))

    data = customer_api.get(VALIDATE).json()["data"]

    assert data["valid"] is False
    assert data["errors"] == ["Insufficient stock for Short. Available: 1", "Gone is no longer available"]
    assert [item["reason"] for item in data["items"]] == ["insufficient_stock", "inactive"]
    assert data["warnings"] == ["Price of Short changed from 2.00 to 3.00"]


def test_validate_of_a_cart_with_lines_costs_at_most_three_queries(
    customer_api, django_assert_max_num_queries
):
    for _ in range(5):
        add(customer_api, ProductFactory(), 1)

    with django_assert_max_num_queries(3):
        response = customer_api.get(VALIDATE)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("patch", CART, {"GET", "HEAD", "DELETE"}),
        ("post", CART, {"GET", "HEAD", "DELETE"}),
        ("post", VALIDATE, {"GET", "HEAD"}),
        ("get", ITEMS, {"POST"}),
        ("get", item_url(UNKNOWN), {"PUT", "DELETE"}),
    ],
)
def test_wrong_method_on_a_cart_route_is_405_before_authentication(api, method, path, allowed):
    response = getattr(api, method)(path)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert {m.strip() for m in response["Allow"].split(",")} == allowed
