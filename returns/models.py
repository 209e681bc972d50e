"""Return requests and their lines."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Return(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="returns")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="returns")
    reason = models.TextField(max_length=1000)
    notes = models.TextField(max_length=2000, blank=True, default="")  # the customer's extra notes (E28)
    status = models.CharField(max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="requested"), name="return_one_open_per_order"
            ),
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="return_refund_non_negative"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="return_user_newest"),
            models.Index(fields=["-created_at", "-id"], name="return_newest"),
        ]

    def __str__(self) -> str:
        return f"Return {self.id} of {self.order_id}"


class ReturnItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    return_request = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.CASCADE, related_name="return_items")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["return_request", "order_item"], name="return_item_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_item_id}"
