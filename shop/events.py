"""Domain events: a service publishes one inside its own transaction, and every subscriber (the
`notifications` app: emails, webhooks) records its side effect in that same transaction, so a rollback
leaves nothing and a commit leaves a job for the worker. Lower apps name the event; they import nothing
above them.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

ORDER_CREATED = "order.created"
ORDER_STATUS_CHANGED = "order.status_changed"
ORDER_CANCELLED = "order.cancelled"
PAYMENT_COMPLETED = "payment.completed"
PAYMENT_FAILED = "payment.failed"
PAYMENT_REFUNDED = "payment.refunded"
RETURN_REQUESTED = "return.requested"
RETURN_APPROVED = "return.approved"
RETURN_REJECTED = "return.rejected"
PRODUCT_STOCK_LOW = "product.stock_low"

#: Every event, in the order the README lists them (webhook endpoints subscribe to a subset).
ALL_EVENTS = (
    ORDER_CREATED,
    ORDER_STATUS_CHANGED,
    ORDER_CANCELLED,
    PAYMENT_COMPLETED,
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    RETURN_REQUESTED,
    RETURN_APPROVED,
    RETURN_REJECTED,
    PRODUCT_STOCK_LOW,
)

#: Sent synchronously with `event` and the ids of what it is about; a subscriber's exception rolls the
#: business transaction back (a side effect is never silently dropped).
domain_event = Signal()


def publish(event: str, **ids: Any) -> None:
    """Tell the subscribers about `event`; call inside the transaction that makes the change."""
    domain_event.send(sender=event, event=event, **ids)
