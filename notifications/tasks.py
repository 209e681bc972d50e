"""Worker tasks of notifications: one customer email, one webhook delivery attempt."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from notifications import emails, webhooks
from shop.tasks import task


@task()
def send_email_task(
    kind: str, order_id: str, return_id: str | None = None, refund: str | None = None, attempt: int = 1
):
    """Send one email; on failure enqueue the next try (`EMAIL_RETRY_SCHEDULE`) and fail this job."""
    try:
        emails.send(kind=kind, order_id=order_id, return_id=return_id, refund=refund)
    except Exception:
        schedule = settings.EMAIL_RETRY_SCHEDULE
        if attempt <= len(schedule):
            run_after = timezone.now() + timedelta(seconds=schedule[attempt - 1])
            send_email_task.using(run_after=run_after).enqueue(kind, order_id, return_id, refund, attempt + 1)
        raise


@task()
def deliver_webhook_task(delivery_id: int, attempt: int) -> str:
    return webhooks.delivery_attempt(delivery_id=delivery_id, attempt=attempt)
