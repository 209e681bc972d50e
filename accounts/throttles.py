"""Throttles of register, login and refresh (API.md §1.13): login per account and per client IP, register
and refresh per IP, each endpoint its own counters. One IP may stand for a storefront's server, so the
account counter stops password guessing and the (higher) IP rate only caps a flood. Counters live in the
shared default cache (Redis with `REDIS_URL`, else a database table); rates are read per request."""

from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import normalize_email
from shop.exceptions import ShopError
from shop.parsers import parse_json_body


class IPRateThrottle(SimpleRateThrottle):
    """Rate `AUTH_IP_THROTTLE_RATE` per client IP. The client IP is DRF's `get_ident`: the connection's
    address, or with `NUM_PROXIES` = n > 0 the n-th address from the right of `X-Forwarded-For` (settings
    pass `NUM_PROXIES` to DRF as an int, so with 0 a client-supplied `X-Forwarded-For` is never trusted).
    Set `scope` on the subclass."""

    scope = "auth_ip"

    def get_rate(self):
        return settings.AUTH_IP_THROTTLE_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterThrottle(IPRateThrottle):
    scope = "auth_register"


class LoginIPThrottle(IPRateThrottle):
    scope = "auth_login"


class RefreshThrottle(IPRateThrottle):
    scope = "auth_refresh"


def login_email(request) -> str | None:
    """The `email` of a login body, trimmed and lower-cased, or None when the body is not a JSON object
    or its `email` is not a non-empty string (then only the IP counter applies; the view reports the
    error). The raw body is parsed here rather than `request.data`: DRF would remember a parse failure
    as an empty body, and the view must still answer `invalid_json`."""
    try:
        email = parse_json_body(request.body).get("email")
    except ShopError:
        return None
    if not isinstance(email, str):
        return None
    return normalize_email(email) or None


class LoginAccountThrottle(SimpleRateThrottle):
    """Rate `AUTH_THROTTLE_RATE` per account: the email sent, normalised, unknown emails too, so a wrong
    password for one account never slows another down. The key holds a hash of the email, not the email
    (no personal data in the cache, and a fixed key length whatever was sent)."""

    scope = "auth_login_account"

    def get_rate(self):
        return settings.AUTH_THROTTLE_RATE

    def get_cache_key(self, request, view):
        email = login_email(request)
        if email is None:
            return None
        digest = hashlib.sha256(email.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
