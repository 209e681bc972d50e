"""CORS through django-cors-headers (API.md §1.11)."""

import pytest

pytestmark = pytest.mark.django_db

ALLOWED = "http://localhost:3000"


def header_set(value: str) -> set[str]:
    return {item.strip().lower() for item in value.split(",")}


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/nope", "/health", "/api/v1/users/profile"])
def test_an_allowed_origin_gets_origin_credentials_and_exposed_headers(api, path):
    response = api.get(path, HTTP_ORIGIN=ALLOWED)

    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert header_set(response["Access-Control-Expose-Headers"]) == {
        "x-request-id",
        "retry-after",
        "idempotent-replayed",
    }


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://localhost:3001", "https://localhost:3000", "null"]
)
def test_a_disallowed_origin_gets_no_cors_headers(api, origin):
    response = api.get("/api/v1/health", HTTP_ORIGIN=origin)

    assert response.status_code == 200
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]


def test_no_origin_gets_no_cors_headers(api):
    response = api.get("/api/v1/health")

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/api/v1/users/profile", "/api/v1/auth/login", "/api/v1/nope", "/health"])
def test_a_preflight_is_answered_200_with_an_empty_body(api, path):
    response = api.options(
        path,
        HTTP_ORIGIN=ALLOWED,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key, x-request-id",
    )

    assert response.status_code == 200
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert response["Access-Control-Max-Age"] == "86400"
    assert header_set(response["Access-Control-Allow-Methods"]) == {
        "delete",
        "get",
        "options",
        "patch",
        "post",
        "put",
    }
    assert header_set(response["Access-Control-Allow-Headers"]) == {
        "accept",
        "authorization",
        "content-type",
        "user-agent",
        "x-csrftoken",
        "x-requested-with",
        "idempotency-key",
        "x-request-id",
    }


def test_a_preflight_needs_no_token(api):
    response = api.options(
        "/api/v1/users/change-password", HTTP_ORIGIN=ALLOWED, HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT"
    )

    assert response.status_code == 200


def test_a_preflight_from_a_disallowed_origin_is_200_without_cors_headers(api):
    response = api.options(
        "/api/v1/auth/login", HTTP_ORIGIN="http://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_error_answers_carry_cors_headers_for_an_allowed_origin(api):
    response = api.get("/api/v1/users/profile", HTTP_ORIGIN=ALLOWED)

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == ALLOWED
