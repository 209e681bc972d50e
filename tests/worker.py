"""Running the real database worker in tests: in-process (`run_worker`, django-tasks-db's own `Worker`
loop in batch mode: every job that is due, then return) or as a `manage.py db_worker` subprocess
(`worker_process`, for kill -9 tests). Both need `transaction=True` tests: the worker commits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

ROOT = Path(__file__).resolve().parent.parent


def run_worker(*, max_tasks: int = 200) -> None:
    """Run every job that is due now (and those they enqueue that are due now), then return."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def jobs(task_path: str):
    """The job rows of one task (`module.function`), oldest first."""
    return DBTaskResult.objects.filter(task_path=task_path).order_by("enqueued_at")


def test_database_url() -> str:
    """The URL of the database the test runs on (the worker subprocess must use the same one)."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_process(**env: str) -> subprocess.Popen:
    """`manage.py db_worker` on the test database, polling every 0.1 s; `env` adds settings variables."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": test_database_url(), "DEBUG": "0", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def run_jobs_inline(task_path: str) -> int:
    """Run the due jobs of one task in this process and transaction, as the worker's `run_task` calls
    them (for `db` tests that check what a job does, not how the worker picks it). Returns how many."""
    ran = 0
    for row in DBTaskResult.objects.ready().filter(task_path=task_path).order_by("enqueued_at"):
        result = row.task_result
        row.task.call(*result.args, **result.kwargs)
        row.delete()
        ran += 1
    return ran
