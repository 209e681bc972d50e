"""Input validation and output shapes of accounts (API.md §2.1, §4.2, §4.3). The User shape is the plain
function `user_data`; `UserSerializer` documents it (OpenAPI)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import Role, User, normalize_email
from shop.fields import StrictCharField, StrictEmailField, TrimmedChoiceField, iso_utc

CURRENT_PASSWORD_INCORRECT = "Current password is incorrect."


def user_data(user: User) -> dict[str, Any]:
    """The User object of §2.1."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "created_at": iso_utc(user.created_at),
        "updated_at": iso_utc(user.updated_at),
    }


def users_data(users: Iterable[User]) -> list[dict[str, Any]]:
    return [user_data(user) for user in users]


class UserSerializer(serializers.ModelSerializer):
    """The User object of §2.1 (OpenAPI; the output is `user_data`)."""

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "created_at", "updated_at"]
        read_only_fields = fields

    def to_representation(self, instance: User) -> dict[str, Any]:
        return user_data(instance)


class EmailField(StrictEmailField):
    """Trimmed and lower-cased before use."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return normalize_email(super().to_internal_value(data))


def password_field(**kwargs) -> StrictCharField:
    return StrictCharField(trim_whitespace=False, max_length=128, **kwargs)


def password_problem(password: str, user: User) -> str | None:
    """The first message of Django's password validators for `password` judged against `user`, or None."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        return exc.messages[0]
    return None


class RegisterSerializer(serializers.Serializer):
    email = EmailField()
    password = password_field()
    first_name = StrictCharField(max_length=100)
    last_name = StrictCharField(max_length=100)

    def validate_password(self, value):
        """Judged at field level so that its error is listed beside the other fields' errors; the
        similarity check uses whatever email and names were sent (strings only). A value over its own
        length limit fails on its own field and is left out: comparing the password with every word of a
        1 MiB "name" would cost seconds of CPU per request."""
        sent = {
            name: self.initial_data.get(name).strip()
            for name in ("email", "first_name", "last_name")
            if isinstance(self.initial_data.get(name), str)
            and len(self.initial_data.get(name).strip()) <= self.fields[name].max_length
        }
        if "email" in sent:
            sent["email"] = normalize_email(sent["email"])
        problem = password_problem(value, User(**sent))
        if problem:
            raise serializers.ValidationError(problem)
        return value


class LoginSerializer(serializers.Serializer):
    email = EmailField()
    password = StrictCharField(trim_whitespace=False)


class RefreshTokenSerializer(serializers.Serializer):
    refresh_token = StrictCharField(trim_whitespace=False)


class ProfileUpdateSerializer(serializers.Serializer):
    """E13's body. Changing the email (to one different from the account's, after normalisation) needs
    `current_password`: a stolen access token alone must not be able to take the account over through
    a password reset to a new address. The same email sent back unchanged needs none."""

    first_name = StrictCharField(max_length=100, required=False)
    last_name = StrictCharField(max_length=100, required=False)
    email = EmailField(required=False)
    current_password = StrictCharField(
        trim_whitespace=False,
        required=False,
        write_only=True,
        help_text="Required only when `email` differs from the account's current email.",
    )

    def to_internal_value(self, data):
        """Field errors and the `current_password` check are listed together (one message per field)."""
        errors: dict = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors, value = dict(exc.detail), None
        problem = None if "email" in errors else self.current_password_problem(data)
        if problem and "current_password" not in errors:
            errors["current_password"] = [problem]
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def current_password_problem(self, data) -> str | None:
        email = data.get("email") if isinstance(data, dict) else None
        user = self.context["user"]
        if not isinstance(email, str) or normalize_email(email) == normalize_email(user.email):
            return None
        password = data.get("current_password")
        if password is None or password == "":
            return self.fields["current_password"].error_messages["required"]
        if not isinstance(password, str):
            return self.fields["current_password"].error_messages["invalid"]
        if not user.check_password(password):
            return CURRENT_PASSWORD_INCORRECT
        return None


class PasswordChangeSerializer(serializers.Serializer):
    current_password = StrictCharField(trim_whitespace=False)
    new_password = password_field()

    def validate_current_password(self, value):
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(CURRENT_PASSWORD_INCORRECT)
        return value

    def validate_new_password(self, value):
        problem = password_problem(value, self.context["user"])
        if problem:
            raise serializers.ValidationError(problem)
        return value


class RoleSerializer(serializers.Serializer):
    role = TrimmedChoiceField(choices=Role.choices)


class TokenPairSerializer(serializers.Serializer):
    """TokenPair (API.md §2.15), the `data` of E9."""

    access_token = serializers.CharField()
    refresh_token = serializers.CharField()


class AuthDataSerializer(TokenPairSerializer):
    """AuthData (API.md §2.15), the `data` of E7 and E8."""

    user = UserSerializer()
