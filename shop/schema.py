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

#: The query parameters of every paginated list (API.md §1.6).
PAGE_PARAM = OpenApiParameter("page", OpenApiTypes.INT, description="≥ 1, default 1")
LIMIT_PARAM = OpenApiParameter("limit", OpenApiTypes.INT, description="1..100, default 10")
PAGE_PARAMS = [PAGE_PARAM, LIMIT_PARAM]
#: The admin lists' and figures' time window (API.md §1.6).
RANGE_PARAM = OpenApiParameter(
    "range_days", OpenApiTypes.INT, description="positive = last N days; else all time"
)
#: The optional `Idempotency-Key` header of E21 and E26 (API.md §5.7).
IDEMPOTENCY_PARAM = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
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
