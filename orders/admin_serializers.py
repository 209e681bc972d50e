"""Admin order input (E36's query filters, E39's status change body) and the TopProducts shape (E35)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from catalog.serializers import ProductSerializer, product_data
from orders.analytics import TopProduct
from orders.models import OrderStatus
from shop.fields import StrictCharField, TrimmedChoiceField, money_field

NOTE_MAX_LENGTH = 1000


class AdminOrderQuerySerializer(serializers.Serializer):
    """E36's `status` and `search` (trimmed; empty = absent; NUL refused as in every string). Paging,
    `limit` and `range_days` are lenient and read by `shop.pagination`."""

    status = StrictCharField(required=False, allow_blank=True)
    search = StrictCharField(required=False, allow_blank=True)


class OrderStatusChangeSerializer(serializers.Serializer):
    """E39's body: one of the 8 statuses (the state machine decides whether the move is allowed)."""

    status = TrimmedChoiceField(choices=OrderStatus.values)
    note = StrictCharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class _OrderStatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    count = serializers.IntegerField()


class _AnalyticsTotalsSerializer(serializers.Serializer):
    total_revenue = money_field()
    total_orders = serializers.IntegerField()
    total_products = serializers.IntegerField()
    total_customers = serializers.IntegerField()
    avg_order_value = money_field()


class AnalyticsSerializer(serializers.Serializer):
    """Analytics (API.md §2.13), E40's `data` (OpenAPI; built by `orders.analytics.analytics_summary`)."""

    range_days = serializers.IntegerField(help_text="0 = all time")
    totals = _AnalyticsTotalsSerializer()
    orders_by_status = _OrderStatusCountSerializer(many=True, help_text="all 8 statuses, in their order")


class _TopProductSerializer(serializers.Serializer):
    product = ProductSerializer()
    total_quantity = serializers.IntegerField()
    total_revenue = money_field()


class TopProductsSerializer(serializers.Serializer):
    """TopProducts (API.md §2.14), E35's `data` (OpenAPI; the output is `top_products_data`)."""

    range_days = serializers.IntegerField(help_text="0 = all time")
    items = _TopProductSerializer(many=True, help_text="best first")


def top_products_data(*, range_days: int, ranking: Iterable[TopProduct]) -> dict[str, Any]:
    """TopProducts (API.md §5.8) from `orders.analytics.top_products` rows."""
    items = [
        {
            "product": product_data(row.product),
            "total_quantity": row.total_quantity,
            "total_revenue": row.total_revenue,
        }
        for row in ranking
    ]
    return {"range_days": range_days, "items": items}
