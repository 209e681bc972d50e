"""Django admin login lockout on django-axes: an account locks after `ADMIN_LOGIN_ACCOUNT_FAILURES`
failed logins, a client IP only after `ADMIN_LOGIN_IP_FAILURES`. Only `/admin/login/` is guarded; the
API's login has its own throttles (API.md §1.13). Lift a lock with `manage.py axes_reset_username`."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from accounts.models import normalize_email

LOCKED_MESSAGE = (
    "Too many failed logins: this account is locked for {minutes} minutes after the last attempt. "
    "Try again later, or ask a maintainer to lift the lock."
)


class AdminLoginGuardBackend(AxesStandaloneBackend):
    """Refuses every login of a locked account or IP, the right password included.

    `authenticate()` without a request (the API's login, scripts, tests) is not a Django admin login:
    nothing to guard, so it passes on to the next backend instead of raising as axes' own does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AdminLoginLockHandler(AxesDatabaseHandler):
    """axes' database handler with two limits instead of one: per account and, higher, per IP.

    `AXES_LOCKOUT_PARAMETERS` is `["username", "ip_address"]`, so `get_user_attempts` answers the
    account's attempts first and the IP's second; `AXES_FAILURE_LIMIT` is the IP's limit.
    """

    def failures_by_parameter(self, request, credentials=None) -> tuple[int, int]:
        account, ip = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return account, ip

    def is_locked(self, request, credentials=None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        account, ip = self.failures_by_parameter(request, credentials)
        return account >= settings.ADMIN_LOGIN_ACCOUNT_FAILURES or ip >= settings.ADMIN_LOGIN_IP_FAILURES

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """Record the failure (axes), then lock at once if this failure reached the account's limit.

        A failure without a request, or outside the admin, is not an admin login: not recorded.
        """
        if request is None or not self.is_admin_request(request):
            return
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request.axes_locked_out or not self.is_locked(request, credentials):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=admin_login_username(request, credentials),
            ip_address=request.axes_ip_address,
        )

    def user_logged_in(self, sender, request, user, **kwargs):
        """A successful login clears its account's failures, never its IP's: one valid account must not
        let a guesser reset the IP counter (`AXES_RESET_ON_SUCCESS` would reset both)."""
        super().user_logged_in(sender, request, user, **kwargs)
        if request is not None and self.is_admin_request(request):
            AccessAttempt.objects.filter(username=normalize_email(user.get_username())).delete()


def admin_login_username(request, credentials=None) -> str:
    """The account a login attempt names, as the login matches it (trimmed, lower-cased)."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return normalize_email(raw) if isinstance(raw, str) else ""


def admin_login_client_ip(request) -> str | None:
    """The client IP as the API's throttles see it (the connection, or `X-Forwarded-For` behind
    `NUM_PROXIES` trusted proxies)."""
    return BaseThrottle().get_ident(request)


def admin_lockout_response(request, original_response=None, credentials=None):
    """The admin login page again, with the lockout message where a wrong password's message goes (429)."""
    form = AdminAuthenticationForm(request)
    form.cleaned_data = {}
    form.add_error(None, ValidationError(LOCKED_MESSAGE.format(minutes=settings.ADMIN_LOGIN_LOCKOUT_MINUTES)))
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "app_path": request.get_full_path(),
        "form": form,
        "username": "",
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    return render(request, "admin/login.html", context, status=429)
