"""Webhooks for integrators, signed by the Standard Webhooks scheme.

An event with subscribed endpoints becomes, in the business transaction, one `WebhookEvent` (its id is
the `webhook-id` of every delivery and retry), one `WebhookDelivery` per endpoint and one worker job per
delivery. Each attempt is claimed in a short transaction that counts it, logs it as started and enqueues
the next attempt (after `WEBHOOK_RETRY_SCHEDULE`) before the POST, so a worker killed mid-delivery
leaves the retry behind and the receiver gets the same `webhook-id` again. A delivery whose every
attempt failed is `failed`; its endpoint is then disabled with the reason when nothing it was sent
succeeded since that delivery began (about a day with the default schedule).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder
from standardwebhooks import Webhook

from catalog import inventory
from catalog.models import Product
from catalog.serializers import product_data
from notifications.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from orders.selectors import order_detail
from orders.serializers import order_data
from payments.models import Payment, Refund
from payments.serializers import payment_data
from returns.selectors import return_get
from returns.serializers import return_data
from shop import events
from shop.audit import audit_log
from shop.db import transaction_block
from shop.statements import Statement

USER_AGENT = "shop-backend-webhooks/1"


def _active_endpoints():
    return WebhookEndpoint.objects.filter(is_active=True)


_ACTIVE_ENDPOINTS = Statement(_active_endpoints)  # read by every business event: compiled once


def _endpoints_of_this_transaction() -> list[WebhookEndpoint]:
    """The active endpoints, read once per transaction: a transaction that publishes several events
    (a captured card: `payment.completed` and `order.status_changed`) sends them to the endpoints read at
    its first one, as one statement would, and saves a query per further event. Outside a transaction
    they are read each time.

    The rows are kept on the connection with the transaction's block (`shop.db.transaction_block`) and a
    no-op on-commit callback: Django drops its on-commit callbacks when the transaction commits or rolls
    back (and a savepoint's when that rolls back), so the rows are read again after either."""
    connection = transaction.get_connection()
    block = transaction_block()
    if block is None:
        return _ACTIVE_ENDPOINTS.fetch()
    kept = getattr(connection, "_webhook_endpoints", None)
    if kept is not None:
        kept_block, marker, endpoints = kept
        if kept_block is block and any(entry[1] is marker for entry in connection.run_on_commit):
            return endpoints
    endpoints = _ACTIVE_ENDPOINTS.fetch()

    def marker() -> None:
        """Marks the transaction the endpoints were read in (it does nothing when run)."""

    transaction.on_commit(marker)
    connection._webhook_endpoints = (block, marker, endpoints)
    return endpoints


def endpoints_for(event_type: str) -> list[WebhookEndpoint]:
    """Active endpoints subscribed to `event_type` (few rows: filtered here, portable to SQLite)."""
    return [endpoint for endpoint in _endpoints_of_this_transaction() if event_type in endpoint.events]


def event_data(event_type: str, ids: dict[str, Any]) -> dict[str, Any]:
    """The event's `data`, in the API's shapes (Order, Payment, Return, Product) as they are now."""
    if event_type.startswith("order."):
        data: dict[str, Any] = {"order": order_data(order_detail(order_id=ids["order_id"]))}
        if event_type == events.ORDER_STATUS_CHANGED:
            data.update(from_status=ids["from_status"], to_status=ids["to_status"])
        if event_type == events.ORDER_CANCELLED:
            data["refund"] = _refund_data(ids.get("refund_id"))
        return data
    if event_type.startswith("payment."):
        data = {"payment": payment_data(Payment.objects.get(pk=ids["payment_id"]))}
        if event_type == events.PAYMENT_REFUNDED:
            data["refund"] = _refund_data(ids["refund_id"])
        return data
    if event_type.startswith("return."):
        data = {"return": return_data(return_get(return_id=ids["return_id"]))}
        if event_type == events.RETURN_APPROVED:
            data["refund"] = _refund_data(ids.get("refund_id"))
        return data
    if event_type == events.PRODUCT_STOCK_LOW:
        product = inventory.with_stock(Product.objects.filter(pk=ids["product_id"])).get()
        return {"product": product_data(product), "threshold": settings.LOW_STOCK_THRESHOLD}
    raise ValueError(f"unknown event type {event_type}")


def _refund_data(refund_id: Any) -> dict[str, Any] | None:
    refund = Refund.objects.filter(pk=refund_id).first() if refund_id else None
    if refund is None:
        return None
    return {
        "id": str(refund.pk),
        "payment_id": str(refund.payment_id),
        "amount": refund.amount,
        "status": refund.status,
    }


def webhook_event_record(*, event_type: str, ids: dict[str, Any]) -> WebhookEvent | None:
    """Inside the business transaction: the event, its deliveries and their jobs (nothing when no
    endpoint listens)."""
    endpoints = endpoints_for(event_type)
    if not endpoints:
        return None
    now = timezone.now()
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": event_data(event_type, ids)}
    event = WebhookEvent.objects.create(
        type=event_type, payload=json.loads(json.dumps(payload, cls=JSONEncoder)), created_at=now
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now)
        for endpoint in endpoints
    )
    for delivery in deliveries:
        _enqueue(delivery, attempt=1)
    return event


def retry_delay(attempt: int) -> timedelta:
    """How long after attempt number `attempt` the next one is due."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    return timedelta(seconds=schedule[min(attempt, len(schedule)) - 1])


def max_attempts() -> int:
    return len(settings.WEBHOOK_RETRY_SCHEDULE) + 1


def _enqueue(delivery: WebhookDelivery, *, attempt: int, run_after=None) -> None:
    from notifications.tasks import deliver_webhook_task  # the task module imports this one

    task = deliver_webhook_task.using(run_after=run_after) if run_after else deliver_webhook_task
    task.enqueue(delivery.pk, attempt)


def delivery_attempt(*, delivery_id: int, attempt: int) -> str:
    """Make attempt number `attempt` of a delivery and record it. Returns what happened."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.attempts != attempt - 1:
            return "skipped"
        if attempt > max_attempts() or not delivery.endpoint.is_active:
            _finish_failed(delivery)
            return DeliveryStatus.FAILED
        now = timezone.now()
        delivery.attempts = attempt
        delivery.next_attempt_at = now + retry_delay(attempt)
        delivery.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        log = WebhookAttempt.objects.create(delivery=delivery, number=attempt, started_at=now)
        _enqueue(delivery, attempt=attempt + 1, run_after=delivery.next_attempt_at)
    status, error, duration_ms = _post(delivery.endpoint, delivery.event)
    succeeded = status is not None and 200 <= status < 300
    with transaction.atomic():
        WebhookAttempt.objects.filter(pk=log.pk).update(
            duration_ms=duration_ms, response_status=status, succeeded=succeeded, error=error[:2000]
        )
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=delivery.pk)
        )
        if delivery.status != DeliveryStatus.PENDING:
            return "skipped"
        if succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.completed_at = timezone.now()
            delivery.save(update_fields=["status", "completed_at", "updated_at"])
            return DeliveryStatus.SUCCEEDED
        if attempt >= max_attempts():
            _finish_failed(delivery)
            return DeliveryStatus.FAILED
    return "retrying"


def _post(endpoint: WebhookEndpoint, event: WebhookEvent) -> tuple[int | None, str, int]:
    """POST the signed event; (response status or None, error text, duration in ms). Redirects are not
    followed (a 3xx is a failure)."""
    body = json.dumps(event.payload, separators=(",", ":"))
    sent_at = timezone.now()
    signature = Webhook(endpoint.secret).sign(event.pk, sent_at, body)
    request = urllib.request.Request(
        endpoint.url,
        data=body.encode(),
        method="POST",
        headers={
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": event.pk,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signature,
        },
    )
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            status, error = response.status, ""
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except Exception as exc:  # noqa: BLE001 - timeouts, refused connections, bad URLs: all recorded
        status, error = None, f"{type(exc).__name__}: {exc}"
    return status, error, int((time.monotonic() - started) * 1000)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _finish_failed(delivery: WebhookDelivery) -> None:
    """The delivery failed for good; its endpoint is disabled when nothing it was sent succeeded since the
    delivery began (it failed every attempt for the whole retry schedule)."""
    now = timezone.now()
    delivery.status = DeliveryStatus.FAILED
    delivery.completed_at = now
    delivery.save(update_fields=["status", "completed_at", "updated_at"])
    endpoint = delivery.endpoint
    recent_success = WebhookAttempt.objects.filter(
        delivery__endpoint=endpoint, succeeded=True, started_at__gte=delivery.created_at
    ).exists()
    if endpoint.is_active and not recent_success:
        last = delivery.attempt_log.order_by("-number").first()
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"Disabled at {now:%Y-%m-%d %H:%M:%S} UTC: every attempt failed from "
            f"{delivery.created_at:%Y-%m-%d %H:%M:%S} UTC ({delivery.attempts} attempts of event "
            f"{delivery.event_id}; last: {(last.error if last else '') or 'no result'})."
        )
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])


def delivery_send_again(*, delivery_id: int, actor: Any = None) -> WebhookDelivery:
    """Staff's "send again": a new delivery of the same event (same `webhook-id`) to the same endpoint
    (audited on the old delivery)."""
    with transaction.atomic():
        old = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
        now = timezone.now()
        delivery = WebhookDelivery.objects.create(
            event_id=old.event_id, endpoint=old.endpoint, next_attempt_at=now, created_at=now
        )
        _enqueue(delivery, attempt=1)
        audit_log(actor=actor, obj=old, extra={"sent again as delivery": delivery.pk})
    return delivery


def deliveries_requeue_stuck(*, older_than: timedelta, now=None) -> int:
    """Maintenance: pending deliveries whose next attempt is overdue by `older_than` get it enqueued."""
    now = now or timezone.now()
    stuck = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lt=now - older_than
    )
    count = 0
    for delivery in stuck.only("pk", "attempts"):
        with transaction.atomic():
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now)
            _enqueue(delivery, attempt=delivery.attempts + 1)
        count += 1
    return count
