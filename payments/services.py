"""Payment rules: one live payment per order, charges outside transactions, refunds that accumulate.

`payments` knows charges and refunds of an amount, not orders: callers pass order ids and amounts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Sum, TextField, Value, When
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone

from payments import selectors
from payments.gateways import ChargeResult, get_gateway
from payments.gateways.base import DeclineCode
from payments.models import (
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
    new_transaction_id,
)
from shop import events
from shop.audit import ADDITION, audit_log
from shop.db import transaction_block
from shop.exceptions import AlreadyPaid, InvalidTransition, ValidationFailed
from shop.fields import to_money
from shop.statements import Statement, Update

PAYMENT_EXISTS = "payment already exists for this order"
PAYMENT_IN_PROGRESS = "payment already in progress for this order"
VERIFY_FAILED = "Failed to verify payment"
INVALID_TRANSACTION_ID = "invalid transaction ID"
REFUND_NOT_FAILED = "only a failed refund can be retried (this one is {status})"

T = TypeVar("T")


def in_transaction() -> bool:
    """True inside a `transaction.atomic()` block opened by the code (a test case's wrapping block, which
    stands in for autocommit in non-transactional tests, does not count)."""
    return transaction_block() is not None


def payment_pending_for_new_order(*, order_id: Any, amount: Decimal, method: str) -> Payment:
    """The `pending` payment of an order being created in the caller's transaction (checkout step 9),
    not yet saved: the caller writes it with the order (`shop.statements.insert_together`).

    The order is brand new, so no other live payment can exist: no savepoint is needed to catch a clash.
    Its random transaction id may be taken (`is_transaction_id_clash`): the caller's transaction then
    fails, and checkout runs it again with a new one.
    """
    return Payment(
        order_id=order_id,
        amount=to_money(amount),
        payment_method=method,
        status=PaymentStatus.PENDING,
        transaction_id=new_transaction_id(),
    )


#: A payment's `transaction_id` is `TXN-` and 8 random hex digits (API.md §2): with a million payments
#: stored, about one new id in 4,000 is taken already. A taken one is drawn again, this many times at most.
TRANSACTION_ID_DRAWS = 5
TRANSACTION_ID_CONSTRAINT = "payments_payment_transaction_id_key"


def is_transaction_id_clash(exc: BaseException) -> bool:
    """An IntegrityError from the unique `transaction_id` (as opposed to the one-live-payment rule)."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint is not None:
        return constraint == TRANSACTION_ID_CONSTRAINT
    return "payments_payment.transaction_id" in str(exc)  # SQLite names the column


def with_fresh_transaction_id(write: Callable[[], T]) -> T:
    """Run `write`, which draws a payment's transaction id and writes the payment (in a savepoint or a
    whole transaction of its own, so that a failure leaves nothing), again while the id it drew is taken.
    Any other IntegrityError, or a clash on the last draw, is raised as it came."""
    for draw in range(1, TRANSACTION_ID_DRAWS + 1):
        try:
            return write()
        except IntegrityError as exc:
            if draw == TRANSACTION_ID_DRAWS or not is_transaction_id_clash(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _payment_create(**fields: Any) -> Payment:
    """`Payment.objects.create` in a savepoint, with a fresh transaction id while the drawn one is taken."""

    def create() -> Payment:
        with transaction.atomic():
            return Payment.objects.create(transaction_id=new_transaction_id(), **fields)

    return with_fresh_transaction_id(create)


def payment_create_pending(*, order_id: Any, amount: Decimal, method: str) -> Payment:
    """A `pending` payment row for a card charge about to be requested.

    The partial unique constraint makes a second live payment impossible; a concurrent attempt gets
    `409 already_paid`. A transaction id already taken is drawn again.
    """
    try:
        return _payment_create(
            order_id=order_id, amount=to_money(amount), payment_method=method, status=PaymentStatus.PENDING
        )
    except IntegrityError as exc:
        if is_transaction_id_clash(exc):
            raise
        raise AlreadyPaid(PAYMENT_IN_PROGRESS) from exc


def payment_charge(*, payment: Payment, token: str | None) -> ChargeResult:
    """Ask the gateway for the money. Never inside a database transaction (no network call holds locks).

    An unexpected gateway exception is a decline with `gateway_error`.
    """
    assert not in_transaction(), "the gateway is never called inside a transaction"
    try:
        return get_gateway().charge(payment.amount, payment.payment_method, token)
    except Exception:  # any gateway failure is recorded, never a 500
        return ChargeResult.declined(DeclineCode.GATEWAY_ERROR)


def _result_update(*, payment_id: Any, status: str, decline_code: str | None, now) -> Update:
    """The charge result's one UPDATE: status, `payment_details` (`{}`, or the decline code) and time."""
    code = Cast(Value(decline_code), TextField())  # typed: a bound parameter of JSONB_BUILD_OBJECT has none
    details = JSONObject(decline_code=code) if decline_code is not None else JSONObject()
    return Update(
        Payment.objects.filter(pk=payment_id), status=status, payment_details=details, updated_at=now
    )


_RESULT_UPDATE = Statement(_result_update)  # every card charge: compiled once per process


def payment_record_result(*, payment: Payment, result: ChargeResult) -> Payment:
    """Record a charge result on a pending payment.

    The caller holds the transaction and the lock of the payment's order: every write to an order's
    payments (charge results, refunds, the COD payment) happens under that lock, so it guards the row."""
    if result.approved:
        status, details = PaymentStatus.COMPLETED, {}
    else:
        status, details = (
            PaymentStatus.FAILED,
            {"decline_code": result.decline_code or DeclineCode.GATEWAY_ERROR},
        )
    now = timezone.now()
    _RESULT_UPDATE.execute(
        payment_id=payment.pk, status=status, decline_code=details.get("decline_code"), now=now
    )
    payment.status, payment.payment_details, payment.updated_at = status, details, now
    event = events.PAYMENT_COMPLETED if result.approved else events.PAYMENT_FAILED
    events.publish(event, payment_id=payment.pk)
    return payment


def payment_create_cod(*, order_id: Any, amount: Decimal) -> Payment:
    """The cash-on-delivery payment, completed when the order is delivered (no gateway call)."""
    payment = _payment_create(
        order_id=order_id,
        amount=to_money(amount),
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        status=PaymentStatus.COMPLETED,
    )
    events.publish(events.PAYMENT_COMPLETED, payment_id=payment.pk)
    return payment


def payment_refund(*, payment: Payment, amount: Decimal, actor: Any = None) -> Refund | None:
    """Record a refund of `amount` of a captured payment: a `pending` `Refund` and its worker job, both in
    the caller's transaction (payment row locked). The gateway is not called here: the caller asks it
    after commit (`refunds_settle`), and the worker retries until it succeeds. A refund of 0 records
    nothing. `amount` may not exceed what is left once earlier pending refunds are counted. A staff
    `actor` gets an audit entry on the refund.
    """
    amount = to_money(amount)
    if amount <= 0:
        return None
    remaining = refund_room(payment)
    if amount > remaining:
        raise ValueError(f"refund {amount} exceeds the refundable {remaining} of {payment.transaction_id}")
    now = timezone.now()
    refund = Refund.objects.create(
        payment=payment, amount=amount, next_attempt_at=now + refund_retry_delay(0), created_at=now
    )
    _enqueue_refund_attempt(refund, attempt=1)
    audit_log(
        actor=actor, obj=refund, action=ADDITION, extra={"amount": amount, "payment": payment.transaction_id}
    )
    return refund


def refund_room(payment: Payment) -> Decimal:
    """What a new refund of `payment` may still take: the refundable remainder less pending refunds."""
    pending = payment.refunds.filter(status=RefundStatus.PENDING).aggregate(total=Sum("amount"))["total"]
    return payment.refundable_amount - (pending or Decimal("0"))


def payment_refund_remainder(*, order_id: Any, actor: Any = None) -> Refund | None:
    """Refund in full whatever is left of the order's captured payment (cancellation). Returns the
    pending refund, or None."""
    payment = selectors.captured_payment_for_update(order_id=order_id)
    if payment is None:
        return None
    return payment_refund(payment=payment, amount=refund_room(payment), actor=actor)


def refund_retry_delay(attempts: int) -> timedelta:
    """How long after attempt number `attempts` the next one is due (`REFUND_RETRY_SCHEDULE`); the first
    entry is also how long the worker waits before standing in for a request path that died."""
    schedule = settings.REFUND_RETRY_SCHEDULE
    return timedelta(seconds=schedule[min(attempts, len(schedule) - 1)])


def refund_max_attempts() -> int:
    return len(settings.REFUND_RETRY_SCHEDULE)


def _enqueue_refund_attempt(refund: Refund, *, attempt: int) -> None:
    from payments.tasks import refund_attempt_task  # the task module imports this one

    refund_attempt_task.using(run_after=refund.next_attempt_at).enqueue(str(refund.pk), attempt)


def refunds_settle(*, order_id: Any) -> None:
    """Right after the commit that recorded them, ask the gateway for the order's untried refunds (the
    request path, as the charge path does). Inside an outer transaction it waits for that commit."""
    if in_transaction():
        transaction.on_commit(lambda: refunds_settle(order_id=order_id))
        return
    untried = Refund.objects.filter(payment__order_id=order_id, status=RefundStatus.PENDING, attempts=0)
    for refund_id in list(untried.values_list("pk", flat=True)):
        refund_attempt(refund_id=refund_id, attempt=1)


def refund_attempt(*, refund_id: Any, attempt: int) -> str:
    """Try a pending refund once, as attempt number `attempt`, and record the result. Returns what
    happened (`succeeded`, `retrying`, `failed` or `skipped`).

    The claim (a short transaction on the locked refund row) counts the attempt and enqueues the next
    one first, so a process killed during the gateway call leaves the retry already scheduled; a job
    for an attempt already made (or a refund no longer pending) is skipped. Past the last attempt a
    refund still pending is `failed` for staff to retry.
    """
    assert not in_transaction(), "the gateway is never called inside a transaction"
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").filter(pk=refund_id).first()
        if refund is None or refund.status != RefundStatus.PENDING or refund.attempts != attempt - 1:
            return "skipped"
        if attempt > refund_max_attempts():
            refund.status = RefundStatus.FAILED
            refund.last_error = refund.last_error or "no result recorded for the last attempt"
            refund.save(update_fields=["status", "last_error", "updated_at"])
            return RefundStatus.FAILED
        refund.attempts = attempt
        refund.next_attempt_at = timezone.now() + refund_retry_delay(attempt)
        refund.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        _enqueue_refund_attempt(refund, attempt=attempt + 1)
    try:
        get_gateway().refund(refund.payment, refund.amount, idempotency_key=refund.idempotency_key)
    except Exception as exc:  # noqa: BLE001 - any gateway failure is recorded and retried
        return _refund_record_failure(refund, attempt=attempt, error=f"{type(exc).__name__}: {exc}")
    return _refund_record_success(refund)


def _refund_record_success(refund: Refund) -> str:
    """The refund `succeeded` and its amount added to the payment, once (whoever records first wins)."""
    now = timezone.now()
    with transaction.atomic():
        won = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.SUCCEEDED, completed_at=now, last_error="", updated_at=now
        )
        if not won:
            return "skipped"
        refunded = F("refunded_amount") + refund.amount
        Payment.objects.filter(pk=refund.payment_id).update(
            refunded_amount=refunded,
            status=Case(
                When(amount__lte=refunded, then=Value(PaymentStatus.REFUNDED)),
                default=Value(PaymentStatus.PARTIALLY_REFUNDED),
            ),
            updated_at=now,
        )
        events.publish(events.PAYMENT_REFUNDED, payment_id=refund.payment_id, refund_id=refund.pk)
    return RefundStatus.SUCCEEDED


def _refund_record_failure(refund: Refund, *, attempt: int, error: str) -> str:
    final = attempt >= refund_max_attempts()
    status = RefundStatus.FAILED if final else RefundStatus.PENDING
    Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
        status=status, last_error=error[:2000], updated_at=timezone.now()
    )
    return status if final else "retrying"


def refund_retry(*, refund_id: Any, actor: Any = None) -> Refund:
    """Staff retry of a `failed` refund (Django admin): pending again with a fresh attempt budget, the
    same idempotency key, and its job enqueued now (audited). Refuses any other status."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != RefundStatus.FAILED:
            raise InvalidTransition(REFUND_NOT_FAILED.format(status=refund.status))
        refund.status = RefundStatus.PENDING
        refund.attempts = 0
        refund.next_attempt_at = timezone.now()
        refund.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        _enqueue_refund_attempt(refund, attempt=1)
        audit_log(actor=actor, obj=refund, changes={"status": (RefundStatus.FAILED, RefundStatus.PENDING)})
    return refund


def refunds_requeue_stuck(*, older_than: timedelta, now=None) -> int:
    """Maintenance: pending refunds whose next attempt is overdue by `older_than` (their job was lost
    with a dead worker) get that attempt enqueued again. Returns how many."""
    now = now or timezone.now()
    stuck = Refund.objects.filter(status=RefundStatus.PENDING, next_attempt_at__lt=now - older_than)
    count = 0
    for refund in stuck.only("pk", "attempts", "next_attempt_at"):
        with transaction.atomic():
            refund.next_attempt_at = now
            _enqueue_refund_attempt(refund, attempt=refund.attempts + 1)
            Refund.objects.filter(pk=refund.pk).update(next_attempt_at=now)
        count += 1
    return count


def payment_verify(*, payment: Payment, transaction_id: str) -> Payment:
    """E27: the transaction id must be the payment's; a mismatch is a validation error on the field
    (`invalid transaction ID`). Changes nothing."""
    if transaction_id != payment.transaction_id:
        raise ValidationFailed(
            {"transaction_id": INVALID_TRANSACTION_ID}, error=INVALID_TRANSACTION_ID, message=VERIFY_FAILED
        )
    return payment
