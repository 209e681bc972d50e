"""Payment reads: an order's live, captured or latest payment, and a payment scoped to its caller."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from payments.models import LIVE_STATUSES, REFUNDABLE_STATUSES, SUCCESSFUL_STATUSES, Payment
from shop.exceptions import NotFound


def live_payment_of(order_id: Any) -> Payment | None:
    """The order's pending/completed/(partially) refunded payment, if any (at most one exists)."""
    return Payment.objects.filter(order_id=order_id, status__in=LIVE_STATUSES).first()


def captured_payment_for_update(*, order_id: Any) -> Payment | None:
    """The order's payment that can still be refunded, locked (completed or partially refunded)."""
    return (
        Payment.objects.select_for_update().filter(order_id=order_id, status__in=REFUNDABLE_STATUSES).first()
    )


def has_captured_payment(order_id: Any) -> bool:
    """Whether the order's money was captured (its payment completed, possibly refunded since)."""
    return Payment.objects.filter(order_id=order_id, status__in=SUCCESSFUL_STATUSES).exists()


def payment_latest(*, order_id: Any) -> Payment | None:
    """The order's newest payment, if any."""
    return Payment.objects.filter(order_id=order_id).order_by("-created_at", "-id").first()


def payment_for_caller(*, payment_id: Any, user: Any) -> Payment:
    """E27: a payment of the caller's order (any payment for an admin); `Payment not found` otherwise."""
    payments = Payment.objects.filter(pk=payment_id)
    if not user.is_admin:
        payments = payments.filter(order__user_id=user.pk)
    payment = payments.first()
    if payment is None:
        raise NotFound("Payment")
    return payment


def payment_history_for_user(*, user: Any) -> QuerySet[Payment]:
    """E48: every payment of the caller's orders, any status, newest first, with `order_number`."""
    return (
        Payment.objects.filter(order__user_id=user.pk)
        .annotate(order_number=F("order__order_number"))
        .order_by("-created_at", "-id")
    )
