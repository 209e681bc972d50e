"""Per-IP throttles of register, login and refresh (API.md §1.13), each endpoint with its own counter."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request) -> str:
    """The connection's address; with `NUM_PROXIES` = n > 0, the n-th address from the right of
    `X-Forwarded-For` (the one the outermost trusted proxy saw).

    DRF's own `get_ident` trusts the whole client-supplied `X-Forwarded-For` when `NUM_PROXIES` is unset,
    which would let a client dodge the limit by sending a new header each time; this never does.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    num_proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(num_proxies, len(addresses))] or remote_addr


class AuthRateThrottle(SimpleRateThrottle):
    """Rate `AUTH_THROTTLE_RATE`, counters in the default cache (Redis when `REDIS_URL` is set).

    The rate is read from settings on each request (not frozen at import) so it follows the settings.
    Set `scope` on the subclass.
    """

    scope = "auth"

    def get_rate(self):
        return settings.AUTH_THROTTLE_RATE

    def get_ident(self, request):
        return client_ip(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterThrottle(AuthRateThrottle):
    scope = "auth_register"


class LoginThrottle(AuthRateThrottle):
    scope = "auth_login"


class RefreshThrottle(AuthRateThrottle):
    scope = "auth_refresh"
