"""The admin index as a dashboard: what needs doing today, from a handful of aggregate queries.

Order figures come from `orders.analytics` (the same aggregates as E40), returns waiting for a decision
low-stock products, refunds and webhook deliveries that failed for good are one `COUNT` each; every count links to the changelist filtered to those rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from catalog import inventory
from catalog.models import Product
from notifications.models import DeliveryStatus, WebhookDelivery
from orders.analytics import daily_orders, dashboard_orders
from orders.models import Order, OrderStatus
from payments.models import PaymentMethod, Refund, RefundStatus
from returns.models import Return, ReturnStatus

CHART_DAYS = 30


@dataclass(frozen=True)
class Count:
    label: str
    value: int
    url: str


def _changelist(model, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def dashboard(*, now=None) -> dict:
    """Everything the dashboard shows (6 queries)."""
    figures = dashboard_orders(now=now)
    attention = figures["attention"]
    waiting = Return.objects.filter(status=ReturnStatus.REQUESTED).count()
    low = Product.objects.filter(inventory.low_stock_condition()).count()
    refunds_failed = Refund.objects.filter(status=RefundStatus.FAILED).count()
    deliveries_failed = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
    counts = [
        Count(
            "Cash-on-delivery orders pending",
            attention.cod_pending,
            _changelist(
                Order, status__exact=OrderStatus.PENDING, payment_method__exact=PaymentMethod.CASH_ON_DELIVERY
            ),
        ),
        Count(
            "Paid orders to ship (processing)",
            attention.to_ship,
            _changelist(Order, status__exact=OrderStatus.PROCESSING),
        ),
        Count(
            f"Shipped over {settings.SHIPPING_OVERDUE_DAYS} days ago, not delivered",
            attention.shipping_overdue,
            _changelist(Order, overdue="1"),
        ),
        Count(
            "Returns waiting for a decision",
            waiting,
            _changelist(Return, status__exact=ReturnStatus.REQUESTED),
        ),
        Count(
            f"Low stock (≤ {settings.LOW_STOCK_THRESHOLD} available)", low, _changelist(Product, stock="low")
        ),
        Count(
            "Refunds failed (retry from the list)",
            refunds_failed,
            _changelist(Refund, status__exact=RefundStatus.FAILED),
        ),
        Count(
            "Webhook deliveries failed",
            deliveries_failed,
            _changelist(WebhookDelivery, status__exact=DeliveryStatus.FAILED),
        ),
    ]
    return {
        "today": figures["today"],
        "week": figures["week"],
        "counts": counts,
        "series": daily_orders(days=CHART_DAYS, now=now),
    }
