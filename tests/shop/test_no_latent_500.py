"""Inputs that used to reach a 500 or be misread: integer query parameters beyond Python's 4,300-digit
`int()` limit, money written with `_` or non-ASCII digits, huge bearer tokens, over-long request targets.
(The same over a real gunicorn process: tests/shop/test_gunicorn.py.)"""

import pytest
from rest_framework import serializers

from catalog.models import Product
from shop.fields import MoneyField
from tests.factories import ProductFactory
from tests.helpers import assert_error_envelope

pytestmark = pytest.mark.django_db

HUGE = "9" * 4301  # past Python's default int() digit limit (4,300)
CEILING = 10**18


def test_a_4301_digit_page_is_past_the_end_not_a_500(api):
    ProductFactory()

    response = api.get(f"/api/v1/products?page={HUGE}")

    assert response.status_code == 200
    body = response.json()["data"]
    assert body["products"] == []
    assert body["meta"] == {"page": CEILING, "limit": 10, "total": 1, "totalPages": 1}


def test_a_4301_digit_limit_is_the_largest_limit(api):
    ProductFactory()

    response = api.get(f"/api/v1/products?limit={HUGE}")

    assert response.status_code == 200
    assert response.json()["data"]["meta"]["limit"] == 100


@pytest.mark.parametrize("value", ["-" + HUGE, "0" * 5000, "0" * 5000 + "7", "+" + HUGE])
def test_long_signed_and_zero_padded_pages_parse_without_int_limits(api, value):
    response = api.get(f"/api/v1/products?page={value}")

    assert response.status_code == 200
    expected = {"-": 1, "0": 7 if value.endswith("7") else 1, "+": CEILING}[value[0]]
    assert response.json()["data"]["meta"]["page"] == expected


@pytest.mark.parametrize("value", ["١٢", "２", "1_0"])
def test_non_ascii_or_underscored_pages_are_not_integers(api, value):
    response = api.get("/api/v1/products", {"page": value, "limit": value})

    assert response.status_code == 200
    assert response.json()["data"]["meta"] | {"total": 0} == {
        "page": 1,
        "limit": 10,
        "total": 0,
        "totalPages": 0,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/admin/orders",
        "/api/v1/admin/orders/recent",
        "/api/v1/admin/products",
        "/api/v1/admin/products/top",
        "/api/v1/admin/returns",
        "/api/v1/admin/users",
        "/api/v1/admin/analytics",
    ],
)
def test_every_admin_integer_parameter_takes_4301_digits(admin_api, path):
    for name in ("page", "limit", "range_days"):
        response = admin_api.get(path, {name: HUGE})

        assert response.status_code == 200, (name, response.content)


def product_body(price):
    return {"sku": "SKU-MONEY", "name": "Lamp", "price": price, "stock": 1}


@pytest.mark.parametrize("price", ["١٢٣", "1_000", "１２", "12.5\u0660", "1 000", "0x10", "1e", "."])
def test_money_accepts_ascii_digits_only(admin_api, price):
    response = admin_api.post("/api/v1/admin/products", product_body(price))

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"] == {"price": "A valid number is required."}
    assert not Product.objects.filter(sku="SKU-MONEY").exists()


@pytest.mark.parametrize(
    ("price", "stored"),
    [("123", "123.00"), (" 12.345 ", "12.35"), ("1e2", "100.00"), (".5", "0.50"), (9.99, "9.99")],
)
def test_money_in_ascii_digits_is_still_taken(admin_api, price, stored):
    response = admin_api.post("/api/v1/admin/products", product_body(price))

    assert response.status_code == 201, response.content
    assert str(Product.objects.get(sku="SKU-MONEY").price) == stored


@pytest.mark.parametrize("value", ["١٠", "1_0", "٣.٥"])
def test_every_money_field_shares_the_ascii_rule(value):
    """Prices, payment amounts and refund amounts are all `MoneyField`s."""
    with pytest.raises(serializers.ValidationError):
        MoneyField().to_internal_value(value)


@pytest.mark.parametrize("size", [8 * 1024 + 1, 30_000])
def test_a_token_over_8_kib_is_a_401_envelope(api, size):
    response = api.get("/api/v1/users/profile", HTTP_AUTHORIZATION="Bearer " + "a" * size)

    assert_error_envelope(response, 401, "unauthorized", "Unauthorized", "Invalid token")


def test_a_request_target_over_8_kib_is_a_414_envelope(api):
    response = api.get("/api/v1/products?search=" + "a" * 8200)

    assert response.status_code == 414
    assert response.json() == {
        "success": False,
        "message": "Request URI too long",
        "error": "request target exceeds 8 KiB",
        "code": "uri_too_long",
    }
    assert "X-Request-ID" in response


def test_a_request_target_of_8_kib_is_served(api):
    target = "/api/v1/products?search="
    response = api.get(target + "a" * (8 * 1024 - len(target)))

    assert response.status_code == 200
