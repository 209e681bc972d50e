"""The periodic maintenance jobs: each is a `manage.py` command (so cron can run it the same way) and an
interval. The worker runs them through `maintenance.tasks.maintenance_task`, which re-enqueues itself
with `run_after` (django-crontask, the usual scheduler for this framework, needs Python 3.12).

One chain per job: `schedule_maintenance` (run when a worker starts) enqueues a job only when none is
waiting or running, and a tick that finds another run of its job already waiting does not re-enqueue,
so two workers starting at once collapse to one chain on the next tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

TASK_PATH = "maintenance.tasks.maintenance_task"
#: A running tick older than this is taken for one a dead worker left behind.
STALE_RUNNING = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    name: str
    command: tuple[str, ...]
    every_seconds: int


def jobs() -> dict[str, Job]:
    every = settings.MAINTENANCE_INTERVALS
    listed = [
        Job("expire_reservations", ("expire_reservations",), every["expire_reservations"]),
        Job("cancel_unpaid_orders", ("cancel_unpaid_orders",), every["cancel_unpaid_orders"]),
        Job("purge_idempotency_keys", ("purge_idempotency_keys",), every["purge_idempotency_keys"]),
        Job("requeue_stuck", ("requeue_stuck",), every["requeue_stuck"]),
        Job(
            "prune_db_task_results",
            ("prune_db_task_results", "--min-age-days", "7"),
            every["prune_db_task_results"],
        ),
    ]
    return {job.name: job for job in listed}


def run(name: str) -> None:
    job = jobs()[name]
    call_command(*job.command, verbosity=0)


def _waiting_or_running(name: str, *, exclude_id=None):
    rows = DBTaskResult.objects.filter(task_path=TASK_PATH, args_kwargs__args=[name]).filter(
        status="READY"
    ) | DBTaskResult.objects.filter(
        task_path=TASK_PATH,
        args_kwargs__args=[name],
        status="RUNNING",
        started_at__gte=timezone.now() - STALE_RUNNING,
    )
    return rows.exclude(pk=exclude_id) if exclude_id else rows


def next_run_needed(name: str, *, current_id) -> bool:
    """Whether the tick `current_id` should enqueue its job's next run (no other run waiting)."""
    return not _waiting_or_running(name, exclude_id=current_id).filter(status="READY").exists()


def schedule_all() -> list[str]:
    """Enqueue, now, every job that has no run waiting or running. Returns the names enqueued."""
    from maintenance.tasks import maintenance_task

    started = []
    for name in jobs():
        if not _waiting_or_running(name).exists():
            maintenance_task.enqueue(name)
            started.append(name)
    return started
