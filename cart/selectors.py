"""Cart reads: the lines of a cart with their products' live stock and their reservation expiry."""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cart.models import Cart, CartItem
from catalog import inventory


def cart_lines(cart: Cart, *, now: datetime | None = None, with_others: bool = False) -> list[CartItem]:
    """The cart's lines, newest first, in ONE query, each with:

    - `line.product`, carrying `reserved` and `available` (all carts' active reservations, §2.2);
    - `line.reserved_until`: the expiry of the line's reservation while active, else None;
    - with `with_others=True`, `line.available_to_cart` = max(0, stock_quantity − active reservations
      of OTHER carts), the figure E16 and checkout compare with the line quantity.
    """
    now = now or timezone.now()
    own_reservation = inventory.active_reservations(now).filter(
        cart_id=OuterRef("cart_id"), product_id=OuterRef("product_id")
    )
    lines = (
        CartItem.objects.filter(cart=cart)
        .select_related("product")
        .annotate(
            reserved_until=Subquery(own_reservation.values("expires_at")[:1]),
            product_reserved=inventory.reserved_expression(now, product_ref="product_id"),
        )
    )
    if with_others:
        lines = lines.annotate(
            others_reserved=inventory.reserved_expression(
                now, exclude_cart_id=cart.pk, product_ref="product_id"
            )
        )
    result = list(lines.order_by("-created_at", "-id"))
    for line in result:
        product = line.product
        product.reserved = line.product_reserved
        product.available = max(0, product.stock_quantity - product.reserved)
        if with_others:
            line.available_to_cart = max(0, product.stock_quantity - line.others_reserved)
    return result
