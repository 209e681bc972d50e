"""Cart input and output: E17/E18 bodies and the Cart (§2.3) and CartItem (§2.4) shapes.

Output is built by plain functions over `cart.selectors.cart_lines` rows (no per-request field
construction); products use the catalogue's Product shape, except that a line's `product.stock` is
what this cart can hold (§2.4): the client caps its + button by comparing it with the line quantity.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from cart.models import MAX_LINE_QUANTITY, Cart, CartItem
from catalog.serializers import ProductSerializer, product_data
from shop.fields import StrictIntegerField, StrictUUIDField, iso_utc, money_field, to_money


class CartItemAddSerializer(serializers.Serializer):
    product_id = StrictUUIDField()
    quantity = StrictIntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CartItemUpdateSerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CartProductSerializer(ProductSerializer):
    """A cart line's Product (OpenAPI): `stock` is what this cart can hold."""

    stock = serializers.IntegerField(
        help_text="max(0, stock_quantity − active reservations of other carts): this line's own hold "
        "does not count against it"
    )


class CartItemSerializer(serializers.Serializer):
    """The CartItem object of §2.4 (OpenAPI; the output is `cart_item_data`)."""

    id = serializers.UUIDField()
    cart_id = serializers.UUIDField()
    product_id = serializers.UUIDField()
    product = CartProductSerializer()
    quantity = serializers.IntegerField()
    line_total = money_field()
    reserved_until = serializers.DateTimeField(allow_null=True, help_text="null once the hold expired")
    created_at = serializers.DateTimeField()


class CartSerializer(serializers.Serializer):
    """The Cart object of §2.3 (OpenAPI; the output is `cart_data`)."""

    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    items = CartItemSerializer(many=True, help_text="newest line first")
    total_amount = money_field()
    item_count = serializers.IntegerField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="earliest active hold of the lines")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CartValidSerializer(serializers.Serializer):
    """E16's `data` when the cart is valid (OpenAPI only; a 409 carries `valid`, `errors`, `items`,
    `warnings` in its `data`)."""

    valid = serializers.BooleanField()
    cart = CartSerializer()
    warnings = serializers.ListField(child=serializers.CharField())


def cart_item_data(line: CartItem) -> dict[str, Any]:
    """§2.4. `line` comes from `cart_lines` (product with stock figures, `reserved_until`,
    `available_to_cart`); `product.stock` leaves the line's own hold out."""
    product = line.product
    return {
        "id": str(line.pk),
        "cart_id": str(line.cart_id),
        "product_id": str(line.product_id),
        "product": {**product_data(product), "stock": line.available_to_cart},
        "quantity": line.quantity,
        "line_total": to_money(product.price * line.quantity),
        "reserved_until": iso_utc(line.reserved_until),
        "created_at": iso_utc(line.created_at),
    }


def cart_data(cart: Cart, lines: list[CartItem]) -> dict[str, Any]:
    """§2.3: lines newest first (the order of `cart_lines`), totals at current prices, `expires_at` the
    earliest active hold."""
    holds = [line.reserved_until for line in lines if line.reserved_until is not None]
    return {
        "id": str(cart.pk),
        "user_id": str(cart.user_id),
        "items": [cart_item_data(line) for line in lines],
        "total_amount": to_money(sum((line.product.price * line.quantity for line in lines), Decimal("0"))),
        "item_count": sum(line.quantity for line in lines),
        "expires_at": iso_utc(min(holds)) if holds else None,
        "created_at": iso_utc(cart.created_at),
        "updated_at": iso_utc(cart.updated_at),
    }
