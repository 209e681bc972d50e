"""The maintenance tick: run one job, then enqueue its next run (`run_after` = now + its interval)."""

from datetime import timedelta

from django.utils import timezone

from maintenance import jobs
from shop.tasks import task


@task(takes_context=True)
def maintenance_task(context, name: str) -> str:
    job = jobs.jobs()[name]
    try:
        jobs.run(name)
    finally:  # a failing run still keeps its schedule
        if jobs.next_run_needed(name, current_id=context.task_result.id):
            run_after = timezone.now() + timedelta(seconds=job.every_seconds)
            maintenance_task.using(run_after=run_after).enqueue(name)
    return name
