"""Admin product input (E31 create, E33 partial update with `partial=True`)."""

from __future__ import annotations

from rest_framework import serializers

from shop.fields import HttpURLField, MoneyField, StrictBooleanField, StrictCharField, StrictIntegerField

#: `stock` is a PostgreSQL `integer`.
MAX_STOCK = 2_147_483_647


class ProductWriteSerializer(serializers.Serializer):
    """E31's body; E33 uses it with `partial=True`, where no default applies, so only the keys sent
    reach `validated_data`. `stock` arrives as `stock_quantity` (the physical units it sets)."""

    sku = StrictCharField(max_length=100)
    name = StrictCharField(max_length=255)
    description = StrictCharField(required=False, allow_blank=True, default="")
    price = MoneyField()
    stock = StrictIntegerField(
        source="stock_quantity", required=False, default=0, min_value=0, max_value=MAX_STOCK
    )
    category = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    image_url = HttpURLField(max_length=500, required=False, allow_blank=True, default="")
    is_active = StrictBooleanField(required=False, default=True)
