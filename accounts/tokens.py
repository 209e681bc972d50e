"""JWT pairs (simplejwt, HS256): access tokens carry `email` and `role` as information only.
`VerifiedAccessToken` / `VerifiedRefreshToken` check a signed token's claims before simplejwt trusts them,
so a malformed one is a 401 like any invalid token, never a 500 (API.md §5.1)."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User

JTI_MAX_LENGTH = OutstandingToken._meta.get_field("jti").max_length


def check_claims_shape(payload: dict[str, Any]) -> None:
    """`jti` a non-empty string that fits the blacklist's column; `exp` a representable timestamp."""
    jti = payload.get(jwt_settings.JTI_CLAIM)
    if not isinstance(jti, str) or not jti or len(jti) > JTI_MAX_LENGTH:
        raise TokenError("Token has no valid id")
    try:
        datetime_from_epoch(payload["exp"])
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise TokenError("Token has no valid expiry") from exc


class ClaimsShapeMixin:
    def verify(self) -> None:
        check_claims_shape(self.payload)
        super().verify()


class VerifiedAccessToken(ClaimsShapeMixin, AccessToken):
    pass


class VerifiedRefreshToken(ClaimsShapeMixin, RefreshToken):
    pass


def token_pair_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh["email"] = user.email
    refresh["role"] = user.role
    return {"access_token": str(refresh.access_token), "refresh_token": str(refresh)}
