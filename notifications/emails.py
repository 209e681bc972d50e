"""Customer emails: which event sends which message, and the message itself (plain text and HTML from
templates, through Django's email framework). Sent by the worker (`tasks.send_email_task`), never in a
request; a failed send is retried on `EMAIL_RETRY_SCHEDULE`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderStatus
from payments.models import Payment, Refund
from returns.models import Return
from shop import events
from shop.fields import to_money

EMAIL_TASK_PATH = "notifications.tasks.send_email_task"

ORDER_PLACED = "order_placed"
PAYMENT_FAILED = "payment_failed"
ORDER_SHIPPED = "order_shipped"
ORDER_DELIVERED = "order_delivered"
ORDER_CANCELLED = "order_cancelled"
RETURN_RECEIVED = "return_received"
RETURN_APPROVED = "return_approved"
RETURN_REJECTED = "return_rejected"

KINDS = (
    ORDER_PLACED,
    PAYMENT_FAILED,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_CANCELLED,
    RETURN_RECEIVED,
    RETURN_APPROVED,
    RETURN_REJECTED,
)


def email_for_event(event: str, ids: dict[str, Any]) -> dict[str, Any] | None:
    """The email task's arguments for a domain event (kind, order, return, refund), or None."""
    if event == events.ORDER_CREATED:
        return {"kind": ORDER_PLACED, "order_id": str(ids["order_id"])}
    if event == events.PAYMENT_FAILED:
        order_id = Payment.objects.filter(pk=ids["payment_id"]).values_list("order_id", flat=True).get()
        return {"kind": PAYMENT_FAILED, "order_id": str(order_id)}
    if event == events.ORDER_STATUS_CHANGED and ids["to_status"] in (
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ):
        kind = ORDER_SHIPPED if ids["to_status"] == OrderStatus.SHIPPED else ORDER_DELIVERED
        return {"kind": kind, "order_id": str(ids["order_id"])}
    if event == events.ORDER_CANCELLED:
        return {"kind": ORDER_CANCELLED, "order_id": str(ids["order_id"]), "refund": _refund_amount(ids)}
    if event in (events.RETURN_REQUESTED, events.RETURN_APPROVED, events.RETURN_REJECTED):
        order_id = Return.objects.filter(pk=ids["return_id"]).values_list("order_id", flat=True).get()
        kind = {
            events.RETURN_REQUESTED: RETURN_RECEIVED,
            events.RETURN_APPROVED: RETURN_APPROVED,
            events.RETURN_REJECTED: RETURN_REJECTED,
        }[event]
        args = {"kind": kind, "order_id": str(order_id), "return_id": str(ids["return_id"])}
        if event == events.RETURN_APPROVED:
            args["refund"] = _refund_amount(ids)
        return args
    return None


def _refund_amount(ids: dict[str, Any]) -> str:
    """The amount of the refund the event recorded ("0.00" when none: nothing was captured)."""
    refund_id = ids.get("refund_id")
    amount = (
        Refund.objects.filter(pk=refund_id).values_list("amount", flat=True).first() if refund_id else None
    )
    return str(to_money(amount or Decimal("0")))


def build_message(*, kind: str, order_id: str, return_id: str | None = None, refund: str | None = None):
    """The message of one email, rendered now from the order (and return) as stored."""
    order = Order.objects.select_related("user").get(pk=order_id)
    context = {
        "order": order,
        "customer": order.user,
        "items": list(order.items.order_by("created_at", "id")),
        "return": Return.objects.get(pk=return_id) if return_id else None,
        "refund": Decimal(refund) if refund is not None else None,
        "shop_name": settings.SHOP_NAME,
    }
    subject = render_to_string(f"notifications/email/{kind}_subject.txt", context).strip()
    text = render_to_string(f"notifications/email/{kind}.txt", context)
    html = render_to_string(f"notifications/email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.user.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def send(**args: Any) -> None:
    build_message(**args).send()


def emails_requeue_stuck(*, older_than: timedelta, now=None) -> int:
    """Maintenance: an email job still `RUNNING` after `older_than` died with its worker (kill -9, OOM);
    it is marked failed and enqueued again (the customer may, rarely, get that email twice)."""
    from notifications.tasks import send_email_task

    now = now or timezone.now()
    stuck = DBTaskResult.objects.filter(
        task_path=EMAIL_TASK_PATH, status="RUNNING", started_at__lt=now - older_than
    )
    count = 0
    for row in stuck:
        with transaction.atomic():
            if not DBTaskResult.objects.filter(pk=row.pk, status="RUNNING").update(
                status="FAILED", finished_at=now
            ):
                continue
            send_email_task.enqueue(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        count += 1
    return count
