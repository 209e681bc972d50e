"""Auth and profile endpoints E7–E9, E45, E12–E14 (thin: validate, call a service, serialize)."""

from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    UserSerializer,
)
from accounts.throttles import LoginThrottle, RefreshThrottle, RegisterThrottle
from accounts.tokens import token_pair_for
from shop.responses import success


def validated(serializer_class, request, **context):
    serializer = serializer_class(data=request.data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class RegisterView(PublicView):
    throttle_classes = [RegisterThrottle]

    def post(self, request):
        data = validated(RegisterSerializer, request)
        user = services.user_register(**data)
        return success(
            "User registered successfully",
            {"user": UserSerializer(user).data, **token_pair_for(user)},
            status=201,
        )


class LoginView(PublicView):
    throttle_classes = [LoginThrottle]

    def post(self, request):
        data = validated(LoginSerializer, request)
        user = services.user_login(**data)
        return success("Login successful", {"user": UserSerializer(user).data, **token_pair_for(user)})


class RefreshView(PublicView):
    throttle_classes = [RefreshThrottle]

    def post(self, request):
        data = validated(RefreshTokenSerializer, request)
        return success("Token refreshed", services.token_refresh(**data))


class LogoutView(PublicView):
    def post(self, request):
        data = validated(RefreshTokenSerializer, request)
        services.token_logout(**data)
        return success("Logged out successfully")


class ProfileView(APIView):
    def get(self, request):
        return success("Profile retrieved successfully", UserSerializer(request.user).data)

    def put(self, request):
        data = validated(ProfileUpdateSerializer, request)
        user = services.user_profile_update(user=request.user, data=data)
        return success("Profile updated successfully", UserSerializer(user).data)


class PasswordChangeView(APIView):
    def put(self, request):
        data = validated(PasswordChangeSerializer, request, user=request.user)
        services.user_password_change(user=request.user, new_password=data["new_password"])
        return success("Password changed successfully")
