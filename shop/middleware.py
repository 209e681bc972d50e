"""Request-wide middleware: request id, no-cache headers, access log, body limit, trailing slashes."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
import uuid
from datetime import UTC

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from shop.context import reset_request_id, set_request_id
from shop.exceptions import PayloadTooLarge, UriTooLong
from shop.views import view_allows

access_logger = logging.getLogger("shop.access")

REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,128}")
HEALTH_PATHS = frozenset({"/health", "/ready", "/metrics"})
SLASH_SERVED = frozenset({"/api/v1/schema/", "/api/v1/docs/"})
NOT_FOUND_ROUTE = "api-route-not-found"
#: The longest request target (path and query string, as sent) the service reads. gunicorn's own limit
#: is set above it (gunicorn.conf.py), so that this rule answers first, in the envelope.
MAX_REQUEST_TARGET_BYTES = 8 * 1024


class RequestCounter:
    """Requests served by this process (`/metrics`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0
        self.started = time.monotonic()

    def increment(self) -> None:
        with self._lock:
            self.value += 1


requests_served = RequestCounter()


def is_api_or_health(path: str) -> bool:
    return path == "/api" or path.startswith("/api/") or path.rstrip("/") in HEALTH_PATHS


def request_target_bytes(request) -> int:
    """The request target's length as sent: gunicorn's `RAW_URI`, else path and query re-joined."""
    raw = request.META.get("RAW_URI")
    if raw is None:
        query = request.META.get("QUERY_STRING", "")
        raw = request.path + (f"?{query}" if query else "")
    return len(raw.encode("utf-8", "replace"))


def body_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.MAX_BODY_BYTES


def buffer_chunked_body(request) -> None:
    """Make a `Transfer-Encoding: chunked` body visible to the parser and to the 413 check: when the server
    has de-chunked it (`wsgi.input_terminated`, gunicorn), read at most one byte over the limit and give the
    request that length; Django alone would read it as empty."""
    meta = request.META
    if meta.get("CONTENT_LENGTH") or not meta.get("wsgi.input_terminated"):
        return
    if "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    raw = meta["wsgi.input"].read(settings.MAX_BODY_BYTES + 1)
    request._stream = LimitedStream(io.BytesIO(raw), len(raw))
    meta["CONTENT_LENGTH"] = str(len(raw))


class RequestContextMiddleware:
    """Outermost: request id on every response, no-cache on API/health, one JSON access-log line, and
    the request-target limit (`414 uri_too_long`, before anything reads the query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            if request_target_bytes(request) > MAX_REQUEST_TARGET_BYTES:
                error = UriTooLong()
                response = JsonResponse(error.body(), status=error.status_code)
            else:
                response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        if is_api_or_health(request.path):
            response["Cache-Control"] = "no-cache, no-store, must-revalidate"
            response["Pragma"] = "no-cache"
            response["Expires"] = "0"
        requests_served.increment()
        user = getattr(request, "user", None)
        user_id = str(user.pk) if user is not None and getattr(user, "is_authenticated", False) else None
        access_logger.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                    "request_id": request_id,
                    "user_id": user_id,
                }
            )
        )
        return response


class ApiRequestMiddleware:
    """Inside CORS: the trailing-slash redirects, chunked bodies, and the 1 MiB body limit.

    The body limit is checked once the route is resolved (`process_view`): an unknown route (404) and a
    wrong method (405) come first, then the size (413), then authentication, which DRF runs inside the
    view (API.md §1.14). A chunked body is buffered first (`buffer_chunked_body`) so that it has a length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if is_api_or_health(path):
            buffer_chunked_body(request)
        if path.endswith("/") and len(path) > 1 and is_api_or_health(path) and path not in SLASH_SERVED:
            redirect = self.slash_redirect(request)
            if redirect is not None:
                return redirect
        if is_api_or_health(path):
            with timezone.override(UTC):  # API.md §1.9: UTC whatever the shop's TIME_ZONE (the admin's)
                return self.get_response(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/api/") or not body_too_large(request):
            return None
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == NOT_FOUND_ROUTE:
            return None  # 404 Route not found wins
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        if view_class is not None and not view_allows(view_class, request.method):
            return None  # 405 wins
        error = PayloadTooLarge()
        return JsonResponse(error.body(), status=error.status_code)

    @staticmethod
    def slash_redirect(request):
        target = request.path[:-1]
        try:
            match = resolve(target)
        except Resolver404:
            return None
        if match.url_name == NOT_FOUND_ROUTE:
            return None
        query = request.META.get("QUERY_STRING", "")
        location = f"{target}?{query}" if query else target
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(location)
        response = HttpResponseRedirect(location)
        response.status_code = 307
        return response


#: The HTML pages of the service, which get a Content-Security-Policy; the JSON API gets none.
CSP_PAGE_PREFIXES = ("/admin/", "/api/v1/docs")


class PageCSPMiddleware(CSPMiddleware):
    """django-csp's policy (`CONTENT_SECURITY_POLICY`) on the Django admin and Swagger UI only."""

    def process_response(self, request, response):
        if not request.path.startswith(CSP_PAGE_PREFIXES):
            return response
        return super().process_response(request, response)
