"""Payment rules (payments/services.py, payments/selectors.py), against the database: refunds that
accumulate within the amount, the one live payment per order, charges outside transactions."""

from decimal import Decimal

import pytest
from django.db import transaction

from payments import selectors, services
from payments.gateways import ChargeResult
from payments.models import PaymentStatus
from shop.exceptions import AlreadyPaid, ValidationFailed
from tests.factories import OrderFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def captured(amount="30.00", refunded="0.00", **fields):
    order = OrderFactory(total_amount=Decimal(amount))
    return PaymentFactory(order=order, refunded_amount=Decimal(refunded), **fields)


def test_refundable_amount_is_the_amount_less_what_was_refunded():
    assert captured("30.00", "12.50").refundable_amount == Decimal("17.50")
    assert captured("30.00", "30.00", status=PaymentStatus.REFUNDED).refundable_amount == Decimal("0.00")


def refund_now(payment, amount):
    """Record a refund as a service does (in its transaction), then settle it after commit."""
    with transaction.atomic():
        refund = services.payment_refund(payment=payment, amount=amount)
    services.refunds_settle(order_id=payment.order_id)
    payment.refresh_from_db()
    return refund


def test_partial_refunds_accumulate_until_the_payment_is_refunded(spy_gateway):
    payment = captured("30.00")

    refund_now(payment, Decimal("10.004"))
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("10.00"))

    refund_now(payment, payment.refundable_amount)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("30.00"))
    assert spy_gateway == [(payment.pk, Decimal("10.00")), (payment.pk, Decimal("20.00"))]


def test_a_refund_beyond_the_refundable_amount_is_refused_and_moves_no_money(spy_gateway):
    payment = captured("30.00", "25.00", status=PaymentStatus.PARTIALLY_REFUNDED)

    with pytest.raises(ValueError, match="exceeds the refundable 5.00"):
        services.payment_refund(payment=payment, amount=Decimal("5.01"))

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("25.00")
    assert spy_gateway == []


def test_a_refund_of_nothing_changes_nothing(spy_gateway):
    payment = captured("30.00")
    assert refund_now(payment, Decimal("0")) is None
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.COMPLETED, Decimal("0.00"))
    assert spy_gateway == []


def test_refund_remainder_gives_back_what_is_left_of_the_captured_payment(spy_gateway):
    payment = captured("30.00", "5.00", status=PaymentStatus.PARTIALLY_REFUNDED)

    with transaction.atomic():
        refund = services.payment_refund_remainder(order_id=payment.order_id)
    assert (refund.payment_id, refund.amount) == (payment.pk, Decimal("25.00"))
    services.refunds_settle(order_id=payment.order_id)

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("30.00"))
    assert spy_gateway == [(payment.pk, Decimal("25.00"))]


@pytest.mark.parametrize("status", [PaymentStatus.FAILED, PaymentStatus.PENDING, PaymentStatus.REFUNDED])
def test_refund_remainder_of_an_order_without_a_captured_payment_does_nothing(status, spy_gateway):
    payment = captured("30.00", "30.00" if status == PaymentStatus.REFUNDED else "0.00", status=status)
    with transaction.atomic():
        assert services.payment_refund_remainder(order_id=payment.order_id) is None
    assert spy_gateway == []


def test_a_second_live_payment_of_an_order_is_already_paid():
    payment = captured("30.00")
    with pytest.raises(AlreadyPaid):
        services.payment_create_pending(order_id=payment.order_id, amount=Decimal("30.00"), method="cc")
    assert selectors.live_payment_of(payment.order_id) == payment


def test_a_failed_payment_does_not_block_a_new_one():
    failed = captured("30.00", failed=True)
    pending = services.payment_create_pending(order_id=failed.order_id, amount=Decimal("30"), method="dc")
    assert (pending.status, pending.amount) == (PaymentStatus.PENDING, Decimal("30.00"))
    assert selectors.live_payment_of(failed.order_id) == pending


def test_charge_results_are_recorded_with_their_decline_code():
    order = OrderFactory(total_amount=Decimal("9.99"))
    pending = services.payment_pending_for_new_order(order_id=order.pk, amount=Decimal("9.99"), method="cc")
    pending.save()
    services.payment_record_result(payment=pending, result=ChargeResult.declined("insufficient_funds"))
    pending.refresh_from_db()
    assert (pending.status, pending.payment_details) == (
        PaymentStatus.FAILED,
        {"decline_code": "insufficient_funds"},
    )


def test_the_gateway_is_never_called_inside_a_transaction():
    payment = captured("30.00", status=PaymentStatus.PENDING)
    with transaction.atomic(), pytest.raises(AssertionError, match="never called inside a transaction"):
        services.payment_charge(payment=payment, token=None)


def test_a_gateway_exception_is_a_gateway_error_decline(settings):
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.BrokenGateway"
    payment = captured("30.00", status=PaymentStatus.PENDING)
    assert services.payment_charge(payment=payment, token="tok") == ChargeResult.declined("gateway_error")


def test_verify_refuses_another_transaction_id_on_the_field():
    payment = captured("30.00")
    with pytest.raises(ValidationFailed) as refused:
        services.payment_verify(payment=payment, transaction_id="TXN-00000000")
    assert refused.value.errors == {"transaction_id": "invalid transaction ID"}
    assert services.payment_verify(payment=payment, transaction_id=payment.transaction_id) == payment


def test_latest_payment_is_the_newest_one():
    first = captured("30.00", failed=True)
    newer = PaymentFactory(order=first.order, status=PaymentStatus.PENDING)
    assert selectors.payment_latest(order_id=first.order_id) == newer
