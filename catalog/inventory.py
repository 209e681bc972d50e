"""Every stock rule (API.md §5.2), as functions: the cart, checkout, cancellation and returns use these.

Vocabulary: `stock_quantity` = units on hand; a reservation is *active* while `expires_at` > now;
`reserved` = Σ active reservations of all carts; available (`stock`) = max(0, stock_quantity − reserved).

Functions that check availability expect to run inside `transaction.atomic()` with the product row
locked by `lock_products` (SELECT … FOR UPDATE, ascending id order), so no interleaving of requests
can hold more than is on hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from catalog.models import Product, Reservation
from shop.exceptions import InsufficientStock


def reservation_ttl() -> timedelta:
    """`STOCK_RESERVATION_TTL_MINUTES` (decimal minutes) as a timedelta, read per call."""
    return timedelta(seconds=float(settings.STOCK_RESERVATION_TTL_MINUTES * 60))


def active_reservations(now: datetime | None = None) -> QuerySet[Reservation]:
    return Reservation.objects.filter(expires_at__gt=now or timezone.now())


def reserved_expression(now: datetime | None = None, *, exclude_cart_id: Any = None):
    """Σ active reservations of the outer product (optionally leaving one cart out), as a subquery."""
    reservations = active_reservations(now).filter(product=OuterRef("pk"))
    if exclude_cart_id is not None:
        reservations = reservations.exclude(cart_id=exclude_cart_id)
    total = reservations.order_by().values("product").annotate(total=Sum("quantity")).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def with_stock(queryset: QuerySet[Product], now: datetime | None = None) -> QuerySet[Product]:
    """Annotate `reserved` and `available` in the same query (never one query per product)."""
    return queryset.annotate(reserved=reserved_expression(now)).annotate(
        available=Greatest(F("stock_quantity") - F("reserved"), Value(0))
    )


def available_for(product_id: Any, *, cart_id: Any = None, now: datetime | None = None) -> int:
    """stock_quantity − Σ active reservations of carts other than `cart_id`, floored at 0 (§5.2)."""
    row = (
        Product.objects.filter(pk=product_id)
        .annotate(others=reserved_expression(now, exclude_cart_id=cart_id))
        .values_list("stock_quantity", "others")
        .first()
    )
    if row is None:
        return 0
    stock_quantity, others = row
    return max(0, stock_quantity - others)


def lock_products(product_ids: Iterable[Any]) -> dict[Any, Product]:
    """Lock the products' rows in ascending id order (no deadlocks between two lockers)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    products = Product.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {product.pk: product for product in products}


def check_available(
    product: Product,
    quantity: int,
    *,
    cart_id: Any = None,
    now: datetime | None = None,
    error: str | None = None,
) -> None:
    """Refuse with `insufficient_stock` unless `quantity` units are available to `cart_id`.

    An inactive product has 0 available. Call with the product's row locked.
    """
    available = available_for(product.pk, cart_id=cart_id, now=now) if product.is_active else 0
    if available < quantity:
        raise InsufficientStock(product_id=product.pk, requested=quantity, available=available, error=error)


def reserve(*, cart_id: Any, product: Product, quantity: int, now: datetime | None = None) -> datetime:
    """Hold `quantity` units of a locked product for a cart: the reservation becomes the line quantity
    with expiry now + TTL (one upsert). Returns the new expiry."""
    now = now or timezone.now()
    check_available(product, quantity, cart_id=cart_id, now=now)
    expires_at = now + reservation_ttl()
    Reservation.objects.bulk_create(
        [Reservation(cart_id=cart_id, product=product, quantity=quantity, expires_at=expires_at)],
        update_conflicts=True,
        unique_fields=["cart", "product"],
        update_fields=["quantity", "expires_at"],
    )
    return expires_at


def release(*, cart_id: Any, product_ids: Iterable[Any] | None = None) -> int:
    """Delete the cart's reservations (of the given products, or all of them)."""
    reservations = Reservation.objects.filter(cart_id=cart_id)
    if product_ids is not None:
        reservations = reservations.filter(product_id__in=list(product_ids))
    deleted, _ = reservations.delete()
    return deleted


def release_product(*, product_id: Any) -> int:
    """Delete every reservation of a product (archive or delete of the product)."""
    deleted, _ = Reservation.objects.filter(product_id=product_id).delete()
    return deleted


def deduct(lines: Iterable[tuple[Any, int]]) -> None:
    """Take units off `stock_quantity` (checkout). The database CHECK keeps it ≥ 0."""
    with transaction.atomic():
        for product_id, quantity in sorted(lines, key=lambda line: line[0]):
            Product.objects.filter(pk=product_id).update(
                stock_quantity=F("stock_quantity") - quantity, updated_at=timezone.now()
            )


def restock(lines: Iterable[tuple[Any, int]]) -> None:
    """Put units back on `stock_quantity` (cancellation, approved return with restock)."""
    with transaction.atomic():
        for product_id, quantity in sorted(lines, key=lambda line: line[0]):
            Product.objects.filter(pk=product_id).update(
                stock_quantity=F("stock_quantity") + quantity, updated_at=timezone.now()
            )


def expire_reservations(*, dry_run: bool = False, now: datetime | None = None) -> int:
    """Delete reservation rows whose `expires_at` ≤ now (cart lines stay). Returns how many."""
    expired = Reservation.objects.filter(expires_at__lte=now or timezone.now())
    if dry_run:
        return expired.count()
    deleted, _ = expired.delete()
    return deleted


def overcommitted_products(now: datetime | None = None) -> QuerySet[Product]:
    """Products whose active reservations exceed `stock_quantity` (possible after stock is lowered)."""
    return with_stock(Product.objects.all(), now).filter(reserved__gt=F("stock_quantity")).order_by("sku")
