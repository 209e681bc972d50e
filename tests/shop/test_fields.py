"""Shared input helpers: money (API.md §1.7) and path ids (§1.8)."""

import uuid
from decimal import Decimal

import pytest
from rest_framework import serializers

from shop.exceptions import InvalidId
from shop.fields import MoneyField, StrictIntegerField, to_money
from shop.ids import parse_uuid


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
