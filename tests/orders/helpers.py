"""Checkout bodies and filled carts for the order, checkout and idempotency tests (factories only, no cart
services)."""

from __future__ import annotations

from typing import Any

from cart.models import Cart
from tests.factories import CartFactory, CartItemFactory, ReservationFactory, address


def checkout_body(method: str = "cc", **overrides: Any) -> dict[str, Any]:
    return {"payment_method": method, "shipping_address": address(), **overrides}


def fill_cart(user, *lines: tuple[Any, int], reserve: bool = True, cart=None):
    """`user`'s cart (created if missing) with (product, quantity) lines added, each with an active
    reservation when `reserve`."""
    cart = cart or Cart.objects.filter(user=user).first() or CartFactory(user=user)
    for product, quantity in lines:
        CartItemFactory(cart=cart, product=product, quantity=quantity)
        if reserve:
            ReservationFactory(cart=cart, product=product, quantity=quantity)
    return cart
