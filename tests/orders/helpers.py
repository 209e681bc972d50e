"""Builders shared by the order, payment and checkout-race tests (factories only, no cart services)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from cart.models import Cart
from tests.factories import CartFactory, CartItemFactory, ReservationFactory, address

#: Threads per race. PostgreSQL allows 100 connections (`SHOW max_connections`) and other test runs
#: share the server, so races run at most this many connections at once (plus the test's own).
MAX_WORKERS = 30


def checkout_body(method: str = "cc", **overrides: Any) -> dict[str, Any]:
    return {"payment_method": method, "shipping_address": address(), **overrides}


def fill_cart(user, *lines: tuple[Any, int], reserve: bool = True, cart=None):
    """`user`'s cart (created if missing) with (product, quantity) lines added, each with an active
    reservation when `reserve`."""
    cart = cart or Cart.objects.filter(user=user).first() or CartFactory(user=user)
    for product, quantity in lines:
        CartItemFactory(cart=cart, product=product, quantity=quantity)
        if reserve:
            ReservationFactory(cart=cart, product=product, quantity=quantity)
    return cart


def money(value: str) -> Decimal:
    return Decimal(value)


def run_concurrently(tasks: Sequence[Callable[[], Any]], workers: int = MAX_WORKERS) -> list[Any]:
    """Run every task on a pool of at most `workers` threads, all released together by a barrier.

    Each thread runs its share of tasks back to back on its own database connection and closes it at
    the end (Django opens one connection per thread). A task's exception is returned as its result.
    """
    workers = max(1, min(workers, len(tasks)))
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * len(tasks)

    def worker(offset: int) -> None:
        try:
            barrier.wait(timeout=60)
            for index in range(offset, len(tasks), workers):
                try:
                    results[index] = tasks[index]()
                except Exception as exc:  # noqa: BLE001 - reported to the test as a result
                    results[index] = exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(worker, offset) for offset in range(workers)]:
            future.result()
    return results


def minutes_ago(minutes: float):
    return timezone.now() - timezone.timedelta(minutes=minutes)
