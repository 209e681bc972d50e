"""Order writes: cancel (E25), admin status change (E39), card payment results and retries (E21 step 12,
E26), and the cancellation of unpaid card orders. Checkout itself is `orders/checkout.py`.

Every status change goes through `orders.transitions` (one table, one guarded function).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from orders import selectors
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from orders.transitions import (
    Trigger,
    is_allowed,
    is_repeat,
    lock_order,
    order_transition,
    transition_error,
    transition_locked,
)
from payments import selectors as payment_selectors
from payments import services as payments
from payments.gateways import ChargeResult
from payments.models import REFUNDABLE_STATUSES, Payment, PaymentMethod, PaymentStatus
from shop.exceptions import AlreadyPaid, InvalidTransition, NotFound, PaymentNotAllowed

ORDER_NOT_CANCELLABLE = "order cannot be cancelled at this stage"
COD_PAID_ON_DELIVERY = "cash on delivery orders are paid on delivery"
ORDER_NOT_PAYABLE = "order cannot be paid at this stage"
PAYMENT_CAPTURED_NOTE = "payment captured"
UNPAID_NOTE = "unpaid"


def order_cancel(*, order_id: Any, user: Any) -> Order:
    """E25: the owner (or an admin) cancels a `pending` or `processing` order.

    Stock comes back and a captured payment is refunded by the state machine, exactly once: the order's
    row lock serializes concurrent cancels and the losers find it `cancelled` (409).
    """
    with transaction.atomic():
        order = lock_order(order_id, owner_id=None if user.is_admin else user.pk)
        trigger = Trigger.STAFF if user.is_admin else Trigger.OWNER
        try:
            transition_locked(order=order, to_status=OrderStatus.CANCELLED, trigger=trigger, actor=user)
        except InvalidTransition as exc:
            raise InvalidTransition(ORDER_NOT_CANCELLABLE) from exc
    payments.refunds_settle(order_id=order.pk)
    return order


def order_status_set(*, order_id: Any, status: str, actor: Any, note: str = "") -> Order:
    """E39 (and the Django admin actions): an admin moves an order through the state machine.

    The current status asked again is a no-op without an event (checked first, under the lock);
    anything the table refuses is `409 invalid_transition` with
    `invalid status transition from <from> to <to>`, and nothing changes.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        if is_repeat(order.status, status):
            return order
        transition_locked(order=order, to_status=status, trigger=Trigger.STAFF, actor=actor, note=note)
    if order.status == OrderStatus.CANCELLED:
        payments.refunds_settle(order_id=order.pk)
    return order


@dataclass(frozen=True)
class RecordedPayment:
    """What recording a charge did: the payment as recorded, the order's row as locked (with the move
    applied) and the move's event when the charge moved it to `processing`. `was_pending`: the order was
    still `pending` under the lock, so nothing but this charge has changed it since it was placed (no
    move leads back to `pending`, and no other payment can start while this one is live)."""

    payment: Payment
    order: Order
    was_pending: bool
    move: OrderEvent | None = None


def order_payment_record(*, order_id: Any, payment: Payment, result: ChargeResult) -> RecordedPayment:
    """Record a card charge (checkout, E26) under the order's lock: approved, a `pending` order moves to
    `processing` (one cancelled meanwhile gets a refund recorded here, asked of the gateway right after
    commit); declined, the payment is `failed` with its `decline_code` and the order stays `pending`."""
    refund = move = None
    with transaction.atomic():
        order = lock_order(order_id)
        was_pending = order.status == OrderStatus.PENDING
        payments.payment_record_result(payment=payment, result=result)
        if result.approved:
            if was_pending:
                move = transition_locked(
                    order=order,
                    to_status=OrderStatus.PROCESSING,
                    trigger=Trigger.SYSTEM,
                    actor=None,
                    note=PAYMENT_CAPTURED_NOTE,
                )
            else:
                refund = payments.payment_refund(payment=payment, amount=payment.amount)
    if refund is not None:
        payments.refunds_settle(order_id=order.pk)
        payment.refresh_from_db()
    return RecordedPayment(payment=payment, order=order, was_pending=was_pending, move=move)


def order_payment_retry(*, order_id: Any, user: Any, method: str, token: str | None) -> Payment:
    """E26: charge an unpaid card order again. Checks, in order: the caller's order (404, admins
    included); no successful or in-flight payment (`already_paid`); not COD and still `pending`
    (`payment_not_allowed`). The pending payment row is written under the order lock (the partial unique
    constraint backs it up), the gateway is called after commit, and the result recorded as at checkout.
    Concurrent retries: one creates the pending payment, the others get `already_paid`.
    """
    with transaction.atomic(durable=True):
        order = lock_order(order_id, owner_id=user.pk)  # admins included: only the owner pays
        live = payment_selectors.live_payment_of(order.pk)
        if live is not None:
            raise AlreadyPaid(
                payments.PAYMENT_IN_PROGRESS
                if live.status == PaymentStatus.PENDING
                else payments.PAYMENT_EXISTS
            )
        if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
            raise PaymentNotAllowed(COD_PAID_ON_DELIVERY)
        if order.status != OrderStatus.PENDING:
            raise PaymentNotAllowed(ORDER_NOT_PAYABLE)
        payment = payments.payment_create_pending(order_id=order.pk, amount=order.total_amount, method=method)
    result = payments.payment_charge(payment=payment, token=token)
    return order_payment_record(order_id=order.pk, payment=payment, result=result).payment


def orders_cancel_unpaid(
    *, older_than_minutes: int, dry_run: bool = False, now: datetime | None = None
) -> int:
    """`cancel_unpaid_orders`: cancel `pending` card orders older than the given minutes without a successful
    payment (system moves, note `unpaid`), each in its own transaction; one paid or cancelled meanwhile is
    skipped. Returns how many were (or, with `dry_run`, would be) cancelled."""
    candidates = selectors.unpaid_card_orders(
        older_than_minutes=older_than_minutes, now=now or timezone.now()
    )
    if dry_run:
        return candidates.count()
    cancelled = 0
    for order_id in list(candidates.values_list("pk", flat=True)):  # unpaid: nothing to refund
        try:
            order_transition(
                order_id=order_id,
                to_status=OrderStatus.CANCELLED,
                trigger=Trigger.SYSTEM,
                actor=None,
                note=UNPAID_NOTE,
            )
        except (InvalidTransition, NotFound):
            continue
        cancelled += 1
    return cancelled


@dataclass
class CancelPreview:
    """What cancelling one order will do: refusal, stock to restore, refund."""

    order: Order
    refusal: str = ""  # why the state machine will refuse it ("" when it will be cancelled)
    already: bool = False  # already cancelled: nothing will happen
    restock: list[OrderItem] = field(default_factory=list)
    refund: Decimal = Decimal("0.00")
    refund_payment: Payment | None = None

    @property
    def will_cancel(self) -> bool:
        return not self.refusal and not self.already


def order_cancel_preview(order: Order) -> CancelPreview:
    """What a staff cancellation of `order` would do (items and payments prefetched), read from the same
    state table and refund rule as `order_status_set`; for the Django admin's confirmation page."""
    if is_repeat(order.status, OrderStatus.CANCELLED):
        return CancelPreview(order=order, already=True)
    if not is_allowed(order.status, OrderStatus.CANCELLED, Trigger.STAFF):
        return CancelPreview(order=order, refusal=transition_error(order.status, OrderStatus.CANCELLED).error)
    plan = CancelPreview(order=order, restock=list(order.items.all()))
    for payment in order.payments.all():
        if payment.status in REFUNDABLE_STATUSES:
            plan.refund_payment = payment
            plan.refund = payments.refund_room(payment)
    return plan
