"""Orders, their items (with price/name/SKU snapshots) and the status history."""

import secrets
import time
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments.models import PaymentMethod


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    RETURN_REQUESTED = "return_requested", "Return requested"


#: The 7 keys of an Address (API.md §2.5), in their rendering order.
ADDRESS_FIELDS = ("full_name", "street", "city", "state", "country", "postal_code", "phone")


def full_address(address: dict | None) -> dict[str, str]:
    """An address with all 7 keys (missing optional ones as `""`), as stored and rendered."""
    address = address or {}
    return {key: str(address.get(key) or "") for key in ADDRESS_FIELDS}


def new_order_number() -> str:
    """`ORD-<unix seconds, 10 digits>-<8 lower-case hex>` (API.md §1.8)."""
    return f"ORD-{int(time.time()):010d}-{secrets.token_hex(4)}"


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    order_number = models.CharField(max_length=32, unique=True, default=new_order_number, editable=False)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    payment_method = models.CharField(max_length=3, choices=PaymentMethod.choices)
    shipping_address = models.JSONField()
    billing_address = models.JSONField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_non_negative")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="order_user_newest"),
            models.Index(fields=["-created_at", "-id"], name="order_newest"),
            models.Index(fields=["status", "-created_at"], name="order_status_newest"),
        ]

    def __str__(self) -> str:
        return self.order_number


class OrderItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField()
    price_at_time = models.DecimalField(max_digits=10, decimal_places=2)
    product_name = models.CharField(max_length=255)
    product_sku = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_sku}"

    @property
    def line_total(self):
        return self.price_at_time * self.quantity


class OrderEvent(models.Model):
    """One status move: from (null for creation), to, actor (null for the system), note, time."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, null=True, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"
