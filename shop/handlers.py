"""One exception handler: every failure becomes the error envelope of API.md §1.3–1.5."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, JsonResponse
from django.views.defaults import server_error as html_server_error
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.settings import api_settings

from shop import exceptions as shop_exc
from shop.context import current_request_id

logger = logging.getLogger("shop.errors")


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, str]:
    """DRF's nested error detail → `{dotted.json.key: first message}` (API.md §1.5). A nested serializer's
    own error is reported under the nested field's key (`shipping_address`, `items.0`); only an error of the
    whole body keeps `non_field_errors`."""
    out: dict[str, str] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = prefix or api_settings.NON_FIELD_ERRORS_KEY
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, message in flatten_errors(value, name).items():
                out.setdefault(field, message)
    elif isinstance(detail, list):
        if detail and all(not isinstance(item, dict | list) for item in detail):
            out[prefix or api_settings.NON_FIELD_ERRORS_KEY] = str(detail[0])
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    elif detail is not None:
        out[prefix or api_settings.NON_FIELD_ERRORS_KEY] = str(detail)
    return out


#: The server ended the session: an administrator (`pg_terminate_backend`, a fast shutdown), a crash of
#: another backend, or a server still starting up (SQLSTATE class 57, operator intervention).
SESSION_ENDED = frozenset({"57P01", "57P02", "57P03"})


def is_connection_error(exc: BaseException) -> bool:
    """A database that cannot be reached, or that ended the connection (as opposed to a query that
    failed)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or str(sqlstate).startswith("08") or sqlstate in SESSION_ENDED


def to_shop_error(exc: BaseException, method: str = "") -> shop_exc.ShopError | None:
    if isinstance(exc, shop_exc.ShopError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return shop_exc.ValidationFailed(flatten_errors(exc.detail))
    if isinstance(exc, drf.ParseError):
        return shop_exc.InvalidJSON()
    if isinstance(exc, drf.NotAuthenticated):
        return shop_exc.Unauthorized("Missing authorization header")
    if isinstance(exc, drf.AuthenticationFailed):
        return shop_exc.Unauthorized(str(exc.detail))
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return shop_exc.Forbidden()
    if isinstance(exc, drf.NotFound | Http404):
        return shop_exc.NotFound()
    if isinstance(exc, drf.MethodNotAllowed):
        return shop_exc.MethodNotAllowed(method)
    if isinstance(exc, drf.Throttled):
        return shop_exc.Throttled(max(1, math.ceil(exc.wait or 1)))
    if isinstance(exc, RequestDataTooBig):
        return shop_exc.PayloadTooLarge()
    if isinstance(exc, drf.UnsupportedMediaType):
        return shop_exc.InvalidJSON()
    if is_connection_error(exc):
        return shop_exc.ServiceUnavailable()
    if isinstance(exc, drf.APIException):
        # Any other DRF error (e.g. 406 Not Acceptable) keeps its status, in the envelope.
        error = shop_exc.ShopError(str(exc.default_code), message=str(exc.detail))
        error.status_code = exc.status_code
        error.code = str(exc.default_code)
        return error
    return None


def error_response(error: shop_exc.ShopError) -> Response:
    return Response(error.body(), status=error.status_code, headers=error.headers or None)


def exception_handler(exc: BaseException, context: dict[str, Any]) -> Response:
    request = context.get("request")
    error = to_shop_error(exc, getattr(request, "method", "") or "")
    if error is None:
        logger.error(
            "unhandled error request_id=%s path=%s",
            current_request_id(),
            getattr(request, "path", ""),
            exc_info=exc,
        )
        error = shop_exc.ServerError()
    elif isinstance(error, shop_exc.ServiceUnavailable):
        logger.warning("database unavailable request_id=%s", current_request_id())
    response = error_response(error)
    auth_header = getattr(exc, "auth_header", None)  # set by DRF on bearer 401s
    if auth_header and response.status_code == 401:
        response["WWW-Authenticate"] = auth_header
    return response


def server_error(request, *args, **kwargs):
    """Django's last-resort 500 (`handler500`): the envelope under /api/ and on health routes, else HTML."""
    from shop.middleware import is_api_or_health  # the middleware imports the views, which import us

    if is_api_or_health(request.path):
        error = shop_exc.ServerError()
        return JsonResponse(error.body(), status=error.status_code)
    return html_server_error(request, *args, **kwargs)
