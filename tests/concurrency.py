"""Races with real threads against PostgreSQL: each thread has its own database connection (Django opens
one per thread), closed when the thread's work ends, and a barrier releases the threads together. A task's
exception is returned as its result, for the test to check."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection

#: Threads per pooled race. PostgreSQL allows 100 connections (`SHOW max_connections`) and other test runs
#: share the server, so races run at most this many connections at once (plus the test's own).
MAX_WORKERS = 30

#: Each admin-role race runs this many times: without the admin-row locks in `user_role_set`, about two
#: rounds in three end with no admin at all, so a regression cannot pass unnoticed.
ROUNDS = 10


def run_together(*tasks: Callable[[], Any]) -> list[Any]:
    """Run each task on its own thread, all released at once; return each one's result or exception.
    A thread still running after a minute (a deadlock) fails the test."""
    barrier = threading.Barrier(len(tasks))
    results: list[Any] = [None] * len(tasks)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = tasks[index]()
        except BaseException as exc:  # reported to the test as a result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def run_concurrently(tasks: Sequence[Callable[[], Any]], workers: int = MAX_WORKERS) -> list[Any]:
    """Run every task on a pool of at most `workers` threads, all released together by a barrier.

    Each thread runs its share of tasks back to back on its own database connection and closes it at
    the end. A task's exception is returned as its result.
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
                except Exception as exc:  # reported to the test as a result
                    results[index] = exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(worker, offset) for offset in range(workers)]:
            future.result()
    return results
