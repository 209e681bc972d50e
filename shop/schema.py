"""OpenAPI (drf-spectacular) helpers for the envelope of API.md §1.3, for every app's `extend_schema`.

Usage: `@extend_schema(request=LoginSerializer, responses={200: envelope("LoginResponse",
AuthDataSerializer), **error_responses(400, 401, 429)})`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

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


class MoneyFieldExtension(OpenApiSerializerFieldExtension):
    """Money is a JSON number with at most 2 decimals (API.md §1.7), not a string."""

    target_class = "shop.fields.MoneyField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "number",
            "format": "decimal",
            "multipleOf": 0.01,
            "minimum": 0,
            "maximum": 99999999.99,
        }


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
