"""Per-IP throttling of register, login and refresh (API.md §1.13)."""

import re

import pytest

from accounts.tokens import token_pair_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
THROTTLED_ENDPOINTS = [REGISTER, LOGIN, REFRESH]


@pytest.fixture(autouse=True)
def two_per_minute(settings):
    settings.AUTH_THROTTLE_RATE = "2/minute"


def post(api, path, ip="10.0.0.1", **extra):
    return api.post(path, {}, REMOTE_ADDR=ip, **extra)


def assert_throttled(response):
    assert response.status_code == 429
    body = response.json()
    assert (body["success"], body["message"], body["code"]) == (False, "Too many requests", "throttled")
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["error"] == f"rate limit exceeded, retry in {retry_after} seconds"
    assert re.fullmatch(r"rate limit exceeded, retry in \d+ seconds", body["error"])


@pytest.mark.parametrize("path", THROTTLED_ENDPOINTS)
def test_each_auth_endpoint_is_throttled_after_the_rate(api, path):
    assert post(api, path).status_code == 400
    assert post(api, path).status_code == 400

    assert_throttled(post(api, path))


def test_successful_logins_count_too(api, customer):
    for _ in range(2):
        assert api.post(LOGIN, {"email": customer.email, "password": PASSWORD}).status_code == 200

    assert_throttled(api.post(LOGIN, {"email": customer.email, "password": PASSWORD}))


def test_a_throttled_refresh_does_not_spend_the_token(api, customer):
    post(api, REFRESH)
    post(api, REFRESH)
    refresh = token_pair_for(customer)["refresh_token"]

    assert_throttled(api.post(REFRESH, {"refresh_token": refresh}, REMOTE_ADDR="10.0.0.1"))
    assert api.post(REFRESH, {"refresh_token": refresh}, REMOTE_ADDR="10.0.0.2").status_code == 200


@pytest.mark.parametrize("exhausted", THROTTLED_ENDPOINTS)
def test_each_endpoint_has_its_own_counter(api, exhausted):
    for _ in range(3):
        post(api, exhausted)

    for other in THROTTLED_ENDPOINTS:
        if other != exhausted:
            assert post(api, other).status_code == 400, other


@pytest.mark.parametrize("path", THROTTLED_ENDPOINTS)
def test_each_client_ip_has_its_own_counter(api, path):
    for _ in range(3):
        post(api, path, ip="10.0.0.1")

    assert post(api, path, ip="10.0.0.2").status_code == 400
    assert post(api, path, ip="2001:db8::1").status_code == 400


def use_proxies(settings, count: int) -> None:
    """`NUM_PROXIES` as the settings module hands it to DRF (its `api_settings` reload on this change)."""
    settings.NUM_PROXIES = count
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}


def test_a_forged_x_forwarded_for_does_not_dodge_the_limit_without_proxies(api, settings):
    use_proxies(settings, 0)
    for n in range(2):
        post(api, LOGIN, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert_throttled(post(api, LOGIN, HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_with_one_proxy_the_client_ip_comes_from_x_forwarded_for(api, settings):
    use_proxies(settings, 1)
    for _ in range(2):
        post(api, LOGIN, ip="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert_throttled(post(api, LOGIN, ip="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.7"))
    # another client behind the same proxy has its own counter
    assert post(api, LOGIN, ip="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 400
    # the address the proxy saw is trusted, whatever the client prepended
    assert_throttled(post(api, LOGIN, ip="10.9.9.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"))


def test_with_two_proxies_the_second_address_from_the_right_is_the_client(api, settings):
    use_proxies(settings, 2)
    for _ in range(2):
        post(api, LOGIN, HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7, 10.0.0.5")

    assert_throttled(post(api, LOGIN, HTTP_X_FORWARDED_FOR="2.2.2.2, 198.51.100.7, 10.0.0.6"))
    assert post(api, LOGIN, HTTP_X_FORWARDED_FOR="198.51.100.9, 10.0.0.5").status_code == 400


def test_throttling_comes_before_body_parsing(api):
    for _ in range(2):
        post(api, LOGIN)

    response = api.generic(
        "POST", LOGIN, b"{not json", content_type="application/json", REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 429


def test_a_wrong_method_is_405_not_429(api):
    for _ in range(3):
        post(api, LOGIN)

    assert api.get(LOGIN, REMOTE_ADDR="10.0.0.1").status_code == 405


@pytest.mark.parametrize("path", ["/api/v1/auth/logout", "/health", "/api/v1/health"])
def test_logout_and_health_are_not_throttled(api, path):
    method = api.post if "logout" in path else api.get
    statuses = {method(path, REMOTE_ADDR="10.0.0.1").status_code for _ in range(5)}

    assert 429 not in statuses


def test_exactly_the_rate_is_allowed_per_window(api, settings):
    settings.AUTH_THROTTLE_RATE = "10/minute"
    statuses = [post(api, LOGIN).status_code for _ in range(11)]

    assert statuses == [400] * 10 + [429]


def test_settings_hand_drf_the_proxy_count_as_an_int_so_zero_trusts_no_forwarded_header():
    from django.conf import settings as django_settings

    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == django_settings.NUM_PROXIES == 0
