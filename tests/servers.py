"""A real gunicorn process for tests that must cross gunicorn itself (its limits, its headers): started
with the repository's `gunicorn.conf.py` on a socket the test bound to port 0, on the test database."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def shared_database_url() -> str:
    """The URL of the database pytest-django created (`test_<name>`), for another process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    def __init__(self, port: int, pid: int | None = None) -> None:
        self.port = port
        self.pid = pid  # gunicorn's master process

    def worker_pids(self) -> set[int]:
        """The master's children now (Linux): its workers."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return {int(child) for child in children}

    def request(self, method: str, target: str, *, headers: dict[str, str] | None = None, body=None):
        """Send one raw request (the target is not re-encoded) and answer (status, headers, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.putrequest(method, target, skip_host="Host" in (headers or {}), skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


@contextmanager
def gunicorn_server(**env: str):
    """gunicorn with one worker serving the app; `env` overrides settings (e.g. `SECURE_SSL_REDIRECT`).
    The calling module must be marked `django_db`, so that pytest-django creates the test database."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    environment = {
        **os.environ,
        "DEBUG": "0",
        "DATABASE_URL": shared_database_url(),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_LOG_LEVEL": "warning",
        **env,
    }
    with tempfile.TemporaryFile() as log:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        process = subprocess.Popen(
            [gunicorn, "--bind", f"fd://{listener.fileno()}"],
            cwd=BASE_DIR,
            env=environment,
            pass_fds=[listener.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        server = Server(port, process.pid)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn exited: {log.read().decode()}")
                try:
                    server.request("GET", "/health")  # any answer: the worker is serving
                    break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 60 s")
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            listener.close()
