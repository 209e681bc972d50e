"""OpenAPI (drf-spectacular) helpers for the envelope of API.md §1.3, for every app's `extend_schema`.

Usage: `@extend_schema(request=LoginSerializer, responses={200: envelope("LoginResponse",
AuthDataSerializer), **error_responses(400, 401, 429)})`.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import URLValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.fields import empty

from shop.idempotency import HEADER

#: The query parameters of every paginated list (API.md §1.6). Lenient: any text is taken (a non-integer
#: reads as the default), so the schema types them as strings, as the API reads them.
PAGE_PARAM = OpenApiParameter(
    "page", OpenApiTypes.STR, description="an integer ≥ 1; anything else reads as 1"
)
LIMIT_PARAM = OpenApiParameter(
    "limit", OpenApiTypes.STR, description="an integer 1..100 (above: 100); anything else reads as 10"
)
PAGE_PARAMS = [PAGE_PARAM, LIMIT_PARAM]
#: The admin lists' and figures' time window (API.md §1.6).
RANGE_PARAM = OpenApiParameter(
    "range_days",
    OpenApiTypes.STR,
    description="a positive integer = the last N days; anything else: all time",
)

#: Every string of a request is refused when it holds a NUL character (API.md §1.2).
NO_NUL = r"^[^\u0000]*$"
#: What `str.strip()` removes (DRF trims string fields with it), as a regex class body.
_STRIPPED = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())


def text_pattern(*, trimmed: bool, blank: bool) -> str:
    """The pattern of a request string field: no NUL anywhere and, when it may not be blank, at least one
    character that trimming keeps."""
    if blank:
        return NO_NUL
    kept = f"[^\\u0000{_STRIPPED}]" if trimmed else "[^\\u0000]"
    return f"^[^\\u0000]*{kept}[^\\u0000]*$"


def text_param(name: str, description: str = "") -> OpenApiParameter:
    """A free-text query parameter (trimmed; empty = absent; NUL refused)."""
    return OpenApiParameter(name, {"type": "string", "pattern": NO_NUL}, description=description)


#: `min_price` / `max_price`: decimals 0..99999999.99 (a bad one is a 400 naming the parameter); an empty
#: (or blank) value counts as absent (API.md §1.2).
PRICE_BOUND_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 99999999.99},
        {"type": "string", "pattern": f"^[{_STRIPPED}]*$"},
    ]
}

#: `in_stock`: true/1 or false/0, case-insensitive and trimmed; empty (or blank) counts as absent.
IN_STOCK_SCHEMA = {
    "type": "string",
    "pattern": f"^[{_STRIPPED}]*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[01])?[{_STRIPPED}]*$",
}

#: The optional `Idempotency-Key` header of E21 and E26 (API.md §5.7).
IDEMPOTENCY_PARAM = OpenApiParameter(
    HEADER,
    {"type": "string", "maxLength": 255, "pattern": r"^[\u0020-\u007e]*[\u0021-\u007e][\u0020-\u007e]*$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description="1–255 printable ASCII characters; a repeat within 24 hours replays the first 2xx answer",
)


class PageMetaSerializer(serializers.Serializer):
    """`meta` of every paginated list (API.md §1.6)."""

    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField()
    totalPages = serializers.IntegerField()


#: The `data` of an answer that carries none (`null`), such as E34's.
NULL_DATA = serializers.JSONField(allow_null=True, default=None, help_text="always null")


class ErrorEnvelopeSerializer(serializers.Serializer):
    """The error envelope: `errors` only for `validation_error`, `details`/`data` only where stated."""

    success = serializers.BooleanField(default=False)
    message = serializers.CharField()
    error = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.CharField(), required=False)
    details = serializers.DictField(required=False)
    data = serializers.JSONField(required=False)


_ERROR_TEXT = {
    400: "invalid_json, validation_error or invalid_id",
    401: "unauthorized: missing, malformed, invalid or expired credentials",
    403: "forbidden: admin access required",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict (duplicate_email, insufficient_stock, invalid_transition, ...)",
    413: "payload_too_large",
    422: "idempotency_conflict: key reused with a different request",
    429: "throttled (Retry-After header)",
    500: "server_error",
    503: "service_unavailable",
}


def envelope(name: str, data: Any = None, *, many: bool = False) -> serializers.Serializer:
    """A success envelope component named `name`: `{success, message}` plus `data` when given.

    `data` is a serializer class or instance (or a serializer field) describing the `data` key.
    """
    fields: dict[str, Any] = {
        "success": serializers.BooleanField(default=True),
        "message": serializers.CharField(),
    }
    if data is not None:
        fields["data"] = data(many=many) if isinstance(data, type) else data
    return inline_serializer(name=name, fields=fields)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`{status: error envelope}` for `responses=` of `extend_schema`."""
    return {
        status: OpenApiResponse(ErrorEnvelopeSerializer, description=_ERROR_TEXT.get(status, "error"))
        for status in statuses
    }


#: Money as a request string (API.md §1.7): ASCII digits, at most 8 before the point and 2 after it, so
#: that every string the pattern allows is in 0..99999999.99. The API also takes more decimals (rounded
#: half-up) and exponents; the schema states the plain form.
MONEY_TEXT_PATTERN = f"^[{_STRIPPED}]*\\+?0*[0-9]{{1,8}}(\\.[0-9]{{0,2}})?[{_STRIPPED}]*$"


def _url_part(fragment: str) -> str:
    """A piece of Django's URLValidator regex (read with `re.IGNORECASE`) as a flagless JSON Schema pattern."""
    return (
        fragment.replace("\u00a1-\uffff", "\\u00a1-\\uffff")
        .replace("a-z", "a-zA-Z")
        .replace("0-9a-f", "0-9a-fA-F")
    )


def http_url_pattern() -> str:
    """What `shop.fields.HttpURLField` takes, as a pattern: Django's URLValidator with the schemes http and
    https (host labels of at most 63 characters, a TLD unless an IP or `localhost`, the whole host at most
    253, an optional port, no whitespace), trimmed, no NUL. A user-info part holds no bracket here (Python's
    `urlsplit` refuses some of those). Looser than the field only on a bracketed host that is not an IPv6
    address, which no `format: uri` value is."""
    ws = f"[{_STRIPPED}]*"
    userinfo = f"(?:[^{_STRIPPED}:@/\\[\\]\\u0000]+(?::[^{_STRIPPED}:@/\\[\\]\\u0000]*)?@)?"
    host = "(?:" + _url_part(URLValidator.ipv4_re) + "|" + _url_part(URLValidator.ipv6_re) + "|"
    host += _url_part(URLValidator.host_re) + ")"
    host_length = f"(?=[^:/?#]{{1,253}}(?:[:/?#]|{ws}$))"
    path = f"(?:[/?#][^\\u0000{_STRIPPED}]*)?"
    return f"^{ws}[Hh][Tt][Tt][Pp][Ss]?://{userinfo}{host_length}{host}(?::[0-9]{{1,5}})?{path}{ws}$"


class MoneyFieldExtension(OpenApiSerializerFieldExtension):
    """Money is a JSON number with at most 2 decimals (API.md §1.7), never a string, in responses; a
    request may also send it as a numeric string (`"19.99"`), as §1.7 allows."""

    target_class = "shop.fields.MoneyField"

    def map_serializer_field(self, auto_schema, direction):
        number = {
            "type": "number",
            "format": "decimal",
            "multipleOf": 0.01,
            "minimum": 0,
            "maximum": 99999999.99,
        }
        if direction != "request":
            return number
        return {
            "anyOf": [number, {"type": "string", "pattern": MONEY_TEXT_PATTERN}],
            "description": "a JSON number, or a numeric string of ASCII digits; rounded half-up to cents",
        }


class HttpURLFieldExtension(OpenApiSerializerFieldExtension):
    """An http(s) URL (`shop.fields.HttpURLField`) with Django's rules as a pattern, or a blank string."""

    target_class = "shop.fields.HttpURLField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        url = {"type": "string", "format": "uri", "pattern": http_url_pattern()}
        if field.max_length is not None:
            url["maxLength"] = field.max_length
        schema = (
            {"oneOf": [url, {"type": "string", "pattern": f"^[{_STRIPPED}]*$"}]} if field.allow_blank else url
        )
        if not field.required and field.default not in (None, empty):
            schema["default"] = field.default
        return schema


def _same_length_ranges(low: str, high: str) -> list[str]:
    """Regex alternatives for the digit strings of one length from `low` to `high` (inclusive)."""
    if low == high:
        return [low]
    rest = len(low) - 1
    if rest == 0 or (low[1:] == "0" * rest and high[1:] == "9" * rest):
        return [f"[{low[0]}-{high[0]}]" + (f"[0-9]{{{rest}}}" if rest else "")]
    if low[0] == high[0]:
        return [low[0] + tail for tail in _same_length_ranges(low[1:], high[1:])]
    parts = [low[0] + tail for tail in _same_length_ranges(low[1:], "9" * rest)]
    if int(high[0]) - int(low[0]) > 1:
        parts.append(f"[{int(low[0]) + 1}-{int(high[0]) - 1}][0-9]{{{rest}}}")
    parts += [high[0] + tail for tail in _same_length_ranges("0" * rest, high[1:])]
    return parts


def integer_range_regex(low: int, high: int | None) -> str:
    """A regex (no anchors) for the decimal integers `low..high` (`high` None: no upper bound), written
    without leading zeros; `low` ≥ 0."""
    parts: list[str] = []
    top = high if high is not None else 10 ** len(str(low)) - 1
    for digits in range(len(str(low)), len(str(top)) + 1):
        first, last = max(low, 10 ** (digits - 1) if digits > 1 else 0), min(top, 10**digits - 1)
        if first <= last:
            parts += _same_length_ranges(str(first), str(last))
    if high is None:
        parts.append(f"[1-9][0-9]{{{len(str(low))},}}")
    return "|".join(parts)


def integer_text_pattern(low: int | None, high: int | None) -> str:
    """The pattern of an integer sent as a string (`shop.fields.StrictIntegerField`): ASCII digits with an
    optional `+` (or `-` for zero), leading zeros and a zero fraction (`3.0`), trimmed; within the bounds."""
    if low is None or low < 0:
        number = "[+-]?[0-9]+"  # unused by our request fields: every integer of a body has a lower bound
    else:
        number = f"\\+?0*(?:{integer_range_regex(low, high)})" + ("|-0+" if low == 0 else "")
    return f"^[{_STRIPPED}]*(?:{number})(\\.0*)?[{_STRIPPED}]*$"


class StrictIntegerFieldExtension(OpenApiSerializerFieldExtension):
    """A request integer is a JSON integer or a numeric string (`shop.fields.StrictIntegerField`), both
    within the field's bounds (DRF also refuses a string over 1000 characters)."""

    target_class = "shop.fields.StrictIntegerField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        low, high = self.target.min_value, self.target.max_value
        text = {"type": "string", "maxLength": 1000, "pattern": integer_text_pattern(low, high)}
        number = {key: value for key, value in schema.items() if key not in {"default", "description"}}
        rest = {key: value for key, value in schema.items() if key in {"default", "description"}}
        return {"anyOf": [number, text], **rest}


class TextFieldExtension(OpenApiSerializerFieldExtension):
    """Request strings as the API reads them: no NUL, and a required one not blank once trimmed."""

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True
    priority = -1

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request" and schema.get("type") == "string" and not {"format", "enum"} & set(schema):
            if self.target.allow_blank:
                # As `not`, not `pattern`: drf-spectacular would wrap a blank-allowed pattern in a `oneOf`.
                schema["not"] = {"pattern": "\\u0000"}
            else:
                schema["pattern"] = text_pattern(trimmed=self.target.trim_whitespace, blank=False)
        return schema


def uuid_path_ids(result, generator, request, public):
    """Postprocessing hook: every path id is a UUID (API.md §1.8; anything else is `400 invalid_id`)."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "path":
                    parameter["schema"] = {"type": "string", "format": "uuid"}
    return result


def nullable_optional_request_fields(result, generator, request, public):
    """Postprocessing hook: in a request body `null` counts as absent (API.md §1.2), so every optional
    property of a request component also takes `null`; a required one does not (null = missing)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        required = set(component.get("required", []))
        for field, schema in component.get("properties", {}).items():
            if field in required or schema.get("readOnly"):
                continue
            if "$ref" in schema:  # OpenAPI 3.0 ignores the siblings of a $ref
                component["properties"][field] = {"allOf": [schema], "nullable": True}
            else:
                schema["nullable"] = True
    return result
