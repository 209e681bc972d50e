"""Envelope assertions shared by the API tests (API.md §1.3): each checks the status code first (showing
the body when it differs) and returns the part of the body the test checks next."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

#: The keys of each resource as the API answers it (API.md §4, §5).
PRODUCT_KEYS = {
    "id",
    "sku",
    "name",
    "description",
    "price",
    "stock",
    "category",
    "image_url",
    "created_at",
    "updated_at",
    "stock_quantity",
    "reserved",
    "is_active",
}
ORDER_KEYS = {
    "id",
    "user_id",
    "order_number",
    "total_amount",
    "status",
    "payment_method",
    "shipping_address",
    "billing_address",
    "items",
    "payment",
    "status_history",
    "delivered_at",
    "created_at",
    "updated_at",
}
PAYMENT_KEYS = {
    "id",
    "order_id",
    "amount",
    "status",
    "payment_method",
    "transaction_id",
    "payment_details",
    "refunded_amount",
    "created_at",
    "updated_at",
}
ADMIN_ORDER_KEYS = ORDER_KEYS | {"user"}
USER_KEYS = {"id", "email", "first_name", "last_name", "role", "created_at", "updated_at"}
META_KEYS = {"page", "limit", "total", "totalPages"}
#: Every order status, in the order the API lists them.
ORDER_STATUSES = [
    "pending",
    "processing",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
    "refunded",
    "return_requested",
]


def body(response) -> dict[str, Any]:
    """The JSON body with numbers that have a fraction read as Decimal (exact money comparisons)."""
    return json.loads(response.content, parse_float=Decimal)


def assert_success(response, status: int, message: str) -> Any:
    """Assert a success envelope; return its `data` (or the whole body when there is no `data`)."""
    content = body(response)
    assert response.status_code == status, content
    assert content["success"] is True
    assert content["message"] == message
    return content.get("data", content)


def assert_error(response, status: int, code: str, message: str, error: str | None = None) -> dict[str, Any]:
    """Assert an error envelope's status, `success`, `code`, `message` and (when given) `error`; other keys,
    such as a validation failure's `errors`, may be there too. Return the body."""
    content = body(response)
    assert response.status_code == status, content
    assert content["success"] is False
    assert content["code"] == code
    assert content["message"] == message
    if error is not None:
        assert content["error"] == error
    return content


def assert_error_envelope(response, status: int, code: str, message: str, error: str) -> None:
    """Assert the body is exactly the four-key error envelope, served as JSON, and nothing more."""
    content = body(response)
    assert response.status_code == status, content
    assert response["Content-Type"] == "application/json"
    assert content == {"success": False, "message": message, "error": error, "code": code}


def validation_errors(response) -> dict[str, Any]:
    """Assert a 400 validation failure; return its `errors` (field → message)."""
    content = assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    return content["errors"]
