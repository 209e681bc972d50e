"""Load generators: wrk for reads, a Python driver with keep-alive clients for writes and flows.

Both are bounded in time (and the driver in operations too) and only ever talk to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "report.lua"


def _loopback(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the benchmark only targets loopback, not {parts.hostname}")
    return parts.hostname, parts.port or 80


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def wrk(base: str, paths: list[str], *, connections: int, duration: float, threads: int = 2) -> dict:
    """Run wrk over `paths` (cycled); returns req/s, latency percentiles (ms) and errors."""
    _loopback(base)
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (make bench installs it with apt-get)")
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        result = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{duration:g}s",
                "--timeout",
                "10s",
                "-s",
                str(WRK_SCRIPT),
                base + paths[0],
            ],
            env={**os.environ, "WRK_PATHS": listing.name},
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
    finally:
        os.unlink(listing.name)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {result.stdout[-500:]} {result.stderr[-500:]}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("errors_read", "errors_write", "errors_status", "errors_timeout"))
    return {
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": errors,
        "connect_errors": raw["errors_connect"],
        "raw": raw,
    }


class Client:
    """One keep-alive HTTP/1.1 connection (reopened when the server closes it) with fixed headers.

    It speaks just the HTTP/1.1 the servers under test answer (a status line, headers, a body of
    `Content-Length` bytes or chunked) over a plain socket. `http.client` parses every response's headers
    with the `email` package, which cost about a millisecond of CPU per shopper flow here: on a 2-core
    machine that is CPU taken from the server under test, the faster one the most."""

    def __init__(self, base: str, headers: dict[str, str]):
        self.host, self.port = _loopback(base)
        self.base = base
        fixed = {
            "Host": f"{self.host}:{self.port}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            **headers,
        }
        self._head = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._sock: socket.socket | None = None
        self._reader = None

    def _connect(self) -> None:
        self._sock = socket.create_connection((self.host, self.port), timeout=30)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._sock.makefile("rb")

    def _read_response(self) -> tuple[int, bytes, bool]:
        """(status, body, whether the server closes the connection)."""
        status_line = self._reader.readline(65537)
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        version, status = status_line.split(None, 2)[:2]
        length, chunked, close = None, False, version != b"HTTP/1.1"
        while True:
            line = self._reader.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            parts = []
            while True:
                size = int(self._reader.readline(65537).split(b";")[0], 16)
                if size == 0:
                    while self._reader.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                parts.append(self._reader.read(size))
                self._reader.readline(65537)
            body = b"".join(parts)
        elif length is not None:
            body = self._reader.read(length)
        else:  # no length: the body runs to the end of the connection
            body, close = self._reader.read(), True
        return int(status), body, close

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        payload = json.dumps(body).encode() if body is not None else b""
        request = (
            f"{method} {path} HTTP/1.1\r\n{self._head}Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        for attempt in (1, 2):
            fresh = self._sock is None
            try:
                if fresh:
                    self._connect()
                self._sock.sendall(request)
                status, data, close = self._read_response()
                break
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                self.close()  # a keep-alive connection the server had closed: reconnect once
                if fresh or attempt == 2:
                    raise
        if close:
            self.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return status, parsed

    def close(self) -> None:
        if self._sock is not None:
            self._reader.close()
            self._sock.close()
            self._sock = self._reader = None


@dataclass
class Recorder:
    """Latencies per step (ms), completed operations and errors, shared by the driver's threads."""

    steps: dict[str, list[float]] = field(default_factory=dict)
    completed: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def step(self, name: str, started: float) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.steps.setdefault(name, []).append(elapsed)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(what[:300])

    def done(self) -> None:
        with self.lock:
            self.completed += 1


def drive(
    clients: list[Client],
    operation: Callable[[Client, Recorder, random.Random], None],
    *,
    duration: float,
    max_operations: int = 1_000_000,
    setup: Callable[[Client], None] | None = None,
) -> dict:
    """Closed loop: each client repeats `operation` until `duration` seconds or `max_operations` in all.

    Returns operations/s, each step's p50/p95/p99 (ms) and the error count."""
    recorder = Recorder()
    budget = threading.Semaphore(max_operations)
    if setup is not None:
        for client in clients:
            setup(client)
    start_gate = threading.Event()
    deadline = [0.0]

    def loop(client: Client, seed: int) -> None:
        rng = random.Random(seed)
        start_gate.wait()
        while time.perf_counter() < deadline[0] and budget.acquire(blocking=False):
            try:
                operation(client, recorder, rng)
            except Exception as exc:  # a transport failure counts as an error, the run goes on
                recorder.error(repr(exc))
                client.close()

    threads = [threading.Thread(target=loop, args=(c, i), daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + duration
    start_gate.set()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = time.perf_counter() - started
    steps = {
        name: {
            "count": len(values),
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99),
            "mean_ms": statistics.fmean(values) if values else 0.0,
        }
        for name, values in recorder.steps.items()
    }
    return {
        "ops": recorder.completed,
        "ops_per_s": recorder.completed / elapsed if elapsed else 0.0,
        "elapsed_s": elapsed,
        "errors": recorder.errors,
        "error_samples": recorder.error_samples,
        "steps": steps,
    }


def expect(recorder: Recorder, status: int, body, wanted: tuple[int, ...], what: str) -> bool:
    if status in wanted:
        return True
    recorder.error(f"{what}: {status} {json.dumps(body)[:200] if body is not None else ''}")
    return False
