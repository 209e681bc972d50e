"""Django's own 500 handler (failures outside DRF views) answers the envelope on API and health paths."""

import json

from django.test import RequestFactory

from config import urls
from shop.handlers import server_error
from tests.helpers import assert_error_envelope


def test_root_urlconf_uses_the_envelope_500_handler():
    assert urls.handler500 == "shop.handlers.server_error"


def test_api_path_gets_the_server_error_envelope():
    response = server_error(RequestFactory().get("/api/v1/products"))
    assert_error_envelope(
        response, 500, "server_error", "Internal server error", "an unexpected error occurred"
    )


def test_health_path_gets_the_envelope_too():
    assert json.loads(server_error(RequestFactory().get("/health")).content)["code"] == "server_error"


def test_other_paths_keep_djangos_html_page():
    response = server_error(RequestFactory().get("/admin/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
