"""Hand-made JWTs for the token tests: expired, forged, unsigned, wrong claims."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings


def signed(payload: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key if key is not None else settings.SECRET_KEY, algorithm=algorithm)


def claims(user, *, token_type: str = "access", lifetime: timedelta = timedelta(minutes=5), **extra) -> dict:
    now = datetime.now(UTC)
    payload = {
        "token_type": token_type,
        "user_id": str(user.pk),
        "email": user.email,
        "role": user.role,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    payload.update(extra)
    return {key: value for key, value in payload.items() if value is not None}


def expired(user, *, token_type: str = "access") -> str:
    return signed(claims(user, token_type=token_type, lifetime=timedelta(seconds=-30)))
