"""The Django admin for payments (API.md §6.1): a read-only changelist with its filters."""

from decimal import Decimal

import pytest

from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.admin_pages import cell, changelist_url, run_action, texts
from tests.factories import OrderFactory, PaymentFactory
from tests.worker import jobs

pytestmark = pytest.mark.django_db

PAYMENTS = changelist_url(Payment)


def test_payment_changelist_shows_its_seven_columns(staff_client):
    payment = PaymentFactory(
        order=OrderFactory(total_amount=Decimal("42.00")),
        status=PaymentStatus.PARTIALLY_REFUNDED,
        refunded_amount=Decimal("12.50"),
    )

    response = staff_client.get(PAYMENTS)

    html = response.content.decode()
    assert response.status_code == 200
    columns = ("transaction_id", "order_number", "payment_method", "status", "amount", "refunded_amount")
    for column in (*columns, "created_at"):
        assert f"column-{column}" in html
    assert [cell(html, column)[0] for column in columns] == [
        payment.transaction_id,
        payment.order.order_number,
        "Credit card",
        "Partially refunded",
        "42.00",
        "12.50",
    ]


def test_payment_changelist_of_twenty_payments_costs_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    PaymentFactory.create_batch(20)

    with django_assert_max_num_queries(6):  # session, user, count, rows with their orders
        response = staff_client.get(PAYMENTS)

    assert len(cell(response.content.decode(), "order_number")) == 20


def test_payment_changelist_filters_status_and_method(staff_client):
    card = PaymentFactory()
    failed = PaymentFactory(failed=True)
    cod = PaymentFactory(order=OrderFactory(cod=True))

    by_status = staff_client.get(PAYMENTS, {"status__exact": "failed"}).content.decode()
    by_method = staff_client.get(PAYMENTS, {"payment_method__exact": "cod"}).content.decode()

    assert cell(by_status, "transaction_id") == [failed.transaction_id]
    assert cell(by_method, "transaction_id") == [cod.transaction_id]
    assert card.transaction_id not in by_status + by_method


def test_payment_changelist_finds_a_transaction_id_or_order_number(staff_client):
    first, second = PaymentFactory(), PaymentFactory()

    by_transaction = staff_client.get(PAYMENTS, {"q": first.transaction_id.lower()}).content.decode()
    by_order = staff_client.get(PAYMENTS, {"q": second.order.order_number}).content.decode()

    assert cell(by_transaction, "transaction_id") == [first.transaction_id]
    assert cell(by_order, "transaction_id") == [second.transaction_id]


def test_payments_are_read_only_in_the_admin(staff_client):
    payment = PaymentFactory()
    page = staff_client.get(f"{PAYMENTS}{payment.pk}/change/")

    add = staff_client.get(f"{PAYMENTS}add/")
    change = staff_client.post(
        f"{PAYMENTS}{payment.pk}/change/", {"status": "refunded", "refunded_amount": "0.01", "_save": "Save"}
    )
    delete = staff_client.post(f"{PAYMENTS}{payment.pk}/delete/", {"post": "yes"})
    bulk_delete = staff_client.post(
        PAYMENTS, {"action": "delete_selected", "_selected_action": [str(payment.pk)], "post": "yes"}
    )

    assert page.status_code == 200 and payment.transaction_id in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert bulk_delete.status_code == 200  # no actions here: the changelist again, nothing done
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.COMPLETED, Decimal("0.00"))
    assert Payment.objects.filter(pk=payment.pk).exists()
    assert "delete_selected" not in staff_client.get(PAYMENTS).content.decode()


def test_retry_action_puts_a_failed_refund_back_to_pending_with_its_job(staff_client):
    payment = PaymentFactory(order=OrderFactory(total_amount=Decimal("42.00")))
    failed = Refund.objects.create(
        payment=payment, amount=Decimal("42.00"), status=RefundStatus.FAILED, attempts=8
    )
    done = Refund.objects.create(payment=payment, amount=Decimal("1.00"), status=RefundStatus.SUCCEEDED)

    response = run_action(staff_client, "retry_refunds", failed, done)

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (RefundStatus.PENDING, 0)
    assert [job.args_kwargs["args"] for job in jobs("payments.tasks.refund_attempt_task")] == [
        [str(failed.pk), 1]
    ]
    assert (
        "error",
        f"{payment.transaction_id}: only a failed refund can be retried (this one is succeeded)",
    ) in texts(response)
