"""Serializer fields shared by every app: money (API.md §1.7), strict UUIDs (§1.8), trimmed choices (§1.2),
whole numbers written as clients write them (§1.2), strings and booleans of their own JSON type only; times
as UTC text (§1.9)."""

import re
import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.validators import URLValidator
from rest_framework import serializers

from shop.ids import UUID_RE

CENT = Decimal("0.01")
#: A decimal number in a string as clients write one: ASCII digits, optional sign, fraction and exponent.
DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
MAX_MONEY = Decimal("99999999.99")


def to_money(value) -> Decimal:
    """Round to cents, half-up. The one rounding rule for money."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC ending in `Z` (§1.9), as DRF's DateTimeField renders it."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money_field(**kwargs) -> serializers.DecimalField:
    """Money in a documentation serializer: a JSON number with 2 decimals (the output is `to_money`)."""
    return serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False, **kwargs)


class MoneyField(serializers.Field):
    """Money in and out: a JSON number (or numeric string of ASCII digits) rounded half-up to cents,
    0..99999999.99.

    Rendered as a Decimal, which the renderer writes as a JSON number.
    """

    default_error_messages = {
        "invalid": "A valid number is required.",
        "min_value": "Ensure this value is greater than or equal to 0.",
        "max_value": "Ensure this value is less than or equal to 99999999.99.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | Decimal | str):
            self.fail("invalid")
        if isinstance(data, str) and not DECIMAL_TEXT.fullmatch(data.strip()):
            self.fail("invalid")  # Decimal() alone would take "1_000" and non-ASCII digits ("١٢٣")
        try:
            value = Decimal(str(data).strip())
        except (InvalidOperation, ValueError):
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        # Bounds first: rounding a huge value (`1e30`) to cents would overflow the decimal context.
        if value < -1:
            self.fail("min_value")
        if value > MAX_MONEY + 1:
            self.fail("max_value")
        value = to_money(value)
        if value < 0:
            self.fail("min_value")
        if value == 0:
            value = abs(value)  # `-0.004` rounds to `-0.00`: store and echo a plain 0
        if value > MAX_MONEY:
            self.fail("max_value")
        return value

    def to_representation(self, value):
        return to_money(value)


class StrictUUIDField(serializers.UUIDField):
    """A UUID in the format of API.md §1.8: a hyphenated string (case-insensitive hex), trimmed like every
    body string (§1.2). DRF's UUIDField alone would also take an integer, 32 bare hex digits, braces or a
    `urn:uuid:` prefix, and would refuse surrounding whitespace."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not UUID_RE.fullmatch(data.strip()):
            self.fail("invalid", value=data)
        return uuid.UUID(data.strip())


#: An integer in a string as clients write one: optional sign, ASCII digits, optionally a zero fraction (`3.0`,
#: which DRF takes as 3). Not Python's `1_000`, nor non-ASCII digits such as `٣` or `３`.
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+(\.0*)?")


class StrictIntegerField(serializers.IntegerField):
    """An integer (API.md §1.2): a JSON number that is whole, or a numeric string of ASCII digits.

    DRF's IntegerField converts strings with Python's `int()`, which also takes `"1_0"` (10) and
    non-ASCII digits (`"١"`, `"２"`); those are refused here with DRF's own `invalid` message.
    """

    def to_internal_value(self, data):
        if isinstance(data, str):
            if len(data) > self.MAX_STRING_LENGTH:
                self.fail("max_string_length")
            data = data.strip()  # as every string is (§1.2); `int()` alone would not strip `\x1c`–`\x1f`
            if not _INTEGER_TEXT.fullmatch(data):
                self.fail("invalid")
        return super().to_internal_value(data)


class TrimmedChoiceField(serializers.ChoiceField):
    """A choice given as a string is trimmed first, like every string input (API.md §1.2): `" cc "` is
    `cc`. DRF's ChoiceField, not being a CharField, does not trim."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.strip() if isinstance(data, str) else data)


class StringOnlyMixin:
    """Takes a JSON string only, as the Go service's JSON decoder did: DRF's CharField would also take a
    number (`"sku": 0` stored as `"0"`). Trimming, `allow_blank`, the NUL check and the lengths stay DRF's."""

    default_error_messages = {"not_a_string": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictCharField(StringOnlyMixin, serializers.CharField):
    """A request string (API.md §1.2): a JSON string, trimmed unless `trim_whitespace=False`, NUL refused."""


class StrictEmailField(StringOnlyMixin, serializers.EmailField):
    """A request email: a JSON string that is a valid address."""


class StrictBooleanField(serializers.BooleanField):
    """A request boolean: JSON `true` or `false` only. DRF's BooleanField would also take `0`/`1` and the
    strings `"true"`, `"yes"`, `"on"`…, which the Go service's decoder refused and the schema does not allow."""

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class HttpURLField(StrictCharField):
    """An http(s) URL as Django's URLValidator takes it (host labels ≤ 63 characters, a host ≤ 253), or `""`
    when `allow_blank` (DRF returns a blank string before any validator runs). The schema states the same
    rule as a pattern (`shop.schema.http_url_pattern`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(URLValidator(schemes=["http", "https"], message="Enter a valid http(s) URL."))
