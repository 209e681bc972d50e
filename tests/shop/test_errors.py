"""Unexpected failures: a 500 or 503 envelope, no internals in the body, the 500 logged with its request
id (API.md §1.4, STYLE.md)."""

import logging

import pytest
from django.db import connections

from tests.helpers import assert_error_envelope
from tests.shop import urls as test_urls
from tests.shop.test_health import unreachable_connection

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.shop.urls")]


@pytest.fixture
def error_log(caplog):
    """Records of `shop.errors` (the `shop` logger does not propagate to the root handler)."""
    logger = logging.getLogger("shop.errors")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="shop.errors")
    yield caplog
    logger.removeHandler(caplog.handler)


def test_an_unexpected_exception_is_a_500_envelope_without_internals(api, error_log):
    response = api.get("/api/v1/test/boom", HTTP_X_REQUEST_ID="req-500")

    assert_error_envelope(
        response, 500, "server_error", "Internal server error", "an unexpected error occurred"
    )
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content
    assert response["X-Request-ID"] == "req-500"


def test_an_unexpected_exception_is_logged_with_its_request_id_and_traceback(api, error_log):
    api.get("/api/v1/test/boom", HTTP_X_REQUEST_ID="req-logged")

    [record] = {id(r): r for r in error_log.records if r.name == "shop.errors"}.values()
    assert record.levelno == logging.ERROR
    assert "request_id=req-logged" in record.getMessage()
    assert "/api/v1/test/boom" in record.getMessage()
    assert record.exc_info[0] is RuntimeError


def test_an_unreachable_database_is_a_503_envelope(api, error_log):
    unreachable_connection("unreachable-api")
    test_urls.DATABASE_ALIAS["name"] = "unreachable-api"
    try:
        response = api.get("/api/v1/test/database")
    finally:
        test_urls.DATABASE_ALIAS["name"] = "default"
        connections["unreachable-api"].close()
        del connections["unreachable-api"]

    assert_error_envelope(response, 503, "service_unavailable", "Service unavailable", "database unavailable")
    shop_records = {id(r): r for r in error_log.records if r.name == "shop.errors"}.values()
    assert [r.levelno for r in shop_records] == [logging.WARNING]  # expected, not an unhandled error


def test_the_database_view_answers_when_the_database_is_up(api):
    assert api.get("/api/v1/test/database").json() == {"success": True, "message": "Database reached"}


def test_any_other_framework_error_keeps_its_status_in_the_envelope(api, error_log):
    response = api.get("/api/v1/test/not-acceptable")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["success"], body["code"], body["error"]) == (False, "not_acceptable", "not_acceptable")
    assert not {id(r): r for r in error_log.records if r.name == "shop.errors"}
