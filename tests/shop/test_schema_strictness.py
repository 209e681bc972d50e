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


def request_component(schema, path, method="post"):
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return component(schema, body["$ref"])


def test_request_money_is_a_number_or_a_numeric_string_and_response_money_a_number(schema):
    """API.md §1.7: input money is a JSON number or a numeric string; output money is always a number."""
    price = request_component(schema, "/api/v1/admin/products")["properties"]["price"]
    number, text = price["anyOf"]

    assert (number["type"], number["minimum"], number["maximum"]) == ("number", 0, 99999999.99)
    assert text["type"] == "string"
    assert re.search(text["pattern"], " 19.99 ") and not re.search(text["pattern"], "100000000")
    assert schema["components"]["schemas"]["Product"]["properties"]["price"]["type"] == "number"


def test_request_integers_state_their_bounds_as_numbers_and_as_strings(schema):
    """A cart quantity is 1..1000 whichever way it is written (StrictIntegerField takes `"5"`)."""
    for path, method in [("/api/v1/cart/items", "post"), ("/api/v1/cart/items/{item_id}", "put")]:
        quantity = request_component(schema, path, method)["properties"]["quantity"]
        number, text = quantity["anyOf"]
        assert (number["type"], number["minimum"], number["maximum"]) == ("integer", 1, 1000)
        assert re.search(text["pattern"], "1000") and not re.search(text["pattern"], "1001")
        assert not re.search(text["pattern"], "0")
    stock = request_component(schema, "/api/v1/admin/products")["properties"]["stock"]
    assert stock["anyOf"][0]["maximum"] == 2147483647
    assert not re.search(stock["anyOf"][1]["pattern"], "2147483648")


def test_request_booleans_are_json_booleans(schema):
    product = request_component(schema, "/api/v1/admin/products")["properties"]
    process = request_component(schema, "/api/v1/admin/returns/{return_id}/process")["properties"]

    assert product["is_active"]["type"] == "boolean"
    assert process["restock"]["type"] == "boolean"


def test_the_image_url_states_the_host_rules_the_api_applies(schema):
    url, blank = request_component(schema, "/api/v1/admin/products")["properties"]["image_url"]["oneOf"]

    assert (url["format"], url["maxLength"]) == ("uri", 500)
    assert re.search(url["pattern"], "https://" + "a" * 63 + ".com/a.png")
    assert not re.search(url["pattern"], "https://" + "a" * 64 + ".com/a.png")
    assert not re.search(url["pattern"], "ftp://example.com/a.png")
    assert re.search(blank["pattern"], "") and re.search(blank["pattern"], "  ")


def test_in_stock_states_what_the_api_takes(schema):
    parameter = next(
        parameter
        for parameter in schema["paths"]["/api/v1/products"]["get"]["parameters"]
        if parameter["name"] == "in_stock"
    )
    pattern = parameter["schema"]["pattern"]

    assert all(re.search(pattern, value) for value in ["true", " TRUE ", "0", "False", ""])
    assert not any(re.search(pattern, value) for value in ["yes", "2", "truee"])
