"""Django admin login brute force (django-axes): an account locks after 10 failures, an IP only at 100;
the lock holds against the right password until it ends or a maintainer lifts it; the API is untouched."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.lockout import LOCKED_MESSAGE
from tests.factories import PASSWORD, UserFactory
from tests.servers import gunicorn_server

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
LOCKED_TEXT = LOCKED_MESSAGE.format(minutes=30).split(":")[0]  # "Too many failed logins"


@pytest.fixture(autouse=True)
def _fast_hashes(settings):
    """Every failure costs a real password check; a cheap hasher keeps the many guesses quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff():
    return UserFactory(admin=True, password=make_password(PASSWORD))  # hashed with the cheap hasher


@pytest.fixture
def admin_user():
    return staff()


def admin_login(email, password, *, ip="10.0.0.1"):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": email, "password": password})
    return client, response


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session and client.get("/admin/").status_code == 200


def fail(email, times, *, ip="10.0.0.1"):
    for _ in range(times):
        _, response = admin_login(email, "wrong-password", ip=ip)
    return response


def test_nine_failures_then_the_right_password_logs_in(admin_user):
    fail(admin_user.email, 9)

    client, response = admin_login(admin_user.email, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_the_tenth_failure_locks_the_account_with_a_clear_message(admin_user):
    response = fail(admin_user.email, 10)

    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert 'id="login-form"' in response.content.decode()  # the login page, not a bare error


def test_a_locked_account_opens_no_session_even_with_the_right_password(admin_user):
    fail(admin_user.email, 10)

    client, response = admin_login(admin_user.email, PASSWORD)

    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert not logged_in(client)


def test_the_lock_follows_the_account_across_ips_and_letter_case(admin_user):
    for number in range(10):
        admin_login(
            admin_user.email.upper() if number % 2 else admin_user.email, "nope", ip=f"10.0.1.{number}"
        )

    client, response = admin_login(admin_user.email, PASSWORD, ip="10.9.9.9")

    assert response.status_code == 429
    assert not logged_in(client)


def test_a_success_clears_the_account_failures_but_not_the_ip_failures(admin_user):
    fail(admin_user.email, 9)
    fail("someone@example.com", 5)

    assert admin_login(admin_user.email, PASSWORD)[1].status_code == 302

    assert not AccessAttempt.objects.filter(username=admin_user.email).exists()
    assert AccessAttempt.objects.get(username="someone@example.com").failures_since_start == 5
    fail(admin_user.email, 9)
    assert admin_login(admin_user.email, PASSWORD)[1].status_code == 302  # counted afresh


def test_one_locked_account_does_not_lock_its_office_ip(admin_user):
    colleague = staff()
    fail(admin_user.email, 12)

    client, response = admin_login(colleague.email, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_an_ip_locks_only_at_its_own_higher_limit(settings, admin_user):
    """Guesses spread over many accounts (each far under 10) lock the IP at ADMIN_LOGIN_IP_FAILURES (100 by
    default; 20 here to keep the Argon2 work small): then every account is refused from that IP only."""
    settings.ADMIN_LOGIN_IP_FAILURES = 20
    for number in range(19):
        admin_login(f"guess{number}@example.com", "nope")
    client, response = admin_login(admin_user.email, PASSWORD)
    assert response.status_code == 302  # 19 failures: still open
    admin_login("guess19@example.com", "nope")

    client, response = admin_login(admin_user.email, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)

    other_ip_client, other_ip_response = admin_login(admin_user.email, PASSWORD, ip="10.0.0.2")
    assert other_ip_response.status_code == 302
    assert logged_in(other_ip_client)


def test_the_ip_limit_defaults_to_100_and_the_account_limit_to_10(settings):
    assert settings.ADMIN_LOGIN_IP_FAILURES == 100
    assert settings.ADMIN_LOGIN_ACCOUNT_FAILURES == 10
    assert settings.AXES_HANDLER == "accounts.lockout.AdminLoginLockHandler"  # a database handler


def test_the_lock_ends_after_the_cool_off(admin_user):
    fail(admin_user.email, 10)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    client, response = admin_login(admin_user.email, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_guesses_during_the_lock_do_not_prolong_it(admin_user):
    fail(admin_user.email, 10)
    locked_at = AccessAttempt.objects.get().attempt_time

    fail(admin_user.email, 3)  # refused while locked, and not recorded

    attempt = AccessAttempt.objects.get()
    assert (attempt.failures_since_start, attempt.attempt_time) == (10, locked_at)


def test_a_maintainer_lifts_the_lock_with_manage_py(admin_user):
    fail(admin_user.email, 10)

    call_command("axes_reset_username", admin_user.email)

    client, response = admin_login(admin_user.email, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_maintainer_lifts_an_ip_lock_with_manage_py(settings, admin_user):
    settings.ADMIN_LOGIN_IP_FAILURES = 3
    for number in range(3):
        admin_login(f"guess{number}@example.com", "nope", ip="10.0.0.7")

    call_command("axes_reset_ip", "10.0.0.7")

    assert admin_login(admin_user.email, PASSWORD, ip="10.0.0.7")[1].status_code == 302


def test_the_api_login_is_not_guarded_by_the_admin_lock(api, admin_user):
    """The API keeps its own throttles and answers (API.md §1.13): an admin lock does not refuse it, and its
    failures are not recorded as admin attempts."""
    fail(admin_user.email, 10)
    assert admin_login(admin_user.email, PASSWORD)[1].status_code == 429  # locked for the Django admin

    response = api.post("/api/v1/auth/login", {"email": admin_user.email, "password": PASSWORD})
    assert response.status_code == 200

    before = AccessAttempt.objects.count()
    wrong = api.post("/api/v1/auth/login", {"email": "other@example.com", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid email or password"
    assert AccessAttempt.objects.count() == before


def test_force_login_still_opens_the_admin(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/admin/").status_code == 200


def gunicorn_admin_login(server, email, password):
    """The admin login form over HTTP to a real gunicorn process: GET for the CSRF cookie, then POST."""
    _, headers, body = server.request("GET", "/admin/login/")
    cookie = headers["set-cookie"].split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    form = urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
    )
    return server.request(
        "POST",
        "/admin/login/",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=form.encode(),
    )


@pytest.mark.django_db(transaction=True)
def test_a_lock_recorded_by_one_process_holds_in_another(settings):
    """The failures live in the database (axes' database handler): a gunicorn process sees the lock."""
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    locked = staff()
    colleague = UserFactory(admin=True, password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    fail(locked.email, 10)  # in this process

    with gunicorn_server() as server:
        status, headers, body = gunicorn_admin_login(server, locked.email, PASSWORD)
        assert status == 429
        assert LOCKED_TEXT in body.decode()
        assert "sessionid" not in headers.get("set-cookie", "")

        status, headers, _ = gunicorn_admin_login(server, colleague.email, PASSWORD)
        assert status == 302
        assert "sessionid" in headers.get("set-cookie", "")
