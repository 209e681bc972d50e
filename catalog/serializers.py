"""Catalogue input and output: the product list's query parameters (E10) and the Product shape (§2.2).

The Product shape is a plain function over rows annotated by `inventory.with_stock`: no per-request
field construction on the hottest read path (STYLE.md, "Hot paths").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from rest_framework import serializers

from catalog.models import Product
from catalog.selectors import ProductFilters, sort_from_query
from shop.exceptions import ValidationFailed
from shop.fields import CENT, MAX_MONEY, iso_utc, money_field, to_money
from shop.schema import PageMetaSerializer

NUL_MESSAGE = "Null characters are not allowed."
PRICE_BOUND_MESSAGE = "Enter a number between 0 and 99999999.99."
IN_STOCK_MESSAGE = "Must be one of: true, 1, false, 0."
IN_STOCK_VALUES = {"true": True, "1": True, "false": False, "0": False}
DECIMAL_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")  # ASCII digits only


def product_data(product: Product) -> dict[str, Any]:
    """The Product object of §2.2. `product` must carry `reserved` and `available` (`with_stock`)."""
    return {
        "id": str(product.pk),
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": to_money(product.price),
        "stock": product.available,
        "category": product.category,
        "image_url": product.image_url,
        "created_at": iso_utc(product.created_at),
        "updated_at": iso_utc(product.updated_at),
        "stock_quantity": product.stock_quantity,
        "reserved": product.reserved,
        "is_active": product.is_active,
    }


def products_data(products: Iterable[Product]) -> list[dict[str, Any]]:
    return [product_data(product) for product in products]


class ProductSerializer(serializers.Serializer):
    """The Product object of §2.2: its fields document the shape (OpenAPI); the output itself is
    `product_data`, so `ProductSerializer(rows, many=True).data` stays cheap."""

    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = money_field()
    stock = serializers.IntegerField(help_text="available = max(0, stock_quantity − reserved)")
    category = serializers.CharField()
    image_url = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    stock_quantity = serializers.IntegerField(help_text="physical units on hand")
    reserved = serializers.IntegerField(help_text="units held by active reservations of all carts")
    is_active = serializers.BooleanField()

    def to_representation(self, instance):
        return product_data(instance)


class CataloguePageMetaSerializer(PageMetaSerializer):
    total_exact = serializers.BooleanField(
        required=False,
        help_text="present only when false: with search, a price bound or in_stock matching more than "
        "10,000 products, total is the database planner's estimate (at least 10,001), not a count",
    )


class ProductPageSerializer(serializers.Serializer):
    """E10's `data` (OpenAPI only)."""

    products = ProductSerializer(many=True)
    meta = CataloguePageMetaSerializer()


def _param(params: Mapping[str, str], name: str, errors: dict[str, str]) -> str | None:
    """A trimmed query parameter; missing or empty counts as absent (as an empty form field does).
    A NUL character is refused (§1.2)."""
    raw = params.get(name)
    if raw is None:
        return None
    if "\x00" in raw:
        errors[name] = NUL_MESSAGE
        return None
    value = raw.strip()
    return value or None


def _price_bound(value: str | None, name: str, errors: dict[str, str], rounding: str) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(value) if DECIMAL_RE.fullmatch(value) else None
    if number is None or number < 0 or number > MAX_MONEY:
        errors[name] = PRICE_BOUND_MESSAGE
        return None
    return number.quantize(CENT, rounding=rounding)


def product_filters_from_query(params: Mapping[str, str]) -> ProductFilters:
    """Validate E10's filters; each bad parameter is reported under its own name (400), and an unknown `sort`
    is the default order. Price bounds keep their exact meaning on the 2-place column (`min_price` 9.991 →
    10.00, `max_price` 9.999 → 9.99); `min_price` > `max_price` is just an empty list."""
    errors: dict[str, str] = {}
    category = _param(params, "category", errors)
    search = _param(params, "search", errors)
    min_price = _price_bound(_param(params, "min_price", errors), "min_price", errors, ROUND_CEILING)
    max_price = _price_bound(_param(params, "max_price", errors), "max_price", errors, ROUND_FLOOR)

    in_stock = False
    raw_in_stock = _param(params, "in_stock", errors)
    if raw_in_stock is not None:
        if raw_in_stock.lower() in IN_STOCK_VALUES:
            in_stock = IN_STOCK_VALUES[raw_in_stock.lower()]
        else:
            errors["in_stock"] = IN_STOCK_MESSAGE

    sort = sort_from_query(params.get("sort"))  # never an error (API.md §4.4)

    if errors:
        raise ValidationFailed(errors)
    return ProductFilters(
        category=category,
        search=search,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        sort=sort,
    )
