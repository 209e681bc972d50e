"""Customer emails: each event's message (subject, recipient, order number, amounts; plain text and
HTML), rendered by the email job with the locmem backend."""

import pytest
from django.core import mail

from orders.services import order_cancel
from returns.services import return_approve, return_reject
from tests.notifications.helpers import checkout, delivered_order, returned_order
from tests.worker import jobs, run_jobs_inline

pytestmark = pytest.mark.django_db

EMAIL_TASK = "notifications.tasks.send_email_task"


def sent() -> list:
    """Run the due email jobs; the messages they sent, and the outbox emptied."""
    run_jobs_inline(EMAIL_TASK)
    messages = list(mail.outbox)
    mail.outbox.clear()
    return messages


def only(messages, subject_start: str):
    matching = [m for m in messages if m.subject.startswith(subject_start)]
    assert len(matching) == 1, [m.subject for m in messages]
    return matching[0]


def assert_both_parts_contain(message, *texts: str) -> None:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    for text in texts:
        assert text in message.body, (text, message.body)
        assert text in html, (text, html)


def test_nothing_is_sent_in_the_request_only_a_job_is_recorded():
    checkout()
    assert mail.outbox == []
    assert jobs(EMAIL_TASK).count() == 1


def test_order_placed():
    order = checkout(price="12.50", quantity=2)
    message = only(sent(), "Your order")
    assert message.subject == f"Your order {order.order_number} is placed"
    assert message.to == [order.user.email]
    assert_both_parts_contain(message, order.order_number, "25.00", "Hello Ada")


def test_payment_failed():
    order = checkout(token="tok_decline", price="8.00", quantity=3)
    messages = sent()
    message = only(messages, "Payment failed")
    assert message.subject == f"Payment failed for order {order.order_number}"
    assert message.to == [order.user.email]
    assert_both_parts_contain(message, order.order_number, "24.00", "pay again")
    assert len(messages) == 2  # and the order placed


def test_shipped_and_delivered(admin_user):
    order = delivered_order(admin_user, price="5.00", quantity=1)
    messages = sent()
    shipped = only(messages, "Your order " + order.order_number + " has shipped")
    delivered = only(messages, "Your order " + order.order_number + " was delivered")
    for message in (shipped, delivered):
        assert message.to == [order.user.email]
        assert_both_parts_contain(message, order.order_number, "5.00")


def test_cancelled_with_the_refund():
    order = checkout(price="12.50", quantity=2)
    sent()
    order_cancel(order_id=order.pk, user=order.user)
    message = only(sent(), "Your order")
    assert message.subject == f"Your order {order.order_number} is cancelled"
    assert message.to == [order.user.email]
    assert_both_parts_contain(message, order.order_number, "refunding", "25.00")
    assert "We are refunding 25.00 to your card" in message.body


def test_cancelled_without_a_payment_mentions_no_refund():
    order = checkout(method="cod")
    sent()
    order_cancel(order_id=order.pk, user=order.user)
    message = only(sent(), "Your order")
    assert "refunding" not in message.body


def test_return_received(admin_user):
    order, ret = returned_order(admin_user, price="7.25", quantity=2)
    message = only(sent(), "We received your return")
    assert message.subject == f"We received your return request for order {order.order_number}"
    assert message.to == [order.user.email]
    assert_both_parts_contain(message, order.order_number, "14.50")


def test_return_approved_with_the_refund(admin_user):
    order, ret = returned_order(admin_user, price="7.25", quantity=2)
    sent()
    return_approve(return_id=ret.pk, admin=admin_user, refund_amount="10.00")
    message = only(sent(), "Your return")
    assert message.subject == f"Your return for order {order.order_number} is approved"
    assert message.to == [order.user.email]
    assert_both_parts_contain(message, order.order_number, "refunding", "10.00")
    assert "We are refunding 10.00." in message.body


def test_return_rejected(admin_user):
    order, ret = returned_order(admin_user)
    sent()
    return_reject(return_id=ret.pk, admin=admin_user)
    message = only(sent(), "Your return")
    assert message.subject == f"Your return for order {order.order_number} was not approved"
    assert message.to == [order.user.email]
    assert_both_parts_contain(message, order.order_number)


def test_a_failing_send_is_retried_later(settings, monkeypatch):
    from notifications import emails
    from notifications.tasks import send_email_task

    settings.EMAIL_RETRY_SCHEDULE = [60]
    order = checkout()
    monkeypatch.setattr(emails, "send", lambda **kw: (_ for _ in ()).throw(ConnectionError("smtp down")))
    with pytest.raises(ConnectionError):
        send_email_task.call("order_placed", str(order.pk))
    retry = jobs(EMAIL_TASK).order_by("-enqueued_at").first()
    assert retry.args_kwargs["args"] == ["order_placed", str(order.pk), None, None, 2]
    assert retry.run_after > order.created_at


def test_an_email_job_left_running_by_a_dead_worker_is_enqueued_again():
    from datetime import timedelta

    from django.utils import timezone

    from notifications.emails import emails_requeue_stuck

    order = checkout()
    (job,) = jobs(EMAIL_TASK)
    jobs(EMAIL_TASK).update(status="RUNNING", started_at=timezone.now() - timedelta(hours=1))
    assert emails_requeue_stuck(older_than=timedelta(minutes=10)) == 1
    job.refresh_from_db()
    assert job.status == "FAILED"
    (again,) = jobs(EMAIL_TASK).filter(status="READY")
    assert again.args_kwargs == {"args": [], "kwargs": {"kind": "order_placed", "order_id": str(order.pk)}}
    assert emails_requeue_stuck(older_than=timedelta(minutes=10)) == 0


def test_with_the_immediate_backend_the_email_is_sent_when_enqueued(settings):
    """The immediate backend runs a job at enqueue: what a test of "the event sends this email" means
    when no worker is involved (no refund here: the immediate backend cannot defer a retry)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    order = checkout(token="tok_decline")
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        f"Payment failed for order {order.order_number}",
        f"Your order {order.order_number} is placed",
    ]
    assert not jobs(EMAIL_TASK).exists()
