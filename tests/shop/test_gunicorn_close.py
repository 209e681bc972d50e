"""How a sync worker closes a connection after its response (config/gunicorn_close.py): at once when the
request was read whole, gunicorn's lingering close when unread bytes wait in the socket."""

import json
import socket
import time

import pytest

from config import gunicorn_close
from tests.servers import gunicorn_server

pytestmark = pytest.mark.django_db

HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it half-closes (FIN); the socket itself stays open."""
    sock.settimeout(10)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def held_worker_wait(server) -> float:
    """Seconds a second client waits for /health on a one-worker server while the first client, answered,
    keeps its socket open."""
    first = socket.create_connection(("127.0.0.1", server.port))
    try:
        first.sendall(HEALTH)
        assert read_until_closed(first).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        status, _, _ = server.request("GET", "/health")
        waited = time.monotonic() - started
        assert status == 200
        return waited
    finally:
        first.close()


def test_a_client_that_keeps_its_socket_open_does_not_hold_the_worker(django_db_setup):
    with gunicorn_server() as server:
        assert held_worker_wait(server) < 1.0


def test_gunicorn_always_linger_keeps_gunicorns_own_close_which_waits_for_the_client(django_db_setup):
    with gunicorn_server(GUNICORN_ALWAYS_LINGER="1") as server:
        assert held_worker_wait(server) >= 1.5  # gunicorn lingers up to 2 s for the first client's close


def test_a_refused_upload_still_gets_its_whole_answer(django_db_setup):
    """A body over the 1 MiB limit is refused before it is read (413); the bytes already sent wait unread
    in the socket, so the worker closes gracefully and the answer reaches the client intact."""
    body = b"x" * (256 * 1024)
    head = (
        "POST /api/v1/cart/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {2 * 1024 * 1024}\r\n\r\n"
    ).encode()
    with gunicorn_server() as server:
        client = socket.create_connection(("127.0.0.1", server.port))
        try:
            client.sendall(head + body)
            answer = read_until_closed(client)
        finally:
            client.close()
    headers, _, payload = answer.partition(b"\r\n\r\n")
    assert headers.startswith(b"HTTP/1.1 413")
    assert json.loads(payload)["code"] == "payload_too_large"


def test_close_after_response_closes_at_once_when_nothing_is_unread(monkeypatch):
    graceful = []
    monkeypatch.setattr(gunicorn_close, "graceful_close", lambda sock, *a, **k: graceful.append(sock))
    server_side, client_side = socket.socketpair()
    try:
        gunicorn_close.close_after_response(server_side)

        assert graceful == []
        assert server_side.fileno() == -1  # closed
        client_side.settimeout(2)
        assert client_side.recv(1) == b""  # the client sees the end of the stream
    finally:
        client_side.close()


def test_close_after_response_lingers_when_unread_bytes_wait(monkeypatch):
    graceful = []
    monkeypatch.setattr(gunicorn_close, "graceful_close", lambda sock, *a, **k: graceful.append(sock))
    server_side, client_side = socket.socketpair()
    try:
        client_side.sendall(b"a pipelined request the server never read")

        gunicorn_close.close_after_response(server_side)

        assert graceful == [server_side]
    finally:
        server_side.close()
        client_side.close()
