"""Input validation and output shapes of accounts (API.md §2.1, §4.2, §4.3)."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import Role, User, normalize_email

CURRENT_PASSWORD_INCORRECT = "Current password is incorrect."


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "created_at", "updated_at"]
        read_only_fields = fields


class EmailField(serializers.EmailField):
    """Trimmed and lower-cased before use."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return normalize_email(super().to_internal_value(data))


def password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(trim_whitespace=False, max_length=128, **kwargs)


def check_password_rules(password: str, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({field: exc.messages[0]}) from exc


class RegisterSerializer(serializers.Serializer):
    email = EmailField()
    password = password_field()
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)

    def validate(self, attrs):
        candidate = User(email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"])
        check_password_rules(attrs["password"], candidate, "password")
        return attrs


class LoginSerializer(serializers.Serializer):
    email = EmailField()
    password = serializers.CharField(trim_whitespace=False)


class RefreshTokenSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(trim_whitespace=False)


class ProfileUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)
    email = EmailField(required=False)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(trim_whitespace=False)
    new_password = password_field()

    def validate_current_password(self, value):
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(CURRENT_PASSWORD_INCORRECT)
        return value

    def validate_new_password(self, value):
        try:
            password_validation.validate_password(value, user=self.context["user"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0]) from exc
        return value


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
