"""Side effects that never get lost: a refund, a customer email and a webhook delivery are written in
the business transaction (a rollback leaves none, a commit leaves all three) and a real worker run
performs them."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from orders.services import order_cancel
from payments.models import PaymentStatus, Refund, RefundStatus
from shop import events
from tests.notifications.helpers import checkout
from tests.notifications.receiver import Receiver
from tests.worker import jobs, run_worker

EMAIL_TASK = "notifications.tasks.send_email_task"


class Boom(Exception):
    pass


def side_effects():
    return (
        Refund.objects.count(),
        jobs(EMAIL_TASK).count(),
        WebhookEvent.objects.filter(type=events.ORDER_CANCELLED).count(),
        WebhookDelivery.objects.filter(event__type=events.ORDER_CANCELLED).count(),
    )


@pytest.mark.django_db
def test_a_rolled_back_cancellation_leaves_no_refund_email_or_delivery(flaky_refunds):
    WebhookEndpoint.objects.create(url="https://erp.example/hooks", events=[events.ORDER_CANCELLED])
    order = checkout()
    emails_before = jobs(EMAIL_TASK).count()
    with pytest.raises(Boom), transaction.atomic():
        order_cancel(order_id=order.pk, user=order.user)
        assert side_effects() == (1, emails_before + 1, 1, 1)  # all written inside the transaction
        raise Boom
    assert side_effects() == (0, emails_before, 0, 0)
    assert flaky_refunds.keys == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_cancellation_leaves_them_all_and_a_worker_run_delivers_them(flaky_refunds, settings):
    settings.REFUND_RETRY_SCHEDULE = [0, 0]
    flaky_refunds.failures = 1  # the request path's attempt fails: the worker must make the refund
    hook = WebhookEndpoint.objects.create(url="http://placeholder.invalid", events=[events.ORDER_CANCELLED])
    with Receiver(hook.secret) as receiver:
        WebhookEndpoint.objects.filter(pk=hook.pk).update(url=receiver.url)
        order = checkout(price="12.50", quantity=2)
        mail.outbox.clear()
        jobs(EMAIL_TASK).delete()  # the order-placed email: not what this test is about
        order_cancel(order_id=order.pk, user=order.user)

        assert side_effects() == (1, 1, 1, 1)
        assert Refund.objects.get().status == RefundStatus.PENDING
        assert mail.outbox == [] and receiver.requests == []

        run_worker()

    refund = Refund.objects.select_related("payment").get()
    assert refund.status == RefundStatus.SUCCEEDED
    assert (refund.payment.status, refund.payment.refunded_amount) == (
        PaymentStatus.REFUNDED,
        Decimal("25.00"),
    )
    (message,) = mail.outbox
    assert message.subject == f"Your order {order.order_number} is cancelled"
    assert WebhookDelivery.objects.get(event__type=events.ORDER_CANCELLED).status == DeliveryStatus.SUCCEEDED
    (request,) = receiver.requests
    assert request["verified"] and request["payload"]["type"] == "order.cancelled"
    assert request["payload"]["data"]["refund"]["amount"] == 25.0
