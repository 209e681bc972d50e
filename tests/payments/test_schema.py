"""The OpenAPI document describes the routes and parameters of the 2026-12-01 changes: E48, E22's
`status`, E28's `notes` and plain-id `items`, E10's sort words (API.md §4.13)."""

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def data_of(schema, operation: dict, status: str = "200") -> dict:
    envelope = component(
        schema, operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    )
    return component(schema, envelope["properties"]["data"]["$ref"])


def test_e48_payment_history_is_a_bearer_get_with_paging_and_the_order_reference(schema):
    history = schema["paths"]["/api/v1/payments/history"]
    assert set(history) & {"get", "post", "put", "delete"} == {"get"}
    operation = history["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {p["name"] for p in operation["parameters"]} >= {"page", "limit"}
    assert {"200", "401"} <= set(operation["responses"])
    data = data_of(schema, operation)
    assert set(data["properties"]) == {"payments", "meta"}
    entry = component(schema, data["properties"]["payments"]["items"]["$ref"])
    assert {"id", "order_id", "amount", "status", "transaction_id", "order"} <= set(entry["properties"])
    order_ref = component(schema, entry["properties"]["order"]["$ref"])
    assert set(order_ref["properties"]) == {"id", "order_number"}


def test_e22_documents_its_status_filter(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/orders"]["get"]["parameters"]}

    assert {"page", "limit", "status"} <= set(parameters)
    assert parameters["status"]["in"] == "query"
    assert "return_requested" in parameters["status"]["description"]


def test_e28_documents_notes_and_items_as_objects_or_plain_ids(schema):
    operation = schema["paths"]["/api/v1/returns"]["post"]
    body = component(schema, operation["requestBody"]["content"]["application/json"]["schema"]["$ref"])

    assert body["properties"]["notes"]["maxLength"] == 2000
    entry = body["properties"]["items"]["items"]
    kinds = {option.get("type") for option in entry["oneOf"]}
    assert kinds == {"object", "string"}
    returned = data_of(schema, operation, "201")
    assert "notes" in returned["properties"]


def test_e10_documents_both_sort_vocabularies(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/products"]["get"]["parameters"]}

    description = parameters["sort"]["description"]
    for word in ("newest", "oldest", "price_asc", "price_desc", "name_asc", "name_desc", "-created_at"):
        assert word in description
    assert "enum" not in parameters["sort"].get("schema", {})  # unknown values are ignored, not refused


def test_generating_the_schema_raises_no_warnings_for_the_changed_views():
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()

    mine = ("payments/", "orders/views.py", "returns/", "cart/serializers.py")
    assert [m for m in messages if any(name in m for name in mine)] == []
