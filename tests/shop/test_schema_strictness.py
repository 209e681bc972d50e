"""The schema states the API's own rules, so that a client (or schemathesis: tests/fuzz) generating from
it sends what the API takes: uuid path ids, lenient paging as strings, non-blank required strings."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/v1/schema/?format=json").json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def component(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_path_id_is_a_uuid(schema):
    ids = [
        (path, parameter["schema"])
        for path, _, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    ]

    assert ids
    assert all(spec == {"type": "string", "format": "uuid"} for _, spec in ids), ids


def test_lenient_paging_parameters_are_strings(schema):
    found = {
        parameter["name"]: parameter["schema"]["type"]
        for _, _, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in {"page", "limit", "range_days"}
    }

    assert found == {"page": "string", "limit": "string", "range_days": "string"}


def test_required_request_strings_cannot_be_blank_or_hold_nul(schema):
    login = component(
        schema,
        schema["paths"]["/api/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"][
            "$ref"
        ],
    )
    password = login["properties"]["password"]

    assert password["minLength"] == 1
    assert re.fullmatch(password["pattern"], " ")  # passwords are not trimmed
    assert not re.search(password["pattern"], "a\x00b")

    returns = component(
        schema,
        schema["paths"]["/api/v1/returns"]["post"]["requestBody"]["content"]["application/json"]["schema"][
            "$ref"
        ],
    )
    reason = returns["properties"]["reason"]
    assert reason["minLength"] == 1
    assert not re.search(reason["pattern"], " \t\u3000")  # trimmed to nothing: refused
    assert re.search(reason["pattern"], " broken ")
    notes = returns["properties"]["notes"]  # optional, may be blank, no NUL
    assert notes["maxLength"] == 2000 and "minLength" not in notes
    assert re.search(notes["not"]["pattern"], "a\x00") and not re.search(notes["not"]["pattern"], "")
    assert returns["properties"]["items"]["uniqueItems"] is True


def test_response_components_carry_no_request_rules(schema):
    """A response may hold an empty string (a product's blank description): no minLength there."""
    product = schema["components"]["schemas"]["Product"]

    assert "minLength" not in product["properties"]["description"]
    assert "pattern" not in product["properties"]["description"]


def test_the_idempotency_key_header_states_its_format(schema):
    header = next(
        parameter
        for parameter in schema["paths"]["/api/v1/orders"]["post"]["parameters"]
        if parameter["name"] == "Idempotency-Key"
    )

    assert header["schema"]["maxLength"] == 255
    assert re.fullmatch(header["schema"]["pattern"], "order-2026-12-01")
    assert not re.fullmatch(header["schema"]["pattern"], "   ")
