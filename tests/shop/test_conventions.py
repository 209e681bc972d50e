"""Routing, envelope and headers shared by every endpoint (API.md §1.1, §1.3, §1.10)."""

import json
import logging
import uuid

import pytest
from django.test import Client

from tests.helpers import assert_error_envelope

pytestmark = pytest.mark.django_db

NO_CACHE = "no-cache, no-store, must-revalidate"


def test_success_envelope_has_success_message_and_data(customer_api, customer):
    response = customer_api.get("/api/v1/users/profile")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"success", "message", "data"}
    assert body["success"] is True
    assert body["message"] == "Profile retrieved successfully"
    assert body["data"]["id"] == str(customer.pk)


def test_success_without_data_has_no_data_key(api, customer):
    refresh = api.post("/api/v1/auth/login", {"email": customer.email, "password": "Correct-Horse-Battery-9"})
    response = api.post("/api/v1/auth/logout", {"refresh_token": refresh.json()["data"]["refresh_token"]})

    assert response.json() == {"success": True, "message": "Logged out successfully"}


def test_a_well_formed_client_request_id_is_echoed(api):
    request_id = "trace-ABC_123.x"

    for path in ("/api/v1/health", "/health", "/api/v1/nope", "/api/v1/users/profile"):
        response = api.get(path, HTTP_X_REQUEST_ID=request_id)
        assert response["X-Request-ID"] == request_id, path


@pytest.mark.parametrize(
    "incoming",
    ["", "has space", "semi;colon", "x" * 129, "abc\n", "ünïcode", "<script>"],
)
def test_a_malformed_client_request_id_is_replaced_by_a_new_uuid4(api, incoming):
    response = api.get("/api/v1/health", HTTP_X_REQUEST_ID=incoming)

    generated = response["X-Request-ID"]
    assert generated != incoming
    assert uuid.UUID(generated).version == 4
    assert str(uuid.UUID(generated)) == generated


def test_each_request_without_an_id_gets_its_own(api):
    first = api.get("/health")["X-Request-ID"]
    second = api.get("/health")["X-Request-ID"]

    assert first != second


def test_a_request_id_of_128_characters_is_accepted(api):
    request_id = "a" * 128

    assert api.get("/health", HTTP_X_REQUEST_ID=request_id)["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/health"),
        ("get", "/health"),
        ("get", "/ready"),
        ("get", "/metrics"),
        ("get", "/api/v1/users/profile"),  # a 401
        ("get", "/api/v1/unknown"),  # a 404
        ("delete", "/api/v1/auth/login"),  # a 405
        ("get", "/api/v1/health/"),  # a redirect
    ],
)
def test_api_and_health_answers_are_never_cached(api, method, path):
    response = getattr(api, method)(path)

    assert response["Cache-Control"] == NO_CACHE
    assert response["Pragma"] == "no-cache"
    assert response["Expires"] == "0"
    assert "X-Request-ID" in response


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options", "head"])
@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v2/health", "/api/", "/api/v1/users/profile/extra", "/api"]
)
def test_unknown_api_path_is_route_not_found_for_every_method(api, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 404
    if method != "head":
        assert_error_envelope(response, 404, "not_found", "Route not found", "not_found")


def test_unknown_api_path_sends_no_empty_allow_header(api):
    response = api.get("/api/v1/nope")

    assert response.status_code == 404
    assert "Allow" not in response


def test_unknown_route_is_404_before_authentication(api):
    api.credentials(HTTP_AUTHORIZATION="Token garbage")

    assert api.get("/api/v1/orders-typo").json()["message"] == "Route not found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/api/v1/auth/login", {"POST"}),
        ("delete", "/api/v1/auth/register", {"POST"}),
        ("put", "/api/v1/auth/refresh", {"POST"}),
        ("patch", "/api/v1/auth/logout", {"POST"}),
        ("post", "/api/v1/users/profile", {"GET", "HEAD", "PUT"}),
        ("delete", "/api/v1/users/profile", {"GET", "HEAD", "PUT"}),
        ("get", "/api/v1/users/change-password", {"PUT"}),
        ("post", "/api/v1/health", {"GET", "HEAD"}),
        ("post", "/health", {"GET", "HEAD"}),
        ("delete", "/ready", {"GET", "HEAD"}),
        ("put", "/metrics", {"GET", "HEAD"}),
        ("post", "/api/v1/schema/", {"GET", "HEAD"}),
        ("post", "/api/v1/docs/", {"GET", "HEAD"}),
    ],
)
def test_wrong_method_is_405_envelope_with_allow_header(api, method, path, allowed):
    response = getattr(api, method)(path)

    assert_error_envelope(
        response, 405, "method_not_allowed", "Method not allowed", f"method {method.upper()} not allowed"
    )
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


def test_plain_options_is_405_and_allow_never_lists_options(api):
    response = api.options("/api/v1/users/profile")

    assert_error_envelope(
        response, 405, "method_not_allowed", "Method not allowed", "method OPTIONS not allowed"
    )
    assert "OPTIONS" not in response["Allow"]


def test_allow_header_on_success_lists_only_real_methods(customer_api):
    response = customer_api.get("/api/v1/users/profile")

    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "HEAD", "PUT"}


def test_wrong_method_is_405_before_authentication(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    assert api.delete("/api/v1/users/profile").status_code == 405


def test_head_on_a_get_route_is_answered(api):
    assert api.head("/health").status_code == 200


@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/api/v1/users/profile/", "/api/v1/users/profile"),
        ("/api/v1/health/", "/api/v1/health"),
        ("/health/", "/health"),
        ("/ready/", "/ready"),
        ("/metrics/", "/metrics"),
        ("/api/v1/auth/login/", "/api/v1/auth/login"),
        ("/api/v1/users/profile/?page=2&x=y", "/api/v1/users/profile?page=2&x=y"),
    ],
)
def test_known_route_plus_slash_redirects_permanently_for_get_and_head(method, path, target):
    response = getattr(Client(), method)(path)

    assert response.status_code == 301
    assert response["Location"] == target


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_known_route_plus_slash_redirects_with_307_for_other_methods(method):
    response = getattr(Client(), method)("/api/v1/users/profile/?a=1")

    assert response.status_code == 307
    assert response["Location"] == "/api/v1/users/profile?a=1"


def test_a_307_redirect_keeps_the_method_and_the_body(api, customer):
    response = api.post(
        "/api/v1/auth/login/", {"email": customer.email, "password": "Correct-Horse-Battery-9"}, follow=True
    )

    assert response.redirect_chain == [("/api/v1/auth/login", 307)]
    assert response.status_code == 200
    assert response.json()["message"] == "Login successful"


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/users/profile/extra/", "/api/v2/health/"])
def test_unknown_path_plus_slash_is_404_not_a_redirect(api, path):
    response = api.get(path)

    assert_error_envelope(response, 404, "not_found", "Route not found", "not_found")


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/schema", "/api/v1/docs/", "/api/v1/docs"])
def test_schema_and_docs_are_served_with_and_without_slash(path):
    response = Client().get(path)

    assert response.status_code == 200


def test_no_session_cookie_is_set_by_the_api(api, customer):
    response = api.post(
        "/api/v1/auth/login", {"email": customer.email, "password": "Correct-Horse-Battery-9"}
    )

    assert response.status_code == 200
    assert not response.cookies


@pytest.fixture
def access_log(caplog):
    logger = logging.getLogger("shop.access")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="shop.access")
    yield lambda: [
        json.loads(r.getMessage())
        for r in {id(r): r for r in caplog.records if r.name == "shop.access"}.values()
    ]
    logger.removeHandler(caplog.handler)


def test_each_request_writes_one_json_access_log_line(customer_api, customer, access_log):
    customer_api.get("/api/v1/users/profile?page=2&token=secret", HTTP_X_REQUEST_ID="log-me")

    [line] = access_log()
    assert set(line) == {"method", "path", "status", "duration_ms", "request_id", "user_id"}
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/users/profile"
    assert line["status"] == 200
    assert line["request_id"] == "log-me"
    assert line["user_id"] == str(customer.pk)
    assert isinstance(line["duration_ms"], float | int)


def test_the_access_log_holds_no_email_token_or_body(api, customer, access_log):
    api.post("/api/v1/auth/login", {"email": customer.email, "password": "Correct-Horse-Battery-9"})

    [line] = access_log()
    text = json.dumps(line)
    assert customer.email not in text
    assert "Correct-Horse" not in text
    assert line["user_id"] is None
    assert line["status"] == 200
