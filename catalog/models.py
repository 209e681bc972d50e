"""Products and stock reservations (reservations are inventory: see catalog/inventory.py)."""

import uuid
from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock_quantity = models.IntegerField(default=0, help_text="Physical units on hand.")
    category = models.CharField(max_length=100, blank=True, default="")
    image_url = models.CharField(max_length=500, blank=True, default="")
    is_active = models.BooleanField(default=True, help_text="Inactive = archived: hidden from the catalogue.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="product_stock_non_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_non_negative"),
        ]
        indexes = [
            # The public list: active products, newest first (and the same order as the tie-breaker).
            models.Index(
                fields=["-created_at", "-id"], condition=Q(is_active=True), name="product_active_newest"
            ),
            models.Index(
                Lower("category"), F("created_at").desc(), F("id").desc(), name="product_category_newest"
            ),
            models.Index(
                Lower("category"),
                F("price"),
                F("created_at").desc(),
                F("id").desc(),
                name="product_category_price",
            ),
            models.Index(fields=["price", "-created_at", "-id"], name="product_price"),
            # A price-range filter's capped count (exact up to 10,000, E10 `meta.total_exact`) reads this
            # index alone at a million products instead of scanning the table for its matches.
            models.Index(fields=["price"], condition=Q(is_active=True), name="product_active_price"),
            models.Index(fields=["-created_at", "-id"], name="product_newest"),
        ]
        # Trigram (pg_trgm GIN) indexes for the substring search live in migration 0002 (PostgreSQL only).

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class CategoryCount(models.Model):
    """Active products per `lower(category)`, kept by a PostgreSQL trigger in the same transaction as every
    product write (migration 0003), so E10's `meta.total` stays exact without a COUNT over the catalogue."""

    category = models.CharField(max_length=100, primary_key=True, help_text="lower(category)")
    active = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.category or '(none)'}: {self.active}"


class CatalogueVersion(models.Model):
    """One of up to 64 counters whose sum versions the catalogue (products and reservations).

    A deferred PostgreSQL trigger (migration 0003) sets the row of the writing connection's shard to the
    next value of a sequence when the writing transaction commits, so the sum changes in the same commit
    as the data: the key of the exact response cache (`catalog/cache.py`)."""

    shard = models.SmallIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.shard}: {self.version}"


class Reservation(models.Model):
    """A hold of `quantity` units of a product by a cart, counted while `expires_at` > now."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cart = models.ForeignKey("cart.Cart", on_delete=models.CASCADE, related_name="reservations")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="reservation_one_per_cart_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["product", "expires_at"], name="reservation_product_expiry"),
            models.Index(fields=["expires_at"], name="reservation_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id} until {self.expires_at:%Y-%m-%d %H:%M:%S}"

    # A reservation is active (it holds stock) while `expires_at` > now: the one home of that rule, as a
    # filter (`active_at`) and for one row (`is_active`).
    @staticmethod
    def active_at(now: datetime | None = None) -> Q:
        return Q(expires_at__gt=now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
