"""A real HTTP webhook receiver on 127.0.0.1 (a free port), verifying every request's signature with the
`standardwebhooks` library and answering the statuses it is given, in order (then 200)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


class Receiver:
    def __init__(self, secret: str, statuses=(), *, hold_first: bool = False):
        self.secret = secret
        self.statuses = list(statuses)
        self.requests: list[dict] = []  # {"id", "verified", "payload", "at"}
        self.hold_first = hold_first  # the first request waits until `release` (a worker killed mid-POST)
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                    verified = True
                except Exception:  # noqa: BLE001 - a bad signature is recorded, the test asserts on it
                    payload, verified = json.loads(body), False
                with receiver.lock:
                    number = len(receiver.requests)
                    receiver.requests.append(
                        {
                            "id": self.headers["webhook-id"],
                            "verified": verified,
                            "payload": payload,
                            "at": time.time(),
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if number == 0 and receiver.hold_first:
                    receiver.first_arrived.set()
                    receiver.release.wait(timeout=30)
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
