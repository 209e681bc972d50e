"""Order fixtures for the returns tests, built with the factories (no dependency on checkout)."""

from __future__ import annotations

from decimal import Decimal

from orders.models import OrderStatus
from payments.gateways.mock import MockGateway
from payments.models import PaymentMethod
from tests.factories import OrderFactory, OrderItemFactory, PaymentFactory, ProductFactory

SPY_GATEWAY = "tests.returns.builders.SpyGateway"


class SpyGateway(MockGateway):
    """The mock gateway, recording every refund asked of it (shared across threads)."""

    refunds: list[tuple] = []

    def refund(self, payment, amount: Decimal) -> None:
        SpyGateway.refunds.append((payment.pk, amount))


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
    """A delivered order of `user` with one item per (price, quantity) line, its products holding `stock`
    units, and (when `paid`) a completed payment of the order total with the order's method."""
    order = OrderFactory(user=user, delivered=True, payment_method=method, status=status, **order_fields)
    items = [
        OrderItemFactory(
            order=order, product=ProductFactory(price=Decimal(price), stock_quantity=stock), quantity=qty
        )
        for price, qty in lines
    ]
    order.total_amount = sum((item.price_at_time * item.quantity for item in items), Decimal("0"))
    order.save(update_fields=["total_amount"])
    payment = PaymentFactory(order=order) if paid else None
    return order, items, payment
