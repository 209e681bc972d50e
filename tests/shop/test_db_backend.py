"""The PostgreSQL backend's health check (shop/backends/postgresql): a quiet persistent connection is
reused without a query; one the server closed is replaced before the request's first query."""

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

from tests.servers import gunicorn_server

pytestmark = pytest.mark.django_db


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_the_configured_engine_is_this_backend():
    from shop.backends.postgresql.base import DatabaseWrapper

    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_quiet_connection_is_usable_without_a_query(monkeypatch):
    connection.ensure_connection()
    asked = []
    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", lambda self: asked.append(self))

    assert connection.is_usable() is True
    assert asked == []  # Django's `SELECT 1` was not sent


def test_a_connection_the_server_closed_is_not_usable():
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        terminate(other.connection.info.backend_pid)
        deadline = time.monotonic() + 10
        while other.is_usable() and time.monotonic() < deadline:
            time.sleep(0.05)  # until the server's goodbye reaches the socket
        assert other.is_usable() is False
    finally:
        other.close()


def test_a_query_on_a_connection_the_server_ended_is_a_connection_error():
    """What the request's first query meets when the server ends the connection after the check: the
    503 of an unreachable database (shop.handlers), not a 500."""
    from django.db import OperationalError

    from shop.handlers import is_connection_error

    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        terminate(other.connection.info.backend_pid)
        time.sleep(0.2)
        with pytest.raises(OperationalError) as caught, other.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert is_connection_error(caught.value)
    finally:
        other.close()


def backend_pids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # the test's transaction would keep the first view
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_request_after_the_server_dropped_the_workers_connection_is_answered(django_db_setup):
    """gunicorn's worker keeps its connection between requests; when PostgreSQL ends it (a restart, an
    administrator's `pg_terminate_backend`), the next request opens a new one and answers 200."""
    with gunicorn_server() as server:
        status, _, _ = server.request("GET", "/api/v1/products")
        assert status == 200
        before = backend_pids()
        assert before  # the worker's persistent connection
        for pid in before:
            terminate(pid)
        time.sleep(0.2)

        status, _, body = server.request("GET", "/api/v1/products")

        assert status == 200, body
        assert backend_pids().isdisjoint(before)  # a new connection served it
