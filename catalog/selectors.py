"""Catalogue reads: the product list with its filters and sorts (E10, reused by the admin list E32) and
one product, each with `reserved`/`available` annotated in the same query (`inventory.with_stock`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Lower

from catalog import inventory
from catalog.models import CategoryCount, Product

#: `sort` values → ORDER BY. Ties: newest first, then id descending (a stable page order).
SORTS: dict[str, tuple[str, ...]] = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "-id"),
    "price": ("price", "-created_at", "-id"),
    "-price": ("-price", "-created_at", "-id"),
    "name": ("name", "-created_at", "-id"),
    "-name": ("-name", "-created_at", "-id"),
}
DEFAULT_SORT = "-created_at"
#: The Go service's web client sends these words (API.md §4.4); each is one of `SORTS`.
SORT_ALIASES: dict[str, str] = {
    "newest": "-created_at",
    "oldest": "created_at",
    "price_asc": "price",
    "price_desc": "-price",
    "name_asc": "name",
    "name_desc": "-name",
}
#: Every `sort` value E10 and E32 honour (case-insensitive), for the schema.
SORT_VALUES: tuple[str, ...] = (*SORTS, *SORT_ALIASES)
SORT_DESCRIPTION = (
    "one of " + ", ".join(SORT_VALUES) + " (case-insensitive); any other value: the default, -created_at"
)


def sort_from_query(value: str | None) -> str:
    """The `SORTS` key for a `sort` parameter: either vocabulary, any case; anything else (absent, empty,
    unknown, NUL included) is the default order, as the Go service ignored `sort` (API.md §4.4)."""
    word = (value or "").strip().lower()
    word = SORT_ALIASES.get(word, word)
    return word if word in SORTS else DEFAULT_SORT


@dataclass(frozen=True)
class ProductFilters:
    """Validated filters of the product list (parsed by `catalog.serializers.product_filters_from_query`).

    Price bounds are already in cents: `min_price` rounded up, `max_price` rounded down, so comparing
    them with the 2-place `price` column gives exactly the inclusive bounds that were asked for."""

    category: str | None = None
    search: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    sort: str = DEFAULT_SORT


def _matching(
    filters: ProductFilters, *, include_inactive: bool = False, since: datetime | None = None, now=None
) -> QuerySet[Product]:
    """Products matching `filters` (no order, no stock figures)."""
    products = Product.objects.all()
    if not include_inactive:
        products = products.filter(is_active=True)
    if since is not None:
        products = products.filter(created_at__gte=since)
    if filters.category is not None:
        # Lower(category) = lower(value): the expression of the `product_category_*` indexes.
        products = products.alias(category_ci=Lower("category")).filter(
            category_ci=Lower(Value(filters.category))
        )
    if filters.search is not None:
        # icontains escapes `%`, `_` and `\` (literal characters); PostgreSQL runs it as
        # UPPER(col::text) LIKE UPPER(…), the expression of the trigram indexes (migration 0002).
        term = filters.search
        products = products.filter(
            Q(name__icontains=term) | Q(description__icontains=term) | Q(sku__icontains=term)
        )
    if filters.min_price is not None:
        products = products.filter(price__gte=filters.min_price)
    if filters.max_price is not None:
        products = products.filter(price__lte=filters.max_price)
    if filters.in_stock:
        products = products.filter(inventory.in_stock_condition(now))
    return products


def product_list(
    filters: ProductFilters | None = None, *, include_inactive: bool = False, since: datetime | None = None
) -> QuerySet[Product]:
    """Products matching `filters`, in the requested order, with `reserved` and `available` annotated.

    Public list: active products only; the admin list passes `include_inactive=True` and `since`
    (its `range_days` bound on `created_at`). Counting this queryset does not evaluate the stock
    subquery unless `in_stock` filters on it.
    """
    filters = filters or ProductFilters()
    products = _matching(filters, include_inactive=include_inactive, since=since)
    return inventory.with_stock(products).order_by(*SORTS[filters.sort])


#: Above this many matches, E10's filtered total may be the planner's estimate (API.md §1.6).
EXACT_TOTAL_LIMIT = 10_000


def _counted_by_triggers(products: QuerySet) -> bool:
    """The per-category totals (`CategoryCount`) are kept by PostgreSQL triggers (migration 0003)."""
    return connections[products.db].vendor == "postgresql"


def product_total(filters: ProductFilters, *, now: datetime | None = None) -> tuple[int, bool]:
    """E10's `meta.total` and whether it is exact.

    The unfiltered list and a single category read the trigger-kept `CategoryCount` (exact, one row or
    a sum over the categories), whatever the catalogue's size. With `search`, a price bound or
    `in_stock`, matches are counted up to `EXACT_TOTAL_LIMIT`; above it the total is the planner's
    estimate (never below the limit + 1) and not exact. Without PostgreSQL: always an exact COUNT(*).
    """
    products = _matching(filters, now=now)
    postgres = _counted_by_triggers(products)
    bounded = filters.search is not None or filters.min_price is not None or filters.max_price is not None
    if postgres and not bounded and not filters.in_stock:
        counts = CategoryCount.objects.using(products.db)
        if filters.category is not None:
            counts = counts.filter(category=Lower(Value(filters.category)))
        return counts.aggregate(total=Sum("active"))["total"] or 0, True
    if not postgres:
        return products.count(), True
    matches = products.order_by().values("pk")
    if filters.search is not None:
        capped = _capped_search_count(matches, EXACT_TOTAL_LIMIT + 1)
    else:
        capped = matches[: EXACT_TOTAL_LIMIT + 1].count()
    if capped <= EXACT_TOTAL_LIMIT:
        return capped, True
    plan = json.loads(products.order_by().values("pk").explain(format="json"))
    return max(EXACT_TOTAL_LIMIT + 1, int(plan[0]["Plan"]["Plan Rows"])), False


def _capped_search_count(matches: QuerySet, limit: int) -> int:
    """How many of `matches` there are, counting at most `limit`, read through the trigram indexes.

    A plain `LIMIT` count misleads the planner on a substring search: it overestimates the matches
    (a `LIKE '%…%'` estimate), expects the limit to be reached early and scans the table (130 ms at a
    million products). A materialized CTE is planned for all its matches (bitmap scans of the trigram
    indexes) and still read only until the limit (20 ms)."""
    sql, params = matches.query.sql_with_params()
    with connections[matches.db].cursor() as cursor:
        cursor.execute(
            f"WITH matches AS MATERIALIZED ({sql}) SELECT COUNT(*) FROM (SELECT 1 FROM matches LIMIT %s) capped",
            [*params, limit],
        )
        return cursor.fetchone()[0]


def product_page(
    filters: ProductFilters, *, offset: int, limit: int, now: datetime | None = None
) -> list[Product]:
    """One page of E10 with `reserved`/`available`: the page's ids first (an index-only walk past
    `offset`), then only those rows with their stock, so a deep page never computes the stock of the
    rows it skips."""
    order = SORTS[filters.sort]
    ids = _matching(filters, now=now).order_by(*order).values("pk")[offset : offset + limit]
    return list(inventory.with_stock(Product.objects.filter(pk__in=ids), now).order_by(*order))


def product_get(
    product_id: Any, *, include_inactive: bool = False, now: datetime | None = None
) -> Product | None:
    """One product with `reserved`/`available`, or None (unknown, or inactive unless asked for)."""
    products = Product.objects.filter(pk=product_id)
    if not include_inactive:
        products = products.filter(is_active=True)
    return inventory.with_stock(products, now).first()
