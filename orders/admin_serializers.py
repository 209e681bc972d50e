"""Admin order input (E36's query filters, E39's status change body) and the TopProducts shape (E35)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from catalog.serializers import serialize_product
from orders.analytics import TopProduct
from orders.models import OrderStatus
from shop.fields import TrimmedChoiceField

NOTE_MAX_LENGTH = 1000


class AdminOrderQuerySerializer(serializers.Serializer):
    """E36's `status` and `search` (trimmed; empty = absent; NUL refused as in every string). Paging,
    `limit` and `range_days` are lenient and read by `shop.pagination`."""

    status = serializers.CharField(required=False, allow_blank=True)
    search = serializers.CharField(required=False, allow_blank=True)


class OrderStatusChangeSerializer(serializers.Serializer):
    """E39's body: one of the 8 statuses (the state machine decides whether the move is allowed)."""

    status = TrimmedChoiceField(choices=OrderStatus.values)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


def top_products_data(*, range_days: int, ranking: Iterable[TopProduct]) -> dict[str, Any]:
    """TopProducts (API.md §5.8) from `orders.analytics.top_products` rows."""
    items = [
        {
            "product": serialize_product(row.product),
            "total_quantity": row.total_quantity,
            "total_revenue": row.total_revenue,
        }
        for row in ranking
    ]
    return {"range_days": range_days, "items": items}
