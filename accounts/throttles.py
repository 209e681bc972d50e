"""Per-IP throttles of register, login and refresh (API.md §1.13), each endpoint with its own counter."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """Rate `AUTH_THROTTLE_RATE`, counters in the default cache (Redis when `REDIS_URL` is set).

    The rate is read from settings on each request (not frozen at import) so it follows the settings.
    The client IP is DRF's `get_ident`: the connection's address, or with `NUM_PROXIES` = n > 0 the n-th
    address from the right of `X-Forwarded-For` (settings pass `NUM_PROXIES` to DRF as an int, so with 0
    a client-supplied `X-Forwarded-For` is never trusted). Set `scope` on the subclass.
    """

    scope = "auth"

    def get_rate(self):
        return settings.AUTH_THROTTLE_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterThrottle(AuthRateThrottle):
    scope = "auth_register"


class LoginThrottle(AuthRateThrottle):
    scope = "auth_login"


class RefreshThrottle(AuthRateThrottle):
    scope = "auth_refresh"
