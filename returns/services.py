"""Returns and refunds (API.md §4.8, §4.12, §5.6): a customer's request, an admin's one decision.

Every order move goes through `orders.transitions` and every stock change through `catalog.inventory`;
refunds are recorded through `payments.services` and asked of the gateway after commit. Lock order, everywhere: the order
row first, then the return row, so a request and a decision on one order never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from catalog import inventory
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from orders.transitions import Trigger, lock_order, transition_locked
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import REFUNDABLE_STATUSES, Payment
from returns.models import Return, ReturnItem, ReturnStatus
from shop import events
from shop.audit import audit_log
from shop.exceptions import InvalidTransition, NotFound, ReturnNotAllowed, ValidationFailed
from shop.fields import to_money

RETURN_ALREADY_REQUESTED = "return already requested for this order"
ORDER_NOT_RETURNABLE = "order cannot be returned at this stage"
RETURN_PERIOD_EXPIRED = "return period has expired"
RETURN_ALREADY_PROCESSED = "return has already been processed"
PROCESS_FAILED = "Failed to process return"

ITEM_NOT_IN_ORDER = "This item is not part of the order."
ITEM_FULLY_RETURNED = "Every unit of this item has already been returned."
QUANTITY_TOO_HIGH = "Ensure this value is less than or equal to {limit}."
REFUND_TOO_HIGH = "Ensure this value is less than or equal to {limit}."

#: Order statuses from which a return may be requested.
RETURNABLE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
#: The partial unique index "one `requested` return per order" (returns/models.py).
ONE_OPEN_RETURN_CONSTRAINT = "return_one_open_per_order"


def return_window_end(order: Order):
    """The last moment a return may be requested: `delivered_at` (or `created_at`) + RETURN_WINDOW_DAYS."""
    start = order.delivered_at or order.created_at
    return start + timedelta(days=settings.RETURN_WINDOW_DAYS)


def has_open_return(order_id: Any) -> bool:
    return Return.objects.filter(order_id=order_id, status=ReturnStatus.REQUESTED).exists()


def returned_quantities(order_id: Any) -> dict[Any, int]:
    """Order item id → units already returned, i.e. Σ over the order's `approved` returns (API.md §5.6)."""
    rows = (
        ReturnItem.objects.filter(
            return_request__order_id=order_id, return_request__status=ReturnStatus.APPROVED
        )
        .values("order_item_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_item_id", "total")
    )
    return dict(rows)


def return_request(
    *,
    user: Any,
    order_id: Any,
    reason: str,
    notes: str = "",
    items: Iterable[Mapping[str, Any]] | None = None,
) -> Return:
    """E28: open a return for (part of) one of `user`'s orders and move the order to `return_requested`.

    `items` is `[{order_item_id, quantity}]` (`quantity` None = the rest of that line) or None for every unit
    not yet returned. Checks follow API.md E28 under the order's lock. Where API.md is silent: another user's
    order is a 404 for admins too, and a whole-order request with nothing left is `order cannot be returned`."""
    try:
        with transaction.atomic():
            order = lock_order(order_id)
            if order.user_id != user.pk:
                raise NotFound("Order")
            if has_open_return(order.pk):
                raise ReturnNotAllowed(RETURN_ALREADY_REQUESTED)
            if order.status not in RETURNABLE_STATUSES:
                raise ReturnNotAllowed(ORDER_NOT_RETURNABLE)
            if timezone.now() > return_window_end(order):
                raise ReturnNotAllowed(RETURN_PERIOD_EXPIRED)

            lines = _return_lines(order, items)
            refund_amount = to_money(sum((line.price_at_time * qty for line, qty in lines), Decimal("0")))
            now = timezone.now()
            created = Return.objects.create(
                order=order,
                user=user,
                reason=reason,
                notes=notes,
                status=ReturnStatus.REQUESTED,
                refund_amount=refund_amount,
                created_at=now,
            )
            ReturnItem.objects.bulk_create(
                ReturnItem(return_request=created, order_item=line, quantity=qty) for line, qty in lines
            )
            transition_locked(
                order=order, to_status=OrderStatus.RETURN_REQUESTED, trigger=Trigger.RETURN, actor=user
            )
            events.publish(events.RETURN_REQUESTED, return_id=created.pk)
            return created
    except IntegrityError as exc:
        if _constraint_name(exc) == ONE_OPEN_RETURN_CONSTRAINT:
            raise ReturnNotAllowed(RETURN_ALREADY_REQUESTED) from exc
        raise


def _return_lines(order: Order, items: Iterable[Mapping[str, Any]] | None) -> list[tuple[OrderItem, int]]:
    """(order item, quantity) pairs of the request; E28 checks 5 (ids) then 6 (quantities)."""
    order_items = {
        line.pk: line for line in OrderItem.objects.filter(order_id=order.pk).order_by("created_at", "id")
    }
    returned = returned_quantities(order.pk)

    def left(line: OrderItem) -> int:
        return line.quantity - returned.get(line.pk, 0)

    if items is None:
        lines = [(line, left(line)) for line in order_items.values() if left(line) > 0]
        if not lines:
            raise ReturnNotAllowed(ORDER_NOT_RETURNABLE)
        return lines

    items = list(items)
    unknown = {
        f"items.{index}.order_item_id": ITEM_NOT_IN_ORDER
        for index, item in enumerate(items)
        if item["order_item_id"] not in order_items
    }
    if unknown:
        raise ValidationFailed(unknown)
    # A plain id (quantity None) is the whole remaining line; one with nothing left is refused on its id.
    wanted = [(order_items[item["order_item_id"]], item["quantity"]) for item in items]
    errors = {}
    for index, (line, quantity) in enumerate(wanted):
        if quantity is None and left(line) <= 0:
            errors[f"items.{index}.order_item_id"] = ITEM_FULLY_RETURNED
        elif quantity is not None and quantity > left(line):
            errors[f"items.{index}.quantity"] = QUANTITY_TOO_HIGH.format(limit=left(line))
    if errors:
        raise ValidationFailed(errors)
    return [(line, left(line) if quantity is None else quantity) for line, quantity in wanted]


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def _lock_order_and_return(return_id: Any) -> tuple[Order, Return]:
    """The return's order and the return, both locked (order first), checked to be `requested`.

    404 `Return not found` when unknown; 409 `invalid_transition` once decided, which is also what the
    losers of concurrent decisions get: they wait on the order lock and then find the return decided.
    """
    order_id = Return.objects.filter(pk=return_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("Return")
    order = lock_order(order_id)
    ret = Return.objects.select_for_update().filter(pk=return_id).first()
    if ret is None:  # deleted with its order meanwhile
        raise NotFound("Return")
    if ret.status != ReturnStatus.REQUESTED:
        raise InvalidTransition(RETURN_ALREADY_PROCESSED, message=PROCESS_FAILED)
    return order, ret


def refund_error(refund: Decimal, *, computed: Decimal, payment: Payment | None) -> str | None:
    """Why `refund` cannot be granted (0 ≤ refund ≤ the computed amount, and no more than what is left of
    the captured payment), or None."""
    if refund < 0 or refund > computed:
        return REFUND_TOO_HIGH.format(limit=computed)
    if payment is not None and refund > (room := payments.refund_room(payment)):
        return REFUND_TOO_HIGH.format(limit=room)
    return None


def return_approve(
    *,
    return_id: Any,
    admin: Any,
    refund_amount: Decimal | None = None,
    restock: bool = True,
    note: str = "",
) -> Return:
    """E44 approve (API.md §5.6): refund (0 ≤ refund ≤ computed, default computed) to the order's captured
    payment, optional restock, order → `refunded`, return → `approved`, in one transaction under the order and
    return locks, so a return is decided once. The refund is recorded `pending` there and asked of the
    gateway right after commit (retried by the worker)."""
    with transaction.atomic():
        order, ret = _lock_order_and_return(return_id)
        computed = ret.refund_amount
        refund = computed if refund_amount is None else to_money(refund_amount)
        payment = payment_selectors.captured_payment_for_update(order_id=order.pk)
        error = refund_error(refund, computed=computed, payment=payment)
        if error:
            raise ValidationFailed({"refund_amount": error})

        if restock:
            lines = ret.items.values_list("order_item__product_id", "quantity")
            inventory.restock(list(lines))
        transition_locked(
            order=order, to_status=OrderStatus.REFUNDED, trigger=Trigger.RETURN, actor=admin, note=note
        )
        changes = {"status": (ret.status, ReturnStatus.APPROVED)}
        if refund != computed:
            changes["refund_amount"] = (computed, refund)
        ret.status = ReturnStatus.APPROVED
        ret.refund_amount = refund
        ret.save(update_fields=["status", "refund_amount", "updated_at"])
        audit_log(
            actor=admin,
            obj=ret,
            changes=changes,
            extra={"refund": refund, "restock": restock, "note": note},
            label=return_label(order),
        )
        pending = (
            payments.payment_refund(payment=payment, amount=refund, actor=admin)
            if payment is not None
            else None
        )
        events.publish(events.RETURN_APPROVED, return_id=ret.pk, refund_id=pending.pk if pending else None)
    payments.refunds_settle(order_id=order.pk)
    return ret


def return_reject(*, return_id: Any, admin: Any, note: str = "") -> Return:
    """E44 reject: the order goes back to the status it had before the request; the return keeps its amount.

    The status before the request is the `from_status` of the order's latest move to `return_requested`
    (written by `return_request`); an order without that event (data loaded by hand) goes back to
    `delivered` when it has a `delivered_at`, else `completed`.
    """
    with transaction.atomic():
        order, ret = _lock_order_and_return(return_id)
        previous = status_before_request(order)
        transition_locked(order=order, to_status=previous, trigger=Trigger.RETURN, actor=admin, note=note)
        audit_log(
            actor=admin,
            obj=ret,
            changes={"status": (ret.status, ReturnStatus.REJECTED)},
            extra={"note": note},
            label=return_label(order),
        )
        ret.status = ReturnStatus.REJECTED
        ret.save(update_fields=["status", "updated_at"])
        events.publish(events.RETURN_REJECTED, return_id=ret.pk)
        return ret


def return_label(order: Order) -> str:
    """How staff lists name a return: by its order's number."""
    return f"Return of {order.order_number}"


def status_before_request(order: Order) -> str:
    """The status the order had when its (latest) return was requested: `delivered` or `completed`."""
    previous = (
        OrderEvent.objects.filter(order_id=order.pk, to_status=OrderStatus.RETURN_REQUESTED)
        .order_by("-created_at", "-id")
        .values_list("from_status", flat=True)
        .first()
    )
    if previous in RETURNABLE_STATUSES:
        return previous
    return OrderStatus.DELIVERED if order.delivered_at else OrderStatus.COMPLETED


@dataclass
class ApprovePreview:
    """What approving one return with E44's defaults will do: refusal, stock to restore, refund."""

    ret: Return
    refusal: str = ""
    restock: list[ReturnItem] = field(default_factory=list)
    refund_payment: Payment | None = None

    @property
    def will_approve(self) -> bool:
        return not self.refusal


def return_approve_preview(ret: Return) -> ApprovePreview:
    """Predict an approval with E44's defaults: the computed refund (`refund_amount` while requested),
    every returned unit back on stock, the refund going to the order's captured payment if any."""
    if ret.status != ReturnStatus.REQUESTED:
        return ApprovePreview(ret=ret, refusal=RETURN_ALREADY_PROCESSED)
    plan = ApprovePreview(ret=ret, restock=list(ret.items.all()))
    plan.refund_payment = next(
        (payment for payment in ret.order.payments.all() if payment.status in REFUNDABLE_STATUSES), None
    )
    error = refund_error(ret.refund_amount, computed=ret.refund_amount, payment=plan.refund_payment)
    if error:
        plan.refusal = f"refund_amount: {error}"
    return plan
