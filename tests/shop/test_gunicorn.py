"""Behaviour across a real gunicorn process serving with the repository's gunicorn.conf.py: its headers,
its limits (set above the app's, so that the app answers first, in the envelope), plain-HTTP probes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import BASE_DIR, gunicorn_server

# The marker makes pytest-django create the test database, which the gunicorn process uses.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def server(django_db_setup):
    with gunicorn_server() as running:
        yield running


@pytest.fixture(scope="module")
def https_server(django_db_setup):
    with gunicorn_server(SECURE_SSL_REDIRECT="1", SECURE_HSTS_SECONDS="3600") as running:
        yield running


def test_the_server_header_names_no_version(server):
    status, headers, _ = server.request("GET", "/health")

    assert status == 200
    assert headers["server"] == "gunicorn"


def test_gunicorn_reads_the_repository_config_a_20_kib_header_reaches_the_app(server):
    """gunicorn's default field limit is 8190 bytes; gunicorn.conf.py raises it to 32 KiB."""
    status, headers, body = server.request("GET", "/health", headers={"X-Padding": "a" * 20_000})

    assert status == 200
    assert json.loads(body)["status"] == "healthy"
    assert "x-request-id" in headers  # answered by the app


@pytest.mark.parametrize("path", ["/health", "/ready", "/api/v1/health", "/api/v1/ready"])
def test_probes_answer_on_plain_http_with_the_https_variables_on(https_server, path):
    status, headers, _ = https_server.request("GET", path)

    assert status == 200
    assert "strict-transport-security" not in headers


def test_the_api_redirects_to_https_and_gunicorn_trusts_no_forwarded_proto(https_server):
    """Whether a request is HTTPS is Django's decision alone (SECURE_PROXY_SSL_HEADER, unset here):
    gunicorn's own trust of X-Forwarded-Proto from 127.0.0.1 is off."""
    status, headers, _ = https_server.request(
        "GET", "/api/v1/products", headers={"X-Forwarded-Proto": "https"}
    )

    assert status == 301
    assert headers["location"].startswith("https://")


def envelope(body: bytes) -> dict:
    return json.loads(body)


@pytest.mark.parametrize("size", [8 * 1024 + 1, 30_000])
def test_a_token_over_8_kib_is_a_401_envelope_not_gunicorns_431(server, size):
    status, headers, body = server.request(
        "GET", "/api/v1/users/profile", headers={"Authorization": "Bearer " + "a" * size}
    )

    assert status == 401
    assert headers["content-type"] == "application/json"
    assert envelope(body) == {
        "success": False,
        "message": "Unauthorized",
        "error": "Invalid token",
        "code": "unauthorized",
    }


def test_a_header_over_gunicorns_32_kib_limit_is_gunicorns_own_answer(server):
    """The documented boundary (README, Serving): past 32 KiB gunicorn refuses before the app runs."""
    status, headers, body = server.request(
        "GET", "/api/v1/users/profile", headers={"Authorization": "a" * 40_000}
    )

    assert status in (400, 431)
    assert headers.get("content-type", "").startswith("text/")


def test_a_4301_digit_page_over_http_is_served(server):
    status, _, body = server.request("GET", "/api/v1/products?page=" + "9" * 4301)

    assert status == 200
    assert envelope(body)["data"]["meta"]["page"] == 10**18


def test_a_request_line_over_our_limit_is_our_414_envelope(server):
    status, headers, body = server.request("GET", "/api/v1/products?search=" + "a" * 9000)

    assert status == 414
    assert headers["content-type"] == "application/json"
    assert envelope(body)["code"] == "uri_too_long"
    assert "x-request-id" in headers


def test_a_request_line_far_over_gunicorns_own_8190_default_is_still_our_envelope(server):
    status, _, body = server.request("GET", "/health?pad=" + "a" * 100_000)

    assert status == 414
    assert envelope(body)["code"] == "uri_too_long"


def test_the_docker_healthcheck_passes_with_the_production_https_and_host_settings(django_db_setup):
    """The image's HEALTHCHECK (scripts/healthcheck.py) against a server with the README's HTTPS
    variables and a production ALLOWED_HOSTS that does not list 127.0.0.1."""
    production = {
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "3600",
        "ALLOWED_HOSTS": "shop.example.com",
    }
    with gunicorn_server(**production) as running:
        assert running.request("GET", "/api/v1/products", headers={"Host": "shop.example.com"})[0] == 301
        probe = subprocess.run(
            [sys.executable, str(BASE_DIR / "scripts" / "healthcheck.py")],
            env={
                **os.environ,
                "PORT": str(running.port),
                "ALLOWED_HOSTS": "shop.example.com,www.example.com",
            },
            capture_output=True,
            timeout=30,
        )

    assert probe.returncode == 0, probe.stderr


def _master_has_loaded_the_app(server) -> bool:
    """psycopg's C library is mapped into a process only by importing the app (its database backend)."""
    return "libpq" in Path(f"/proc/{server.pid}/maps").read_text()


def test_the_master_loads_the_app_once_and_recycled_workers_fork_from_it(django_db_setup):
    """`preload_app`: the app is imported in the master; a worker replaced after `max_requests` is a fork
    of it (no import of its own) and serves at once."""
    with gunicorn_server(GUNICORN_MAX_REQUESTS="2", GUNICORN_MAX_REQUESTS_JITTER="0") as server:
        assert _master_has_loaded_the_app(server)
        seen = set()
        for _ in range(8):
            seen |= server.worker_pids()
            status, _, body = server.request("GET", "/api/v1/products?limit=1")
            assert status == 200, body
        seen |= server.worker_pids()

    assert len(seen) >= 3  # one worker at a time, replaced every 2 requests


def test_gunicorn_preload_0_leaves_the_import_to_each_worker(django_db_setup):
    with gunicorn_server(GUNICORN_PRELOAD="0") as server:
        status, _, _ = server.request("GET", "/health")

        assert status == 200
        assert not _master_has_loaded_the_app(server)
