"""Where each query goes: the primary, or a streaming replica for the reads a view marks replica-safe
(`@reads_from_replica("catalog")` on E10 and E11). Writes, reads inside a transaction and reads after a
write in the same request stay on the primary, so carts, checkout and the admin see the latest rows. The
router is installed only when `DATABASE_REPLICA_URL` is set."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"


@dataclass
class _RequestRouting:
    """What the current request allows and has done: the apps it may read from the replica, and whether
    it has written (after a write, a replica read could miss the request's own change)."""

    replica_apps: frozenset[str] = field(default_factory=frozenset)
    wrote: bool = False


_routing: ContextVar[_RequestRouting | None] = ContextVar("db_routing", default=None)


def _current() -> _RequestRouting:
    state = _routing.get()
    if state is None:
        state = _RequestRouting()
        _routing.set(state)
    return state


def start_request(**_kwargs) -> None:
    """A fresh routing state per request (sync workers reuse one thread, and so one context, for many)."""
    _routing.set(_RequestRouting())


request_started.connect(start_request, dispatch_uid="shop.db.start_request")


@contextmanager
def replica_reads(*app_labels: str) -> Iterator[None]:
    """Inside the block, reads of these apps' models may go to the replica (outside transactions, and
    until the request writes)."""
    state = _current()
    previous = state.replica_apps
    state.replica_apps = previous | frozenset(app_labels)
    try:
        yield
    finally:
        state.replica_apps = previous


def reads_from_replica(*app_labels: str) -> Callable:
    """Decorator form of `replica_reads` for a view's handler (applied after authentication and
    permissions, which always read the primary)."""

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def wrapper(*args, **kwargs):
            with replica_reads(*app_labels):
                return handler(*args, **kwargs)

        return wrapper

    return decorate


class PrimaryReplicaRouter:
    """Writes and migrations: the primary. Reads: the replica only when `replica_reads` allows the model's
    app, no transaction is open on the primary and the request has not written yet."""

    def __init__(self, replica: str = REPLICA_DB_ALIAS, primary: str = DEFAULT_DB_ALIAS) -> None:
        self.replica = replica
        self.primary = primary

    def db_for_read(self, model, **hints) -> str:
        state = _routing.get()
        if (
            state is None
            or state.wrote
            or model._meta.app_label not in state.replica_apps
            or connections[self.primary].in_atomic_block
        ):
            return self.primary
        return self.replica

    def db_for_write(self, model, **hints) -> str:
        _current().wrote = True
        return self.primary

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == self.primary


def transaction_block(alias: str = DEFAULT_DB_ALIAS):
    """The outermost `transaction.atomic()` block the code opened on `alias` (a test case's wrapping
    block, which stands in for autocommit, does not count), or None outside one. Each block opened with
    `with transaction.atomic():` is a new object, so it names one transaction while it lasts."""
    return next(
        (block for block in connections[alias].atomic_blocks if not getattr(block, "_from_testcase", False)),
        None,
    )
