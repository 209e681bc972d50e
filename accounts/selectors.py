"""Reads of users reused by authentication and the token services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from shop.statements import Statement


def user_active_get(*, user_id: Any) -> User | None:
    """The active user with this id, or None: unknown, deleted, deactivated, or an id that is not a
    UUID (a token's `user_id` claim is only trusted to be whatever was signed)."""
    try:
        pk = uuid.UUID(str(user_id))
    except (TypeError, ValueError, AttributeError):
        return None
    found = _ACTIVE_USER.fetch(pk=pk)
    return found[0] if found else None


def _active_user(*, pk: uuid.UUID) -> QuerySet[User]:
    return User.objects.filter(pk=pk, is_active=True)[:1]


_ACTIVE_USER = Statement(_active_user)  # every authenticated request: compiled once per process


def user_list(*, since: datetime | None = None) -> QuerySet[User]:
    """E41: every user, admins included, newest first; `since` keeps those registered at or after it."""
    users = User.objects.order_by("-created_at", "-id")
    return users.filter(created_at__gte=since) if since is not None else users
