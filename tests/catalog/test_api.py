"""E10 and E11 over HTTP: every row of their tables, filters, sorts, the envelope and query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import CartFactory, ProductFactory, ReservationFactory
from tests.helpers import PRODUCT_KEYS, assert_error_envelope

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products"
UNKNOWN_ID = "6f1c1d2e-1111-4a4a-8b8b-123456789abc"


def skus(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [product["sku"] for product in response.json()["data"]["products"]]


def aged(minutes: int, **fields):
    """A product created `minutes` ago (list order is newest first)."""
    return ProductFactory(created_at=timezone.now() - timedelta(minutes=minutes), **fields)


# --- E10: the list -------------------------------------------------------------------------------------


def test_list_answers_active_products_newest_first_in_the_envelope(api):
    aged(3, sku="OLD")
    aged(1, sku="NEW")
    aged(2, sku="MID")
    aged(0, sku="ARCHIVED", is_active=False)

    response = api.get(LIST)

    body = response.json()
    assert response.status_code == 200
    assert body["success"] is True
    assert body["message"] == "Products retrieved successfully"
    assert [p["sku"] for p in body["data"]["products"]] == ["NEW", "MID", "OLD"]
    assert body["data"]["meta"] == {"page": 1, "limit": 10, "total": 3, "totalPages": 1}
    assert set(body["data"]["products"][0]) == PRODUCT_KEYS


def test_product_shape_reports_available_stock_and_exact_money(api):
    product = ProductFactory(
        price=Decimal("319.96"), stock_quantity=10, image_url="https://img.example/a.png"
    )
    ReservationFactory(product=product, quantity=3)
    ReservationFactory(product=product, quantity=4, expired=True)

    item = api.get(LIST).json()["data"]["products"][0]

    assert item["id"] == str(product.pk)
    assert item["price"] == 319.96
    assert item["stock_quantity"] == 10
    assert item["reserved"] == 3
    assert item["stock"] == 7
    assert item["is_active"] is True
    assert item["image_url"] == "https://img.example/a.png"
    assert item["created_at"].endswith("Z")


def test_available_stock_is_never_negative(api):
    product = ProductFactory(stock_quantity=2)
    ReservationFactory(product=product, quantity=5)  # possible after staff lower the stock

    item = api.get(LIST).json()["data"]["products"][0]

    assert (item["stock"], item["reserved"], item["stock_quantity"]) == (0, 5, 2)


def test_pagination_pages_and_past_the_end(api):
    for minutes in range(5):
        aged(minutes, sku=f"P{minutes}")

    page2 = api.get(LIST, {"page": 2, "limit": 2}).json()["data"]
    past = api.get(LIST, {"page": 9, "limit": 2}).json()["data"]
    lenient = api.get(LIST, {"page": "x", "limit": "1000"}).json()["data"]

    assert [p["sku"] for p in page2["products"]] == ["P2", "P3"]
    assert page2["meta"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3}
    assert past["products"] == [] and past["meta"]["total"] == 5
    assert lenient["meta"]["page"] == 1 and lenient["meta"]["limit"] == 100


def test_category_is_an_exact_case_insensitive_match(api):
    ProductFactory(sku="E1", category="Electronics")
    ProductFactory(sku="E2", category="ELECTRONICS")
    ProductFactory(sku="X", category="Electronics accessories")
    ProductFactory(sku="B", category="Books")

    assert sorted(skus(api.get(LIST, {"category": "electronics"}))) == ["E1", "E2"]
    assert skus(api.get(LIST, {"category": "Electro"})) == []


def test_search_matches_name_description_or_sku_case_insensitively(api):
    ProductFactory(sku="N", name="Gaming LAPTOP", description="")
    ProductFactory(sku="D", name="Bag", description="fits any laptop")
    ProductFactory(sku="LAPTOP-9", name="Other", description="")
    ProductFactory(sku="Z", name="Phone", description="")

    assert sorted(skus(api.get(LIST, {"search": "Laptop"}))) == ["D", "LAPTOP-9", "N"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [("%", ["PCT"]), ("_", ["UND"]), ("\\", ["BSL"]), ("100%", ["PCT"]), ("a_b", ["UND"])],
)
def test_search_wildcards_are_literal_characters(api, term, expected):
    ProductFactory(sku="PCT", name="100% cotton", description="")
    ProductFactory(sku="UND", name="snake a_b", description="")
    ProductFactory(sku="BSL", name="back\\slash", description="")
    ProductFactory(sku="PLAIN", name="axb 1000 cotton", description="")

    assert skus(api.get(LIST, {"search": term})) == expected


def test_price_bounds_are_inclusive(api):
    ProductFactory(sku="CHEAP", price=Decimal("9.99"))
    ProductFactory(sku="TEN", price=Decimal("10.00"))
    ProductFactory(sku="TWENTY", price=Decimal("20.00"))
    ProductFactory(sku="DEAR", price=Decimal("20.01"))

    response = api.get(LIST, {"min_price": "10", "max_price": "20.00", "sort": "price"})

    assert skus(response) == ["TEN", "TWENTY"]


def test_over_precise_price_bounds_keep_their_meaning(api):
    ProductFactory(sku="A", price=Decimal("9.99"))
    ProductFactory(sku="B", price=Decimal("10.00"))

    assert skus(api.get(LIST, {"min_price": "9.991"})) == ["B"]
    assert skus(api.get(LIST, {"max_price": "9.999"})) == ["A"]


def test_price_bounds_accept_zero_the_money_ceiling_and_exponent_notation(api):
    ProductFactory(sku="FREE", price=Decimal("0.00"))
    ProductFactory(sku="GRAND", price=Decimal("1000.00"))
    ProductFactory(sku="TOP", price=Decimal("99999999.99"))

    assert skus(api.get(LIST, {"max_price": "0", "sort": "price"})) == ["FREE"]
    assert skus(api.get(LIST, {"min_price": "0", "sort": "price"})) == ["FREE", "GRAND", "TOP"]
    assert skus(api.get(LIST, {"min_price": "99999999.99"})) == ["TOP"]
    assert skus(api.get(LIST, {"max_price": "99999999.99", "sort": "price"})) == ["FREE", "GRAND", "TOP"]
    assert skus(api.get(LIST, {"min_price": "1e3", "max_price": "1E3"})) == ["GRAND"]


def test_min_price_above_max_price_is_an_empty_list_not_an_error(api):
    ProductFactory(price=Decimal("15.00"))

    response = api.get(LIST, {"min_price": "20", "max_price": "10"})

    assert skus(response) == []
    assert response.json()["data"]["meta"]["total"] == 0


@pytest.mark.parametrize("value", ["true", "1", "TRUE", "True"])
def test_in_stock_true_keeps_products_with_available_stock(api, value):
    ProductFactory(sku="FREE", stock_quantity=3)
    held = ProductFactory(sku="HELD", stock_quantity=3)
    ReservationFactory(product=held, quantity=3)
    lapsed = ProductFactory(sku="LAPSED", stock_quantity=3)
    ReservationFactory(product=lapsed, quantity=3, expired=True)
    partly = ProductFactory(sku="PARTLY", stock_quantity=3)
    ReservationFactory(product=partly, quantity=2)
    ProductFactory(sku="NONE", stock_quantity=0)

    assert sorted(skus(api.get(LIST, {"in_stock": value}))) == ["FREE", "LAPSED", "PARTLY"]


@pytest.mark.parametrize("value", ["false", "0", "FALSE"])
def test_in_stock_false_applies_no_filter(api, value):
    ProductFactory(sku="SOME", stock_quantity=3)
    ProductFactory(sku="NONE", stock_quantity=0)

    assert sorted(skus(api.get(LIST, {"in_stock": value}))) == ["NONE", "SOME"]


def test_every_sort_with_ties_broken_by_newest_then_id(api):
    now = timezone.now()
    ProductFactory(sku="A", name="Beta", price=Decimal("5.00"), created_at=now - timedelta(minutes=3))
    b = ProductFactory(sku="B", name="Alpha", price=Decimal("7.00"), created_at=now - timedelta(minutes=2))
    ProductFactory(sku="C", name="Beta", price=Decimal("5.00"), created_at=now - timedelta(minutes=1))
    d = ProductFactory(sku="D", name="Alpha", price=Decimal("7.00"), created_at=now - timedelta(minutes=2))
    # b and d share created_at: id descending decides between them.
    bd = [p.sku for p in sorted([b, d], key=lambda p: p.pk, reverse=True)]

    assert skus(api.get(LIST)) == ["C", *bd, "A"]
    assert skus(api.get(LIST, {"sort": "-created_at"})) == ["C", *bd, "A"]
    assert skus(api.get(LIST, {"sort": "created_at"})) == ["A", *bd, "C"]
    assert skus(api.get(LIST, {"sort": "price"})) == ["C", "A", *bd]
    assert skus(api.get(LIST, {"sort": "-price"})) == [*bd, "C", "A"]
    assert skus(api.get(LIST, {"sort": "name"})) == [*bd, "C", "A"]
    assert skus(api.get(LIST, {"sort": "-name"})) == ["C", "A", *bd]


@pytest.fixture
def sortable():
    """Four products whose every order differs; returns their SKUs newest first."""
    now = timezone.now()
    ProductFactory(sku="OLD", name="Cherry", price=Decimal("20.00"), created_at=now - timedelta(minutes=4))
    ProductFactory(sku="MID", name="Apple", price=Decimal("5.00"), created_at=now - timedelta(minutes=3))
    ProductFactory(sku="NEW", name="Banana", price=Decimal("12.50"), created_at=now - timedelta(minutes=2))
    return ["NEW", "MID", "OLD"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("newest", ["NEW", "MID", "OLD"]),
        ("oldest", ["OLD", "MID", "NEW"]),
        ("price_asc", ["MID", "NEW", "OLD"]),
        ("price_desc", ["OLD", "NEW", "MID"]),
        ("name_asc", ["MID", "NEW", "OLD"]),
        ("name_desc", ["OLD", "NEW", "MID"]),
    ],
)
def test_the_web_clients_sort_words_order_the_list(api, sortable, word, expected):
    assert skus(api.get(LIST, {"sort": word})) == expected
    assert skus(api.get(LIST, {"sort": f" {word.upper()} "})) == expected


def test_sort_is_case_insensitive_in_the_django_vocabulary_too(api, sortable):
    assert skus(api.get(LIST, {"sort": "-PRICE"})) == ["OLD", "NEW", "MID"]
    assert skus(api.get(LIST, {"sort": "Name"})) == ["MID", "NEW", "OLD"]


@pytest.mark.parametrize("junk", ["stock", "price,name", "up", "newest;drop", "-newest", "x\x00", "💥" * 50])
def test_an_unknown_sort_is_ignored_and_answers_the_default_order(api, sortable, junk):
    assert skus(api.get(LIST, {"sort": junk})) == sortable


def test_the_web_clients_browsing_requests_answer_products(api, sortable):
    """The catalogue page's calls: sort with category, search and paging, as the client sends them."""
    ProductFactory(sku="BOOK", name="Go Programming", category="Books", price=Decimal("39.99"))

    assert skus(api.get(LIST, {"sort": "newest", "category": "books", "page": 1, "limit": 12})) == ["BOOK"]
    assert skus(api.get(LIST, {"sort": "price_asc", "search": "an"})) == ["NEW"]
    assert api.get(LIST, {"sort": "name_desc", "limit": 2}).json()["data"]["meta"]["total"] == 4


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("min_price", "abc"),
        ("min_price", "-1"),
        ("min_price", "NaN"),
        ("max_price", "Infinity"),
        ("max_price", "100000000"),
        ("max_price", "1_000"),
        ("max_price", "99999999.995"),
        ("min_price", "Infinity"),
        ("max_price", "NaN"),
        ("min_price", "\uff11\uff10"),  # full-width digits: not an ASCII decimal
        ("max_price", "0x10"),
        ("in_stock", "yes"),
        ("in_stock", "2"),
        ("category", "Books\x00"),
        ("search", "lap\x00top"),
    ],
)
def test_bad_query_values_are_a_validation_error_keyed_by_the_parameter(api, param, value):
    response = api.get(LIST, {param: value})

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "validation_error"
    assert body["message"] == "Validation failed"
    assert body["error"] == "validation_error"
    assert list(body["errors"]) == [param]


def test_every_bad_parameter_is_reported_at_once(api):
    response = api.get(LIST, {"min_price": "x", "max_price": "-5", "in_stock": "maybe", "sort": "up"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"min_price", "max_price", "in_stock"}


def test_empty_parameters_count_as_absent(api):
    ProductFactory(sku="ANY")

    response = api.get(LIST, {"category": "", "search": " ", "min_price": "", "in_stock": "", "sort": ""})

    assert skus(response) == ["ANY"]


def test_product_list_costs_at_most_three_queries_whatever_the_page_size(api, django_assert_max_num_queries):
    products = ProductFactory.create_batch(30)
    cart = CartFactory()
    for product in products:
        ReservationFactory(product=product, cart=cart, quantity=1)

    with django_assert_max_num_queries(3):
        response = api.get(LIST, {"limit": 100, "in_stock": "true", "sort": "price"})

    assert len(response.json()["data"]["products"]) == 30
    assert {p["reserved"] for p in response.json()["data"]["products"]} == {1}


# --- E11: one product ----------------------------------------------------------------------------------


def test_detail_answers_the_product_with_available_stock(api):
    product = ProductFactory(stock_quantity=8)
    ReservationFactory(product=product, quantity=5)

    response = api.get(f"{LIST}/{product.pk}")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Product retrieved successfully"
    assert set(body["data"]) == PRODUCT_KEYS
    assert (body["data"]["id"], body["data"]["stock"], body["data"]["reserved"]) == (str(product.pk), 3, 5)


def test_detail_accepts_an_upper_case_uuid(api):
    product = ProductFactory()

    assert api.get(f"{LIST}/{str(product.pk).upper()}").status_code == 200


@pytest.mark.parametrize("bad_id", ["123", "not-a-uuid", "0" * 32 + "x"])
def test_detail_with_a_malformed_id_is_invalid_id(api, bad_id):
    response = api.get(f"{LIST}/{bad_id}")

    assert_error_envelope(response, 400, "invalid_id", "Invalid product ID", "invalid UUID")


def test_detail_of_an_unknown_product_is_not_found(api):
    response = api.get(f"{LIST}/6f1c1d2e-1111-4a4a-8b8b-123456789abc")

    assert_error_envelope(response, 404, "not_found", "Product not found", "not_found")


def test_detail_of_an_inactive_product_is_not_found_even_for_an_admin(api, admin_api):
    product = ProductFactory(is_active=False)

    for client in (api, admin_api):
        response = client.get(f"{LIST}/{product.pk}")
        assert response.status_code == 404
        assert response.json()["message"] == "Product not found"


def test_product_detail_costs_at_most_two_queries(api, django_assert_max_num_queries):
    product = ProductFactory()
    ReservationFactory(product=product)

    with django_assert_max_num_queries(2):
        response = api.get(f"{LIST}/{product.pk}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"), [("post", LIST), ("delete", f"{LIST}/{UNKNOWN_ID}"), ("put", LIST)]
)
def test_wrong_method_on_a_product_route_is_405_with_allow(api, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "HEAD"}
