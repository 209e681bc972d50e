"""Admin analytics and top products (API.md §5.8), computed by aggregate queries in the database.

Orders are never loaded into Python: one conditional aggregate over orders gives revenue, counts and
the per-status counts; the catalogue size and the customer count are one `COUNT` each.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Role, User
from catalog import inventory
from catalog.models import Product
from orders.models import Order, OrderItem, OrderStatus
from shop.fields import to_money
from shop.pagination import since_for_range

#: Orders whose money does not count: cancelled, or refunded after a return.
NON_REVENUE_STATUSES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def analytics_summary(*, range_days: int) -> dict[str, Any]:
    """The Analytics object of §2.13 (3 queries). One cut-off for orders and customers alike."""
    since = since_for_range(range_days)
    orders = Order.objects.all()
    if since is not None:
        orders = orders.filter(created_at__gte=since)
    revenue_filter = ~Q(status__in=NON_REVENUE_STATUSES)
    per_status = {f"status_{status}": Count("pk", filter=Q(status=status)) for status in OrderStatus.values}
    figures = orders.aggregate(
        total_orders=Count("pk"),
        revenue_orders=Count("pk", filter=revenue_filter),
        total_revenue=Coalesce(Sum("total_amount", filter=revenue_filter), ZERO),
        **per_status,
    )
    customers = User.objects.filter(role=Role.CUSTOMER)
    if since is not None:
        customers = customers.filter(created_at__gte=since)
    revenue = to_money(figures["total_revenue"])
    revenue_orders = figures["revenue_orders"]
    return {
        "range_days": range_days,
        "totals": {
            "total_revenue": revenue,
            "total_orders": figures["total_orders"],
            "total_products": Product.objects.filter(is_active=True).count(),
            "total_customers": customers.count(),
            "avg_order_value": to_money(revenue / revenue_orders) if revenue_orders else to_money(0),
        },
        "orders_by_status": [
            {"status": status, "count": figures[f"status_{status}"]} for status in OrderStatus.values
        ],
    }


@dataclass(frozen=True)
class TopProduct:
    product: Product  # annotated with `reserved` and `available`
    total_quantity: int
    total_revenue: Decimal


def top_products(*, limit: int, range_days: int) -> list[TopProduct]:
    """Best sellers over items of revenue orders in range: by quantity, then revenue, then product id.

    Products never sold do not appear. Two queries: the ranking, then the products with their stock.
    """
    items = OrderItem.objects.exclude(order__status__in=NON_REVENUE_STATUSES)
    since = since_for_range(range_days)
    if since is not None:
        items = items.filter(order__created_at__gte=since)
    ranking = list(
        items.values("product_id")
        .annotate(
            total_quantity=Sum("quantity"),
            total_revenue=Sum(
                F("quantity") * F("price_at_time"), output_field=DecimalField(max_digits=14, decimal_places=2)
            ),
        )
        .order_by("-total_quantity", "-total_revenue", "product_id")[:limit]
    )
    products = inventory.with_stock(Product.objects.filter(pk__in=[row["product_id"] for row in ranking]))
    by_id = {product.pk: product for product in products}
    return [
        TopProduct(
            product=by_id[row["product_id"]],
            total_quantity=row["total_quantity"],
            total_revenue=to_money(row["total_revenue"]),
        )
        for row in ranking
    ]
