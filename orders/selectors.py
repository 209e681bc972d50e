"""Reads of orders, scoped by owner, shaped for the Order / AdminOrder answers (API.md §2.6, §2.11).

`orders_for_display` gives every order the same attributes on either database, in two queries whatever
the number of orders and items: `status_events` (its `OrderEvent`s, oldest first), `latest_payments`
(its newest `Payment`, or none, as a list), `user_email` (with `with_user`, for AdminOrder), and items
whose `product_reserved` / `product_available` are the product's stock figures. On PostgreSQL the events
and the payment are folded into the orders' query as JSON and read back as unsaved model rows; elsewhere
(the SQLite of `make run`) they are prefetched, two more queries. One prefetch path everywhere would
exceed the 4 queries pinned in `tests/orders/test_queries.py`; both paths are tested to render the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
)
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog import inventory
from catalog.models import Product
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from payments import selectors as payment_selectors
from payments.models import CARD_METHODS, SUCCESSFUL_STATUSES, Payment, Refund, RefundStatus
from shop.exceptions import NotFound
from shop.queries import subquery_sum
from shop.statements import Statement, attach_prefetched


class _FoldedEvents(JSONField):
    """The JSON-folded history, read back as the `OrderEvent` rows the prefetch path gives."""

    def from_db_value(self, value, expression, connection):
        rows = super().from_db_value(value, expression, connection) or []
        return [
            OrderEvent(
                from_status=row["from_status"],
                to_status=row["to_status"],
                note=row["note"],
                created_at=parse_datetime(row["created_at"]),
            )
            for row in rows
        ]


class _FoldedPayments(JSONField):
    """The JSON-folded latest payment (money as text: exact Decimals), read back as a list of ≤ 1 `Payment`."""

    def from_db_value(self, value, expression, connection):
        row = super().from_db_value(value, expression, connection)
        if row is None:
            return []
        money = {name: Decimal(row[name]) for name in ("amount", "refunded_amount")}
        times = {name: parse_datetime(row[name]) for name in ("created_at", "updated_at")}
        return [Payment(**{**row, **money, **times})]


def _history_json() -> Subquery:
    events = (
        OrderEvent.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(
            rows=JSONBAgg(
                JSONObject(
                    from_status="from_status", to_status="to_status", note="note", created_at="created_at"
                ),
                order_by=("created_at", "id"),
            )
        )
        .values("rows")
    )
    return Subquery(events, output_field=_FoldedEvents())


def _latest_payment_json() -> Subquery:
    latest = (
        Payment.objects.filter(order=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values(
            data=JSONObject(
                id="id",
                order_id="order_id",
                amount=Cast("amount", TextField()),
                status="status",
                payment_method="payment_method",
                transaction_id="transaction_id",
                payment_details="payment_details",
                refunded_amount=Cast("refunded_amount", TextField()),
                created_at="created_at",
                updated_at="updated_at",
            )
        )[:1]
    )
    return Subquery(latest, output_field=_FoldedPayments())


def order_items_for_display(now: datetime | None = None) -> QuerySet[OrderItem]:
    """Items with their product and its stock figures (`product_reserved`, `product_available`)."""
    reserved = inventory.reserved_expression(now, product_ref="product_id")
    return (
        OrderItem.objects.select_related("product")
        .annotate(
            product_reserved=reserved,
            product_available=inventory.available_expression(
                reserved, stock_quantity="product__stock_quantity"
            ),
        )
        .order_by("created_at", "id")
    )


def orders_for_display(
    queryset: QuerySet[Order] | None = None,
    *,
    with_user: bool = False,
    json_folding: bool | None = None,
    with_items: bool = True,
) -> QuerySet[Order]:
    """`queryset` (default: all orders) with what an Order (or, `with_user`, AdminOrder) answer needs.

    `json_folding` (default: whether the database is PostgreSQL) chooses the path (module docstring).
    `with_items=False` leaves the items to the caller (`order_detail` reads them with `_ORDER_ITEMS`)."""
    orders = Order.objects.all() if queryset is None else queryset
    if json_folding is None:
        json_folding = connection.vendor == "postgresql"
    if json_folding:
        orders = orders.annotate(status_events=_history_json(), latest_payments=_latest_payment_json())
    else:
        orders = orders.prefetch_related(
            Prefetch(
                "events", queryset=OrderEvent.objects.order_by("created_at", "id"), to_attr="status_events"
            ),
            Prefetch(
                "payments",
                queryset=Payment.objects.order_by("-created_at", "-id")[:1],
                to_attr="latest_payments",
            ),
        )
    if with_user:
        orders = orders.annotate(user_email=F("user__email"))
    if not with_items:
        return orders
    return orders.prefetch_related(Prefetch("items", queryset=order_items_for_display()))


def order_status_from_query(value: str | None) -> str | None:
    """E22's `status` filter: an order status in any case (trimmed), else None: any other value is
    ignored (API.md §4.6), a NUL character included."""
    status = (value or "").strip().lower()
    return status if status in OrderStatus.values else None


def order_list_for_user(*, user: Any, status: str | None = None) -> QuerySet[Order]:
    """E22: the caller's own orders (only those in `status` when given), newest first, ready to serialize."""
    orders = Order.objects.filter(user_id=user.pk)
    if status is not None:
        orders = orders.filter(status=status)
    return orders_for_display(orders.order_by("-created_at", "-id"))


def order_list_for_admin() -> QuerySet[Order]:
    """Every order, newest first, ready for AdminOrder (E36/E37 filter and slice it)."""
    return orders_for_display(Order.objects.order_by("-created_at", "-id"), with_user=True)


def order_search_for_admin(
    *, status: str | None = None, search: str | None = None, since: datetime | None = None
) -> QuerySet[Order]:
    """E36/E37: `order_list_for_admin` filtered. `status` is exact (a value that is not a status matches
    nothing); `search` is a case-insensitive substring of the order number or the owner's email (`%`,
    `_` and `\\` literal); `since` keeps orders created at or after it (`range_days`)."""
    orders = order_list_for_admin()
    if status is not None:
        if status not in OrderStatus.values:
            return orders.none()
        orders = orders.filter(status=status)
    if search is not None:
        orders = orders.filter(Q(order_number__icontains=search) | Q(user__email__icontains=search))
    if since is not None:
        orders = orders.filter(created_at__gte=since)
    return orders


def _order_for_display(*, order_id: Any, user_id: Any, with_user: bool) -> QuerySet[Order]:
    orders = Order.objects.filter(pk=order_id)
    if user_id is not None:
        orders = orders.filter(user_id=user_id)
    return orders_for_display(orders, with_user=with_user, with_items=False)[:1]


def _order_items(*, order_id: Any, now: datetime) -> QuerySet[OrderItem]:
    return order_items_for_display(now).filter(order_id=order_id)


# Compiled once per process: the checkout's answer and E24/E38 read one order with these two queries.
_ORDER_FOR_DISPLAY = Statement(_order_for_display)
_ORDER_ITEMS = Statement(_order_items)


def order_detail(*, order_id: Any, user: Any = None, with_user: bool = False) -> Order:
    """One order ready to serialize (as `orders_for_display` gives it); with `user`, only that user's
    order unless they are an admin.

    Raises `NotFound("Order")` (another user's order is not found, never forbidden)."""
    owner_id = user.pk if user is not None and not user.is_admin else None
    found = _ORDER_FOR_DISPLAY.fetch(order_id=order_id, user_id=owner_id, with_user=with_user)
    if not found:
        raise NotFound("Order")
    order = found[0]
    attach_prefetched(order, "items", _ORDER_ITEMS.fetch(order_id=order.pk, now=timezone.now()))
    return order


def order_after_checkout(*, order: Order) -> Order:
    """E21's answer: the order `orders.checkout.order_checkout` returned, ready to serialize. One it
    returned with its history and payment (`status_events`, `latest_payments`: nothing else changed it
    since it was placed) gets its items read, with the products' stock as it now is (one query); any
    other is read back whole (`order_detail`)."""
    if not (hasattr(order, "status_events") and hasattr(order, "latest_payments")):
        return order_detail(order_id=order.pk)
    attach_prefetched(order, "items", _ORDER_ITEMS.fetch(order_id=order.pk, now=timezone.now()))
    return order


def order_for_caller(*, order_id: Any, user: Any) -> Order:
    """E24: the caller's order (any order for an admin), with `user_email` for an admin's AdminOrder."""
    return order_detail(order_id=order_id, user=user, with_user=user.is_admin)


def order_detail_for_admin(*, order_id: Any) -> Order:
    """E38: any order, ready for AdminOrder."""
    return order_detail(order_id=order_id, with_user=True)


def order_exists_for_caller(*, order_id: Any, user: Any) -> bool:
    orders = Order.objects.filter(pk=order_id)
    if not user.is_admin:
        orders = orders.filter(user_id=user.pk)
    return orders.exists()


def payment_latest_for_order(*, order_id: Any, user: Any) -> Payment:
    """E23: the latest payment of the caller's order (any order for an admin).

    `Order not found` for an unknown or foreign order, `Payment not found` when it has none yet."""
    if not order_exists_for_caller(order_id=order_id, user=user):
        raise NotFound("Order")
    payment = payment_selectors.payment_latest(order_id=order_id)
    if payment is None:
        raise NotFound("Payment")
    return payment


def unpaid_card_orders(*, older_than_minutes: int, now: datetime | None = None) -> QuerySet[Order]:
    """`pending` card orders created more than the given minutes ago without a successful payment."""
    cutoff = (now or timezone.now()) - timedelta(minutes=older_than_minutes)
    paid = Payment.objects.filter(order=OuterRef("pk"), status__in=SUCCESSFUL_STATUSES)
    return (
        Order.objects.filter(
            status=OrderStatus.PENDING, payment_method__in=CARD_METHODS, created_at__lt=cutoff
        )
        .filter(~Exists(paid))
        .order_by("created_at", "id")
    )


def inventory_problems(now: datetime | None = None) -> list[str]:
    """Broken invariants for `check_inventory`, one human line each (empty when all is well)."""
    problems: list[str] = []
    for sku, stock_quantity in (
        Product.objects.filter(stock_quantity__lt=0).order_by("sku").values_list("sku", "stock_quantity")
    ):
        problems.append(f"Product {sku}: negative stock_quantity {stock_quantity}")
    for product in inventory.overcommitted_products(now).filter(reserved__gt=0):  # not negative stock again
        problems.append(
            f"Product {product.sku}: active reservations {product.reserved} exceed "
            f"stock_quantity {product.stock_quantity}"
        )
    items_total = subquery_sum(
        OrderItem.objects.filter(order=OuterRef("pk")), F("quantity") * F("price_at_time"), per="order"
    )
    mismatched = (
        Order.objects.annotate(items_total=items_total)
        .filter(~Q(items_total=F("total_amount")) | Q(items_total__isnull=True, total_amount__gt=0))
        .order_by("order_number")
        .values_list("order_number", "total_amount", "items_total")
    )
    for order_number, total_amount, items_sum in mismatched:
        problems.append(
            f"Order {order_number}: total_amount {total_amount} differs from items total {items_sum or 0}"
        )
    doubly_paid = (
        Order.objects.annotate(paid=Count("payments", filter=Q(payments__status__in=SUCCESSFUL_STATUSES)))
        .filter(paid__gt=1)
        .order_by("order_number")
        .values_list("order_number", "paid")
    )
    for order_number, paid in doubly_paid:
        problems.append(f"Order {order_number}: {paid} successful payments")
    problems.extend(refund_problems())
    return problems


def refund_problems() -> list[str]:
    """Payments whose `refunded_amount` is not the sum of their succeeded refunds, and refunds that
    failed for good (staff retry them in the Django admin)."""
    succeeded = (
        Refund.objects.filter(payment=OuterRef("pk"), status=RefundStatus.SUCCEEDED)
        .order_by()
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    disagreeing = (
        Payment.objects.annotate(succeeded=Subquery(succeeded))
        .filter(~Q(succeeded=F("refunded_amount")) | Q(succeeded__isnull=True, refunded_amount__gt=0))
        .order_by("transaction_id")
        .values_list("transaction_id", "order__order_number", "refunded_amount", "succeeded")
    )
    problems = [
        f"Payment {txn} (order {number}): refunded_amount {refunded} differs from succeeded refunds "
        f"{total or 0}"
        for txn, number, refunded, total in disagreeing
    ]
    failed = (
        Refund.objects.filter(status=RefundStatus.FAILED)
        .order_by("created_at")
        .values_list("payment__transaction_id", "amount", "attempts", "last_error")
    )
    problems.extend(
        f"Payment {txn}: refund of {amount} failed after {attempts} attempts ({error})"
        for txn, amount, attempts, error in failed
    )
    return problems


#: The columns of `order_export_rows`, in order (the Django admin's CSV export of orders).
ORDER_EXPORT_COLUMNS = (
    "order_number",
    "created_at",
    "customer",
    "status",
    "payment_method",
    "payment_status",
    "total_amount",
    "refunded",
    "units",
)


def order_export_rows(orders: QuerySet[Order]) -> QuerySet:
    """`orders` (filtered and ordered by the caller) as tuples of `ORDER_EXPORT_COLUMNS`, one query: the
    latest payment's status, the amount refunded over all payments and the units ordered are correlated
    subqueries, so the rows can be streamed with `.iterator()`."""
    payments = Payment.objects.filter(order=OuterRef("pk"))
    return orders.annotate(
        customer=F("user__email"),
        payment_status=Subquery(payments.order_by("-created_at", "-id").values("status")[:1]),
        refunded=subquery_sum(payments, "refunded_amount", per="order"),
        units=subquery_sum(OrderItem.objects.filter(order=OuterRef("pk")), "quantity", per="order"),
    ).values_list(*ORDER_EXPORT_COLUMNS)
