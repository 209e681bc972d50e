"""Bearer authentication with the exact answers of API.md §5.1; the user is loaded on every request."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User

INVALID_FORMAT = "Invalid token format"
TOKEN_EXPIRED = "Token expired"
INVALID_TOKEN = "Invalid token"


class BearerAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>`. A missing header leaves the request anonymous, so the
    permission check answers `Missing authorization header`."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split(" ")
        if len(parts) != 2 or parts[0] != self.keyword:
            raise AuthenticationFailed(INVALID_FORMAT)
        raw = parts[1]
        if not raw:
            raise AuthenticationFailed(INVALID_TOKEN)
        try:
            token = AccessToken(raw)
        except ExpiredTokenError as exc:
            raise AuthenticationFailed(TOKEN_EXPIRED) from exc
        except TokenError as exc:
            raise AuthenticationFailed(INVALID_TOKEN) from exc
        user = User.objects.filter(pk=token.payload.get("user_id"), is_active=True).first()
        if user is None:
            raise AuthenticationFailed(INVALID_TOKEN)
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
