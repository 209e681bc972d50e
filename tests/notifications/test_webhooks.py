"""Webhooks against a real HTTP receiver on 127.0.0.1 (a free port) that verifies each signature with the
`standardwebhooks` library: retries with backoff, every attempt recorded, one webhook-id per event, the
endpoint disabled after failing every attempt, a worker killed mid-delivery (kill -9)."""

import os
import signal
import time
from datetime import timedelta

import pytest

from notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.webhooks import delivery_send_again
from orders.models import OrderStatus
from shop import events
from tests.notifications.helpers import checkout
from tests.notifications.receiver import Receiver
from tests.worker import run_worker, worker_process

DEADLINE = 20  # seconds: every wait below is bounded


def endpoint(url, *event_types, **fields):
    return WebhookEndpoint.objects.create(
        url=url, events=list(event_types or [events.ORDER_CREATED]), **fields
    )


def work_until(condition, *, timeout=DEADLINE):
    """Run the worker (in-process, due jobs only) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        run_worker()
        time.sleep(0.05)


def wait_for(condition, *, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_receiver_answering_500_twice_gets_the_event_on_the_third_attempt_after_the_backoff(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0.4, 0.8]
    hook = endpoint("http://placeholder.invalid")
    with Receiver(hook.secret, statuses=[500, 500]) as receiver:
        WebhookEndpoint.objects.filter(pk=hook.pk).update(url=receiver.url)
        order = checkout()
        delivery = WebhookDelivery.objects.get(endpoint=hook)
        work_until(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status != DeliveryStatus.PENDING)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 3)
    attempts = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.response_status, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert all(a.duration_ms is not None for a in attempts)
    assert attempts[0].error == "HTTP 500"
    # The backoff: attempt 2 no sooner than 0.4 s after attempt 1, attempt 3 no sooner than 0.8 s after 2.
    assert attempts[1].started_at - attempts[0].started_at >= timedelta(seconds=0.4)
    assert attempts[2].started_at - attempts[1].started_at >= timedelta(seconds=0.8)
    assert receiver.requests[1]["at"] - receiver.requests[0]["at"] >= 0.4
    # Signed (verified by the library), one stable id, the API's Order shape.
    assert [r["verified"] for r in receiver.requests] == [True, True, True]
    assert {r["id"] for r in receiver.requests} == {delivery.event_id}
    payload = receiver.requests[2]["payload"]
    assert payload["type"] == "order.created"
    assert payload["data"]["order"]["order_number"] == order.order_number
    assert payload["data"]["order"]["total_amount"] == 25.0
    assert set(payload["data"]["order"]) >= {"id", "items", "payment", "status_history", "shipping_address"}


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_failing_every_attempt_is_disabled_with_the_reason(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    hook = endpoint("http://placeholder.invalid")
    with Receiver(hook.secret, statuses=[503] * 10) as receiver:
        WebhookEndpoint.objects.filter(pk=hook.pk).update(url=receiver.url)
        checkout()
        work_until(lambda: not WebhookEndpoint.objects.get(pk=hook.pk).is_active)
    delivery = WebhookDelivery.objects.get(endpoint=hook)
    hook.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == (DeliveryStatus.FAILED, 3, 3)
    assert "every attempt failed" in hook.disabled_reason
    assert "HTTP 503" in hook.disabled_reason
    assert hook.disabled_at is not None
    # A disabled endpoint gets no new deliveries.
    checkout()
    assert WebhookDelivery.objects.filter(endpoint=hook).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_endpoint_records_the_error_and_retries(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [3600]
    hook = endpoint("http://127.0.0.1:9/")  # the discard port: connection refused
    checkout()
    run_worker()
    delivery = WebhookDelivery.objects.get(endpoint=hook)
    (attempt,) = delivery.attempt_log.all()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert attempt.succeeded is False and attempt.response_status is None
    assert "URLError" in attempt.error or "Connection" in attempt.error


@pytest.mark.django_db(transaction=True)
def test_send_again_delivers_the_same_webhook_id_once_more(settings):
    hook = endpoint("http://placeholder.invalid")
    with Receiver(hook.secret) as receiver:
        WebhookEndpoint.objects.filter(pk=hook.pk).update(url=receiver.url)
        checkout()
        first = WebhookDelivery.objects.get()
        work_until(lambda: len(receiver.requests) == 1)
        again = delivery_send_again(delivery_id=first.pk)
        work_until(lambda: len(receiver.requests) == 2)
    again.refresh_from_db()
    assert again.status == DeliveryStatus.SUCCEEDED
    assert receiver.requests[0]["id"] == receiver.requests[1]["id"] == first.event_id


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_leaves_it_to_the_next_worker_with_the_same_webhook_id():
    hook = endpoint("http://placeholder.invalid", events.ORDER_CREATED)
    with Receiver(hook.secret, hold_first=True) as receiver:
        WebhookEndpoint.objects.filter(pk=hook.pk).update(url=receiver.url)
        checkout()
        delivery = WebhookDelivery.objects.get()
        env = {"WEBHOOK_RETRY_SCHEDULE": "0.5"}
        first = worker_process(**env)
        try:
            assert receiver.first_arrived.wait(timeout=DEADLINE), "the first worker never posted"
            os.killpg(first.pid, signal.SIGKILL)  # mid-delivery: the receiver has not answered
            first.wait(timeout=DEADLINE)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PENDING
        second = worker_process(**env)
        try:
            wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=DEADLINE)
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["id"] == receiver.requests[1]["id"] == delivery.event_id
    assert all(r["verified"] for r in receiver.requests)
    attempts = list(WebhookDelivery.objects.get(pk=delivery.pk).attempt_log.order_by("number"))
    assert [(a.number, a.succeeded) for a in attempts] == [(1, None), (2, True)]  # 1: cut short by the kill


@pytest.mark.django_db
def test_events_reach_only_active_endpoints_that_subscribe_to_them(admin_user):
    from orders.services import order_status_set

    orders_hook = endpoint("https://erp.example/hooks", events.ORDER_CREATED, events.ORDER_STATUS_CHANGED)
    endpoint("https://wh.example/hooks", events.PRODUCT_STOCK_LOW)
    endpoint("https://off.example/hooks", events.ORDER_CREATED, is_active=False)
    order = checkout(price="3.00", quantity=1)
    order_status_set(order_id=order.pk, status=OrderStatus.SHIPPED, actor=admin_user)
    sent = WebhookDelivery.objects.select_related("event", "endpoint").order_by("id")
    assert [(d.endpoint_id, d.event.type) for d in sent] == [
        (orders_hook.pk, "order.created"),
        (orders_hook.pk, "order.status_changed"),  # pending → processing (payment captured)
        (orders_hook.pk, "order.status_changed"),  # processing → shipped
    ]
    shipped = sent[2].event.payload
    assert (shipped["data"]["from_status"], shipped["data"]["to_status"]) == ("processing", "shipped")
    assert shipped["data"]["order"]["status"] == "shipped"


@pytest.mark.django_db
def test_every_event_type_builds_its_api_shaped_payload(admin_user):
    from orders.services import order_cancel
    from returns.services import return_approve, return_request

    WebhookEndpoint.objects.create(url="https://all.example/hooks", events=list(events.ALL_EVENTS))
    checkout(price="2.00", quantity=1, stock=6)  # stock 6 → 5: at the threshold
    declined = checkout(token="tok_decline")
    order_cancel(order_id=declined.pk, user=declined.user)
    paid = checkout(price="10.00", quantity=1)
    for status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        from orders.services import order_status_set

        order_status_set(order_id=paid.pk, status=status, actor=admin_user)
    ret = return_request(user=paid.user, order_id=paid.pk, reason="broken")
    return_approve(return_id=ret.pk, admin=admin_user)
    types = set(WebhookEvent.objects.values_list("type", flat=True))
    assert types == set(events.ALL_EVENTS) - {events.RETURN_REJECTED}
    refunded = WebhookEvent.objects.get(type=events.PAYMENT_REFUNDED).payload["data"]
    assert refunded["payment"]["status"] == "refunded"
    assert refunded["refund"]["amount"] == 10.0
    approved = WebhookEvent.objects.get(type=events.RETURN_APPROVED).payload["data"]
    assert approved["return"]["status"] == "approved"
    low = WebhookEvent.objects.get(type=events.PRODUCT_STOCK_LOW).payload["data"]
    assert (low["product"]["stock"], low["threshold"]) == (5, 5)


def endpoint_reads(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return sum('FROM "notifications_webhookendpoint"' in query["sql"] for query in captured)


@pytest.mark.django_db
def test_a_transaction_publishing_several_events_reads_the_endpoints_once():
    from django.db import transaction

    hook = endpoint("https://erp.example/hooks", events.ORDER_STATUS_CHANGED, events.PAYMENT_COMPLETED)
    order = checkout(price="3.00", quantity=1)
    payment = order.payments.get()

    def two_events():
        with transaction.atomic():
            events.publish(events.PAYMENT_COMPLETED, payment_id=payment.pk)
            events.publish(
                events.ORDER_STATUS_CHANGED, order_id=order.pk, from_status="pending", to_status="processing"
            )

    assert endpoint_reads(two_events) == 1
    assert endpoint_reads(two_events) == 1  # the next transaction reads them again
    assert WebhookDelivery.objects.filter(endpoint=hook, event__type__in=["payment.completed"]).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_endpoints_a_transaction_read_end_with_it_committed_or_rolled_back():
    """Real transactions (no test-case block), opened by one decorated function, so one `Atomic` object
    serves them all: an endpoint registered after one commits, or after one rolls back, gets the next
    transaction's events."""
    from django.db import transaction

    order = checkout(price="3.00", quantity=1)

    @transaction.atomic
    def status_changed(fail=False):
        events.publish(events.ORDER_STATUS_CHANGED, order_id=order.pk, from_status="a", to_status="b")
        if fail:
            raise RuntimeError("rolled back")

    status_changed()  # no endpoint yet
    first = endpoint("https://one.example/hooks", events.ORDER_STATUS_CHANGED)
    status_changed()
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [first.pk]

    with pytest.raises(RuntimeError):
        status_changed(fail=True)
    second = endpoint("https://two.example/hooks", events.ORDER_STATUS_CHANGED)
    status_changed()
    assert sorted(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == sorted(
        [first.pk, first.pk, second.pk]
    )
