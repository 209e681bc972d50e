"""JWT pairs (simplejwt, HS256): access tokens carry `email` and `role` as information only."""

from __future__ import annotations

from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User


def token_pair_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh["email"] = user.email
    refresh["role"] = user.role
    return {"access_token": str(refresh.access_token), "refresh_token": str(refresh)}
