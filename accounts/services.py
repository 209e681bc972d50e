"""Account business rules: registration, login, token refresh/logout, profile and password, roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import Role, User, normalize_email
from accounts.selectors import user_active_get
from accounts.tokens import VerifiedRefreshToken, token_pair_for
from shop.audit import audit_log, changes_between
from shop.exceptions import DuplicateEmail, LastAdmin, NotFound, Unauthorized

INVALID_CREDENTIALS = "invalid email or password"
INVALID_REFRESH_MESSAGE = "Invalid refresh token"
EMAIL_IN_USE = "email already in use"
PROFILE_UPDATE_FAILED = "Failed to update profile"


def email_taken(email: str, *, exclude_id=None) -> bool:
    queryset = User.objects.with_email(email)
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.exists()


def user_register(*, email: str, password: str, first_name: str, last_name: str) -> User:
    """A new customer. The unique index decides between two concurrent registrations of one email."""
    email = normalize_email(email)
    if email_taken(email):
        raise DuplicateEmail()
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name, role=Role.CUSTOMER
            )
    except IntegrityError as exc:
        raise DuplicateEmail() from exc


def user_login(*, email: str, password: str) -> User:
    """Unknown email, wrong password and deactivated account get the same answer."""
    user = authenticate(email=email, password=password)
    if user is None:
        raise Unauthorized(INVALID_CREDENTIALS, message="Login failed")
    return user


def _refresh_token_or_401(raw: str) -> VerifiedRefreshToken:
    try:
        return VerifiedRefreshToken(raw)  # signature, expiry, type `refresh`, and the blacklist
    except TokenError as exc:
        raise Unauthorized("unauthorized", message=INVALID_REFRESH_MESSAGE) from exc


def _blacklist_once(token: VerifiedRefreshToken, *, user: User) -> None:
    """Blacklist `token`; exactly one of several concurrent uses of the same token gets through."""
    jti = token.payload.get(jwt_settings.JTI_CLAIM)
    # A valid signature but not on record (e.g. issued before a database reset): record it now.
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=jti,
        defaults={
            "token": str(token),
            "user": user,
            "created_at": token.current_time,
            "expires_at": datetime_from_epoch(token.payload["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise Unauthorized("unauthorized", message=INVALID_REFRESH_MESSAGE) from exc


def _active_user_of(token: VerifiedRefreshToken) -> User:
    user = user_active_get(user_id=token.payload.get(jwt_settings.USER_ID_CLAIM))
    if user is None:
        raise Unauthorized("unauthorized", message=INVALID_REFRESH_MESSAGE)
    return user


def token_refresh(*, refresh_token: str) -> dict[str, str]:
    """Rotate: the refresh token sent is blacklisted and a new pair with the current claims returned."""
    token = _refresh_token_or_401(refresh_token)
    user = _active_user_of(token)
    _blacklist_once(token, user=user)
    return token_pair_for(user)


def token_logout(*, refresh_token: str) -> None:
    """Blacklist the refresh token sent (E45); the same refusals as a refresh (E9)."""
    token = _refresh_token_or_401(refresh_token)
    _blacklist_once(token, user=_active_user_of(token))


def refresh_tokens_revoke_all(*, user: User) -> int:
    """Blacklist every outstanding refresh token of `user` (password change)."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    rows = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def user_profile_update(*, user: User, data: dict[str, Any]) -> User:
    """Partial update: only the keys present change."""
    fields = [name for name in ("first_name", "last_name", "email") if name in data]
    if not fields:
        return user
    if "email" in data:
        data = {**data, "email": normalize_email(data["email"])}
        if email_taken(data["email"], exclude_id=user.pk):
            raise DuplicateEmail(EMAIL_IN_USE, message=PROFILE_UPDATE_FAILED)
    for name in fields:
        setattr(user, name, data[name])
    try:
        with transaction.atomic():
            user.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as exc:
        raise DuplicateEmail(EMAIL_IN_USE, message=PROFILE_UPDATE_FAILED) from exc
    return user


def user_password_change(*, user: User, new_password: str) -> None:
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        refresh_tokens_revoke_all(user=user)


def is_last_active_admin(user: User) -> bool:
    """Whether `user` is the only active admin (there must always be one: API.md §5.1)."""
    return (
        user.role == Role.ADMIN
        and user.is_active
        and not User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()
    )


def active_admins_lock() -> None:
    """Lock every active admin row, in id order, until the transaction ends, so whoever then demotes or
    deactivates an admin counts the admins left truly (two concurrent demotions serialize)."""
    list(User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).order_by("pk"))


def user_access_check(*, user: User, role: str, is_active: bool) -> None:
    """Refuse (`LastAdmin`) a role or active flag leaving no active admin (API.md §5.1). Run inside the
    transaction that saves the change: when `user` stops being an active admin, the admins are locked."""
    if user.role != Role.ADMIN or not user.is_active or (role == Role.ADMIN and is_active):
        return
    active_admins_lock()
    if is_last_active_admin(user):
        raise LastAdmin()


def user_role_set(*, user_id, role: str, actor: Any = None) -> User:
    """Set a user's role (and Django flags). The last active admin cannot be demoted.

    A demotion locks every active admin row first, so two concurrent demotions of the last two admins
    serialize and the second sees only one admin left; a promotion needs no such lock. A staff `actor`
    gets an audit entry (`role: customer → admin`).
    """
    return user_staff_update(user_id=user_id, data={"role": role}, actor=actor)


#: What staff may change on a user (the Django admin's user page; E42 changes `role` only).
STAFF_EDITABLE_USER_FIELDS = ("email", "first_name", "last_name", "role", "is_active")


def user_staff_update(*, user_id, data: dict[str, Any], actor: Any = None) -> User:
    """Staff change a user's names, email, role (staff flags follow) and active flag.

    The last active admin can be neither demoted nor deactivated (API.md §5.1): a change that could
    remove an admin locks every active admin row first, as `user_role_set` does. Only the values that
    differ are saved; a staff `actor` gets an audit entry of them, old → new.
    """
    data = {name: data[name] for name in STAFF_EDITABLE_USER_FIELDS if name in data}
    if "email" in data:
        data["email"] = normalize_email(data["email"])
    with transaction.atomic():
        if data.get("role") == Role.CUSTOMER or data.get("is_active") is False:  # admins first, then the user
            active_admins_lock()
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound("User")
        changes = changes_between(user, data)
        if not changes:
            return user
        user_access_check(
            user=user, role=data.get("role", user.role), is_active=data.get("is_active", user.is_active)
        )
        if "email" in changes and email_taken(data["email"], exclude_id=user.pk):
            raise DuplicateEmail(EMAIL_IN_USE)
        for name, (_old, new) in changes.items():
            setattr(user, name, new)
        try:
            with transaction.atomic():
                user.save(update_fields=[*changes, "updated_at"])
        except IntegrityError as exc:  # the email taken concurrently: the unique index decides
            raise DuplicateEmail(EMAIL_IN_USE) from exc
        audit_log(actor=actor, obj=user, changes=changes)
        return user


def admin_ensure(*, email: str, password: str) -> tuple[User, bool]:
    """The admin `email` (superuser, role admin), created with `password` if missing. Existing users untouched."""
    email = normalize_email(email)
    existing = User.objects.with_email(email).first()
    if existing is not None:
        return existing, False
    return User.objects.create_superuser(email=email, password=password), True
