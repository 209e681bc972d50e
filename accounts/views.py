"""Auth and profile endpoints E7–E9, E45, E12–E14 (thin: validate, call a service, serialize)."""

from drf_spectacular.utils import extend_schema

from accounts import services
from accounts.serializers import (
    AuthDataSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
    user_data,
)
from accounts.throttles import LoginAccountThrottle, LoginIPThrottle, RefreshThrottle, RegisterThrottle
from accounts.tokens import token_pair_for
from shop.responses import success
from shop.schema import envelope, error_responses
from shop.views import ApiView, PublicApiView


def auth_data(user) -> dict:
    return {"user": user_data(user), **token_pair_for(user)}


class RegisterView(PublicApiView):
    """E7: a new customer account and its first token pair (any `role` key is ignored)."""

    throttle_classes = [RegisterThrottle]

    @extend_schema(
        tags=["auth"],
        request=RegisterSerializer,
        responses={
            201: envelope("RegisterResponse", AuthDataSerializer),
            **error_responses(400, 409, 413, 429),
        },
    )
    def post(self, request):
        data = self.validated(RegisterSerializer)
        user = services.user_register(**data)
        return success("User registered successfully", auth_data(user), status=201)


class LoginView(PublicApiView):
    """E8: a token pair for email + password; every kind of failure answers the same 401. Throttled per
    client IP and per account (the email sent), §1.13."""

    throttle_classes = [LoginIPThrottle, LoginAccountThrottle]

    @extend_schema(
        tags=["auth"],
        request=LoginSerializer,
        responses={200: envelope("LoginResponse", AuthDataSerializer), **error_responses(400, 401, 413, 429)},
    )
    def post(self, request):
        data = self.validated(LoginSerializer)
        user = services.user_login(**data)
        return success("Login successful", auth_data(user))


class RefreshView(PublicApiView):
    """E9: rotate: a new pair for a valid refresh token, which is blacklisted."""

    throttle_classes = [RefreshThrottle]

    @extend_schema(
        tags=["auth"],
        request=RefreshTokenSerializer,
        responses={
            200: envelope("RefreshResponse", TokenPairSerializer),
            **error_responses(400, 401, 413, 429),
        },
    )
    def post(self, request):
        data = self.validated(RefreshTokenSerializer)
        return success("Token refreshed", services.token_refresh(**data))


class LogoutView(PublicApiView):
    """E45: blacklist the refresh token sent; access tokens stay valid until they expire."""

    @extend_schema(
        tags=["auth"],
        request=RefreshTokenSerializer,
        responses={200: envelope("LogoutResponse"), **error_responses(400, 401, 413)},
    )
    def post(self, request):
        data = self.validated(RefreshTokenSerializer)
        services.token_logout(**data)
        return success("Logged out successfully")


class ProfileView(ApiView):
    """E12/E13: the caller's profile; PUT is a partial update (only the keys sent change)."""

    @extend_schema(
        tags=["users"], responses={200: envelope("ProfileResponse", UserSerializer), **error_responses(401)}
    )
    def get(self, request):
        return success("Profile retrieved successfully", user_data(request.user))

    @extend_schema(
        tags=["users"],
        request=ProfileUpdateSerializer,
        responses={
            200: envelope("ProfileUpdateResponse", UserSerializer),
            **error_responses(400, 401, 409, 413),
        },
    )
    def put(self, request):
        data = self.validated(ProfileUpdateSerializer, user=request.user)
        user = services.user_profile_update(user=request.user, data=data)
        return success("Profile updated successfully", user_data(user))


class PasswordChangeView(ApiView):
    """E14: change the password after checking the current one; revokes every refresh token."""

    @extend_schema(
        tags=["users"],
        request=PasswordChangeSerializer,
        responses={200: envelope("PasswordChangeResponse"), **error_responses(400, 401, 413)},
    )
    def put(self, request):
        data = self.validated(PasswordChangeSerializer, user=request.user)
        services.user_password_change(user=request.user, new_password=data["new_password"])
        return success("Password changed successfully")
