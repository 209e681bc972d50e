"""A minimal JSON HTTP client for the servers the scale tests start (each call its own connection)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def call(
    base: str, method: str, path: str, body: Any = None, *, token: str | None = None, **headers
) -> Answer:
    """`method path` on `base` with a JSON body and a bearer token; header names as keyword arguments
    (`Idempotency_Key="k"` sends `Idempotency-Key: k`)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, json.loads(response.read() or b"{}"), dict(response.headers))
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw.decode(errors="replace")}
        return Answer(error.code, payload, dict(error.headers))
