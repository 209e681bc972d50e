"""Health, readiness and metrics (API.md §4.1): exact bodies, no envelope, 503 without a database."""

import re
from datetime import datetime

import pytest
from django.db import OperationalError, connections

from shop import health
from shop.health import go_duration

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def assert_timestamp(value):
    assert TIMESTAMP.match(value), value
    assert datetime.fromisoformat(value.replace("Z", "+00:00")).utcoffset().total_seconds() == 0


def unreachable_connection(alias: str):
    """A PostgreSQL connection wrapper for a closed port (nothing listens on port 1), registered under
    `alias` for this thread only (a dynamically created connection, which the test harness allows)."""
    settings_dict = {**connections["default"].settings_dict, "HOST": "127.0.0.1", "PORT": "1"}
    wrapper = connections["default"].__class__(settings_dict, alias=alias)
    connections[alias] = wrapper
    return wrapper


@pytest.fixture
def database_down(monkeypatch):
    """Point the health checks at a database that cannot be reached."""
    alias = "unreachable"
    wrapper = unreachable_connection(alias)
    with pytest.raises(OperationalError):  # really unreachable, not refused by the test harness
        wrapper.ensure_connection()
    monkeypatch.setattr(health, "HEALTH_DATABASE", alias)
    yield alias
    wrapper.close()
    del connections[alias]


HEALTHY = {"status": "healthy", "service": "ecommerce-backend", "version": "1.0.0", "database": "connected"}
UNHEALTHY = {
    "status": "unhealthy",
    "service": "ecommerce-backend",
    "version": "1.0.0",
    "database": "disconnected",
    "error": "database unavailable",
}


def assert_probe(response, status: int, expected: dict):
    """A probe's JSON answer: `status`, and `expected` besides a UTC timestamp."""
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert_timestamp(body.pop("timestamp"))
    assert body == expected


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        pytest.param("health", HEALTHY, id="health-connected"),
        pytest.param("ready", {"ready": True, "database": "ready"}, id="ready-ready"),
    ],
)
def test_probes_report_a_reachable_database(api, prefix, probe, expected):
    assert_probe(api.get(f"{prefix}/{probe}"), 200, expected)


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        pytest.param("health", UNHEALTHY, id="health-unhealthy"),
        pytest.param(
            "ready",
            {"ready": False, "database": "not_ready", "error": "database unavailable"},
            id="ready-not-ready",
        ),
    ],
)
def test_probes_are_503_when_the_database_is_unreachable(api, prefix, probe, expected, database_down):
    assert_probe(api.get(f"{prefix}/{probe}"), 503, expected)


def test_metrics_stay_200_when_the_database_is_unreachable(api, database_down):
    assert api.get("/metrics").status_code == 200


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
def test_metrics_report_uptime_and_requests(api, prefix):
    response = api.get(f"{prefix}/metrics")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"timestamp", "metrics"}
    assert_timestamp(body["timestamp"])
    metrics = body["metrics"]
    assert set(metrics) == {"uptime", "uptime_seconds", "requests_total"}
    assert re.fullmatch(r"(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms|µs)", metrics["uptime"]), metrics["uptime"]
    assert isinstance(metrics["uptime_seconds"], float | int)
    assert metrics["uptime_seconds"] >= 0
    assert isinstance(metrics["requests_total"], int)


def test_requests_total_counts_every_request_served(api):
    first = api.get("/metrics").json()["metrics"]["requests_total"]
    api.get("/api/v1/nope")
    api.get("/health")
    second = api.get("/metrics").json()["metrics"]["requests_total"]

    assert second == first + 3


def test_uptime_grows(api):
    first = api.get("/metrics").json()["metrics"]["uptime_seconds"]
    second = api.get("/metrics").json()["metrics"]["uptime_seconds"]

    assert second >= first


def test_health_ignores_any_authorization_header(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    assert api.get("/health").status_code == 200
    assert api.get("/api/v1/ready").status_code == 200


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (3723.5, "1h2m3.5s"),
        (250.25, "4m10.25s"),
        (12.5, "12.5s"),
        (3600, "1h0m0s"),
        (60, "1m0s"),
        (1, "1s"),
        (7322, "2h2m2s"),
        (90000.125, "25h0m0.125s"),
        (59.9999999, "1m0s"),
        (0.25, "250ms"),
        (0.0005, "500µs"),
        (0, "0s"),
    ],
)
def test_go_duration_matches_go_notation(seconds, expected):
    assert go_duration(seconds) == expected
