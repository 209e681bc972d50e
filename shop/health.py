"""Health, readiness and metrics (API.md §4.1). No envelope, no auth, not throttled."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from shop.middleware import requests_served
from shop.views import PublicApiView

#: The connection alias the checks use (tests point it at an unreachable server).
HEALTH_DATABASE = "default"


def database_available() -> bool:
    """A trivial query; PostgreSQL connections time out after 5 seconds (`connect_timeout`)."""
    connection = connections[HEALTH_DATABASE]
    try:
        with transaction.atomic(using=HEALTH_DATABASE), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL statement_timeout = 5000")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return False
    except Exception:  # a driver that cannot even connect may raise its own errors
        return False
    return True


def go_duration(seconds: float) -> str:
    """Go's `time.Duration.String()` at microsecond precision: `1h2m3.5s`, `4m10.25s`, `12.5s`, `1h0m0s`.

    Leading zero units are left out; under a second Go switches to `ms`/`µs` (`250ms`), and so does this.
    Works on whole microseconds, so `59.9999999` is `1m0s`, never `60s`.
    """
    micros = round(seconds * 1_000_000)
    if micros <= 0:
        return "0s"
    if micros < 1000:
        return f"{micros}µs"
    if micros < 1_000_000:
        return f"{_trim(micros / 1000, 3)}ms"
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    secs = f"{_trim(rest / 1_000_000, 6)}s"
    if hours:
        return f"{hours}h{minutes}m{secs}"
    if minutes:
        return f"{minutes}m{secs}"
    return secs


def _trim(value: float, places: int) -> str:
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def now_iso() -> str:
    return timezone.now().isoformat().replace("+00:00", "Z")


class PublicPlainView(PublicApiView):
    """Public, no envelope: the body is exactly the health document (its 405 is still the envelope)."""

    renderer_classes = [JSONRenderer]


_TIMESTAMP = serializers.CharField(help_text="UTC, ISO 8601 ending in Z")
_ERROR = serializers.CharField(required=False, help_text="`database unavailable` (503 only)")
HEALTH_DOC = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["healthy", "unhealthy"]),
        "timestamp": _TIMESTAMP,
        "service": serializers.CharField(),
        "version": serializers.CharField(),
        "database": serializers.ChoiceField(choices=["connected", "disconnected"]),
        "error": _ERROR,
    },
)
READY_DOC = inline_serializer(
    "Ready",
    {
        "ready": serializers.BooleanField(),
        "timestamp": _TIMESTAMP,
        "database": serializers.ChoiceField(choices=["ready", "not_ready"]),
        "error": _ERROR,
    },
)
METRICS_DOC = inline_serializer(
    "Metrics",
    {
        "timestamp": _TIMESTAMP,
        "metrics": inline_serializer(
            "MetricsValues",
            {
                "uptime": serializers.CharField(help_text="Go duration notation, e.g. 1h2m3.5s"),
                "uptime_seconds": serializers.FloatField(),
                "requests_total": serializers.IntegerField(),
            },
        ),
    },
)


class HealthView(PublicPlainView):
    """E1/E4: liveness with a database check (503 when the database is unreachable)."""

    @extend_schema(tags=["health"], responses={200: HEALTH_DOC, 503: HEALTH_DOC})
    def get(self, request):
        base = {
            "timestamp": now_iso(),
            "service": settings.SERVICE_NAME,
            "version": settings.SERVICE_VERSION,
        }
        if database_available():
            return Response({"status": "healthy", **base, "database": "connected"})
        return Response(
            {"status": "unhealthy", **base, "database": "disconnected", "error": "database unavailable"},
            status=503,
        )


class ReadyView(PublicPlainView):
    """E2/E5: readiness: can this process serve requests (503 without the database)."""

    @extend_schema(tags=["health"], responses={200: READY_DOC, 503: READY_DOC})
    def get(self, request):
        if database_available():
            return Response({"ready": True, "timestamp": now_iso(), "database": "ready"})
        return Response(
            {
                "ready": False,
                "timestamp": now_iso(),
                "database": "not_ready",
                "error": "database unavailable",
            },
            status=503,
        )


class MetricsView(PublicPlainView):
    """E3/E6: uptime and requests served by this process (always 200)."""

    @extend_schema(tags=["health"], responses={200: METRICS_DOC})
    def get(self, request):
        uptime = time.monotonic() - requests_served.started
        return Response(
            {
                "timestamp": now_iso(),
                "metrics": {
                    "uptime": go_duration(uptime),
                    "uptime_seconds": round(uptime, 3),
                    "requests_total": requests_served.value,
                },
            }
        )
