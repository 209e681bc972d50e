"""Payments of orders. `payments` knows charges and refunds of an amount, not orders (FK by label)."""

import secrets
import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone


class PaymentMethod(models.TextChoices):
    CREDIT_CARD = "cc", "Credit card"
    DEBIT_CARD = "dc", "Debit card"
    CASH_ON_DELIVERY = "cod", "Cash on delivery"


CARD_METHODS = (PaymentMethod.CREDIT_CARD, PaymentMethod.DEBIT_CARD)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


#: Statuses of a payment that took (or is taking) the order's money: at most one per order.
LIVE_STATUSES = (
    PaymentStatus.PENDING,
    PaymentStatus.COMPLETED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
#: Statuses of a payment with money left to refund: captured and not fully refunded.
REFUNDABLE_STATUSES = (PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED)
#: Statuses of a payment whose money was captured.
SUCCESSFUL_STATUSES = (PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def new_transaction_id() -> str:
    return f"TXN-{secrets.token_hex(4)}"


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    payment_method = models.CharField(max_length=3, choices=PaymentMethod.choices)
    transaction_id = models.CharField(max_length=20, unique=True, default=new_transaction_id)
    payment_details = models.JSONField(default=dict, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status__in=LIVE_STATUSES), name="payment_one_live_per_order"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["order", "-created_at", "-id"], name="payment_order_latest")]

    def __str__(self) -> str:
        return self.transaction_id

    @property
    def refundable_amount(self) -> Decimal:
        """What can still be refunded: the amount less what was refunded (the one home of that rule)."""
        return self.amount - self.refunded_amount


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


def new_refund_key() -> str:
    return f"rfd_{secrets.token_hex(16)}"


class Refund(models.Model):
    """Money to give back on a payment: recorded `pending` in the business transaction, asked of the
    gateway after commit (the same `idempotency_key` on every try), then `succeeded` or `failed`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_refund_key, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="refund_status_due"),
            models.Index(fields=["payment", "status"], name="refund_payment_status"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} of {self.payment_id} ({self.status})"
