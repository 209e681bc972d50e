"""Admin order input: E36's query filters and E39's status change body."""

from __future__ import annotations

from rest_framework import serializers

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
