"""Request bodies (API.md §1.2): whatever arrives, a clear 400/413 in the envelope, never a 500, nothing
written."""

import io
import json

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from shop.exceptions import InvalidJSON, PayloadTooLarge
from shop.handlers import flatten_errors
from shop.parsers import MAX_DEPTH, parse_json_body
from tests.helpers import validation_errors

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.shop.urls")]

REGISTER = "/api/v1/auth/register"
ECHO = "/api/v1/test/echo"
INVALID_JSON = {
    "success": False,
    "message": "Invalid request body",
    "error": "malformed JSON body",
    "code": "invalid_json",
}
TOO_LARGE = {
    "success": False,
    "message": "Request body too large",
    "error": "request body exceeds 1 MiB",
    "code": "payload_too_large",
}
VALID_REGISTRATION = {
    "email": "ada@example.com",
    "password": "Analytical-Engine-1843",
    "first_name": "Ada",
    "last_name": "Lovelace",
}


def send(path, raw: bytes, method="POST", content_type="application/json", **extra):
    if content_type is None:
        extra["CONTENT_TYPE"] = ""
    return Client().generic(method, path, data=raw, content_type=content_type or "", **extra)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"email": "a@b.co",', id="truncated"),
        pytest.param(b"{'email': 'a@b.co'}", id="single-quotes"),
        pytest.param(b'{"email": "a@b.co"} trailing', id="trailing-garbage"),
        pytest.param(b'{"email": "\xff\xfe"}', id="invalid-utf8"),
        pytest.param(b"\xef\xbb\xbf{}", id="utf8-bom"),
        pytest.param(b"[" * 100_000, id="deep-array-nesting"),
        pytest.param(b'{"a":' * 100_000, id="deep-object-nesting"),
        pytest.param(b"[]", id="top-level-array"),
        pytest.param(b'[{"email": "a@b.co"}]', id="array-of-object"),
        pytest.param(b'"a string"', id="top-level-string"),
        pytest.param(b"42", id="top-level-number"),
        pytest.param(b"null", id="top-level-null"),
        pytest.param(b"true", id="top-level-boolean"),
        pytest.param(b'{"first_name": NaN}', id="nan"),
        pytest.param(b'{"first_name": Infinity}', id="infinity"),
        pytest.param(b'{"first_name": -Infinity}', id="minus-infinity"),
        pytest.param(b'{"first_name": "\\ud800"}', id="lone-surrogate"),
        pytest.param(b'{"\\udfff": 1}', id="lone-surrogate-key"),
        pytest.param(b'{"n": ' + b"9" * 5000 + b"}", id="integer-too-long-to-convert"),
    ],
)
def test_unparseable_body_is_invalid_json_and_writes_nothing(raw):
    response = send(REGISTER, raw)

    assert response.status_code == 400
    assert response.json() == INVALID_JSON
    assert not User.objects.exists()


def test_nesting_deeper_than_the_limit_is_invalid_json_even_when_python_could_parse_it():
    depth = MAX_DEPTH + 5
    raw = b'{"name": "x", "quantity": 1, "deep": ' + b"[" * depth + b"]" * depth + b"}"
    json.loads(raw)  # well-formed: only the depth is refused

    assert send(ECHO, raw).json() == INVALID_JSON


def test_moderate_nesting_is_accepted():
    nested = {"name": "x", "quantity": 1, "extra": [[[[{"a": [1, 2, {"b": None}]}]]]]}

    response = send(ECHO, json.dumps(nested).encode(), method="PUT")

    assert response.status_code == 200
    assert response.json()["data"]["raw"]["extra"] == [[[[{"a": [1, 2, {}]}]]]]


@pytest.mark.parametrize("raw", [b"", b"   ", b"\n\t "])
def test_empty_body_is_an_empty_object_so_missing_fields_are_named(raw):
    errors = validation_errors(send(REGISTER, raw))

    assert errors == {
        "email": "This field is required.",
        "password": "This field is required.",
        "first_name": "This field is required.",
        "last_name": "This field is required.",
    }


def test_null_counts_as_absent():
    body = {**VALID_REGISTRATION, "email": None, "first_name": None}

    errors = validation_errors(send(REGISTER, json.dumps(body).encode()))

    assert errors == {"email": "This field is required.", "first_name": "This field is required."}


def test_nested_null_counts_as_absent_and_nested_errors_are_dotted():
    body = {
        "name": "x",
        "quantity": 1,
        "address": {"city": None},
        "items": [{"quantity": 1}, {"quantity": 0}],
    }

    errors = validation_errors(send(ECHO, json.dumps(body).encode()))

    assert errors == {
        "address.city": "This field is required.",
        "items.1.quantity": "Ensure this value is greater than or equal to 1.",
    }


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"address": "x"}, {"address": "Invalid data. Expected a dictionary, but got str."}),
        ({"address": ["x"]}, {"address": "Invalid data. Expected a dictionary, but got list."}),
        ({"items": "x"}, {"items": 'Expected a list of items but got type "str".'}),
        ({"items": [{"quantity": 1}, 7]}, {"items.1": "Invalid data. Expected a dictionary, but got int."}),
    ],
)
def test_a_nested_object_of_the_wrong_type_is_reported_under_its_own_key(extra, errors):
    """API.md §1.5: keys are the request's JSON field names, dotted for nested fields; DRF's
    `non_field_errors` of a nested serializer belongs to the nested field itself."""
    body = {"name": "x", "quantity": 1, **extra}

    assert validation_errors(send(ECHO, json.dumps(body).encode())) == errors


def test_flatten_errors_keys_nested_non_field_errors_by_the_nested_field():
    detail = {
        "non_field_errors": ["whole body"],
        "shipping_address": {"non_field_errors": ["not an object"]},
        "billing_address": {"city": ["required"]},
        "items": [{}, {"non_field_errors": ["bad line"]}, {"quantity": ["too small", "second"]}],
    }

    assert flatten_errors(detail) == {
        "non_field_errors": "whole body",
        "shipping_address": "not an object",
        "billing_address.city": "required",
        "items.1": "bad line",
        "items.2.quantity": "too small",
    }


def test_unknown_keys_are_ignored(api):
    response = api.post(REGISTER, {**VALID_REGISTRATION, "role": "admin", "is_staff": True, "junk": [1]})

    assert response.status_code == 201
    user = User.objects.get()
    assert user.role == "customer"
    assert not user.is_staff


def test_strings_are_trimmed_but_passwords_are_not(api):
    response = api.post(
        REGISTER,
        {
            **VALID_REGISTRATION,
            "email": "  Ada@Example.COM ",
            "first_name": "  Ada ",
            "password": " Spaced-Pass-99 ",
        },
    )

    assert response.status_code == 201
    data = response.json()["data"]["user"]
    assert data["email"] == "ada@example.com"
    assert data["first_name"] == "Ada"
    user = User.objects.get()
    assert user.check_password(" Spaced-Pass-99 ")
    assert not user.check_password("Spaced-Pass-99")


def test_a_string_of_only_whitespace_is_blank():
    errors = validation_errors(
        send(REGISTER, json.dumps({**VALID_REGISTRATION, "last_name": "   "}).encode())
    )

    assert errors == {"last_name": "This field may not be blank."}


@pytest.mark.parametrize("field", ["email", "first_name", "last_name", "password"])
def test_a_nul_character_is_a_validation_error_on_that_field(field):
    body = {
        **VALID_REGISTRATION,
        field: VALID_REGISTRATION[field][:3] + "\u0000" + VALID_REGISTRATION[field][3:],
    }

    errors = validation_errors(send(REGISTER, json.dumps(body).encode()))

    assert list(errors) == [field]
    assert "Null characters are not allowed." in errors[field] or field == "email"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("1.5", "A valid integer is required."),
        ('"two"', "A valid integer is required."),
        ("true", "A valid integer is required."),
        ("1e400", "A valid integer is required."),
        ("[1]", "A valid integer is required."),
    ],
)
def test_an_integer_field_refuses_fractions_and_non_numbers(quantity, expected):
    raw = b'{"name": "x", "quantity": ' + quantity.encode() + b"}"

    assert validation_errors(send(ECHO, raw)) == {"quantity": expected}


def test_a_whole_number_written_with_a_fraction_is_an_integer():
    response = send(ECHO, b'{"name": "x", "quantity": 2.0}')

    assert response.status_code == 200
    assert response.json()["data"]["validated"]["quantity"] == 2


def test_numbers_with_a_fraction_arrive_as_exact_decimals():
    response = send(ECHO, b'{"price": 0.1, "big": 12345678901234567890.12}', method="PUT")

    assert response.json()["data"]["raw"] == {"price": 0.1, "big": 12345678901234567890.12}


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
def test_the_body_is_parsed_as_json_whatever_the_content_type(content_type):
    response = send(REGISTER, json.dumps(VALID_REGISTRATION).encode(), content_type=content_type)

    assert response.status_code == 201, response.content
    assert User.objects.filter(email="ada@example.com").exists()


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json"])
def test_malformed_body_is_invalid_json_whatever_the_content_type(content_type):
    assert send(REGISTER, b"email=a@b.co&x=1", content_type=content_type).json() == INVALID_JSON


def oversized() -> bytes:
    filler = "x" * (settings.MAX_BODY_BYTES + 1)
    return json.dumps({**VALID_REGISTRATION, "first_name": filler}).encode()


@pytest.mark.parametrize("content_type", ["application/json", None, "text/plain"])
def test_a_body_over_one_mib_is_413_and_writes_nothing(content_type):
    response = send(REGISTER, oversized(), content_type=content_type)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == TOO_LARGE
    assert "X-Request-ID" in response
    assert not User.objects.exists()


def test_a_body_of_exactly_one_mib_is_not_too_large():
    body = json.dumps({"name": "x", "quantity": 1, "pad": ""}).encode()
    raw = body[:-2] + b" " * (settings.MAX_BODY_BYTES - len(body)) + body[-2:]
    assert len(raw) == settings.MAX_BODY_BYTES

    assert send(ECHO, raw).status_code == 200


def test_body_size_is_checked_before_authentication(api):
    response = send("/api/v1/users/profile", oversized(), method="PUT", HTTP_AUTHORIZATION="Bearer garbage")

    assert response.status_code == 413


def test_an_unknown_route_is_404_even_with_an_oversized_body():
    response = send("/api/v1/no-such-route", oversized())

    assert response.status_code == 404
    assert response.json()["message"] == "Route not found"


def test_a_wrong_method_is_405_even_with_an_oversized_body():
    response = send(REGISTER, oversized(), method="PUT")

    assert response.status_code == 405


def send_chunked(path, raw: bytes, method="POST", **extra):
    """As gunicorn hands over a `Transfer-Encoding: chunked` body: de-chunked, no `Content-Length`,
    `wsgi.input_terminated` set."""
    meta = {
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.input_terminated": True,
        **extra,
    }
    return Client().generic(method, path, content_type="application/json", **meta)


def test_a_chunked_body_is_parsed_like_any_other():
    response = send_chunked(REGISTER, json.dumps(VALID_REGISTRATION).encode())

    assert response.status_code == 201, response.content
    assert User.objects.filter(email="ada@example.com").exists()


def test_a_malformed_chunked_body_is_invalid_json():
    assert send_chunked(REGISTER, b'{"email": ').json() == INVALID_JSON


def test_a_chunked_body_over_one_mib_is_413_and_writes_nothing():
    response = send_chunked(REGISTER, oversized())

    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert not User.objects.exists()


def test_a_chunked_body_over_one_mib_on_a_wrong_method_is_still_405():
    assert send_chunked(REGISTER, oversized(), method="PUT").status_code == 405


def test_a_chunked_body_of_exactly_one_mib_is_not_too_large():
    body = json.dumps({"name": "x", "quantity": 1, "pad": ""}).encode()
    raw = body[:-2] + b" " * (settings.MAX_BODY_BYTES - len(body)) + body[-2:]

    assert send_chunked(ECHO, raw).status_code == 200


def test_the_parser_cuts_off_a_body_over_the_limit_without_content_length():
    with pytest.raises(PayloadTooLarge):
        parse_json_body(b" " * (settings.MAX_BODY_BYTES + 1))


@pytest.mark.parametrize("raw", [b"[1]", b"{", b'"x"'])
def test_the_parser_refuses_anything_but_an_object(raw):
    with pytest.raises(InvalidJSON):
        parse_json_body(raw)


def test_the_parser_strips_nulls_at_every_depth():
    assert parse_json_body(b'{"a": null, "b": {"c": null, "d": [null, {"e": null}]}}') == {
        "b": {"d": [None, {}]}
    }
