"""Payment input (E26, E27) and the Payment shape (API.md §2.9), a plain function as in
`catalog.serializers`; `PaymentSerializer` wraps it for DRF code."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from payments.models import CARD_METHODS, Payment, PaymentMethod, PaymentStatus
from shop.fields import StrictCharField, StrictUUIDField, TrimmedChoiceField, iso_utc, money_field, to_money
from shop.schema import PageMetaSerializer

TOKEN_MAX_LENGTH = 255


class PaymentTokenField(StrictCharField):
    """The card token: passed to the gateway as sent (never trimmed, never stored); optional, ≤ 255."""

    def __init__(self, **kwargs):
        kwargs.update(max_length=TOKEN_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False)
        super().__init__(**kwargs)


class PaymentMethodField(TrimmedChoiceField):
    """A payment method (`cc`, `dc`, `cod`, or the subset given), trimmed."""

    def __init__(self, *, choices=PaymentMethod.values, **kwargs):
        super().__init__(choices=choices, **kwargs)


class PaymentCreateSerializer(serializers.Serializer):
    """E26's body: the order (a UUID string), a card method (recorded on the payment), the token."""

    order_id = StrictUUIDField()
    payment_method = PaymentMethodField(choices=[method.value for method in CARD_METHODS])
    payment_token = PaymentTokenField()


class PaymentVerifySerializer(serializers.Serializer):
    """E27's body (a `payment_id` in it is ignored: the path names the payment)."""

    transaction_id = StrictCharField(max_length=255)


def payment_data(payment: Payment) -> dict[str, Any]:
    """The Payment object of §2.9."""
    return {
        "id": str(payment.pk),
        "order_id": str(payment.order_id),
        "amount": to_money(payment.amount),
        "status": payment.status,
        "payment_method": payment.payment_method,
        "transaction_id": payment.transaction_id,
        "payment_details": payment.payment_details or {},
        "refunded_amount": to_money(payment.refunded_amount),
        "created_at": iso_utc(payment.created_at),
        "updated_at": iso_utc(payment.updated_at),
    }


class PaymentSerializer(serializers.Serializer):
    """The Payment object of §2.9: its fields document the shape (OpenAPI); the output itself is
    `payment_data`."""

    id = serializers.UUIDField()
    order_id = serializers.UUIDField()
    amount = money_field(help_text="the order total at the time of the charge")
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    transaction_id = serializers.CharField(help_text="TXN-<8 hex>")
    payment_details = serializers.DictField(help_text='{} or {"decline_code": ...} for a failed payment')
    refunded_amount = money_field()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Payment) -> dict[str, Any]:
        return payment_data(instance)


def payment_history_data(payment: Payment) -> dict[str, Any]:
    """An E48 entry: the Payment plus `order: {id, order_number}` (`order_number` annotated by the
    selector), as the web client's payment history shows the order number."""
    return {
        **payment_data(payment),
        "order": {"id": str(payment.order_id), "order_number": payment.order_number},
    }


class PaymentOrderRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    order_number = serializers.CharField()


class PaymentHistoryEntrySerializer(PaymentSerializer):
    """An E48 entry (OpenAPI; the output is `payment_history_data`)."""

    order = PaymentOrderRefSerializer()


class PaymentHistoryPageSerializer(serializers.Serializer):
    """E48's `data` (OpenAPI only)."""

    payments = PaymentHistoryEntrySerializer(many=True)
    meta = PageMetaSerializer()
