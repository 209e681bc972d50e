"""Test gateways, selected with `settings.PAYMENT_GATEWAY = "tests.orders.gateways.<Name>"`."""

from __future__ import annotations

import threading
from decimal import Decimal

from orders.models import Order, OrderStatus
from orders.services import order_cancel
from payments.gateways.base import ChargeResult
from payments.gateways.mock import MockGateway


class BrokenGateway(MockGateway):
    """Every charge raises, as a gateway outage would."""

    def charge(self, amount: Decimal, method: str, token: str | None) -> ChargeResult:
        raise ConnectionError("gateway unreachable")


class CancellingGateway(MockGateway):
    """Approves, but first the owner cancels the latest pending order (a cancel racing the charge)."""

    def charge(self, amount: Decimal, method: str, token: str | None) -> ChargeResult:
        order = Order.objects.filter(status=OrderStatus.PENDING).select_related("user").latest("created_at")
        order_cancel(order_id=order.pk, user=order.user)
        return super().charge(amount, method, token)


class SlowGateway(MockGateway):
    """Approves once `release` is set; `entered` counts the charges waiting (concurrency tests)."""

    release = threading.Event()
    entered = threading.Semaphore(0)

    def charge(self, amount: Decimal, method: str, token: str | None) -> ChargeResult:
        SlowGateway.entered.release()
        SlowGateway.release.wait(timeout=30)
        return super().charge(amount, method, token)


class CountingGateway(MockGateway):
    """The mock, counting its approved charges (shared across threads)."""

    approved = 0
    lock = threading.Lock()

    def charge(self, amount: Decimal, method: str, token: str | None) -> ChargeResult:
        result = super().charge(amount, method, token)
        if result.approved:
            with CountingGateway.lock:
                CountingGateway.approved += 1
        return result


class SpyGateway(MockGateway):
    """The mock gateway, recording every refund asked of it (shared across threads); the `spy_gateway`
    fixture selects it and hands the test its list of (payment id, amount)."""

    refunds: list[tuple] = []

    def refund(self, payment, amount: Decimal, *, idempotency_key: str) -> None:
        SpyGateway.refunds.append((payment.pk, amount))


class FlakyRefundGateway(MockGateway):
    """Refunds raise `failures` times, then go through the mock; `keys` holds the idempotency key of every
    refund call, in order (the `flaky_refunds` fixture selects it and resets it)."""

    failures = 0
    keys: list[str] = []
    lock = threading.Lock()

    def refund(self, payment, amount: Decimal, *, idempotency_key: str) -> None:
        with FlakyRefundGateway.lock:
            FlakyRefundGateway.keys.append(idempotency_key)
            if FlakyRefundGateway.failures > 0:
                FlakyRefundGateway.failures -= 1
                raise ConnectionError("refund gateway unreachable")
        super().refund(payment, amount, idempotency_key=idempotency_key)
