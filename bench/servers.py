"""Starting and stopping the servers under test: gunicorn on a free loopback port, as production runs it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_DIR = ROOT / "bench" / "peer"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_flags(port: int, workers: int) -> list[str]:
    """The same flags for ours and the peer: the repo's gunicorn.conf.py when there is one (limits,
    timeouts), then the benchmark's bind and worker count, which win over the file."""
    flags = ["-c", str(GUNICORN_CONF)] if GUNICORN_CONF.exists() else []
    return [*flags, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync"]


@dataclass
class Server:
    name: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    ready_path: str
    log_path: Path
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} not ready in {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def ours(
    database_url: str, *, workers: int, log_dir: Path, name: str = "ours", extra_env: dict | None = None
) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The login scenario sends thousands of logins from one address: throttles would answer 429.
        "AUTH_THROTTLE_RATE": "1000000/minute",
        "AUTH_IP_THROTTLE_RATE": "1000000/minute",
        "BENCH_BASELINE_VIEWS": "1",
        **(extra_env or {}),
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        *gunicorn_flags(port, workers),
    ]
    return Server(name, command, ROOT, env, "/health", log_dir / f"{name}.log", port)


def peer(database_url: str, *, workers: int, log_dir: Path) -> Server:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "oscar_settings"}
    command = [
        str(PEER_DIR / ".venv" / "bin" / "gunicorn"),
        "oscar_wsgi:application",
        *gunicorn_flags(port, workers),
    ]
    return Server("oscar", command, PEER_DIR, env, "/api/", log_dir / "oscar.log", port)


BENCH_SECRET = "bench-only-secret-key-0123456789abcdef-0123456789"
