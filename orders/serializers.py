"""Order input (E21) and the output shapes Order, OrderItem, StatusEvent and AdminOrder
(API.md §2.5–2.8, §2.11).

Output shapes are plain functions over orders read by `orders.selectors.orders_for_display` (the
attributes it gives on either database); the serializers beside them document the shapes (OpenAPI).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from catalog.serializers import ProductSerializer, product_data
from orders.models import Order, OrderEvent, OrderItem, OrderStatus, full_address
from payments.models import PaymentMethod
from payments.serializers import PaymentMethodField, PaymentSerializer, PaymentTokenField, payment_data
from shop.fields import StrictCharField, iso_utc, money_field, to_money
from shop.schema import PageMetaSerializer

ADDRESS_MAX_LENGTH = 255


# --- input ---------------------------------------------------------------------------------------


class AddressSerializer(serializers.Serializer):
    """An Address on input: 5 required non-blank fields, `state` and `phone` optional; each ≤ 255."""

    full_name = StrictCharField(max_length=ADDRESS_MAX_LENGTH)
    street = StrictCharField(max_length=ADDRESS_MAX_LENGTH)
    city = StrictCharField(max_length=ADDRESS_MAX_LENGTH)
    state = StrictCharField(max_length=ADDRESS_MAX_LENGTH, required=False, allow_blank=True, default="")
    country = StrictCharField(max_length=ADDRESS_MAX_LENGTH)
    postal_code = StrictCharField(max_length=ADDRESS_MAX_LENGTH)
    phone = StrictCharField(max_length=ADDRESS_MAX_LENGTH, required=False, allow_blank=True, default="")


class CheckoutSerializer(serializers.Serializer):
    """E21's body. A missing `billing_address` is left out (checkout copies the shipping address)."""

    payment_method = PaymentMethodField()
    shipping_address = AddressSerializer()
    billing_address = AddressSerializer(required=False)
    payment_token = PaymentTokenField()


# --- output --------------------------------------------------------------------------------------


def status_event_data(event: OrderEvent) -> dict[str, Any]:
    """A StatusEvent (§2.8)."""
    return {
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note or "",
        "created_at": iso_utc(event.created_at),
    }


def order_item_data(item: OrderItem) -> dict[str, Any]:
    """The OrderItem object of §2.7; `product` is the product as it is now, its stock figures annotated on
    the item (`product_reserved`, `product_available`) by `order_items_for_display`."""
    product = item.product
    product.reserved, product.available = item.product_reserved, item.product_available
    return {
        "id": str(item.pk),
        "order_id": str(item.order_id),
        "product_id": str(item.product_id),
        "product": product_data(product),
        "quantity": item.quantity,
        "price_at_time": to_money(item.price_at_time),
        "product_name": item.product_name,
        "product_sku": item.product_sku,
        "line_total": to_money(item.line_total),
        "created_at": iso_utc(item.created_at),
    }


def order_data(order: Order) -> dict[str, Any]:
    """The Order object of §2.6, for an order read by `orders.selectors.orders_for_display`."""
    payment = next(iter(order.latest_payments), None)
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
        "payment": payment_data(payment) if payment is not None else None,
        "status_history": [status_event_data(event) for event in order.status_events],
        "delivered_at": iso_utc(order.delivered_at),
        "created_at": iso_utc(order.created_at),
        "updated_at": iso_utc(order.updated_at),
    }


def orders_data(orders: Iterable[Order]) -> list[dict[str, Any]]:
    return [order_data(order) for order in orders]


def admin_order_data(order: Order) -> dict[str, Any]:
    """The AdminOrder object of §2.11: Order plus `user: {id, email}` (read `with_user`)."""
    return {**order_data(order), "user": {"id": str(order.user_id), "email": order.user_email}}


def admin_orders_data(orders: Iterable[Order]) -> list[dict[str, Any]]:
    return [admin_order_data(order) for order in orders]


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
    meta = PageMetaSerializer()


class AdminOrderPageSerializer(serializers.Serializer):
    """E36's `data`."""

    orders = AdminOrderSerializer(many=True)
    meta = PageMetaSerializer()


class AdminRecentOrdersSerializer(serializers.Serializer):
    """E37's `data`."""

    limit = serializers.IntegerField()
    orders = AdminOrderSerializer(many=True)
