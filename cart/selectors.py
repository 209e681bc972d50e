"""Cart reads: the lines of a cart with their products' live stock and their reservation expiry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cart.models import Cart, CartItem
from catalog import inventory
from shop.statements import Statement


def line_quantity(cart_id: Any) -> Subquery:
    """The quantity of the cart's line of the outer product (its `pk`), or NULL: for the locking SELECT of
    a cart write or a checkout (`inventory.locking_queryset`), which already holds the cart locked."""
    return Subquery(CartItem.objects.filter(cart_id=cart_id, product=OuterRef("pk")).values("quantity")[:1])


def _lines(*, cart_id: Any, now: datetime):
    own_reservation = inventory.active_reservations(now).filter(
        cart_id=OuterRef("cart_id"), product_id=OuterRef("product_id")
    )
    return (
        CartItem.objects.filter(cart_id=cart_id)
        .select_related("product")
        .annotate(
            reserved_until=Subquery(own_reservation.values("expires_at")[:1]),
            own_reserved=Coalesce(Subquery(own_reservation.values("quantity")[:1]), Value(0)),
            product_reserved=inventory.reserved_expression(now, product_ref="product_id"),
        )
        .order_by("-created_at", "-id")
    )


_LINES = Statement(_lines)  # compiled once per process: E16 and every cart write answer with it


def cart_lines(cart: Cart, *, now: datetime | None = None) -> list[CartItem]:
    """The cart's lines, newest first, in one query, each with `product` (carrying `reserved` and
    `available`), `reserved_until` (its own hold's expiry while active, else None) and `available_to_cart`
    (what other carts' active holds leave: E16 and checkout compare it with the line)."""
    result = _LINES.fetch(cart_id=cart.pk, now=now or timezone.now())
    for line in result:
        product = line.product
        product.reserved = line.product_reserved
        product.available = inventory.available_units(product.stock_quantity, product.reserved)
        # One active reservation row per (cart, product): the others' holds are all holds minus this one.
        others = line.product_reserved - line.own_reserved
        line.available_to_cart = inventory.available_units(product.stock_quantity, others)
    return result
