"""Periodic maintenance on the worker side: self-rescheduling ticks, one chain per job, and the same jobs
as `manage.py` commands."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from catalog.models import Reservation
from maintenance import jobs as registry
from maintenance.jobs import TASK_PATH, schedule_all
from maintenance.tasks import maintenance_task
from tests.factories import ReservationFactory
from tests.worker import run_worker

JOBS = [
    "expire_reservations",
    "cancel_unpaid_orders",
    "purge_idempotency_keys",
    "requeue_stuck",
    "prune_db_task_results",
]


def waiting(name):
    return DBTaskResult.objects.filter(task_path=TASK_PATH, args_kwargs__args=[name], status="READY")


@pytest.mark.django_db
def test_schedule_enqueues_each_job_once():
    assert schedule_all() == JOBS
    assert schedule_all() == []
    assert [waiting(name).count() for name in JOBS] == [1] * len(JOBS)
    out = StringIO()
    call_command("schedule_maintenance", stdout=out)
    assert out.getvalue().strip() == "Maintenance already scheduled"


@pytest.mark.django_db(transaction=True)
def test_a_tick_runs_its_job_and_enqueues_the_next_run_after_its_interval(settings):
    settings.MAINTENANCE_INTERVALS = {**settings.MAINTENANCE_INTERVALS, "expire_reservations": 60}
    ReservationFactory(expired=True)
    maintenance_task.enqueue("expire_reservations")
    before = timezone.now()
    run_worker()
    assert not Reservation.objects.exists()
    (next_run,) = waiting("expire_reservations")
    assert before + timedelta(seconds=60) <= next_run.run_after <= timezone.now() + timedelta(seconds=60)


@pytest.mark.django_db(transaction=True)
def test_two_chains_of_one_job_collapse_into_one():
    maintenance_task.enqueue("purge_idempotency_keys")
    maintenance_task.enqueue("purge_idempotency_keys")  # two workers started at once
    run_worker()
    assert waiting("purge_idempotency_keys").count() == 1


@pytest.mark.django_db
def test_run_maintenance_runs_the_jobs_now_as_cron_would():
    ReservationFactory(expired=True)
    out = StringIO()
    call_command("run_maintenance", "expire_reservations", "requeue_stuck", stdout=out)
    assert out.getvalue().splitlines()[-2:] == ["Ran expire_reservations", "Ran requeue_stuck"]
    assert not Reservation.objects.exists()
    with pytest.raises(CommandError, match="unknown job"):
        call_command("run_maintenance", "nope")


@pytest.mark.django_db
def test_every_job_is_a_known_command():
    out = StringIO()
    call_command("run_maintenance", stdout=out)
    assert [line for line in out.getvalue().splitlines() if line.startswith("Ran ")] == [
        f"Ran {n}" for n in JOBS
    ]
    assert list(registry.jobs()) == JOBS


@pytest.mark.django_db
def test_requeue_stuck_reports_what_it_enqueued_again():
    out = StringIO()
    call_command("requeue_stuck", stdout=out)
    assert out.getvalue().strip() == "Requeued 0 refunds, 0 webhook deliveries, 0 emails"
