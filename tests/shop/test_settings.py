"""Configuration read from the environment (API.md §7): production refuses to start without a secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def import_settings(code="import config.settings", *, unset=("SECRET_KEY", "DEBUG"), **env):
    """Run `code` in a fresh interpreter with the environment less `unset`, plus `env`."""
    environment = {key: value for key, value in os.environ.items() if key not in set(unset)}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_value(code: str, *, unset: str, **env) -> str:
    """What `code` prints about the production settings (DEBUG off) with `unset` removed and `env` set."""
    result = import_settings(code, unset=(unset,), DEBUG="0", SECRET_KEY=SECRET, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("debug", ["0", "", "false", "off"])
def test_settings_refuse_to_load_without_secret_key_when_debug_is_off(debug):
    result = import_settings(DEBUG=debug)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_settings_refuse_an_empty_secret_key_when_debug_is_off():
    result = import_settings(DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_load_with_a_secret_key():
    result = import_settings(DEBUG="0", SECRET_KEY="a-real-secret-of-enough-length-0123456789")

    assert result.returncode == 0, result.stderr


def test_settings_load_without_secret_key_in_debug():
    result = import_settings(DEBUG="1")

    assert result.returncode == 0, result.stderr


SECRET = "a-real-secret-of-enough-length-0123456789"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AUTH_THROTTLE_RATE", "abc"),
        ("AUTH_THROTTLE_RATE", "10/fortnight"),
        ("AUTH_THROTTLE_RATE", "0/minute"),
        ("AUTH_THROTTLE_RATE", "ten/minute"),
        ("AUTH_THROTTLE_RATE", "10/minute/2"),
        ("JWT_ACCESS_MINUTES", "0"),
        ("JWT_REFRESH_DAYS", "-1"),
        ("RETURN_WINDOW_DAYS", "-5"),
        ("NUM_PROXIES", "-1"),
        ("JWT_ACCESS_MINUTES", "sixty"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("LOW_STOCK_THRESHOLD", "-1"),
        ("SHIPPING_OVERDUE_DAYS", "0"),
    ],
)
def test_settings_refuse_to_load_with_a_value_that_would_break_requests(name, value):
    """A bad rate would make every throttled request a 500; a lifetime of 0 would expire every token."""
    result = import_settings(DEBUG="0", SECRET_KEY=SECRET, **{name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


@pytest.mark.parametrize("rate", ["5/second", "10/minute", "100/hour", "1000/day", "3/m"])
def test_settings_accept_every_drf_throttle_rate(rate):
    result = import_settings(DEBUG="0", SECRET_KEY=SECRET, AUTH_THROTTLE_RATE=rate)

    assert result.returncode == 0, result.stderr


def access_lifetime_minutes(**env) -> float:
    code = "from config import settings; print(settings.SIMPLE_JWT['ACCESS_TOKEN_LIFETIME'].total_seconds() / 60)"
    return float(settings_value(code, unset="JWT_ACCESS_MINUTES", **env))


def test_access_tokens_live_1440_minutes_unless_jwt_access_minutes_says_otherwise():
    assert access_lifetime_minutes() == 1440
    assert access_lifetime_minutes(JWT_ACCESS_MINUTES="") == 1440
    assert access_lifetime_minutes(JWT_ACCESS_MINUTES="15") == 15


def cache_settings(**env) -> str:
    code = "from config import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    return settings_value(code, unset="REDIS_URL", **env)


def test_the_throttle_cache_is_the_database_unless_redis_url_is_set():
    """Counters shared by every process either way (API.md §1.13): never a per-process memory cache."""
    assert cache_settings() == "django.core.cache.backends.db.DatabaseCache shop_cache"
    assert cache_settings(REDIS_URL="redis://cache:6379/2") == (
        "django.core.cache.backends.redis.RedisCache redis://cache:6379/2"
    )


@pytest.mark.parametrize("value", ["abc", "0/minute", "300/fortnight"])
def test_settings_refuse_a_bad_ip_throttle_rate(value):
    result = import_settings(DEBUG="0", SECRET_KEY=SECRET, AUTH_IP_THROTTLE_RATE=value)

    assert result.returncode != 0
    assert "AUTH_IP_THROTTLE_RATE" in result.stderr


@pytest.mark.parametrize(
    "name", ["AUTH_THROTTLE_RATE", "AUTH_IP_THROTTLE_RATE", "REDIS_URL", "JWT_ACCESS_MINUTES"]
)
def test_the_throttle_and_token_variables_are_documented(name):
    assert f"`{name}`" in (BASE_DIR / "README.md").read_text()
    assert f"\n{name}=" in (BASE_DIR / ".env.example").read_text()
