"""Domain exceptions. Each class carries its HTTP status, stable `code`, and default message/error texts.

Services raise these; `shop.handlers.exception_handler` turns them into the error envelope (API.md §1.3).
Messages that clients compare are the class attributes and the constants below.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any


class ShopError(Exception):
    status_code = 400
    code = "error"
    message = "Request failed"
    error = "error"

    def __init__(
        self,
        error: str | None = None,
        *,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.error = error if error is not None else type(self).error
        self.message = message if message is not None else type(self).message
        self.details = details
        self.errors = errors
        self.data = data
        self.headers = headers or {}
        super().__init__(self.error)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "success": False,
            "message": self.message,
            "error": self.error,
            "code": self.code,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        if self.details is not None:
            body["details"] = self.details
        if self.data is not None:
            body["data"] = self.data
        return body


class InvalidJSON(ShopError):
    code = "invalid_json"
    message = "Invalid request body"
    error = "malformed JSON body"


class ValidationFailed(ShopError):
    code = "validation_error"
    message = "Validation failed"
    error = "validation_error"

    def __init__(self, errors: dict[str, str], **kwargs: Any) -> None:
        super().__init__(errors=errors, **kwargs)


class InvalidId(ShopError):
    code = "invalid_id"
    error = "invalid UUID"

    def __init__(self, resource: str) -> None:
        super().__init__(message=f"Invalid {resource} ID")


class CartEmpty(ShopError):
    code = "cart_empty"
    message = "Failed to create order"
    error = "cart is empty"


class Unauthorized(ShopError):
    status_code = 401
    code = "unauthorized"
    message = "Unauthorized"
    error = "Invalid token"


class Forbidden(ShopError):
    status_code = 403
    code = "forbidden"
    message = "Forbidden"
    error = "Admin access required"


class NotFound(ShopError):
    status_code = 404
    code = "not_found"
    message = "Not found"
    error = "not_found"

    def __init__(self, resource: str | None = None, **kwargs: Any) -> None:
        if resource is not None:
            kwargs.setdefault("message", f"{resource} not found")
        super().__init__(**kwargs)


class MethodNotAllowed(ShopError):
    status_code = 405
    code = "method_not_allowed"
    message = "Method not allowed"

    def __init__(self, method: str, **kwargs: Any) -> None:
        super().__init__(f"method {method.upper()} not allowed", **kwargs)


class Conflict(ShopError):
    status_code = 409


class DuplicateEmail(Conflict):
    code = "duplicate_email"
    message = "Registration failed"
    error = "user already exists"


class DuplicateSku(Conflict):
    code = "duplicate_sku"
    message = "Failed to create product"
    error = "product with this SKU already exists"


#: The stock messages of E16, E17/E18 and checkout (API.md §5.2, §5.3), chosen by `inventory.shortage_message`.
INSUFFICIENT_STOCK = "Insufficient stock for {name}. Available: {available}"
NO_LONGER_AVAILABLE = "{name} is no longer available"


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    message = "Request failed"
    error = "insufficient stock"

    def __init__(
        self, *, product_id: Any, requested: int, available: int, error: str | None = None, **kwargs: Any
    ) -> None:
        self.product_id = product_id
        self.requested = requested
        self.available = max(0, available)
        details = {"product_id": str(product_id), "requested": requested, "available": self.available}
        super().__init__(error, details=details, **kwargs)


class CartInvalid(Conflict):
    code = "cart_invalid"
    message = "Cart validation failed"
    error = "cart validation failed"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = "Request failed"
    error = "invalid transition"


class ReturnNotAllowed(Conflict):
    code = "return_not_allowed"
    message = "Failed to create return"
    error = "return not allowed"


class AlreadyPaid(Conflict):
    code = "already_paid"
    message = "Failed to create payment"
    error = "payment already exists for this order"


class PaymentNotAllowed(Conflict):
    code = "payment_not_allowed"
    message = "Failed to create payment"
    error = "order cannot be paid at this stage"


class LastAdmin(Conflict):
    code = "last_admin"
    message = "Failed to update user role"
    error = "cannot demote the last admin"


class IdempotencyInProgress(Conflict):
    code = "idempotency_conflict"
    message = "Idempotency conflict"
    error = "a request with this Idempotency-Key is still in progress"


class IdempotencyMismatch(ShopError):
    status_code = 422
    code = "idempotency_conflict"
    message = "Idempotency conflict"
    error = "Idempotency-Key already used with a different request"


class PayloadTooLarge(ShopError):
    status_code = 413
    code = "payload_too_large"
    message = "Request body too large"
    error = "request body exceeds 1 MiB"


class UriTooLong(ShopError):
    """A request target (path and query) over `MAX_REQUEST_TARGET_BYTES`: refused before any parsing."""

    status_code = 414
    code = "uri_too_long"
    message = "Request URI too long"
    error = "request target exceeds 8 KiB"


class Throttled(ShopError):
    status_code = 429
    code = "throttled"
    message = "Too many requests"

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(
            f"rate limit exceeded, retry in {wait_seconds} seconds",
            headers={"Retry-After": str(wait_seconds)},
        )


class ServerError(ShopError):
    status_code = 500
    code = "server_error"
    message = "Internal server error"
    error = "an unexpected error occurred"


class ServiceUnavailable(ShopError):
    status_code = 503
    code = "service_unavailable"
    message = "Service unavailable"
    error = "database unavailable"


@contextmanager
def failure_message(message: str, *exc_types: type[ShopError]):
    """Give the domain errors raised inside the block the endpoint's own `message` (API.md §4 tables).

    Services raise errors without knowing which endpoint called them; the view names its summary text.
    """
    try:
        yield
    except exc_types as exc:
        exc.message = message
        raise
