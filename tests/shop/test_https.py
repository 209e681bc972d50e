"""HTTPS behind a TLS proxy: probes answer on plain HTTP whatever the settings, the proxy's header and HSTS
come from the environment, and the README's production variables pass `manage.py check --deploy`."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "a-real-secret-of-enough-length-0123456789"

pytestmark = pytest.mark.django_db


@pytest.fixture
def https_on(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.parametrize("path", ["/health", "/ready", "/api/v1/health", "/api/v1/ready"])
def test_health_and_readiness_answer_on_plain_http_with_the_redirect_on(https_on, path):
    response = Client().get(path)

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response  # HSTS is only ever sent over HTTPS


@pytest.mark.parametrize("path", ["/api/v1/products", "/admin/login/", "/metrics", "/api/v1/healthz"])
def test_everything_else_is_redirected_to_https(https_on, path):
    response = Client().get(path)

    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{path}"


def test_the_proxy_header_marks_a_request_as_https(https_on):
    response = Client().get("/api/v1/products", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_include_subdomains_and_preload(https_on):
    https_on.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    https_on.SECURE_HSTS_PRELOAD = True

    response = Client().get("/api/v1/products", HTTP_X_FORWARDED_PROTO="https")

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def settings_value(expression: str, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SECURE_")}
    environment.update({"DEBUG": "0", "SECRET_KEY": SECRET, **env})
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print(repr({expression}))"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("X-Forwarded-Proto,https", ("HTTP_X_FORWARDED_PROTO", "https")),
        (" x-forwarded-proto , https ", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("HTTP_X_FORWARDED_SSL,on", ("HTTP_X_FORWARDED_SSL", "on")),
        ("", None),
    ],
)
def test_secure_proxy_ssl_header_is_read_from_the_environment(value, expected):
    result = settings_value("s.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER=value)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(expected)


def test_no_proxy_header_is_trusted_by_default_even_behind_proxies():
    result = settings_value("s.SECURE_PROXY_SSL_HEADER", NUM_PROXIES="1")

    assert result.stdout.strip() == "None"


@pytest.mark.parametrize("value", ["X-Forwarded-Proto", "X Forwarded,https", ",https"])
def test_a_malformed_proxy_header_refuses_to_start(value):
    result = settings_value("s.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER=value)

    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in result.stderr


def test_hsts_options_are_off_unless_set_and_read_from_the_environment():
    off = settings_value("(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)")
    on = settings_value(
        "(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="true",
    )

    assert off.stdout.strip() == "(False, False)"
    assert on.stdout.strip() == "(True, True)"


def readme_production_variables() -> dict[str, str]:
    readme = (BASE_DIR / "README.md").read_text()
    block = re.search(r"<!-- production-variables -->\s*```sh\n(.*?)```", readme, re.S)
    assert block, "README.md lost its production-variables block"
    return dict(line.split("=", 1) for line in block.group(1).splitlines() if line.strip())


def test_check_deploy_is_clean_with_the_readme_production_variables():
    variables = readme_production_variables()
    assert {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER"} <= set(variables)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DEBUG", "ALLOWED_HOSTS", "CSRF_", "SESSION_"))
    }
    environment.update(variables)
    environment["DATABASE_URL"] = os.environ["DATABASE_URL"]  # a server this machine has (not queried)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
