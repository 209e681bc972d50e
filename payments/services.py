"""Payment rules: one live payment per order, charges outside transactions, refunds that accumulate.

`payments` knows charges and refunds of an amount, not orders: callers pass order ids and amounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction

from payments import selectors
from payments.gateways import ChargeResult, get_gateway
from payments.gateways.base import DeclineCode
from payments.models import Payment, PaymentMethod, PaymentStatus
from shop.exceptions import AlreadyPaid, ValidationFailed
from shop.fields import to_money

PAYMENT_EXISTS = "payment already exists for this order"
PAYMENT_IN_PROGRESS = "payment already in progress for this order"
VERIFY_FAILED = "Failed to verify payment"
INVALID_TRANSACTION_ID = "invalid transaction ID"


def in_transaction() -> bool:
    """True inside a `transaction.atomic()` block opened by the code (a test case's wrapping block, which
    stands in for autocommit in non-transactional tests, does not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def payment_create_for_new_order(*, order_id: Any, amount: Decimal, method: str) -> Payment:
    """The `pending` payment of an order created in the caller's transaction (checkout step 9).

    The order is brand new, so no other live payment can exist: no savepoint is needed to catch a clash.
    """
    return Payment.objects.create(
        order_id=order_id, amount=to_money(amount), payment_method=method, status=PaymentStatus.PENDING
    )


def payment_create_pending(*, order_id: Any, amount: Decimal, method: str) -> Payment:
    """A `pending` payment row for a card charge about to be requested.

    The partial unique constraint makes a second live payment impossible; a concurrent attempt gets
    `409 already_paid`.
    """
    try:
        with transaction.atomic():
            return Payment.objects.create(
                order_id=order_id,
                amount=to_money(amount),
                payment_method=method,
                status=PaymentStatus.PENDING,
            )
    except IntegrityError as exc:
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


def payment_record_result(*, payment: Payment, result: ChargeResult) -> Payment:
    """Record a charge result on a pending payment.

    The caller holds the transaction and the lock of the payment's order: every write to an order's
    payments (charge results, refunds, the COD payment) happens under that lock, so it guards the row."""
    if result.approved:
        payment.status = PaymentStatus.COMPLETED
        payment.payment_details = {}
    else:
        payment.status = PaymentStatus.FAILED
        payment.payment_details = {"decline_code": result.decline_code or DeclineCode.GATEWAY_ERROR}
    payment.save(update_fields=["status", "payment_details", "updated_at"])
    return payment


def payment_create_cod(*, order_id: Any, amount: Decimal) -> Payment:
    """The cash-on-delivery payment, completed when the order is delivered (no gateway call)."""
    return Payment.objects.create(
        order_id=order_id,
        amount=to_money(amount),
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        status=PaymentStatus.COMPLETED,
    )


def payment_refund(*, payment: Payment, amount: Decimal) -> Payment:
    """Refund `amount` of a captured payment through the gateway; refunds accumulate.

    Call inside a transaction with the payment row locked. A refund of 0 changes nothing.
    """
    amount = to_money(amount)
    if amount <= 0:
        return payment
    if amount > payment.refundable_amount:
        raise ValueError(
            f"refund {amount} exceeds the refundable {payment.refundable_amount} of {payment.transaction_id}"
        )
    get_gateway().refund(payment, amount)
    payment.refunded_amount = payment.refunded_amount + amount
    payment.status = (
        PaymentStatus.REFUNDED if payment.refundable_amount <= 0 else PaymentStatus.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    return payment


def payment_refund_remainder(*, order_id: Any) -> Payment | None:
    """Refund in full whatever is left of the order's captured payment (cancellation). Returns it, or None."""
    payment = selectors.captured_payment_for_update(order_id=order_id)
    if payment is None:
        return None
    return payment_refund(payment=payment, amount=payment.refundable_amount)


def payment_verify(*, payment: Payment, transaction_id: str) -> Payment:
    """E27: the transaction id must be the payment's; a mismatch is a validation error on the field
    (`invalid transaction ID`). Changes nothing."""
    if transaction_id != payment.transaction_id:
        raise ValidationFailed(
            {"transaction_id": INVALID_TRANSACTION_ID}, error=INVALID_TRANSACTION_ID, message=VERIFY_FAILED
        )
    return payment
