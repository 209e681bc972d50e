"""The auth throttles hold across processes (API.md §1.13): two real gunicorn servers on one database
and no Redis share their counters through the database cache, whichever server a request reaches."""

import json

import pytest

from tests.factories import PASSWORD, UserFactory
from tests.servers import gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"


def post(server, path, body):
    """(status, parsed body, headers) of one JSON POST."""
    status, headers, raw = server.request(
        "POST", path, headers={"Content-Type": "application/json"}, body=json.dumps(body).encode()
    )
    return status, json.loads(raw), headers


def login(server, email, password="wrong-password"):
    return post(server, LOGIN, {"email": email, "password": password})


def test_the_account_and_ip_limits_hold_across_two_gunicorn_processes_without_redis(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    victim = UserFactory(email="victim@example.com")
    other = UserFactory(email="other@example.com")
    rates = {"AUTH_THROTTLE_RATE": "3/minute", "AUTH_IP_THROTTLE_RATE": "8/minute"}

    with gunicorn_server(**rates) as a, gunicorn_server(**rates) as b:
        # one account's tries alternate between the servers: the third is the last allowed anywhere
        assert [login(server, victim.email)[0] for server in (a, b, a)] == [401, 401, 401]
        for server in (b, a):
            status, body, headers = login(server, " VICTIM@example.com ", PASSWORD)
            assert (status, body["code"]) == (429, "throttled")
            assert 1 <= int(headers["retry-after"]) <= 60

        # another account from the same IP is not slowed down, on either server
        assert login(b, other.email, PASSWORD)[0] == 200
        assert login(a, other.email, PASSWORD)[0] == 200

        # the IP counter (8 per minute) counted all seven logins on both servers: one more is allowed
        assert login(b, "third@example.com")[0] == 401
        status, body, _ = login(a, "fourth@example.com")
        assert (status, body["code"]) == (429, "throttled")

        # register has its own IP counter, shared too
        statuses = [post(server, REGISTER, {})[0] for server in (a, b, a, b, a, b, a, b, a)]
        assert statuses == [400] * 8 + [429]
