"""Concurrent return requests and decisions, with real threads against PostgreSQL.

Each thread has its own database connection (closed when it ends); a barrier releases them together.
"""

from decimal import Decimal

import pytest

from orders.models import OrderEvent, OrderStatus
from payments.models import PaymentStatus
from returns import services
from returns.models import Return, ReturnStatus
from tests.concurrency import run_together
from tests.factories import UserFactory, delivered_order

pytestmark = pytest.mark.django_db(transaction=True)


def statuses(responses):
    for response in responses:
        assert not isinstance(response, BaseException), repr(response)
    return sorted(response.status_code for response in responses)


def decide_at_once(make_api, *decisions):
    """A requested return of a delivered, paid order (2 × 10.00 and 1 × 5.50, products holding 5 units),
    processed by one admin per decision ("approved" or "rejected"), all at once. Returns (return, order,
    items, payment, responses)."""
    customer = UserFactory()
    order, items, payment = delivered_order(customer, stock=5)
    ret = services.return_request(user=customer, order_id=order.pk, reason="Broken")
    url = f"/api/v1/admin/returns/{ret.pk}/process"
    admins = [make_api(UserFactory(admin=True)) for _ in decisions]

    responses = run_together(
        *[
            lambda admin=admin, decision=decision: admin.post(url, {"status": decision})
            for admin, decision in zip(admins, decisions, strict=True)
        ]
    )
    return ret, order, items, payment, responses


def test_two_admins_approving_one_return_make_one_refund_and_one_restock(make_api, spy_gateway):
    ret, order, (shirt, socks), payment, responses = decide_at_once(make_api, "approved", "approved")

    assert statuses(responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert (loser["code"], loser["message"], loser["error"]) == (
        "invalid_transition",
        "Failed to process return",
        "return has already been processed",
    )
    assert spy_gateway == [(payment.pk, Decimal("25.50"))]
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("25.50"))
    shirt.product.refresh_from_db()
    socks.product.refresh_from_db()
    assert (shirt.product.stock_quantity, socks.product.stock_quantity) == (7, 6)
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.REFUNDED).count() == 1
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED


def test_approve_and_reject_at_once_decide_the_return_once(make_api, spy_gateway):
    ret, order, (shirt, _), _, responses = decide_at_once(make_api, "approved", "rejected")

    assert statuses(responses) == [200, 409]
    ret.refresh_from_db()
    order.refresh_from_db()
    shirt.product.refresh_from_db()
    if ret.status == ReturnStatus.APPROVED:
        assert (order.status, len(spy_gateway), shirt.product.stock_quantity) == (OrderStatus.REFUNDED, 1, 7)
    else:
        assert ret.status == ReturnStatus.REJECTED
        assert (order.status, len(spy_gateway), shirt.product.stock_quantity) == (OrderStatus.DELIVERED, 0, 5)
    assert OrderEvent.objects.filter(order=order, from_status=OrderStatus.RETURN_REQUESTED).count() == 1


def test_two_requests_for_one_order_at_once_make_one_return(make_api):
    customer = UserFactory()
    order, _, _ = delivered_order(customer)
    phone, laptop = make_api(customer), make_api(customer)
    body = {"order_id": str(order.pk), "reason": "Changed my mind"}

    responses = run_together(
        lambda: phone.post("/api/v1/returns", body),
        lambda: laptop.post("/api/v1/returns", body),
    )

    assert statuses(responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert (loser["code"], loser["error"]) == (
        "return_not_allowed",
        "return already requested for this order",
    )
    assert Return.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.RETURN_REQUESTED).count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURN_REQUESTED
