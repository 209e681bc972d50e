"""Health, readiness and metrics (API.md §4.1). No envelope, no auth, not throttled."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.middleware import requests_served

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
    """Go's `time.Duration` notation: `1h2m3.5s`, `4m10.25s`, `12.5s`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    secs_text = f"{secs:.6f}".rstrip("0").rstrip(".") or "0"
    if hours >= 1:
        return f"{int(hours)}h{int(minutes)}m{secs_text}s"
    if minutes >= 1:
        return f"{int(minutes)}m{secs_text}s"
    return f"{secs_text}s"


def now_iso() -> str:
    return timezone.now().isoformat().replace("+00:00", "Z")


class PublicPlainView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]


class HealthView(PublicPlainView):
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
    def get(self, request):
        if database_available():
            return Response({"ready": True, "timestamp": now_iso(), "database": "ready"})
        return Response(
            {"ready": False, "timestamp": now_iso(), "database": "not_ready", "error": "database unavailable"},
            status=503,
        )


class MetricsView(PublicPlainView):
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
