"""Per-IP throttles of register, login and refresh (API.md §1.13), each endpoint with its own counter."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """Rate `AUTH_THROTTLE_RATE`, counters in the default cache (Redis when `REDIS_URL` is set).

    The rate is read from settings on each request (not frozen at import) so it follows the settings.
    Set `scope` on the subclass; the client IP honours `NUM_PROXIES`.
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
