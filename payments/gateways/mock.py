"""The deterministic mock card gateway (API.md §5.5), decided by `payment_token`."""

from __future__ import annotations

import threading
from decimal import Decimal

from payments.gateways.base import ChargeResult, DeclineCode, PaymentGateway

DECLINING_TOKENS = {
    "tok_decline": DeclineCode.CARD_DECLINED,
    "tok_insufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,
}


class MockGateway(PaymentGateway):
    """`tok_decline` and `tok_insufficient_funds` decline; any other token, or none, is approved.

    Refunds always succeed and honour the idempotency key: a key seen before is answered without moving
    money again (`refunded` maps each key to the first amount, per process).
    """

    refunded: dict[str, Decimal] = {}
    _lock = threading.Lock()

    def charge(self, amount: Decimal, method: str, token: str | None) -> ChargeResult:
        code = DECLINING_TOKENS.get(token or "")
        return ChargeResult.declined(code) if code else ChargeResult(approved=True)

    def refund(self, payment, amount: Decimal, *, idempotency_key: str) -> None:
        with MockGateway._lock:
            MockGateway.refunded.setdefault(idempotency_key, amount)
