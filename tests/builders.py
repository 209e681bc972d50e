"""Order builders shared by the tests, made with the factories (no checkout, no cart services).

- `make_order`: an order with a stated total and age, for the analytics and admin listings;
- `order_with_lines`: an order whose total is the sum of its items, optionally with its first event and a
  completed payment; `order_with_item` and `delivered_order` are its one-line and delivered cases.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import OrderStatus
from payments.models import PaymentMethod
from tests.factories import OrderEventFactory, OrderFactory, OrderItemFactory, PaymentFactory, ProductFactory


def ago(days: float = 0, **kwargs: float):
    return timezone.now() - timedelta(days=days, **kwargs)


def make_order(status, total="0.00", *, user=None, days_ago: float = 0, items=(), **fields):
    """An order created `days_ago` days ago with (product, quantity, unit price) items."""
    extra = {"user": user} if user is not None else {}
    order = OrderFactory(
        status=status, total_amount=Decimal(total), created_at=ago(days_ago), **extra, **fields
    )
    for product, quantity, price in items:
        OrderItemFactory(order=order, product=product, quantity=quantity, price_at_time=Decimal(price))
    return order


def order_with_lines(
    user=None,
    *,
    lines=(("10.00", 2),),
    stock: int = 5,
    event: bool = False,
    paid: bool = False,
    **order_fields,
):
    """An order (of `user`, or of a new user) with one item per (price, quantity[, product stock]) line, each
    of its own product holding `stock` units unless the line says; its total their sum; then (when `event`)
    its first status event and (when `paid`) a completed payment of that total with the order's method.
    Returns (order, items, payment or None)."""
    if user is not None:
        order_fields["user"] = user
    order = OrderFactory(**order_fields)
    items = []
    for price, quantity, *line_stock in lines:
        product = ProductFactory(price=Decimal(price), stock_quantity=line_stock[0] if line_stock else stock)
        items.append(OrderItemFactory(order=order, product=product, quantity=quantity))
    order.total_amount = sum((item.price_at_time * item.quantity for item in items), Decimal("0"))
    order.save(update_fields=["total_amount"])
    if event:
        OrderEventFactory(order=order)
    payment = PaymentFactory(order=order) if paid else None
    return order, items, payment


def order_with_item(user, *, status=OrderStatus.PENDING, quantity=2, stock=5, price="10.00", **fields):
    """A `status` order of `user` with one item and its first event, unpaid. Returns (order, item)."""
    order, [item], _ = order_with_lines(
        user, lines=((price, quantity),), stock=stock, event=True, status=status, **fields
    )
    return order, item


def delivered_order(
    user,
    *,
    lines: tuple[tuple[str, int], ...] = (("10.00", 2), ("5.50", 1)),
    method: str = PaymentMethod.CREDIT_CARD,
    paid: bool = True,
    status: str = OrderStatus.DELIVERED,
    stock: int = 5,
    **order_fields,
):
    """A delivered order of `user` (items 2 × 10.00 and 1 × 5.50 unless `lines` says), its products holding
    `stock` units, and (when `paid`) a completed payment of the order total with the order's method.
    Returns (order, items, payment or None)."""
    return order_with_lines(
        user,
        lines=lines,
        stock=stock,
        paid=paid,
        delivered=True,
        payment_method=method,
        status=status,
        **order_fields,
    )
