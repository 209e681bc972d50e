"""Query pieces every app's selectors share (imports no app)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Subquery, Sum


def subquery_sum(rows: QuerySet, value: Any, *, per: str, output_field: Any = None) -> Subquery:
    """Σ `value` over `rows` (filtered on an `OuterRef`), grouped `per` that reference, as one correlated
    subquery: NULL when there is no row."""
    total = rows.order_by().values(per).annotate(total=Sum(value)).values("total")
    return Subquery(total, output_field=output_field)
