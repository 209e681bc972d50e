"""Who did what (STYLE.md): one Django admin `LogEntry` per staff write (actor, time, object, what changed,
`price: 10.00 → 12.00`), written by the services inside the write's transaction, so the Django admin and
the admin REST API leave the same entries. Customers' and the system's moves leave none: their trace is
the order's status events."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType

__all__ = ["ADDITION", "CHANGE", "DELETION", "audit_log", "audit_text", "changes_between"]


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def audit_text(
    changes: Mapping[str, tuple[Any, Any]] | None = None, *, extra: Mapping[str, Any] | None = None
) -> str:
    """`field: old → new` for each change, then `key: value` for each extra fact, joined by `; `."""
    parts = [f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in (changes or {}).items()]
    parts += [f"{name}: {_shown(value)}" for name, value in (extra or {}).items() if value not in ("", None)]
    return "; ".join(parts)


def changes_between(obj: Any, data: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field: (current value on `obj`, new value)} for the keys of `data` whose value differs."""
    return {name: (getattr(obj, name), value) for name, value in data.items() if getattr(obj, name) != value}


def audit_log(
    *,
    actor: Any,
    obj: Any,
    action: int = CHANGE,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
    label: str | None = None,
) -> LogEntry | None:
    """Record a write to `obj` by `actor` when the actor is staff; returns the entry (None: not staff).
    `label` names the object in lists (default `str(obj)`)."""
    if actor is None or not getattr(actor, "is_staff", False):
        return None
    if action == ADDITION and not changes and not extra:
        message = "Added."
    elif action == DELETION and not changes and not extra:
        message = "Deleted."
    else:
        message = audit_text(changes, extra=extra)
    return LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=(label or str(obj))[:200],
        action_flag=action,
        change_message=message,
    )
