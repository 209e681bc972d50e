"""Shared input helpers: money (API.md §1.7), path ids (§1.8), integers, strings and booleans of their own
JSON type (§1.2), http(s) URLs; and the schema patterns that state the same rules."""

import random
import re
import uuid
from decimal import Decimal

import pytest
from rest_framework import serializers

from shop.exceptions import InvalidId
from shop.fields import (
    HttpURLField,
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictEmailField,
    StrictIntegerField,
    to_money,
)
from shop.ids import parse_uuid
from shop.schema import MONEY_TEXT_PATTERN, http_url_pattern, integer_text_pattern


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("9.999"), Decimal("10.00")),
        (Decimal("0.005"), Decimal("0.01")),
        (Decimal("0.004"), Decimal("0.00")),
        ("19.99", Decimal("19.99")),
        (" 5 ", Decimal("5.00")),
        (0, Decimal("0.00")),
        (10, Decimal("10.00")),
        (Decimal("99999999.99"), Decimal("99999999.99")),
        (Decimal("99999999.994"), Decimal("99999999.99")),
        (Decimal("-0.004"), Decimal("0.00")),
    ],
)
def test_money_input_is_rounded_half_up_to_cents(raw, expected):
    value = MoneyField().to_internal_value(raw)

    assert value == expected
    assert value.as_tuple().exponent == -2
    assert not value.is_signed()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (Decimal("-0.01"), "greater than or equal to 0"),
        (-5, "greater than or equal to 0"),
        (Decimal("-1e30"), "greater than or equal to 0"),
        (Decimal("99999999.995"), "less than or equal to 99999999.99"),
        (Decimal("1e30"), "less than or equal to 99999999.99"),
        ("1e999999", "less than or equal to 99999999.99"),
        (10**40, "less than or equal to 99999999.99"),
        ("NaN", "valid number"),
        ("Infinity", "valid number"),
        ("ten", "valid number"),
        ("", "valid number"),
        (True, "valid number"),
        ([1], "valid number"),
        ({"amount": 1}, "valid number"),
    ],
)
def test_money_input_out_of_range_or_not_a_number_is_a_validation_error(raw, message):
    with pytest.raises(serializers.ValidationError) as info:
        MoneyField().to_internal_value(raw)

    assert message in str(info.value.detail[0])


def test_money_output_is_a_rounded_decimal():
    assert MoneyField().to_representation(Decimal("319.955")) == Decimal("319.96")
    assert to_money("0.1") + to_money("0.2") == Decimal("0.30")


@pytest.mark.parametrize(
    "value",
    ["3f2504e0-4f89-41d3-9a0c-0305e82c3301", "3F2504E0-4F89-41D3-9A0C-0305E82C3301"],
)
def test_a_hyphenated_uuid_of_either_case_is_a_valid_id(value):
    assert parse_uuid(value, "order") == uuid.UUID(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "3f2504e04f8941d39a0c0305e82c3301",
        "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}",
        "urn:uuid:3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301\n",
        " 3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "3f2504e0-4f89-41d3-9a0c-0305e82c330g",
        None,
    ],
)
def test_anything_else_is_an_invalid_id_naming_the_resource(value):
    with pytest.raises(InvalidId) as info:
        parse_uuid(value, "order")

    assert info.value.status_code == 400
    assert info.value.body() == {
        "success": False,
        "message": "Invalid order ID",
        "error": "invalid UUID",
        "code": "invalid_id",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(3, 3), ("3", 3), (" 3 ", 3), ("+3", 3), ("-3", -3), ("3.0", 3), (Decimal("3.0"), 3), (10**6, 10**6)],
)
def test_strict_integer_takes_whole_numbers_and_numeric_strings(raw, expected):
    assert StrictIntegerField().to_internal_value(raw) == expected


@pytest.mark.parametrize(
    "raw", ["1_0", "1_000", "\u0661", "\uff12", "0x3", "1e1", "3.5", "", "  ", "two", True, 1.5, [1]]
)
def test_strict_integer_refuses_what_python_int_would_stretch_to_a_number(raw):
    """`int()` reads `"1_0"` as 10 and `"\u0661"` (Arabic-Indic one) as 1; neither is an integer a JSON
    client writes (API.md §1.2)."""
    with pytest.raises(serializers.ValidationError) as info:
        StrictIntegerField().to_internal_value(raw)

    assert "valid integer" in str(info.value.detail[0])


class _Body(serializers.Serializer):
    """A request body with one field of each strict kind."""

    name = StrictCharField(max_length=10)
    email = StrictEmailField(required=False)
    active = StrictBooleanField(required=False)


def body_errors(data) -> dict:
    body = _Body(data=data)
    assert not body.is_valid()
    return {field: str(messages[0]) for field, messages in body.errors.items()}


@pytest.mark.parametrize("value", [0, 7, 12.5, Decimal("1.5"), True, False, [], {}, ["a"]])
def test_a_strict_string_refuses_every_other_json_type_naming_the_field(value):
    """DRF's CharField would store `0` as `"0"`; the Go service's decoder refused a number for a string."""
    assert body_errors({"name": value}) == {"name": "Not a valid string."}
    assert body_errors({"name": "ok", "email": value}) == {"email": "Not a valid string."}


def test_a_strict_string_keeps_drfs_rules_for_strings():
    body = _Body(data={"name": "  Ada ", "email": " Ada@Example.com "})

    assert body.is_valid(), body.errors
    assert body.validated_data == {"name": "Ada", "email": "Ada@Example.com"}
    assert body_errors({"name": "   "}) == {"name": "This field may not be blank."}
    assert body_errors({"name": "a\x00b"}) == {"name": "Null characters are not allowed."}
    assert body_errors({"name": "x" * 11}) == {"name": "Ensure this field has no more than 10 characters."}
    assert body_errors({"name": "ok", "email": "nope"}) == {"email": "Enter a valid email address."}


@pytest.mark.parametrize("value", [0, 1, 0.0, "true", "false", "True", "yes", "on", "1", "0", "", [], {}])
def test_a_strict_boolean_refuses_everything_but_true_and_false_naming_the_field(value):
    """DRF's BooleanField would read `0`/`1` and `"true"`, `"yes"`, `"on"`… as booleans."""
    assert body_errors({"name": "ok", "active": value}) == {"active": "Must be a valid boolean."}


@pytest.mark.parametrize("value", [True, False])
def test_a_strict_boolean_takes_json_true_and_false(value):
    body = _Body(data={"name": "ok", "active": value})

    assert body.is_valid(), body.errors
    assert body.validated_data["active"] is value


@pytest.mark.parametrize(
    "value",
    [
        "http://a.com",
        "https://example.com/img/a.png?x=1#y",
        "  https://e.com  ",
        "http://localhost:8000/a",
        "http://1.2.3.4/a",
        "http://[::1]/a",
        "https://" + "a" * 63 + ".com",
    ],
)
def test_an_http_url_field_takes_http_urls(value):
    assert HttpURLField().run_validation(value) == value.strip()
    assert re.search(http_url_pattern(), value)


@pytest.mark.parametrize(
    "value",
    [
        "ftp://a.com/x",
        "not a url",
        "http://a",
        "https://" + "a" * 64 + ".com",
        "http://a.com/b c",
        "https://" + ".".join(["a" * 60] * 5) + ".com",
        "http://-a.com",
        "mailto:a@b.co",
        "http://a.com\x00",
    ],
)
def test_an_http_url_field_and_its_schema_pattern_refuse_the_same(value):
    with pytest.raises(serializers.ValidationError):
        HttpURLField().run_validation(value)
    assert not re.search(http_url_pattern(), value)


def test_the_url_pattern_agrees_with_the_field_on_generated_urls():
    """Every piece a URL is made of, in random order: pattern and field agree (the pattern is looser only
    on a bracketed IPv6 host that is not an IPv6 address, which a `format: uri` value never is)."""
    rng = random.Random(17)
    pieces = [
        "a",
        "Z",
        "0",
        "9",
        "-",
        ".",
        ":",
        "/",
        "@",
        "?",
        "#",
        "%",
        "~",
        "\u00fc",
        " ",
        "com",
        "xn--p1ai",
    ]
    pattern = re.compile(http_url_pattern())
    for _ in range(20_000):
        value = rng.choice(["http://", "https://", "HTTP://", "ftp://", ""])
        value += "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        try:
            HttpURLField().run_validation(value)
            taken = True
        except serializers.ValidationError:
            taken = False
        assert bool(pattern.search(value)) == taken, value


@pytest.mark.parametrize(("low", "high"), [(1, 1000), (0, 2_147_483_647), (1, None), (0, None), (17, 1234)])
def test_the_integer_text_pattern_takes_exactly_the_numbers_in_bounds(low, high):
    """The schema states StrictIntegerField's numeric strings with their bounds (a `maximum` cannot apply
    to a string), so that the fuzzer's schema-valid strings are the ones the API takes."""
    field = StrictIntegerField(min_value=low, max_value=high)
    pattern = re.compile(integer_text_pattern(low, high))
    rng = random.Random(low)
    numbers = set(range(0, 2100)) | {rng.randrange(10**11) for _ in range(3000)}
    numbers |= {2_147_483_646, 2_147_483_647, 2_147_483_648, 10**10}
    for number in numbers:
        for text in (str(number), f" +00{number}.0 ", f"\u3000{number}"):
            in_bounds = number >= low and (high is None or number <= high)
            assert bool(pattern.search(text)) == in_bounds, text
            if in_bounds:
                assert field.run_validation(text) == number
    for text in ["", "-1", "1_0", "\u0661", "1.5", "1e1", "two"]:
        assert not pattern.search(text)
        with pytest.raises(serializers.ValidationError):
            field.run_validation(text)


@pytest.mark.parametrize("text", ["0", "19.99", " 5 ", "+7.5", "99999999.99", "00012.", "1234567"])
def test_money_strings_the_schema_allows_are_taken(text):
    assert re.search(MONEY_TEXT_PATTERN, text)
    assert MoneyField().to_internal_value(text) == Decimal(text.strip()).quantize(Decimal("0.01"))


@pytest.mark.parametrize("text", ["100000000", "-1", "1_000", "\u0661", "abc", "", "1.999"])
def test_money_strings_the_schema_refuses(text):
    """All refused by the API but `1.999` (rounded to 2.00): the schema states the plain form only."""
    assert not re.search(MONEY_TEXT_PATTERN, text)
