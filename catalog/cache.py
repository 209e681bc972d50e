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
from shop.db import replica_reads

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


def _usable(connection) -> bool:
    # Inside a transaction, uncommitted writes of its own are invisible to the version (tests run so).
    return settings.CATALOGUE_CACHE and connection.vendor == "postgresql" and not connection.in_atomic_block


def cached_hit(request) -> HttpResponse | None:
    """The stored answer to this GET when nothing in the catalogue changed since it was rendered (the
    same bytes and the same view headers), else None. Served before DRF builds its request: a public
    read with no authentication, permission or throttle has nothing else to do."""
    using = router.db_for_read(Product)
    connection = connections[using]
    if not _usable(connection):
        return None
    entry = caches[CACHE_ALIAS].get(_key(using, request))
    if entry is None:
        return None
    version, valid_until, headers, content = entry
    if valid_until is not None and timezone.now() >= valid_until:
        return None
    current = catalogue_version(using)
    if version != current:
        request.catalogue_version = (using, current)  # the miss that follows builds under it
        return None
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def cached_answer(request, build: Callable[[datetime], object]):
    """`build(now)`'s answer (a DRF Response, stock as of `now`), stored for `cached_hit` once rendered
    (200 answers only) under the catalogue version read before it was built."""
    using = router.db_for_read(Product)
    connection = connections[using]
    if not _usable(connection):
        return build(timezone.now())
    key = _key(using, request)
    known = getattr(request, "catalogue_version", None)  # read by `cached_hit` for this request
    version = known[1] if known is not None and known[0] == using else catalogue_version(using)
    now = timezone.now()
    response = build(now)
    if response.status_code == 200:
        valid_until = next_expiry(using, now)

        def keep(rendered) -> None:
            headers = [(name, value) for name, value in rendered.items()]
            caches[CACHE_ALIAS].set(key, (version, valid_until, headers, rendered.content))

        response.add_post_render_callback(keep)
    return response


class CachedCatalogueView:
    """Mixin of E10 and E11: a GET whose answer `cached_hit` holds is served from it before DRF's
    dispatch; any other request (and every miss) goes through the view, whose `get` calls
    `cached_answer`. The lookup reads the catalogue from the replica when the view does."""

    cache_replica_apps: tuple[str, ...] = ("catalog",)

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET":
            with replica_reads(*self.cache_replica_apps):
                hit = cached_hit(request)
            if hit is not None:
                return hit
        return super().dispatch(request, *args, **kwargs)
