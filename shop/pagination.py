"""Pagination of API.md §1.6: lenient `page`/`limit`, `meta` with the true total, stable order."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.pagination import BasePagination

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
#: An integer as clients write one: optional sign, ASCII digits (not Python's `1_000` or `２`).
_INTEGER = re.compile(r"[+-]?[0-9]+")
#: Larger than any page, limit or day count can matter: a bigger number reads as this one, so that no
#: digit string meets Python's 4,300-digit `int()` limit and `meta.page` stays a number JSON can write.
INTEGER_CEILING = 10**18


def positive_int(value: Any, default: int) -> int:
    """`value` as an int ≥ 1 (at most `INTEGER_CEILING`), or `default` when missing, not an integer, or
    ≤ 0 (surrounding whitespace is trimmed, as for every string of a request)."""
    text = value.strip() if isinstance(value, str) else ""
    if not _INTEGER.fullmatch(text) or text.startswith("-"):
        return default
    digits = text.lstrip("+").lstrip("0")
    if not digits:
        return default  # zero
    if len(digits) > len(str(INTEGER_CEILING)):
        return INTEGER_CEILING
    return min(int(digits), INTEGER_CEILING)


def limit_param(request, default: int = DEFAULT_LIMIT) -> int:
    return min(positive_int(request.query_params.get("limit"), default), MAX_LIMIT)


def range_days_param(request) -> int:
    """Admin lists' `range_days`: a positive integer, else 0 (all time)."""
    days = positive_int(request.query_params.get("range_days"), 0)
    return days if since_for_range(days) is not None else 0  # reaching back before year 1: all time


def since_for_range(range_days: int):
    """The lower bound on `created_at` for `range_days`, or None for all time.

    A range reaching back before year 1 (`range_days=99999999999`) covers every row: all time.
    """
    now = timezone.now()
    if range_days <= 0 or range_days >= (now - datetime.min.replace(tzinfo=now.tzinfo)).days:
        return None
    return now - timedelta(days=range_days)


@dataclass(frozen=True)
class PageParams:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class EnvelopePagination(BasePagination):
    """`data: {<list key>: [...], "meta": {page, limit, total, totalPages}}`.

    `paginate` counts, then fetches only the requested slice (nothing when past the end).
    """

    def params(self, request) -> PageParams:
        return PageParams(page=positive_int(request.query_params.get("page"), 1), limit=limit_param(request))

    def paginate(
        self,
        queryset: QuerySet,
        request,
        *,
        key: str,
        serialize: Callable[[Sequence[Any]], list[Any]],
        count: int | None = None,
    ) -> dict[str, Any]:
        params = self.params(request)
        total = queryset.count() if count is None else count
        rows = list(queryset[params.offset : params.offset + params.limit]) if params.offset < total else []
        return {key: serialize(rows), "meta": self.meta(params, total)}

    @staticmethod
    def meta(params: PageParams, total: int, *, exact: bool = True) -> dict[str, Any]:
        """§1.6's meta; `total_exact: false` is added only when `total` is an estimate."""
        meta: dict[str, Any] = {
            "page": params.page,
            "limit": params.limit,
            "total": total,
            "totalPages": math.ceil(total / params.limit) if total else 0,
        }
        if not exact:
            meta["total_exact"] = False
        return meta
