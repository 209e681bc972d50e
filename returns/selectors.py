"""Reads of returns, scoped and prefetched so a page costs the same few queries whatever its size.

A page of returns is: one `COUNT`, one `SELECT` of the returns (with their order number and owner joined
in for the admin shape), one `SELECT` of all their items (with each item's product id joined in).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Prefetch, QuerySet

from returns.models import Return, ReturnItem
from shop.exceptions import NotFound
from shop.queries import subquery_sum

RETURN_FIELDS = (
    "id",
    "order_id",
    "user_id",
    "reason",
    "notes",
    "status",
    "refund_amount",
    "created_at",
    "updated_at",
)


def _items_prefetch() -> Prefetch:
    items = (
        ReturnItem.objects.annotate(product_id=F("order_item__product_id"))
        .only("id", "return_request_id", "order_item_id", "quantity")
        .order_by("order_item__created_at", "order_item_id")
    )
    return Prefetch("items", queryset=items)


def _returns() -> QuerySet[Return]:
    return (
        Return.objects.only(*RETURN_FIELDS).prefetch_related(_items_prefetch()).order_by("-created_at", "-id")
    )


def return_list_for_user(*, user: Any) -> QuerySet[Return]:
    """The user's own returns, newest first, items prefetched."""
    return _returns().filter(user_id=user.pk)


def return_get(*, return_id: Any) -> Return:
    """One return with its items (any owner: for service results and admins). 404 `Return not found`."""
    found = _returns().filter(pk=return_id).first()
    if found is None:
        raise NotFound("Return")
    return found


def return_get_for(*, user: Any, return_id: Any) -> Return:
    """The caller's return, or any return for an admin; another user's is 404 `Return not found`."""
    qs = _returns().filter(pk=return_id)
    if not getattr(user, "is_admin", False):
        qs = qs.filter(user_id=user.pk)
    found = qs.first()
    if found is None:
        raise NotFound("Return")
    return found


def return_list_for_admin(*, status: str | None = None, since: datetime | None = None) -> QuerySet[Return]:
    """Every return, newest first, with order number and owner for the AdminReturn shape.

    `status` is matched exactly (a value that is not a return status matches nothing); `since` keeps
    returns created at or after it (the admin `range_days` filter).
    """
    qs = (
        Return.objects.select_related("order", "user")
        .only(*RETURN_FIELDS, "order__order_number", "user__email")
        .prefetch_related(_items_prefetch())
        .order_by("-created_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs


#: The columns of `return_export_rows`, in order (the Django admin's CSV export of returns).
RETURN_EXPORT_COLUMNS = (
    "order_number",
    "created_at",
    "customer",
    "status",
    "refund_amount",
    "units",
    "reason",
    "updated_at",
)


def return_export_rows(returns: QuerySet[Return]) -> QuerySet:
    """`returns` (filtered and ordered by the caller) as tuples of `RETURN_EXPORT_COLUMNS`, one query
    (the units returned by a correlated subquery), to be streamed with `.iterator()`."""
    units = subquery_sum(
        ReturnItem.objects.filter(return_request=OuterRef("pk")), "quantity", per="return_request"
    )
    return returns.annotate(
        order_number=F("order__order_number"), customer=F("user__email"), units=units
    ).values_list(*RETURN_EXPORT_COLUMNS)
