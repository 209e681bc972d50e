"""Content-Security-Policy (django-csp) on the HTML pages, the Django admin and Swagger UI, with what they
need and nothing more; none on the JSON API."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/docs/", "/api/v1/docs"])
def test_admin_and_swagger_pages_carry_the_policy(path):
    response = Client().get(path)

    assert response.status_code == 200
    assert directives(response) == POLICY


def test_the_admin_pages_behind_the_login_carry_it_too(staff_client):
    response = staff_client.get("/admin/orders/order/")

    assert response.status_code == 200
    assert directives(response) == POLICY


@pytest.mark.parametrize("path", ["/api/v1/products", "/health", "/api/v1/nope", "/api/v1/schema/"])
def test_json_answers_carry_no_policy(path):
    assert "Content-Security-Policy" not in Client().get(path)


def test_swagger_ui_needs_no_inline_script_or_style():
    """The policy allows no inline code, so the page must have none: every script and stylesheet is a
    file of the service, and the init script comes from `?script`."""
    html = Client().get("/api/v1/docs/").content.decode()

    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/' in attributes and not body.strip() for attributes, body in scripts)
    assert all(href.startswith("/") for href in re.findall(r'<link[^>]*href="([^"]+)"', html))


def test_swagger_ui_init_script_is_served_as_javascript_on_the_schema():
    response = Client().get("/api/v1/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in response.content
    assert b"SwaggerUIBundle" in response.content


def test_the_admin_login_page_has_no_inline_script():
    html = Client().get("/admin/login/").content.decode()

    assert not [body for _, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if body.strip()]
