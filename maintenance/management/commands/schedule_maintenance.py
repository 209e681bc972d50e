"""`manage.py schedule_maintenance`: start the worker-side schedule of the maintenance jobs (each job that
has no run waiting or running is enqueued now; each run enqueues the next). The worker runs it at start."""

from django.core.management.base import BaseCommand

from maintenance.jobs import schedule_all


class Command(BaseCommand):
    help = "Enqueue the periodic maintenance jobs that are not scheduled yet (the worker runs them)."

    def handle(self, *args, **options):
        started = schedule_all()
        self.stdout.write(f"Scheduled: {', '.join(started)}" if started else "Maintenance already scheduled")
