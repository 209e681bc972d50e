"""The Django admin for webhooks: staff register an endpoint (URL, secret, events, active), see every
attempt of a delivery, and send a delivery again."""

import pytest
from django.urls import reverse

from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from shop import events
from tests.admin_pages import changelist_url, run_action, texts
from tests.worker import jobs

pytestmark = pytest.mark.django_db


def test_staff_register_an_endpoint_with_its_events(staff_client):
    response = staff_client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {
            "url": "https://erp.example/hooks",
            "description": "ERP",
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "events": [events.ORDER_CREATED, events.RETURN_APPROVED],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (
        "https://erp.example/hooks",
        [events.ORDER_CREATED, events.RETURN_APPROVED],
        True,
    )


def test_a_new_endpoint_gets_a_generated_secret():
    assert WebhookEndpoint.objects.create(url="https://a.example").secret.startswith("whsec_")


def delivery_with_attempts():
    endpoint = WebhookEndpoint.objects.create(url="https://erp.example/hooks", events=[events.ORDER_CREATED])
    event = WebhookEvent.objects.create(
        type=events.ORDER_CREATED, payload={"type": "order.created", "data": {}}
    )
    delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint, status="failed", attempts=2)
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, succeeded=False, response_status=500, duration_ms=12, error="HTTP 500"
    )
    WebhookAttempt.objects.create(
        delivery=delivery, number=2, succeeded=False, error="URLError: timed out", duration_ms=5000
    )
    return delivery


def test_a_delivery_page_lists_every_attempt(staff_client):
    delivery = delivery_with_attempts()
    html = staff_client.get(
        reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()
    assert "HTTP 500" in html and "URLError: timed out" in html and "5000" in html


def test_send_again_queues_a_new_delivery_of_the_same_event(staff_client):
    delivery = delivery_with_attempts()
    response = run_action(staff_client, "send_again", delivery)
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (again.event_id, again.endpoint_id, again.status) == (
        delivery.event_id,
        delivery.endpoint_id,
        "pending",
    )
    assert [job.args_kwargs["args"] for job in jobs("notifications.tasks.deliver_webhook_task")] == [
        [again.pk, 1]
    ]
    assert any(f"queued again for {delivery.endpoint}" in text for _, text in texts(response))


def test_send_again_to_a_disabled_endpoint_is_refused(staff_client):
    delivery = delivery_with_attempts()
    WebhookEndpoint.objects.update(is_active=False, disabled_reason="every attempt failed")
    response = run_action(staff_client, "send_again", delivery)
    assert WebhookDelivery.objects.count() == 1
    assert any("is disabled; enable it first" in text for _, text in texts(response))
    page = staff_client.get(changelist_url(WebhookEndpoint)).content.decode()
    assert "every attempt failed" in page
