"""The OpenAPI document describes the catalogue and cart routes (E10, E11, E15–E20)."""

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

ROUTES = {
    "/api/v1/products": {"get"},
    "/api/v1/products/{product_id}": {"get"},
    "/api/v1/cart": {"get", "delete"},
    "/api/v1/cart/validate": {"get"},
    "/api/v1/cart/items": {"post"},
    "/api/v1/cart/items/{item_id}": {"put", "delete"},
}


def component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_schema_lists_the_catalogue_and_cart_operations():
    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    for path, methods in ROUTES.items():
        assert methods == set(schema["paths"][path]) & {"get", "post", "put", "delete"}, path
    products = schema["paths"]["/api/v1/products"]["get"]
    assert {p["name"] for p in products["parameters"]} >= {
        "category",
        "search",
        "min_price",
        "max_price",
        "in_stock",
        "sort",
        "page",
        "limit",
    }
    assert {"bearerAuth": []} not in products.get("security", [])
    add = schema["paths"]["/api/v1/cart/items"]["post"]
    assert set(
        component(schema, add["requestBody"]["content"]["application/json"]["schema"]["$ref"])["properties"]
    ) == {"product_id", "quantity"}
    assert {"201", "400", "401", "404", "409"} <= set(add["responses"])
    assert schema["paths"]["/api/v1/cart"]["get"]["security"] == [{"bearerAuth": []}]


def test_generating_the_schema_raises_no_warnings_for_the_catalogue_and_cart_views():
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()

    mine = ("catalog/views.py", "catalog/serializers.py", "cart/views.py", "cart/serializers.py")
    assert [m for m in messages if any(name in m for name in mine)] == []
