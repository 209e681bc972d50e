"""What each domain event causes, recorded in the publishing transaction: a customer email job and the
webhook deliveries of the endpoints that listen."""

from typing import Any

from notifications import emails, webhooks
from shop.events import domain_event


def on_domain_event(sender: Any, *, event: str, **ids: Any) -> None:
    from notifications.tasks import send_email_task

    args = emails.email_for_event(event, ids)
    if args is not None:
        send_email_task.enqueue(**args)
    webhooks.webhook_event_record(event_type=event, ids=ids)


def connect() -> None:
    domain_event.connect(on_domain_event, dispatch_uid="notifications")
