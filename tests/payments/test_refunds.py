"""Refunds after commit: recorded in the business transaction, asked of the gateway right after it, and
retried by the worker with backoff and one idempotency key until they succeed or fail for staff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from orders.models import OrderStatus
from orders.selectors import inventory_problems
from orders.services import order_cancel, order_status_set
from payments import services as payments
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shop.exceptions import InvalidTransition
from tests.factories import order_with_lines
from tests.worker import jobs, run_worker

REFUND_TASK = "payments.tasks.refund_attempt_task"


def paid_order(**fields):
    order, _, payment = order_with_lines(
        lines=(("20.00", 2),), paid=True, status=OrderStatus.PROCESSING, **fields
    )
    return order, payment


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_rolled_back_cancellation_leaves_no_refund_and_no_job(admin_user, flaky_refunds):
    order, payment = paid_order()
    with pytest.raises(Boom), transaction.atomic():
        order_cancel(order_id=order.pk, user=admin_user)
        assert Refund.objects.filter(payment=payment).count() == 1  # recorded inside the transaction
        raise Boom
    assert not Refund.objects.exists()
    assert not jobs(REFUND_TASK).exists()
    assert flaky_refunds.keys == []  # the gateway was never asked
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.COMPLETED, Decimal("0.00"))


@pytest.mark.django_db
def test_the_gateway_is_asked_right_after_commit_with_a_healthy_gateway(admin_user, flaky_refunds):
    order, payment = paid_order()
    order_cancel(order_id=order.pk, user=admin_user)
    refund = Refund.objects.get(payment=payment)
    payment.refresh_from_db()
    assert (refund.status, refund.amount, refund.attempts) == (RefundStatus.SUCCEEDED, Decimal("40.00"), 1)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("40.00"))
    assert flaky_refunds.keys == [refund.idempotency_key]


@pytest.mark.django_db
def test_a_committed_refund_whose_gateway_failed_stays_pending_with_its_retry_enqueued(
    admin_user, flaky_refunds, settings
):
    settings.REFUND_RETRY_SCHEDULE = [30, 120, 600]
    flaky_refunds.failures = 1
    order, payment = paid_order()
    before = timezone.now()
    order_cancel(order_id=order.pk, user=admin_user)
    refund = Refund.objects.get(payment=payment)
    payment.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 1)
    assert "refund gateway unreachable" in refund.last_error
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.COMPLETED, Decimal("0.00"))
    # The job for attempt 1 (the backstop for a request path that dies) and the one for attempt 2, due
    # after the schedule's second delay.
    attempts = {job.args_kwargs["args"][1]: job.run_after for job in jobs(REFUND_TASK)}
    assert sorted(attempts) == [1, 2]
    assert before + timedelta(seconds=120) <= attempts[2] <= timezone.now() + timedelta(seconds=120)
    # Nothing more can be refunded while it is pending, and the check sees no disagreement.
    assert payments.refund_room(payment) == Decimal("0.00")
    assert inventory_problems() == []


@pytest.mark.django_db(transaction=True)
def test_a_gateway_failing_twice_then_succeeding_makes_one_refund_with_one_key(
    admin_user, flaky_refunds, settings
):
    settings.REFUND_RETRY_SCHEDULE = [0, 0, 0, 0]  # every retry due at once: the worker runs them all
    flaky_refunds.failures = 2
    order, payment = paid_order()
    order_cancel(order_id=order.pk, user=admin_user)  # attempt 1, in the request path: fails
    assert Refund.objects.get().status == RefundStatus.PENDING
    run_worker()  # attempt 2 fails, attempt 3 succeeds; the leftover jobs are skipped
    refund = Refund.objects.get()
    payment.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.SUCCEEDED, 3)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("40.00"))
    assert flaky_refunds.keys == [refund.idempotency_key] * 3
    assert not jobs(REFUND_TASK).exclude(status="SUCCESSFUL").exists()
    assert inventory_problems() == []


@pytest.mark.django_db(transaction=True)
def test_a_refund_failing_every_attempt_is_failed_for_staff_and_retried_by_them(
    admin_user, flaky_refunds, settings
):
    settings.REFUND_RETRY_SCHEDULE = [0, 0, 0]
    flaky_refunds.failures = 3
    order, payment = paid_order()
    order_cancel(order_id=order.pk, user=admin_user)
    run_worker()
    refund = Refund.objects.get()
    assert (refund.status, refund.attempts) == (RefundStatus.FAILED, 3)
    assert any("refund of 40.00 failed after 3 attempts" in line for line in inventory_problems())

    payments.refund_retry(refund_id=refund.pk)  # the Django admin's action
    run_worker()
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert payment.refunded_amount == Decimal("40.00")
    assert set(flaky_refunds.keys) == {refund.idempotency_key}
    with pytest.raises(InvalidTransition):
        payments.refund_retry(refund_id=refund.pk)


@pytest.mark.django_db(transaction=True)
def test_a_refund_whose_request_path_died_is_made_by_the_worker(admin_user, flaky_refunds, settings):
    """The process dies between commit and the gateway call: the attempt-1 job stands in for it."""
    settings.REFUND_RETRY_SCHEDULE = [0, 0]
    order, payment = paid_order()
    with transaction.atomic():  # as the service does, without the after-commit step
        payments.payment_refund_remainder(order_id=order.pk)
    assert Refund.objects.get().attempts == 0
    run_worker()
    payment.refresh_from_db()
    assert Refund.objects.get().status == RefundStatus.SUCCEEDED
    assert payment.refunded_amount == Decimal("40.00")
    assert len(flaky_refunds.keys) == 1


@pytest.mark.django_db
def test_refunded_amount_counts_only_succeeded_refunds_and_the_check_reports_disagreement():
    order, payment = paid_order()
    Refund.objects.create(payment=payment, amount=Decimal("5.00"), status=RefundStatus.PENDING)
    Refund.objects.create(payment=payment, amount=Decimal("7.00"), status=RefundStatus.FAILED, attempts=8)
    assert not any("differs from succeeded refunds" in line for line in inventory_problems())
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=Decimal("5.00"))
    problems = inventory_problems()
    assert (
        f"Payment {payment.transaction_id} (order {order.order_number}): refunded_amount 5.00 differs "
        f"from succeeded refunds 0" in problems
    )
    with pytest.raises(SystemExit):
        call_command("check_inventory")


@pytest.mark.django_db
def test_stuck_pending_refunds_get_their_attempt_enqueued_again(flaky_refunds):
    _, payment = paid_order()
    refund = Refund.objects.create(
        payment=payment,
        amount=Decimal("40.00"),
        attempts=2,
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    assert payments.refunds_requeue_stuck(older_than=timedelta(minutes=10)) == 1
    (job,) = jobs(REFUND_TASK)
    assert job.args_kwargs["args"] == [str(refund.pk), 3]


@pytest.mark.django_db
def test_the_admin_status_change_to_cancelled_refunds_after_commit(admin_user, flaky_refunds):
    order, payment = paid_order()
    order_status_set(order_id=order.pk, status=OrderStatus.CANCELLED, actor=admin_user)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert len(flaky_refunds.keys) == 1
