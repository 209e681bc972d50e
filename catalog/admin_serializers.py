"""Admin product input (E31 create, E33 partial update with `partial=True`)."""

from __future__ import annotations

from django.core.validators import URLValidator
from rest_framework import serializers

from shop.fields import MoneyField, StrictIntegerField

#: `stock` is a PostgreSQL `integer`.
MAX_STOCK = 2_147_483_647


class ProductWriteSerializer(serializers.Serializer):
    """E31's body; E33 uses it with `partial=True`, where no default applies, so only the keys sent
    reach `validated_data`. `stock` arrives as `stock_quantity` (the physical units it sets)."""

    sku = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    price = MoneyField()
    stock = StrictIntegerField(
        source="stock_quantity", required=False, default=0, min_value=0, max_value=MAX_STOCK
    )
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    # `""` is accepted before any validator runs (DRF returns a blank string early).
    image_url = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        validators=[URLValidator(schemes=["http", "https"], message="Enter a valid http(s) URL.")],
    )
    is_active = serializers.BooleanField(required=False, default=True)
