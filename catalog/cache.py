"""The exact response cache of the public catalogue (E10, E11): each process keeps rendered answers,
and every request first asks PostgreSQL for the catalogue's version, so any committed change to a
product, its stock or its reservations is seen by the very next request, in every process.

The version is the sum of `CatalogueVersion`, which a deferred trigger (migration 0003) raises in the
same commit as any write to products or reservations, raw SQL included. An answer is also dated: it is
kept only until the next active reservation expires, as that changes `reserved` with no write at all.
The version is read before the answer is built, so an entry is never older than its key. Answers are
stored per database alias (a replica's answers serve only replica reads) in Django's per-process memory
cache `catalogue` (`CATALOGUE_CACHE` turns it off). SQLite (`make run`) has no version, and a read inside
a transaction cannot trust it (its own writes are not committed yet): no cache there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.db import connections, router
from django.http import HttpResponse
from django.utils import timezone

from catalog.models import CatalogueVersion, Product, Reservation

CACHE_ALIAS = "catalogue"
_VERSION_SQL = f"SELECT COALESCE(SUM(version), 0) FROM {CatalogueVersion._meta.db_table}"
_NEXT_EXPIRY_SQL = f"SELECT MIN(expires_at) FROM {Reservation._meta.db_table} WHERE expires_at > %s"


def catalogue_version(using: str) -> int:
    with connections[using].cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        return cursor.fetchone()[0]


def next_expiry(using: str, now: datetime) -> datetime | None:
    """When the first reservation active at `now` expires (None: no active reservation)."""
    with connections[using].cursor() as cursor:
        cursor.execute(_NEXT_EXPIRY_SQL, [now])
        return cursor.fetchone()[0]


def _key(using: str, request) -> str:
    target = f"{using} {request.path} {request.META.get('QUERY_STRING', '')}"
    return "catalogue:" + hashlib.blake2b(target.encode(), digest_size=16).hexdigest()


def cached_answer(request, build: Callable[[datetime], object]):
    """`build(now)`'s answer (a DRF Response, stock as of `now`), or the same bytes from the cache when
    nothing in the catalogue has changed since they were rendered. Only 200 answers are kept."""
    using = router.db_for_read(Product)
    connection = connections[using]
    # Inside a transaction, uncommitted writes of its own are invisible to the version (tests run so).
    if not settings.CATALOGUE_CACHE or connection.vendor != "postgresql" or connection.in_atomic_block:
        return build(timezone.now())
    store = caches[CACHE_ALIAS]
    key = _key(using, request)
    version = catalogue_version(using)
    entry = store.get(key)
    now = timezone.now()
    if entry is not None and entry[0] == version and (entry[1] is None or now < entry[1]):
        return HttpResponse(entry[3], content_type=entry[2])
    response = build(now)
    if response.status_code == 200:
        valid_until = next_expiry(using, now)

        def keep(rendered) -> None:
            store.set(key, (version, valid_until, rendered["Content-Type"], rendered.content))

        response.add_post_render_callback(keep)
    return response
