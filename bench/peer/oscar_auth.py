"""Session authentication for the peer's API clients, without the browser-only CSRF check."""

from rest_framework.authentication import SessionAuthentication


class SessionAuthenticationNoCsrf(SessionAuthentication):
    def enforce_csrf(self, request):
        return None
