"""The gateway interface (API.md §5.5). Charges are requested outside any database transaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from payments.models import Payment


class DeclineCode:
    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    GATEWAY_ERROR = "gateway_error"


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    decline_code: str | None = None

    @classmethod
    def declined(cls, code: str) -> ChargeResult:
        return cls(approved=False, decline_code=code)


class PaymentGateway(ABC):
    @abstractmethod
    def charge(self, amount: Decimal, method: str, token: str | None) -> ChargeResult:
        """Charge `amount`; a decline is a result, not an exception."""

    @abstractmethod
    def refund(self, payment: Payment, amount: Decimal, *, idempotency_key: str) -> None:
        """Give `amount` of `payment` back. Raises on failure. A repeated `idempotency_key` must not move
        money twice (every retry of one refund passes the same key)."""


@cache
def _gateway_class(path: str) -> type[PaymentGateway]:
    return import_string(path)


def get_gateway() -> PaymentGateway:
    """The configured gateway (`settings.PAYMENT_GATEWAY`)."""
    return _gateway_class(settings.PAYMENT_GATEWAY)()
