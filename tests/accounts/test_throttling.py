"""Throttling of register, login and refresh (API.md §1.13): per client IP for all three, and per account
for login. The first part pins the IP counters (login bodies without an email count on the IP only);
the second the account counter."""

import re

import pytest
from django.conf import settings
from django.db import connection

from accounts.tokens import token_pair_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
THROTTLED_ENDPOINTS = [REGISTER, LOGIN, REFRESH]


@pytest.fixture(autouse=True)
def two_per_minute(settings):
    settings.AUTH_THROTTLE_RATE = "2/minute"
    settings.AUTH_IP_THROTTLE_RATE = "2/minute"


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
    settings.AUTH_IP_THROTTLE_RATE = "10/minute"
    statuses = [post(api, LOGIN).status_code for _ in range(11)]

    assert statuses == [400] * 10 + [429]


def test_settings_hand_drf_the_proxy_count_as_an_int_so_zero_trusts_no_forwarded_header():
    from django.conf import settings as django_settings

    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == django_settings.NUM_PROXIES == 0


# --- login per account -----------------------------------------------------------------------------


@pytest.fixture
def per_account(settings):
    """Three tries per account; the IP counter far above it, as in production (10 vs 300)."""
    settings.AUTH_THROTTLE_RATE = "3/minute"
    settings.AUTH_IP_THROTTLE_RATE = "100/minute"


def login(api, email, password="wrong-password", ip="10.0.0.1"):
    return api.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_one_accounts_failures_do_not_throttle_another_account_from_the_same_ip(api, per_account):
    """All shoppers of a server-side storefront share its IP."""
    victim, other = UserFactory(email="victim@example.com"), UserFactory(email="other@example.com")
    assert [login(api, victim.email).status_code for _ in range(3)] == [401, 401, 401]
    assert_throttled(login(api, victim.email))

    assert login(api, other.email, PASSWORD).status_code == 200
    for _ in range(2):
        assert login(api, other.email).status_code == 401
    assert login(api, other.email, PASSWORD).status_code == 429  # its own three tries are spent now


def test_a_throttled_account_is_refused_even_with_the_right_password_and_from_another_ip(api, per_account):
    user = UserFactory(email="ada@example.com")
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        login(api, user.email, ip=ip)

    assert_throttled(login(api, user.email, PASSWORD, ip="10.0.0.4"))


def test_the_account_counter_is_keyed_on_the_trimmed_lower_cased_email(api, per_account):
    UserFactory(email="ada@example.com")
    for email in ("ada@example.com", "  ADA@Example.COM ", "Ada@EXAMPLE.com\t"):
        assert login(api, email).status_code == 401

    assert_throttled(login(api, "ada@example.com", PASSWORD))
    assert_throttled(login(api, " aDa@example.com"))
    assert login(api, "ada2@example.com").status_code == 401  # another account


def test_unknown_emails_have_their_own_account_counter_too(api, per_account):
    for _ in range(3):
        assert login(api, "nobody@example.com").status_code == 401

    assert_throttled(login(api, "NOBODY@example.com"))
    assert login(api, "somebody@example.com").status_code == 401


def test_the_ip_counter_caps_logins_across_accounts(api, settings):
    settings.AUTH_THROTTLE_RATE = "10/minute"
    settings.AUTH_IP_THROTTLE_RATE = "3/minute"
    for n in range(3):
        assert login(api, f"user{n}@example.com").status_code == 401

    assert_throttled(login(api, "fresh@example.com"))
    assert login(api, "fresh@example.com", ip="10.0.0.2").status_code == 401


def test_a_login_without_a_usable_email_counts_on_the_ip_only_and_is_still_validated(api, per_account):
    """The account counter reads the raw body; the view still answers the body's own errors."""
    bodies = [{"email": 5, "password": "x"}, {"email": ["a@example.com"]}, {"password": "x"}, {"email": " "}]
    for _ in range(2):
        for body in bodies:
            response = api.post(LOGIN, body, REMOTE_ADDR="10.0.0.1")
            assert response.status_code == 400
            assert response.json()["code"] == "validation_error"
            assert "email" in response.json()["errors"]

    response = api.generic(
        "POST", LOGIN, b"{not json", content_type="application/json", REMOTE_ADDR="10.0.0.1"
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_json")
    response = api.generic("POST", LOGIN, b'["a@example.com"]', content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_json")


def test_a_login_body_is_parsed_once_for_the_counter_and_again_for_the_view(api, per_account):
    user = UserFactory(email="ada@example.com")
    raw = b'{"email": " ADA@example.com ", "password": "%s"}' % PASSWORD.encode()

    response = api.generic("POST", LOGIN, raw, content_type="text/plain")

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["user"]["id"] == str(user.pk)


def test_account_counters_hold_a_hash_of_the_email_not_the_email(api, per_account):
    login(api, "ada@example.com")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(settings.CACHE_TABLE)}")
        keys = [row[0] for row in cursor.fetchall()]

    assert any("auth_login_account" in key for key in keys), keys
    assert any("auth_login" in key and "10.0.0.1" in key for key in keys), keys
    assert not any("ada" in key or "@" in key for key in keys)


def test_register_and_refresh_are_not_counted_per_account(api, per_account, customer):
    """Only login has an account counter: register and refresh count on the IP at AUTH_IP_THROTTLE_RATE."""
    statuses = [
        api.post(REGISTER, {"email": customer.email, "password": "x"}, REMOTE_ADDR="10.0.0.1").status_code
        for _ in range(5)
    ]

    assert 429 not in statuses


# --- where the counters live -----------------------------------------------------------------------

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"  # this project's Redis database number (14 % 16)


def test_without_redis_the_counters_are_rows_of_the_database_cache(api, per_account):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    for _ in range(3):
        login(api, "ada@example.com")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(settings.CACHE_TABLE)}")
        assert cursor.fetchone()[0] == 2  # the IP counter and the account counter
    assert_throttled(login(api, "ada@example.com"))


@pytest.fixture
def redis_cache(settings):
    """The default cache on this project's Redis database, emptied before and after."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_TEST_URL}
    }
    yield client
    client.flushdb()


def test_with_redis_the_counters_live_in_redis(api, per_account, redis_cache):
    for _ in range(3):
        login(api, "ada@example.com")

    keys = sorted(key.decode() for key in redis_cache.keys("*"))
    assert len(keys) == 2 and all("throttle_auth_login" in key for key in keys), keys
    assert_throttled(login(api, "ada@example.com"))
    assert login(api, "bob@example.com").status_code == 401
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(settings.CACHE_TABLE)}")
        assert cursor.fetchone()[0] == 0
