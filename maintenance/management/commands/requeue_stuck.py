"""`manage.py requeue_stuck [--older-than MINUTES]`: pending refunds and webhook deliveries whose next
attempt is overdue (their worker died with the job) get that attempt enqueued again, as do customer
emails whose job has been running longer than that."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from notifications.emails import emails_requeue_stuck
from notifications.webhooks import deliveries_requeue_stuck
from payments.services import refunds_requeue_stuck


class Command(BaseCommand):
    help = "Enqueue again the refunds, webhook deliveries and emails whose worker died."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=10, metavar="MINUTES")

    def handle(self, *args, older_than, **options):
        older = timedelta(minutes=older_than)
        refunds = refunds_requeue_stuck(older_than=older)
        deliveries = deliveries_requeue_stuck(older_than=older)
        emails = emails_requeue_stuck(older_than=older)
        self.stdout.write(f"Requeued {refunds} refunds, {deliveries} webhook deliveries, {emails} emails")
