"""Order input (E21) and the output shapes Order, OrderItem, StatusEvent and AdminOrder
(API.md §2.5–2.8, §2.11).

Output shapes are plain functions (no per-request field construction, as `catalog.serializers`), over
orders read by `orders.selectors.orders_for_display`, whose annotations they use:
`history_json` (status_history), `payment_json` (latest payment), `user_email` (AdminOrder) and, on each
item, `product_reserved` (the product's available stock). An order read any other way still renders,
at the cost of a few queries. `OrderSerializer` and `AdminOrderSerializer` wrap
them for DRF code (`many=True` works); the Payment shape is `payments.serializers.payment_data`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from catalog import inventory
from catalog.models import Product
from catalog.serializers import (
    ProductPageMetaSerializer,
    ProductSerializer,
    iso_utc,
    money_field,
    serialize_product,
)
from orders.models import Order, OrderItem, OrderStatus, full_address
from payments.models import PaymentMethod
from payments.serializers import PaymentMethodField, PaymentSerializer, PaymentTokenField, payment_data
from shop.fields import to_money

ADDRESS_MAX_LENGTH = 255


# --- input ---------------------------------------------------------------------------------------


class AddressSerializer(serializers.Serializer):
    """An Address on input: 5 required non-blank fields, `state` and `phone` optional; each ≤ 255."""

    full_name = serializers.CharField(max_length=ADDRESS_MAX_LENGTH)
    street = serializers.CharField(max_length=ADDRESS_MAX_LENGTH)
    city = serializers.CharField(max_length=ADDRESS_MAX_LENGTH)
    state = serializers.CharField(max_length=ADDRESS_MAX_LENGTH, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=ADDRESS_MAX_LENGTH)
    postal_code = serializers.CharField(max_length=ADDRESS_MAX_LENGTH)
    phone = serializers.CharField(max_length=ADDRESS_MAX_LENGTH, required=False, allow_blank=True, default="")


class CheckoutSerializer(serializers.Serializer):
    """E21's body. A missing `billing_address` is left out (checkout copies the shipping address)."""

    payment_method = PaymentMethodField()
    shipping_address = AddressSerializer()
    billing_address = AddressSerializer(required=False)
    payment_token = PaymentTokenField()


# --- output --------------------------------------------------------------------------------------


def _timestamp(value: Any) -> str | None:
    """A stored time (datetime, or the ISO text of a JSON-folded row) as ISO 8601 UTC with `Z`."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return iso_utc(value)


def _payment_from_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "amount": to_money(Decimal(row["amount"])),
        "status": row["status"],
        "payment_method": row["payment_method"],
        "transaction_id": row["transaction_id"],
        "payment_details": row.get("payment_details") or {},
        "refunded_amount": to_money(Decimal(row["refunded_amount"])),
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
    }


def status_event_data(event: Any) -> dict[str, Any]:
    """A StatusEvent (§2.8) from a JSON-folded row or an `OrderEvent`."""
    if isinstance(event, dict):
        return {
            "from_status": event.get("from_status"),
            "to_status": event["to_status"],
            "note": event.get("note") or "",
            "created_at": _timestamp(event["created_at"]),
        }
    return {
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note or "",
        "created_at": _timestamp(event.created_at),
    }


def order_item_data(item: OrderItem) -> dict[str, Any]:
    """The OrderItem object of §2.7; `product` is the product as it is now, available stock included."""
    product = item.product
    if not hasattr(product, "available"):
        if hasattr(item, "product_reserved"):  # read by `order_items_for_display`
            product.reserved = item.product_reserved
            product.available = inventory.available_units(product.stock_quantity, product.reserved)
        else:  # an item read some other way: one more query
            product = inventory.with_stock(Product.objects.filter(pk=item.product_id)).get()
    return {
        "id": str(item.pk),
        "order_id": str(item.order_id),
        "product_id": str(item.product_id),
        "product": serialize_product(product),
        "quantity": item.quantity,
        "price_at_time": to_money(item.price_at_time),
        "product_name": item.product_name,
        "product_sku": item.product_sku,
        "line_total": to_money(item.price_at_time * item.quantity),
        "created_at": _timestamp(item.created_at),
    }


def _latest_payment(order: Order) -> dict[str, Any] | None:
    if hasattr(order, "payment_json"):
        return _payment_from_json(order.payment_json) if order.payment_json else None
    payment = next(iter(order.payments.all()), None)  # newest first (model ordering, or the prefetch's)
    return payment_data(payment) if payment is not None else None


def _history(order: Order) -> list[dict[str, Any]]:
    events = order.history_json if hasattr(order, "history_json") else order.events.all()  # oldest first
    return [status_event_data(event) for event in events or []]


def order_data(order: Order) -> dict[str, Any]:
    """The Order object of §2.6."""
    return {
        "id": str(order.pk),
        "user_id": str(order.user_id),
        "order_number": order.order_number,
        "total_amount": to_money(order.total_amount),
        "status": order.status,
        "payment_method": order.payment_method,
        "shipping_address": full_address(order.shipping_address),
        "billing_address": full_address(order.billing_address),
        "items": [order_item_data(item) for item in order.items.all()],
        "payment": _latest_payment(order),
        "status_history": _history(order),
        "delivered_at": _timestamp(order.delivered_at),
        "created_at": _timestamp(order.created_at),
        "updated_at": _timestamp(order.updated_at),
    }


def admin_order_data(order: Order) -> dict[str, Any]:
    """The AdminOrder object of §2.11: Order plus `user: {id, email}` (`user_email` annotated, or the
    related user)."""
    email = order.user_email if hasattr(order, "user_email") else order.user.email
    return {**order_data(order), "user": {"id": str(order.user_id), "email": email}}


class StatusEventSerializer(serializers.Serializer):
    """StatusEvent (§2.8), for the OpenAPI document."""

    from_status = serializers.ChoiceField(choices=OrderStatus.choices, allow_null=True)
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class OrderItemSerializer(serializers.Serializer):
    """OrderItem (§2.7): fields for the OpenAPI document, output by `order_item_data`."""

    id = serializers.UUIDField()
    order_id = serializers.UUIDField()
    product_id = serializers.UUIDField()
    product = ProductSerializer(help_text="the product as it is now")
    quantity = serializers.IntegerField()
    price_at_time = money_field()
    product_name = serializers.CharField()
    product_sku = serializers.CharField()
    line_total = money_field()
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: OrderItem) -> dict[str, Any]:
        return order_item_data(instance)


class OrderSerializer(serializers.Serializer):
    """Order (§2.6): fields for the OpenAPI document, output by `order_data` (`many=True` works)."""

    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    order_number = serializers.CharField(help_text="ORD-<unix seconds>-<8 hex>")
    total_amount = money_field()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    shipping_address = AddressSerializer()
    billing_address = AddressSerializer()
    items = OrderItemSerializer(many=True)
    payment = PaymentSerializer(allow_null=True, help_text="the latest payment")
    status_history = StatusEventSerializer(many=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Order) -> dict[str, Any]:
        return order_data(instance)


class OrderOwnerSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()


class AdminOrderSerializer(OrderSerializer):
    """AdminOrder (§2.11) = Order + `user: {id, email}`: E24 for an admin caller, E25 by an admin, and
    the admin order endpoints. Output by `admin_order_data`."""

    user = OrderOwnerSerializer()

    def to_representation(self, instance: Order) -> dict[str, Any]:
        return admin_order_data(instance)


class OrderPageSerializer(serializers.Serializer):
    orders = OrderSerializer(many=True)
    meta = ProductPageMetaSerializer()
