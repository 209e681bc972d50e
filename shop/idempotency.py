"""Idempotency keys (API.md §5.7) for E21 and E26: `@idempotent` honours an optional `Idempotency-Key`.

The key is claimed in its own transaction before the view runs (409 while it runs, 422 for another
request); a 2xx answer is stored and replayed, an error frees the key. Keys are forgotten after 24 hours;
an unfinished claim older than `IN_PROGRESS_LEASE` (a dead process) is taken over by a retry."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from shop.exceptions import IdempotencyInProgress, IdempotencyMismatch, ValidationFailed
from shop.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
INVALID_KEY = "Idempotency-Key must be 1 to 255 printable ASCII characters."
KEY_RE = re.compile(r"[\x20-\x7e]{1,255}")
#: How long an unfinished claim counts as a request still running. Far above any request's lifetime
#: (gunicorn kills a worker after its 30-second timeout), so a live request is never taken over.
IN_PROGRESS_LEASE = timedelta(seconds=60)


def key_ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def expiry_cutoff(now: datetime | None = None) -> datetime:
    """Keys created at or before this moment are forgotten."""
    return (now or timezone.now()) - key_ttl()


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the method, the path and the parsed body (key order and whitespace do not matter)."""
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Replay:
    """The stored answer of a finished first request."""

    status: int
    body: Any


def idempotency_key_claim(
    *, user_id: Any, key: str, fingerprint: str, now: datetime | None = None
) -> IdempotencyKey | Replay:
    """Claim `key` for a request (returns the row) or tell how to answer a repeat (a `Replay`); 422 for a
    different request, 409 while the first runs. The unique (user, key) constraint settles concurrent first
    uses; an expired key or an abandoned claim is taken over."""
    now = now or timezone.now()
    with transaction.atomic():
        record, created = IdempotencyKey.objects.select_for_update().get_or_create(
            user_id=user_id, key=key, defaults={"fingerprint": fingerprint, "created_at": now}
        )
        if created:
            return record
        abandoned = not record.completed and record.created_at <= now - IN_PROGRESS_LEASE
        if abandoned or record.created_at <= expiry_cutoff(now):
            # The old claim no longer counts: this request owns the key now.
            record.fingerprint = fingerprint
            record.completed = False
            record.response_status = None
            record.response_body = None
            record.created_at = now
            record.save(
                update_fields=["fingerprint", "completed", "response_status", "response_body", "created_at"]
            )
            return record
        if record.fingerprint != fingerprint:
            raise IdempotencyMismatch()
        if not record.completed:
            raise IdempotencyInProgress()
        return Replay(status=record.response_status, body=stored_body(record.response_body))


def stored_body(value: Any) -> Any:
    """The stored answer: JSON text kept as a JSON string, so the replay keeps the key order (a jsonb
    object would be re-ordered) and renders byte for byte as the first answer."""
    return json.loads(value) if isinstance(value, str) else value


def idempotency_key_complete(*, record: IdempotencyKey, status: int, body: Any) -> None:
    """Store the 2xx answer of the claiming request, as the JSON text it renders to."""
    stored = json.dumps(body, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
    IdempotencyKey.objects.filter(pk=record.pk, created_at=record.created_at, completed=False).update(
        completed=True, response_status=status, response_body=stored
    )


def idempotency_key_release(*, record: IdempotencyKey) -> None:
    """Forget an unfinished claim (the request failed): the key can be used again."""
    IdempotencyKey.objects.filter(pk=record.pk, created_at=record.created_at, completed=False).delete()


def idempotency_keys_purge(*, dry_run: bool = False, now: datetime | None = None) -> int:
    """Delete the keys older than 24 hours. Returns how many (would be) deleted."""
    expired = IdempotencyKey.objects.filter(created_at__lte=expiry_cutoff(now))
    if dry_run:
        return expired.count()
    deleted, _ = expired.delete()
    return deleted


def idempotent(view_method):
    """Decorate an authenticated DRF view method (`post(self, request, ...)`) with §5.7.

    Order of checks (API.md §1.14): authentication and throttling have run (DRF `initial`); the body is
    parsed first (`invalid_json` wins), then the key is checked, and only then does the view validate.
    """

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        body = request.data
        if not KEY_RE.fullmatch(key):
            raise ValidationFailed({HEADER: INVALID_KEY})
        fingerprint = request_fingerprint(request.method, request.path, body)
        claim = idempotency_key_claim(user_id=request.user.pk, key=key, fingerprint=fingerprint)
        if isinstance(claim, Replay):
            return Response(claim.body, status=claim.status, headers={REPLAYED_HEADER: "true"})
        try:
            response = view_method(view, request, *args, **kwargs)
        except BaseException:
            idempotency_key_release(record=claim)
            raise
        if 200 <= response.status_code < 300:
            idempotency_key_complete(record=claim, status=response.status_code, body=response.data)
        else:
            idempotency_key_release(record=claim)
        return response

    return wrapper
