"""Checkout (API.md §5.3): the caller's cart becomes an order.

Steps 1–10 are one transaction (cart locked, then its products in id order; stock checked against other
carts' holds and taken in one update; order, items, a card's pending payment and the first event written,
and the cart emptied, in one round trip). A card is then charged outside any transaction and the result recorded by `order_payment_record`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from cart.models import CartItem
from cart.selectors import line_quantity
from cart.services import cart_empty_statements, cart_lock_for_user
from catalog import inventory
from catalog.models import Product
from orders.models import Order, OrderEvent, OrderItem, OrderStatus, full_address
from orders.services import order_payment_record
from payments import services as payments
from payments.models import CARD_METHODS, Payment
from shop import events
from shop.exceptions import CartEmpty
from shop.fields import to_money
from shop.statements import Statement, insert_together


def refuse_first_short_line(products: dict[Any, Product], lines, *, cart_id: Any, now) -> None:
    """Raise `InsufficientStock` for the first line (product-id order) that cannot be served."""
    available = inventory.available_map(products, cart_id=cart_id, now=now)
    for product_id, quantity in lines:
        product = products[product_id]
        free = available.get(product_id, 0)
        error = inventory.shortage_message(product, free)
        inventory.check_available(product, quantity, cart_id=cart_id, available=free, error=error)
    raise RuntimeError("stock deduction refused although every line is available")  # pragma: no cover


def _lock_cart_products(*, cart_id: Any):
    """`inventory.lock_products` of the cart's products, each with `line_quantity` (its line's)."""
    return inventory.locking_queryset(
        CartItem.objects.filter(cart_id=cart_id).values("product_id"), line_quantity=line_quantity(cart_id)
    )


_LOCK_CART_PRODUCTS = Statement(_lock_cart_products)


@dataclass(frozen=True)
class PlacedOrder:
    """What the first transaction wrote: the order, its creation event and, for a card, its pending
    payment."""

    order: Order
    event: OrderEvent
    payment: Payment | None


def order_checkout(
    *,
    user: Any,
    payment_method: str,
    shipping_address: dict[str, Any],
    billing_address: dict[str, Any] | None = None,
    payment_token: str | None = None,
) -> Order:
    """Run the checkout of `user`'s cart (E21). Returns the order as written; answer it through
    `orders.selectors.order_after_checkout`. When nothing but its own payment step has changed the order
    since its transaction (always for cash on delivery; for a card, unless it was cancelled before the
    charge was recorded), it carries its history and its payment as `orders_for_display` gives them
    (`status_events`, `latest_payments`), so only its items are read back.

    A card's pending payment draws a random transaction id; when that one is taken, the transaction
    rolls back and runs again with another.

    Raises `CartEmpty` (400) or `InsufficientStock` (409, the first failing line in product-id order,
    with `Insufficient stock for <name>. Available: <n>` or `<name> is no longer available`).
    """
    placed = payments.with_fresh_transaction_id(
        lambda: place_order(
            user=user,
            payment_method=payment_method,
            shipping_address=shipping_address,
            billing_address=billing_address,
        )
    )
    if placed.payment is None:
        placed.order.status_events = [placed.event]
        placed.order.latest_payments = []
        return placed.order
    result = payments.payment_charge(payment=placed.payment, token=payment_token or None)
    recorded = order_payment_record(order_id=placed.order.pk, payment=placed.payment, result=result)
    order = recorded.order
    if recorded.was_pending:  # nothing else has changed it since it was placed
        order.status_events = [placed.event, *([recorded.move] if recorded.move else [])]
        order.latest_payments = [recorded.payment]
    return order


def place_order(
    *,
    user: Any,
    payment_method: str,
    shipping_address: dict[str, Any],
    billing_address: dict[str, Any] | None = None,
) -> PlacedOrder:
    """Steps 1–10 of §5.3 in one transaction."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        # 1. The cart row, created on first use, locked until commit (and its `updated_at` bumped).
        cart = cart_lock_for_user(user=user)
        # 2–3. The products of its lines, locked in ascending id order, each with its line's quantity
        # (the cart row is locked, so its lines cannot change under us).
        products = {product.pk: product for product in _LOCK_CART_PRODUCTS.fetch(cart_id=cart.pk)}
        if not products:
            raise CartEmpty()
        lines = [(product_id, product.line_quantity) for product_id, product in products.items()]
        # 4–5. Every line against stock minus what other carts actively hold, and the stock taken, in one
        # all-or-nothing F() update; when a line is short, the first one (in product-id order) is named.
        if not inventory.deduct_if_available(lines, cart_id=cart.pk, now=now):
            refuse_first_short_line(products, lines, cart_id=cart.pk, now=now)
        # 6. The order, its total exact in Decimal.
        total = to_money(sum((products[pid].price * quantity for pid, quantity in lines), Decimal("0")))
        shipping = full_address(shipping_address)
        order = Order(
            user=user,
            total_amount=total,
            status=OrderStatus.PENDING,
            payment_method=payment_method,
            shipping_address=shipping,
            billing_address=full_address(billing_address) if billing_address else dict(shipping),
            created_at=now,
        )
        # 7. The items, with the product's price, name and SKU as they are now.
        items = [
            OrderItem(
                order=order,
                product_id=product_id,
                quantity=quantity,
                price_at_time=products[product_id].price,
                product_name=products[product_id].name,
                product_sku=products[product_id].sku,
                created_at=now,
            )
            for product_id, quantity in lines
        ]
        # 8. The creation event, by the customer.
        event = OrderEvent(
            order=order, from_status=None, to_status=OrderStatus.PENDING, actor=user, created_at=now
        )
        # 9. For a card, the pending payment of the whole total.
        payment = None
        if payment_method in CARD_METHODS:
            payment = payments.payment_pending_for_new_order(
                order_id=order.pk, amount=total, method=payment_method
            )
        # 10. The cart emptied: lines and reservations. Order, items, payment and event are written, and
        # the cart emptied, in one round trip.
        insert_together(
            [order], items, *([[payment]] if payment else []), [event], along=cart_empty_statements(cart=cart)
        )
        # Side effects (emails, webhooks) recorded by the subscribers in this transaction.
        events.publish(events.ORDER_CREATED, order_id=order.pk)
        for product_id in inventory.fell_to_low_stock(products, lines):
            events.publish(events.PRODUCT_STOCK_LOW, product_id=product_id)
    return PlacedOrder(order=order, event=event, payment=payment)
