"""Admin analytics and top products (API.md §5.8), computed by aggregate queries in the database.

Orders are never loaded into Python: one conditional aggregate over orders gives revenue, counts and
the per-status counts; the catalogue size and the customer count are one `COUNT` each. The admin
dashboard's figures (`dashboard_orders`, `daily_orders`) are built from the same aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Role, User
from catalog import inventory
from catalog.models import Product
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from payments.models import PaymentMethod
from shop.fields import to_money
from shop.pagination import since_for_range

#: Orders whose money does not count: cancelled, or refunded after a return.
NON_REVENUE_STATUSES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def revenue_aggregates(name: str, condition: Q | None = None) -> dict[str, Any]:
    """The aggregates behind one window's figures (`orders_figures` reads them back): orders placed,
    orders whose money counts, and their revenue, over the orders matching `condition` (all when None).
    E40 and the admin dashboard both use these, so their revenue and average agree by construction."""
    within = condition if condition is not None else Q()
    revenue_filter = within & ~Q(status__in=NON_REVENUE_STATUSES)
    return {
        f"{name}_orders": Count("pk", filter=condition),
        f"{name}_revenue_orders": Count("pk", filter=revenue_filter),
        f"{name}_revenue": Coalesce(Sum("total_amount", filter=revenue_filter), ZERO),
    }


def orders_figures(row: dict[str, Any], name: str) -> dict[str, Any]:
    """{revenue, orders, avg_order_value} of window `name` from an aggregate of `revenue_aggregates`."""
    revenue = to_money(row[f"{name}_revenue"])
    revenue_orders = row[f"{name}_revenue_orders"]
    return {
        "revenue": revenue,
        "orders": row[f"{name}_orders"],
        "avg_order_value": to_money(revenue / revenue_orders) if revenue_orders else to_money(0),
    }


def analytics_summary(*, range_days: int) -> dict[str, Any]:
    """The Analytics object of §2.13 (3 queries). One cut-off for orders and customers alike."""
    since = since_for_range(range_days)
    orders = Order.objects.all()
    if since is not None:
        orders = orders.filter(created_at__gte=since)
    per_status = {f"status_{status}": Count("pk", filter=Q(status=status)) for status in OrderStatus.values}
    row = orders.aggregate(**revenue_aggregates("range"), **per_status)
    figures = orders_figures(row, "range")
    customers = User.objects.filter(role=Role.CUSTOMER)
    if since is not None:
        customers = customers.filter(created_at__gte=since)
    return {
        "range_days": range_days,
        "totals": {
            "total_revenue": figures["revenue"],
            "total_orders": figures["orders"],
            "total_products": Product.objects.filter(is_active=True).count(),
            "total_customers": customers.count(),
            "avg_order_value": figures["avg_order_value"],
        },
        "orders_by_status": [
            {"status": status, "count": row[f"status_{status}"]} for status in OrderStatus.values
        ],
    }


def local_day_start(day: date) -> datetime:
    """Midnight of `day` in the shop's `TIME_ZONE` (the current time zone), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@dataclass(frozen=True)
class Attention:
    """Orders waiting for staff: cash-on-delivery orders still pending, paid orders to ship, and orders
    shipped more than `SHIPPING_OVERDUE_DAYS` ago and still not delivered."""

    cod_pending: int
    to_ship: int
    shipping_overdue: int


def dashboard_orders(*, now: datetime | None = None) -> dict[str, Any]:
    """The admin dashboard's order figures in one aggregate query: today's and the last 7 days' (today
    and the 6 days before, in `TIME_ZONE`) revenue, orders and average order value, as E40 computes them
    (`revenue_aggregates`), and the orders needing action (`Attention`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    today_start = local_day_start(today)
    week_start = local_day_start(today - timedelta(days=6))
    row = Order.objects.aggregate(
        **revenue_aggregates("today", Q(created_at__gte=today_start)),
        **revenue_aggregates("week", Q(created_at__gte=week_start)),
        cod_pending=Count(
            "pk", filter=Q(status=OrderStatus.PENDING, payment_method=PaymentMethod.CASH_ON_DELIVERY)
        ),
        to_ship=Count("pk", filter=Q(status=OrderStatus.PROCESSING)),
        shipping_overdue=Count("pk", filter=shipping_overdue_condition(now)),
    )
    return {
        "today": orders_figures(row, "today"),
        "week": orders_figures(row, "week"),
        "attention": Attention(
            cod_pending=row["cod_pending"], to_ship=row["to_ship"], shipping_overdue=row["shipping_overdue"]
        ),
    }


def shipping_overdue_condition(now: datetime | None = None) -> Q:
    """Orders `shipped` more than `SHIPPING_OVERDUE_DAYS` ago (by their move to `shipped`), not yet
    delivered. An order reaches `shipped` once, so its one event says when."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SHIPPING_OVERDUE_DAYS)
    shipped_before = OrderEvent.objects.filter(
        order=OuterRef("pk"), to_status=OrderStatus.SHIPPED, created_at__lt=cutoff
    )
    return Q(status=OrderStatus.SHIPPED) & Q(Exists(shipped_before))


@dataclass(frozen=True)
class Day:
    day: date
    revenue: Decimal
    orders: int


def daily_orders(*, days: int = 30, now: datetime | None = None) -> list[Day]:
    """Revenue (E40's rule) and orders placed per day of the shop's `TIME_ZONE` over the last `days`
    days, today included, oldest first, days without orders as zeros: one grouped query."""
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=days - 1)
    rows = (
        Order.objects.filter(created_at__gte=local_day_start(first))
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(**revenue_aggregates("day"))
        .order_by("day")
    )
    by_day = {row["day"]: orders_figures(row, "day") for row in rows}
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        figures = by_day.get(day, {"revenue": to_money(0), "orders": 0})
        series.append(Day(day=day, revenue=figures["revenue"], orders=figures["orders"]))
    return series


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
