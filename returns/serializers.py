"""Input validation (E28, E44) and output shapes (Return §2.10, AdminReturn §2.12) of returns.

Output is built by plain functions (`return_data`, `admin_return_data`) over rows of `returns.selectors`;
the serializers beside them document the shapes (OpenAPI)."""

from collections.abc import Iterable, Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from returns.models import Return, ReturnItem, ReturnStatus
from shop.fields import (
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
    TrimmedChoiceField,
    iso_utc,
    to_money,
)
from shop.schema import PageMetaSerializer

DUPLICATE_ITEM = "This order item is listed more than once."
ITEM_ENTRY_INVALID = "Expected an order item id or an object with order_item_id and quantity."


def return_item_data(item: ReturnItem) -> dict[str, Any]:
    """`{order_item_id, product_id, quantity}`; `product_id` is annotated by the selectors."""
    return {
        "order_item_id": str(item.order_item_id),
        "product_id": str(item.product_id),
        "quantity": item.quantity,
    }


def return_data(ret: Return) -> dict[str, Any]:
    """The Return object of §2.10 (items prefetched by the selectors)."""
    return {
        "id": str(ret.pk),
        "order_id": str(ret.order_id),
        "user_id": str(ret.user_id),
        "reason": ret.reason,
        "notes": ret.notes,
        "status": ret.status,
        "refund_amount": to_money(ret.refund_amount),
        "items": [return_item_data(item) for item in ret.items.all()],
        "created_at": iso_utc(ret.created_at),
        "updated_at": iso_utc(ret.updated_at),
    }


def admin_return_data(ret: Return) -> dict[str, Any]:
    """The AdminReturn object of §2.12: Return plus the order number and the owner (joined in)."""
    return {
        **return_data(ret),
        "order": {"order_number": ret.order.order_number},
        "user": {"id": str(ret.user_id), "email": ret.user.email},
    }


def returns_data(rows: Iterable[Return]) -> list[dict[str, Any]]:
    return [return_data(ret) for ret in rows]


def admin_returns_data(rows: Iterable[Return]) -> list[dict[str, Any]]:
    return [admin_return_data(ret) for ret in rows]


class ReturnItemSerializer(serializers.Serializer):
    """`{order_item_id, product_id, quantity}`; `product_id` is annotated by the selectors."""

    order_item_id = serializers.UUIDField(read_only=True)
    product_id = serializers.UUIDField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)


class ReturnSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    order_id = serializers.UUIDField(read_only=True)
    user_id = serializers.UUIDField(read_only=True)
    reason = serializers.CharField(read_only=True)
    notes = serializers.CharField(read_only=True, help_text='the customer\'s extra notes, "" when none')
    status = serializers.CharField(read_only=True)
    refund_amount = MoneyField(read_only=True)
    items = ReturnItemSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class _OrderRefSerializer(serializers.Serializer):
    order_number = serializers.CharField(read_only=True)


class _UserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)


class AdminReturnSerializer(ReturnSerializer):
    order = _OrderRefSerializer(read_only=True)
    user = _UserRefSerializer(read_only=True)


class ReturnItemInputSerializer(serializers.Serializer):
    order_item_id = StrictUUIDField()
    quantity = StrictIntegerField(min_value=1)


RETURN_ITEM_ENTRY_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "order_item_id": {"type": "string", "format": "uuid"},
                "quantity": {"type": "integer", "minimum": 1},
            },
            "required": ["order_item_id", "quantity"],
        },
        {
            "type": "string",
            "format": "uuid",
            "description": "that whole line: ordered − already returned",
        },
    ]
}


@extend_schema_field(RETURN_ITEM_ENTRY_SCHEMA)
class ReturnItemEntryField(serializers.Field):
    """One E28 `items` entry: `{order_item_id, quantity}`, or a plain order-item id string (the Go
    service's web client sends these) meaning the whole remaining line, `quantity` None. A bad id in
    either form is an error on the entry's `order_item_id`."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                return {"order_item_id": StrictUUIDField().run_validation(data), "quantity": None}
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"order_item_id": exc.detail}) from exc
        if isinstance(data, Mapping):
            serializer = ReturnItemInputSerializer(data=data)
            serializer.is_valid(raise_exception=True)
            return dict(serializer.validated_data)
        raise serializers.ValidationError(ITEM_ENTRY_INVALID)

    def to_representation(self, value):  # pragma: no cover - input only
        return value


@extend_schema_field({"type": "array", "items": RETURN_ITEM_ENTRY_SCHEMA, "uniqueItems": True})
class ReturnItemListField(serializers.ListField):
    """E28 `items`: each entry validated, and an order item listed twice is an error on the later
    entry's `order_item_id`. The duplicate check runs with the entries' own checks, so a body with a
    repeated id and, say, a zero quantity elsewhere reports both (API.md §1.5: every failing field)."""

    def run_child_validation(self, data):
        errors: dict[int, dict] = {}
        try:
            result = super().run_child_validation(data)
        except serializers.ValidationError as exc:
            errors, result = dict(exc.detail), None
        seen: set = set()
        for index, entry in enumerate(data):
            item_id = self._item_id(entry)
            if item_id is None:
                continue
            if item_id in seen and "order_item_id" not in errors.get(index, {}):
                errors[index] = {**errors.get(index, {}), "order_item_id": [DUPLICATE_ITEM]}
            seen.add(item_id)
        if errors:
            raise serializers.ValidationError(errors)
        return result

    @staticmethod
    def _item_id(entry):
        """The entry's `order_item_id` (either form) as a UUID, or None when it is missing or not a valid
        id (that entry then carries its own error)."""
        if isinstance(entry, Mapping):
            entry = entry.get("order_item_id")
        try:
            return StrictUUIDField().run_validation(entry)
        except serializers.ValidationError:
            return None


class ReturnCreateSerializer(serializers.Serializer):
    """E28 body. `items` absent, `null` or `[]` = the whole order (`items` then validates to None);
    otherwise each order item at most once, as an object or a plain id. Ids are hyphenated UUID strings
    (§1.8), trimmed (§1.2); `notes` is trimmed too and stored as given, `""` when absent."""

    order_id = StrictUUIDField()
    reason = StrictCharField(max_length=1000)
    notes = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    items = ReturnItemListField(
        child=ReturnItemEntryField(),
        required=False,
        allow_empty=True,
        help_text="absent, null or [] = the whole order",
    )

    def validate_items(self, items):
        return items or None


class ReturnProcessSerializer(serializers.Serializer):
    """E44 body. `refund_amount` and `restock` are `approved` only (API.md E44).

    Where API.md is silent: a rejection ignores those two keys altogether, so a value that would be
    refused when approving (a negative or non-numeric `refund_amount`) does not block a rejection.
    """

    APPROVE_ONLY = ("refund_amount", "restock")

    status = TrimmedChoiceField(choices=[ReturnStatus.APPROVED.value, ReturnStatus.REJECTED.value])
    refund_amount = MoneyField(required=False)
    restock = StrictBooleanField(default=True)
    note = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        status = data.get("status") if isinstance(data, Mapping) else None
        if isinstance(status, str) and status.strip() == ReturnStatus.REJECTED:
            data = {key: value for key, value in data.items() if key not in self.APPROVE_ONLY}
        return super().to_internal_value(data)


class AdminReturnQuerySerializer(serializers.Serializer):
    """E43's `status` filter (exact; NUL refused as in every string). Paging and `range_days` are lenient."""

    status = StrictCharField(required=False, allow_blank=True)


class ReturnPageSerializer(serializers.Serializer):
    returns = ReturnSerializer(many=True)
    meta = PageMetaSerializer()


class AdminReturnPageSerializer(serializers.Serializer):
    returns = AdminReturnSerializer(many=True)
    meta = PageMetaSerializer()
