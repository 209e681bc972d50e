"""The generated OpenAPI document and Swagger UI (API.md §4.13)."""

import json
import re

import pytest
import yaml
from django.test import Client
from django.urls import URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

ACCOUNTS_AND_HEALTH_PATHS = {
    "/health": {"get"},
    "/ready": {"get"},
    "/metrics": {"get"},
    "/api/v1/health": {"get"},
    "/api/v1/ready": {"get"},
    "/api/v1/metrics": {"get"},
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/refresh": {"post"},
    "/api/v1/auth/logout": {"post"},
    "/api/v1/users/profile": {"get", "put"},
    "/api/v1/users/change-password": {"put"},
}


@pytest.fixture
def schema():
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_json_when_the_client_accepts_json():
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["openapi"].startswith("3.")


@pytest.mark.parametrize("accept", [None, "*/*", "application/yaml", "text/html"])
def test_schema_is_yaml_otherwise(accept):
    extra = {"HTTP_ACCEPT": accept} if accept else {}
    response = Client().get("/api/v1/schema", **extra)

    assert response.status_code == 200
    assert "yaml" in response["Content-Type"] or "openapi" in response["Content-Type"]
    document = yaml.safe_load(response.content)
    assert str(document["openapi"]).startswith("3.")


def test_schema_covers_accounts_and_health_routes_keyed_by_full_path(schema):
    for path, methods in ACCOUNTS_AND_HEALTH_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


def test_schema_does_not_describe_itself_or_the_docs(schema):
    assert not [path for path in schema["paths"] if "schema" in path or "docs" in path]
    assert "servers" not in schema or all("/api/v1" not in s.get("url", "") for s in schema["servers"])


def test_every_path_is_a_full_request_path(schema):
    assert all(path.startswith(("/api/v1/", "/health", "/ready", "/metrics")) for path in schema["paths"])


def test_bearer_routes_declare_the_bearer_scheme_and_public_ones_do_not(schema):
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert schema["paths"]["/api/v1/users/profile"]["get"]["security"] == [{"bearerAuth": []}]
    assert {"bearerAuth": []} not in schema["paths"]["/api/v1/auth/login"]["post"].get("security", [])


def test_accounts_operations_document_their_request_and_envelope(schema):
    register = schema["paths"]["/api/v1/auth/register"]["post"]
    request_ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = schema["components"]["schemas"][request_ref.rsplit("/", 1)[1]]
    assert set(request_schema["properties"]) == {"email", "password", "first_name", "last_name"}
    assert {"201", "400", "409", "429"} <= set(register["responses"])
    response_ref = register["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    envelope = schema["components"]["schemas"][response_ref.rsplit("/", 1)[1]]
    assert set(envelope["properties"]) == {"success", "message", "data"}


def test_generating_the_schema_raises_no_errors_or_warnings_for_accounts_and_shop():
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()

    ours = [m for m in messages if "/accounts/" in m or "/shop/" in m or "accounts." in m]
    assert ours == []


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/docs"])
def test_docs_serve_swagger_ui_html_on_the_schema(path):
    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()
    script = Client().get(f"{path}?script=")  # the init script, a file of its own (CSP: no inline code)
    assert f'<script src="{path}?script="></script>'.encode() in response.content
    assert b"/api/v1/schema/" in script.content


def test_schema_method_not_allowed_is_the_json_envelope():
    response = Client().post("/api/v1/schema/", HTTP_ACCEPT="application/yaml")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "method_not_allowed"


def api_routes(patterns=None, prefix="") -> set[str]:
    """Every routed path of the URLconf in OpenAPI notation (`<str:id>` → `{id}`)."""
    routes: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes |= api_routes(pattern.url_patterns, route)
        else:
            routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return routes


def test_schema_covers_every_routed_api_and_health_path(schema):
    """E46 covers every route but itself and the docs (and the catch-all 404 and the Django admin)."""
    expected = {
        route
        for route in api_routes()
        if route.startswith(("/api/v1/", "/health", "/ready", "/metrics"))
        and not route.startswith(("/api/v1/schema", "/api/v1/docs"))
    }

    assert expected - set(schema["paths"]) == set()


def test_schema_and_docs_ignore_any_authorization_header():
    client = Client(HTTP_AUTHORIZATION="Bearer garbage")

    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
