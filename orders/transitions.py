"""The order state machine (API.md §5.4): one table of allowed moves and one guarded function.

Every caller moves an order through `order_transition` (or `transition_locked` under its own lock of the
order): table checked, status saved, `OrderEvent` (and a staff audit entry) written, side effects run
(cancel: restock and refund; delivered/completed: a COD payment) and `order.status_changed` (and
`order.cancelled`) published for the subscribers (emails, webhooks), all in the same transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog import inventory
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import PaymentMethod, Refund
from shop import events
from shop.audit import audit_log
from shop.exceptions import InvalidTransition, NotFound
from shop.statements import Statement, Update, insert_together


class Trigger(StrEnum):
    """Who may trigger a move (API.md §5.4's third column)."""

    STAFF = "staff"  # an admin: E39, E25 by an admin, Django admin actions
    OWNER = "owner"  # the customer who owns the order: E25
    SYSTEM = "system"  # the service itself: payment capture, cancel_unpaid_orders
    RETURN = "return"  # the returns services: request, approve, reject


#: (from, to) → who may trigger it. Every pair not listed is refused.
ALLOWED_MOVES: dict[tuple[str, str], frozenset[Trigger]] = {
    (OrderStatus.PENDING, OrderStatus.PROCESSING): frozenset({Trigger.STAFF, Trigger.SYSTEM}),
    (OrderStatus.PENDING, OrderStatus.CANCELLED): frozenset({Trigger.OWNER, Trigger.STAFF, Trigger.SYSTEM}),
    (OrderStatus.PROCESSING, OrderStatus.SHIPPED): frozenset({Trigger.STAFF}),
    (OrderStatus.PROCESSING, OrderStatus.DELIVERED): frozenset({Trigger.STAFF}),
    (OrderStatus.PROCESSING, OrderStatus.COMPLETED): frozenset({Trigger.STAFF}),
    (OrderStatus.PROCESSING, OrderStatus.CANCELLED): frozenset({Trigger.OWNER, Trigger.STAFF}),
    (OrderStatus.SHIPPED, OrderStatus.DELIVERED): frozenset({Trigger.STAFF}),
    (OrderStatus.SHIPPED, OrderStatus.COMPLETED): frozenset({Trigger.STAFF}),
    (OrderStatus.DELIVERED, OrderStatus.COMPLETED): frozenset({Trigger.STAFF}),
    (OrderStatus.DELIVERED, OrderStatus.RETURN_REQUESTED): frozenset({Trigger.RETURN}),
    (OrderStatus.COMPLETED, OrderStatus.RETURN_REQUESTED): frozenset({Trigger.RETURN}),
    (OrderStatus.RETURN_REQUESTED, OrderStatus.REFUNDED): frozenset({Trigger.RETURN}),
    (OrderStatus.RETURN_REQUESTED, OrderStatus.DELIVERED): frozenset({Trigger.RETURN}),
    (OrderStatus.RETURN_REQUESTED, OrderStatus.COMPLETED): frozenset({Trigger.RETURN}),
}


def moves_from(from_status: str, trigger: Trigger) -> list[str]:
    """The statuses `trigger` may move an order to from `from_status`, in the table's order (the buttons
    on an order's Django admin page)."""
    return [to for (frm, to), triggers in ALLOWED_MOVES.items() if frm == from_status and trigger in triggers]


def is_allowed(from_status: str, to_status: str, trigger: Trigger) -> bool:
    return trigger in ALLOWED_MOVES.get((from_status, to_status), frozenset())


def is_repeat(from_status: str, to_status: str) -> bool:
    """Asking a staff move to the status the order already has is a no-op (no event, no side effect),
    as E39 and the Django admin treat it; other triggers get the table's refusal."""
    return from_status == to_status


def transition_error(from_status: str, to_status: str) -> InvalidTransition:
    return InvalidTransition(f"invalid status transition from {from_status} to {to_status}")


def _locked_order(*, order_id: Any, owner_id: Any = None) -> QuerySet[Order]:
    orders = Order.objects.select_for_update().filter(pk=order_id)
    if owner_id is not None:
        orders = orders.filter(user_id=owner_id)
    return orders[:1]


_LOCK_ORDER = Statement(_locked_order)  # every move and payment record: compiled once per process


def lock_order(order_id: Any, *, owner_id: Any = None) -> Order:
    """The order's row, locked for the rest of the transaction (404 when unknown or, with `owner_id`,
    another user's: that order's row is then never locked; an id that is not a UUID is unknown)."""
    try:
        order_id = order_id if isinstance(order_id, UUID) else UUID(str(order_id))
    except ValueError:
        raise NotFound("Order") from None
    found = _LOCK_ORDER.fetch(order_id=order_id, owner_id=owner_id)
    if not found:
        raise NotFound("Order")
    return found[0]


def order_transition(
    *, order_id: Any, to_status: str, trigger: Trigger, actor: Any = None, note: str = ""
) -> Order:
    """Move an order, in its own transaction. Raises `InvalidTransition` (nothing changes) when refused."""
    with transaction.atomic():
        order = lock_order(order_id)
        move = transition_locked(order=order, to_status=to_status, trigger=trigger, actor=actor, note=note)
    return move.order


def _order_move(*, order_id: Any, status: str, updated_at, delivered_at=None) -> Update:
    values = {"status": status, "updated_at": updated_at}
    if delivered_at is not None:
        values["delivered_at"] = delivered_at
    return Update(Order.objects.filter(pk=order_id), **values)


_ORDER_MOVE = Statement(_order_move)  # every move: compiled once per process (with and without delivered_at)


def transition_locked(
    *, order: Order, to_status: str, trigger: Trigger, actor: Any = None, note: str = ""
) -> OrderEvent:
    """Move an order whose row the caller has locked inside its transaction; returns the move's event.
    The order's new status and its event are written in one round trip."""
    from_status = order.status
    if not is_allowed(from_status, to_status, trigger):
        raise transition_error(from_status, to_status)
    now = timezone.now()
    delivered_at = now if to_status == OrderStatus.DELIVERED and order.delivered_at is None else None
    order.status, order.updated_at = to_status, now
    if delivered_at is not None:
        order.delivered_at = delivered_at
    event = OrderEvent(
        order=order,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note or "",
        created_at=now,
    )
    move = _ORDER_MOVE.sql(order_id=order.pk, status=to_status, updated_at=now, delivered_at=delivered_at)
    insert_together([event], along=move)
    audit_log(actor=actor, obj=order, changes={"status": (from_status, to_status)}, extra={"note": note})
    refund = _run_side_effects(order, from_status, to_status, actor=actor)
    events.publish(
        events.ORDER_STATUS_CHANGED, order_id=order.pk, from_status=from_status, to_status=to_status
    )
    if to_status == OrderStatus.CANCELLED:
        events.publish(events.ORDER_CANCELLED, order_id=order.pk, refund_id=refund.pk if refund else None)
    return event


def _run_side_effects(order: Order, from_status: str, to_status: str, *, actor: Any) -> Refund | None:
    """The move's writes; returns the refund a cancellation recorded, if any."""
    if to_status == OrderStatus.CANCELLED:
        items = OrderItem.objects.filter(order=order).values_list("product_id", "quantity")
        inventory.restock(list(items))
        return payments.payment_refund_remainder(order_id=order.pk, actor=actor)
    if to_status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) and from_status in (
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
    ):
        _create_cod_payment_if_missing(order)
    return None


def _create_cod_payment_if_missing(order: Order) -> None:
    if order.payment_method != PaymentMethod.CASH_ON_DELIVERY:
        return
    if payment_selectors.has_captured_payment(order.pk):
        return
    payments.payment_create_cod(order_id=order.pk, amount=order.total_amount)
