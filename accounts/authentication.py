"""Bearer authentication with the exact answers of API.md §5.1; the user is loaded on every request."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.selectors import user_active_get
from accounts.tokens import VerifiedAccessToken

INVALID_FORMAT = "Invalid token format"
TOKEN_EXPIRED = "Token expired"
INVALID_TOKEN = "Invalid token"
#: Longer than any token this service issues (a few hundred bytes): refused unread. gunicorn lets
#: headers up to 32 KiB through (gunicorn.conf.py), so a huge token is this 401, not gunicorn's 431.
MAX_TOKEN_BYTES = 8 * 1024


def access_token_or_fail(raw: str) -> VerifiedAccessToken:
    """Verify an access token: HS256 signature, `exp` present and in the future, type `access`, `jti`.

    `Token expired` only for a token that would otherwise be a valid access token; an expired refresh
    token (or any other expired token that is not an access token) is `Invalid token`.
    """
    try:
        return VerifiedAccessToken(raw)
    except ExpiredTokenError as exc:
        # PyJWT checks the signature before the expiry, so the payload below is authentic.
        payload = VerifiedAccessToken(raw, verify=False).payload
        if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != VerifiedAccessToken.token_type:
            raise AuthenticationFailed(INVALID_TOKEN) from exc
        raise AuthenticationFailed(TOKEN_EXPIRED) from exc
    except TokenError as exc:
        raise AuthenticationFailed(INVALID_TOKEN) from exc


class BearerAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>`. A missing header leaves the request anonymous, so the
    permission check answers `Missing authorization header` (and public views ignore the header)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split(" ")
        if len(parts) != 2 or parts[0] != self.keyword:
            raise AuthenticationFailed(INVALID_FORMAT)
        raw = parts[1]
        if not raw or len(raw) > MAX_TOKEN_BYTES:
            raise AuthenticationFailed(INVALID_TOKEN)
        token = access_token_or_fail(raw)
        user = user_active_get(user_id=token.payload.get(jwt_settings.USER_ID_CLAIM))
        if user is None:
            raise AuthenticationFailed(INVALID_TOKEN)
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
