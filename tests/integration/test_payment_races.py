"""Concurrent E26 retries of one order (API.md §4.7, §5.5): one charge at most."""

import pytest

from orders.models import Order, OrderStatus
from payments.models import Payment, PaymentStatus
from tests.concurrency import run_concurrently
from tests.factories import OrderFactory, PaymentFactory
from tests.orders.gateways import CountingGateway

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_payment_retries_make_one_completed_charge(settings, customer, make_api):
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.CountingGateway"
    CountingGateway.approved = 0
    order = OrderFactory(user=customer)
    PaymentFactory(order=order, failed=True)
    body = {"order_id": str(order.pk), "payment_method": "cc", "payment_token": "tok_visa"}

    results = run_concurrently(
        [lambda: make_api(customer).post("/api/v1/payments", body) for _ in range(10)], workers=10
    )

    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 9
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"already_paid"}
    assert CountingGateway.approved == 1
    assert Payment.objects.filter(order=order, status=PaymentStatus.COMPLETED).count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PROCESSING


def test_concurrent_retries_with_one_idempotency_key_charge_once(settings, customer, make_api):
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.CountingGateway"
    CountingGateway.approved = 0
    order = OrderFactory(user=customer)
    body = {"order_id": str(order.pk), "payment_method": "dc"}

    results = run_concurrently(
        [
            lambda: make_api(customer).post("/api/v1/payments", body, HTTP_IDEMPOTENCY_KEY="pay-1")
            for _ in range(6)
        ],
        workers=6,
    )

    assert {r.status_code for r in results} <= {201, 409}
    assert [r.status_code for r in results].count(201) >= 1
    assert CountingGateway.approved == 1
    assert Payment.objects.filter(order=order).count() == 1
