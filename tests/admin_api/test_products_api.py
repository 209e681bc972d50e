"""Admin products E31–E35 (API.md §4.9, §5.8): status codes, envelope, messages, and their rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cart.models import Cart, CartItem
from catalog.models import Product, Reservation
from orders.models import OrderItem, OrderStatus
from tests.factories import CartFactory, CartItemFactory, ProductFactory, ReservationFactory, ago, make_order
from tests.helpers import META_KEYS, PRODUCT_KEYS, assert_error, assert_success

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/admin/products"
TOP = "/api/v1/admin/products/top"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def url(product) -> str:
    return f"{PRODUCTS}/{product.pk}"


def new_product(**overrides):
    return {"sku": "SKU-NEW", "name": "New thing", "price": 12.5, **overrides}


# --- E31 create ----------------------------------------------------------------------------------


def test_create_answers_201_with_the_product_as_stored_and_defaults(admin_api):
    data = assert_success(admin_api.post(PRODUCTS, new_product()), 201, "Product created successfully")

    assert set(data) == PRODUCT_KEYS
    assert data["sku"] == "SKU-NEW"
    assert data["price"] == Decimal("12.5")
    assert (data["description"], data["category"], data["image_url"]) == ("", "", "")
    assert (data["stock"], data["stock_quantity"], data["reserved"]) == (0, 0, 0)
    assert data["is_active"] is True
    stored = Product.objects.get(pk=data["id"])
    assert stored.price == Decimal("12.50")


def test_create_rounds_the_price_half_up_to_cents(admin_api):
    data = assert_success(
        admin_api.post(PRODUCTS, new_product(price="9.995")), 201, "Product created successfully"
    )
    assert data["price"] == Decimal("10.00")
    assert Product.objects.get(pk=data["id"]).price == Decimal("10.00")


def test_create_accepts_a_zero_price_and_every_optional_field(admin_api):
    payload = new_product(
        price=0,
        description="Free sample",
        stock=2147483647,
        category="Samples",
        image_url="https://img.example.com/a.png",
        is_active=False,
    )
    data = assert_success(admin_api.post(PRODUCTS, payload), 201, "Product created successfully")

    assert data["price"] == 0
    assert (data["stock_quantity"], data["stock"]) == (2147483647, 2147483647)
    assert data["category"] == "Samples"
    assert data["image_url"] == "https://img.example.com/a.png"
    assert data["is_active"] is False


def test_create_with_a_used_sku_is_duplicate_sku_and_writes_nothing(admin_api):
    ProductFactory(sku="SKU-NEW", name="Original")

    assert_error(
        admin_api.post(PRODUCTS, new_product()),
        409,
        "duplicate_sku",
        "Failed to create product",
        "product with this SKU already exists",
    )
    assert Product.objects.filter(sku="SKU-NEW").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "price": 1}, "sku"),
        ({"sku": "", "name": "x", "price": 1}, "sku"),
        ({"sku": "S" * 101, "name": "x", "price": 1}, "sku"),
        ({"sku": "S", "price": 1}, "name"),
        ({"sku": "S", "name": "N" * 256, "price": 1}, "name"),
        ({"sku": "S", "name": "x"}, "price"),
        ({"sku": "S", "name": "x", "price": -0.01}, "price"),
        ({"sku": "S", "name": "x", "price": "abc"}, "price"),
        ({"sku": "S", "name": "x", "price": 100000000}, "price"),
        ({"sku": "S", "name": "x", "price": 1, "stock": -1}, "stock"),
        ({"sku": "S", "name": "x", "price": 1, "stock": 2147483648}, "stock"),
        ({"sku": "S", "name": "x", "price": 1, "stock": 1.5}, "stock"),
        # Python's int() would read these as 1000 and 3 (API.md §1.2: integers as clients write them).
        ({"sku": "S", "name": "x", "price": 1, "stock": "1_000"}, "stock"),
        ({"sku": "S", "name": "x", "price": 1, "stock": "\u0663"}, "stock"),
        ({"sku": "S", "name": "x", "price": 1, "category": "C" * 101}, "category"),
        ({"sku": "S", "name": "x", "price": 1, "image_url": "ftp://example.com/a.png"}, "image_url"),
        ({"sku": "S", "name": "x", "price": 1, "image_url": "not a url"}, "image_url"),
        ({"sku": "S", "name": "x", "price": 1, "image_url": "https://e.com/" + "a" * 490}, "image_url"),
        ({"sku": "S", "name": "x", "price": 1, "is_active": "maybe"}, "is_active"),
        # Strings and booleans of their own JSON type only, as the Go service's decoder took them.
        ({"sku": 0, "name": "x", "price": 1}, "sku"),
        ({"sku": "S", "name": 12.5, "price": 1}, "name"),
        ({"sku": "S", "name": "x", "price": 1, "category": 7}, "category"),
        ({"sku": "S", "name": "x", "price": 1, "description": False}, "description"),
        ({"sku": "S", "name": "x", "price": 1, "is_active": 0}, "is_active"),
        ({"sku": "S", "name": "x", "price": 1, "is_active": 1}, "is_active"),
        ({"sku": "S", "name": "x", "price": 1, "is_active": "true"}, "is_active"),
        (
            {"sku": "S", "name": "x", "price": 1, "image_url": "https://" + "a" * 64 + ".com/a.png"},
            "image_url",
        ),
        ({"sku": "S\x00", "name": "x", "price": 1}, "sku"),
    ],
)
def test_create_with_a_bad_field_is_a_validation_error_naming_it(admin_api, payload, field):
    content = assert_error(admin_api.post(PRODUCTS, payload), 400, "validation_error", "Validation failed")
    assert field in content["errors"]
    assert not Product.objects.exists()


def test_create_accepts_an_empty_image_url_and_a_500_character_one(admin_api):
    long_url = "https://e.com/" + "a" * (500 - len("https://e.com/"))
    assert_success(admin_api.post(PRODUCTS, new_product(image_url="")), 201, "Product created successfully")
    data = assert_success(
        admin_api.post(PRODUCTS, new_product(sku="SKU-2", image_url=long_url)),
        201,
        "Product created successfully",
    )
    assert data["image_url"] == long_url


def test_create_with_a_malformed_body_is_invalid_json(admin_api):
    response = admin_api.generic("POST", PRODUCTS, "[1, 2", content_type="application/json")
    assert_error(response, 400, "invalid_json", "Invalid request body", "malformed JSON body")


# --- E32 list ------------------------------------------------------------------------------------


def test_list_includes_inactive_products_newest_first_with_meta(admin_api):
    old = ProductFactory(created_at=ago(2))
    archived = ProductFactory(is_active=False, created_at=ago(1))
    new = ProductFactory()

    data = assert_success(admin_api.get(PRODUCTS), 200, "Products retrieved successfully")

    assert [row["id"] for row in data["products"]] == [str(new.pk), str(archived.pk), str(old.pk)]
    assert set(data["meta"]) == META_KEYS
    assert data["meta"] == {"page": 1, "limit": 10, "total": 3, "totalPages": 1}
    assert data["products"][1]["is_active"] is False


def test_list_range_days_keeps_products_created_in_range(admin_api):
    ProductFactory(created_at=ago(40))
    recent = ProductFactory(created_at=ago(3), is_active=False)

    data = assert_success(admin_api.get(PRODUCTS, {"range_days": 7}), 200, "Products retrieved successfully")
    assert [row["id"] for row in data["products"]] == [str(recent.pk)]

    for value in ("0", "-3", "abc", ""):
        data = assert_success(
            admin_api.get(PRODUCTS, {"range_days": value}), 200, "Products retrieved successfully"
        )
        assert data["meta"]["total"] == 2


def test_list_takes_the_web_clients_sort_words_and_ignores_an_unknown_sort(admin_api):
    cheap = ProductFactory(price=Decimal("1.00"), is_active=False, created_at=ago(minutes=5))
    dear = ProductFactory(price=Decimal("9.00"), created_at=ago(minutes=1))

    def ids(sort):
        data = assert_success(admin_api.get(PRODUCTS, {"sort": sort}), 200, "Products retrieved successfully")
        return [row["id"] for row in data["products"]]

    assert ids("price_asc") == ids("PRICE") == [str(cheap.pk), str(dear.pk)]
    assert ids("Price_Desc") == ids("newest") == ids("stock") == [str(dear.pk), str(cheap.pk)]
    assert ids("oldest") == [str(cheap.pk), str(dear.pk)]


def test_list_applies_the_public_filters(admin_api):
    match = ProductFactory(category="Tools", name="Blue hammer", price=Decimal("15.00"), is_active=False)
    ProductFactory(category="Tools", name="Red hammer", price=Decimal("50.00"))
    ProductFactory(category="Toys", name="Blue ball", price=Decimal("15.00"))
    ProductFactory(category="Tools", name="Blue saw", price=Decimal("15.00"), stock_quantity=0)

    query = {"category": "tools", "search": "BLUE", "max_price": "20", "in_stock": "true", "sort": "price"}
    data = assert_success(admin_api.get(PRODUCTS, query), 200, "Products retrieved successfully")

    assert [row["id"] for row in data["products"]] == [str(match.pk)]


@pytest.mark.parametrize(
    ("param", "value"),
    [("min_price", "abc"), ("max_price", "-1"), ("in_stock", "yes"), ("search", "a\x00")],
)
def test_list_with_a_bad_filter_is_a_validation_error_keyed_by_the_parameter(admin_api, param, value):
    content = assert_error(
        admin_api.get(PRODUCTS, {param: value}), 400, "validation_error", "Validation failed"
    )
    assert param in content["errors"]


def test_list_costs_at_most_three_queries_whatever_the_page_size(admin_api, django_assert_max_num_queries):
    for _ in range(25):
        product = ProductFactory()
        ReservationFactory(product=product, quantity=2)
    with django_assert_max_num_queries(3):
        data = assert_success(admin_api.get(PRODUCTS, {"limit": 100}), 200, "Products retrieved successfully")
    assert len(data["products"]) == 25
    assert {row["reserved"] for row in data["products"]} == {2}


# --- E33 update ----------------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent_and_keeps_the_stock(admin_api):
    product = ProductFactory(
        sku="KEEP", name="Old", description="Desc", price=Decimal("5.00"), stock_quantity=7, category="Cat"
    )
    ReservationFactory(product=product, quantity=2)

    data = assert_success(
        admin_api.put(url(product), {"name": "New", "price": "6.005"}), 200, "Product updated successfully"
    )

    assert data["name"] == "New"
    assert data["price"] == Decimal("6.01")
    assert (data["sku"], data["description"], data["category"]) == ("KEEP", "Desc", "Cat")
    assert (data["stock_quantity"], data["reserved"], data["stock"]) == (7, 2, 5)
    product.refresh_from_db()
    assert (product.name, product.price, product.stock_quantity) == ("New", Decimal("6.01"), 7)


def test_update_with_an_empty_body_changes_nothing(admin_api):
    product = ProductFactory(name="Same")
    data = assert_success(admin_api.put(url(product), {}), 200, "Product updated successfully")
    assert data["name"] == "Same"


def test_update_stock_below_what_is_reserved_shows_zero_available(admin_api):
    product = ProductFactory(stock_quantity=10)
    ReservationFactory(product=product, quantity=4)

    data = assert_success(admin_api.put(url(product), {"stock": 3}), 200, "Product updated successfully")

    assert (data["stock_quantity"], data["reserved"], data["stock"]) == (3, 4, 0)


def test_update_can_change_the_sku_to_an_unused_one_and_archive(admin_api):
    product = ProductFactory(sku="OLD")
    line = CartItemFactory(product=product)

    data = assert_success(
        admin_api.put(url(product), {"sku": "NEW", "is_active": False}), 200, "Product updated successfully"
    )

    assert (data["sku"], data["is_active"]) == ("NEW", False)
    assert CartItem.objects.filter(pk=line.pk).exists()  # the line stays; validation refuses it


def test_update_to_a_used_sku_is_duplicate_sku_and_changes_nothing(admin_api):
    ProductFactory(sku="TAKEN")
    product = ProductFactory(sku="MINE", name="Mine")

    assert_error(
        admin_api.put(url(product), {"sku": "TAKEN", "name": "Renamed"}),
        409,
        "duplicate_sku",
        "Failed to update product",
        "product with this SKU already exists",
    )
    product.refresh_from_db()
    assert (product.sku, product.name) == ("MINE", "Mine")


def test_update_to_its_own_sku_is_no_conflict(admin_api):
    product = ProductFactory(sku="MINE")
    assert_success(admin_api.put(url(product), {"sku": "MINE"}), 200, "Product updated successfully")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": -1}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": 2147483648}, "stock"),
        ({"sku": ""}, "sku"),
        ({"name": "   "}, "name"),
        ({"image_url": "javascript:alert(1)"}, "image_url"),
    ],
)
def test_update_with_a_bad_field_is_a_validation_error_and_changes_nothing(admin_api, payload, field):
    product = ProductFactory(name="Kept", price=Decimal("3.00"), stock_quantity=4)
    content = assert_error(admin_api.put(url(product), payload), 400, "validation_error", "Validation failed")
    assert field in content["errors"]
    product.refresh_from_db()
    assert (product.name, product.price, product.stock_quantity) == ("Kept", Decimal("3.00"), 4)


def test_update_with_a_malformed_id_is_invalid_id_before_the_body_is_read(admin_api):
    response = admin_api.put(f"{PRODUCTS}/not-a-uuid", {"price": -1})
    assert_error(response, 400, "invalid_id", "Invalid product ID", "invalid UUID")


def test_update_of_an_unknown_product_is_not_found(admin_api):
    assert_error(
        admin_api.put(f"{PRODUCTS}/{UNKNOWN_ID}", {"name": "x"}),
        404,
        "not_found",
        "Product not found",
        "not_found",
    )


# --- E34 delete / archive ------------------------------------------------------------------------


def test_delete_of_a_product_never_ordered_deletes_it_with_its_cart_lines_and_reservations(admin_api):
    product = ProductFactory()
    cart = CartFactory()
    CartItemFactory(cart=cart, product=product)
    ReservationFactory(cart=cart, product=product)
    other_line = CartItemFactory(cart=cart)
    before = Cart.objects.get(pk=cart.pk).updated_at

    content = assert_success(admin_api.delete(url(product)), 200, "Product deleted successfully")

    assert content is None  # `data: null`
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not CartItem.objects.filter(product_id=product.pk).exists()
    assert not Reservation.objects.filter(product_id=product.pk).exists()
    assert CartItem.objects.filter(pk=other_line.pk).exists()
    assert Cart.objects.get(pk=cart.pk).updated_at > before


def test_delete_answers_data_null(admin_api):
    product = ProductFactory()
    response = admin_api.delete(url(product))
    assert response.json() == {"success": True, "message": "Product deleted successfully", "data": None}


def test_delete_of_an_ordered_product_archives_it_and_orders_keep_it(admin_api, customer_api):
    product = ProductFactory()
    order = make_order(OrderStatus.DELIVERED, "10.00", items=[(product, 1, "10.00")])
    CartItemFactory(product=product)
    ReservationFactory(product=product, quantity=3)

    assert_success(admin_api.delete(url(product)), 200, "Product deleted successfully")

    product.refresh_from_db()
    assert product.is_active is False
    assert OrderItem.objects.get(order=order).product_id == product.pk
    assert not CartItem.objects.filter(product=product).exists()
    assert not Reservation.objects.filter(product=product).exists()
    assert_error(customer_api.get(f"/api/v1/products/{product.pk}"), 404, "not_found", "Product not found")
    detail = assert_success(
        admin_api.get(f"/api/v1/admin/orders/{order.pk}"), 200, "Order retrieved successfully"
    )
    assert detail["items"][0]["product"]["id"] == str(product.pk)
    assert detail["items"][0]["product"]["is_active"] is False


def test_delete_of_an_archived_product_succeeds_again(admin_api):
    product = ProductFactory(is_active=False)
    make_order(OrderStatus.CANCELLED, items=[(product, 1, "1.00")])

    assert_success(admin_api.delete(url(product)), 200, "Product deleted successfully")
    assert_success(admin_api.delete(url(product)), 200, "Product deleted successfully")

    assert Product.objects.get(pk=product.pk).is_active is False


def test_delete_with_a_malformed_id_is_invalid_id(admin_api):
    assert_error(admin_api.delete(f"{PRODUCTS}/123"), 400, "invalid_id", "Invalid product ID", "invalid UUID")


def test_delete_of_an_unknown_product_is_not_found(admin_api):
    assert_error(admin_api.delete(f"{PRODUCTS}/{UNKNOWN_ID}"), 404, "not_found", "Product not found")


def test_deleted_product_is_gone_for_the_second_delete(admin_api):
    product = ProductFactory()
    assert_success(admin_api.delete(url(product)), 200, "Product deleted successfully")
    assert_error(admin_api.delete(url(product)), 404, "not_found", "Product not found")


# --- E35 top products ----------------------------------------------------------------------------


def test_top_products_rank_by_quantity_then_revenue_then_id_with_full_products(admin_api):
    alpha, beta, gamma = ProductFactory(), ProductFactory(), ProductFactory(stock_quantity=4)
    first_tie, second_tie = sorted((ProductFactory(), ProductFactory()), key=lambda p: str(p.pk))
    ProductFactory()  # never sold
    make_order(OrderStatus.DELIVERED, items=[(alpha, 3, "1.00"), (beta, 3, "2.00")])
    make_order(OrderStatus.PENDING, items=[(gamma, 5, "0.50"), (second_tie, 1, "2.00")])
    make_order(OrderStatus.COMPLETED, items=[(first_tie, 1, "2.00")])
    make_order(OrderStatus.CANCELLED, items=[(first_tie, 50, "2.00")])
    make_order(OrderStatus.REFUNDED, items=[(alpha, 50, "2.00")])
    ReservationFactory(product=gamma, quantity=1)

    data = assert_success(admin_api.get(TOP), 200, "Top products retrieved")

    assert data["range_days"] == 0
    ranking = [(row["product"]["id"], row["total_quantity"], row["total_revenue"]) for row in data["items"]]
    assert ranking == [
        (str(gamma.pk), 5, Decimal("2.5")),
        (str(beta.pk), 3, Decimal("6")),
        (str(alpha.pk), 3, Decimal("3")),
        (str(first_tie.pk), 1, Decimal("2")),
        (str(second_tie.pk), 1, Decimal("2")),
    ]
    top = data["items"][0]["product"]
    assert set(top) == PRODUCT_KEYS
    assert (top["stock_quantity"], top["reserved"], top["stock"]) == (4, 1, 3)


def test_top_products_limit_defaults_to_ten_and_is_clamped_to_a_hundred(admin_api):
    products = [ProductFactory() for _ in range(12)]
    make_order(OrderStatus.PROCESSING, items=[(product, 1, "1.00") for product in products])

    assert len(assert_success(admin_api.get(TOP), 200, "Top products retrieved")["items"]) == 10
    assert (
        len(assert_success(admin_api.get(TOP, {"limit": "3"}), 200, "Top products retrieved")["items"]) == 3
    )
    for lenient in ("0", "-1", "x"):
        assert (
            len(
                assert_success(admin_api.get(TOP, {"limit": lenient}), 200, "Top products retrieved")["items"]
            )
            == 10
        )
    assert (
        len(assert_success(admin_api.get(TOP, {"limit": "1000"}), 200, "Top products retrieved")["items"])
        == 12
    )


def test_top_products_range_days_counts_orders_created_in_range(admin_api):
    recent, old = ProductFactory(), ProductFactory()
    make_order(OrderStatus.PROCESSING, items=[(recent, 1, "1.00")], days_ago=2)
    make_order(OrderStatus.PROCESSING, items=[(old, 9, "1.00")], days_ago=20)

    data = assert_success(admin_api.get(TOP, {"range_days": 7}), 200, "Top products retrieved")

    assert data["range_days"] == 7
    assert [row["product"]["id"] for row in data["items"]] == [str(recent.pk)]


def test_top_products_of_an_empty_shop_is_an_empty_list(admin_api):
    assert assert_success(admin_api.get(TOP), 200, "Top products retrieved") == {"range_days": 0, "items": []}


def test_top_products_cost_at_most_three_queries(admin_api, django_assert_max_num_queries):
    products = [ProductFactory() for _ in range(15)]
    for index in range(10):
        make_order(OrderStatus.DELIVERED, items=[(product, index + 1, "1.00") for product in products])
    with django_assert_max_num_queries(3):
        data = assert_success(admin_api.get(TOP, {"limit": 100}), 200, "Top products retrieved")
    assert len(data["items"]) == 15
