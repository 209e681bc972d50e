from rest_framework.permissions import BasePermission, IsAuthenticated

from accounts.models import Role
from shop.views import ApiView


class IsAdmin(BasePermission):
    """Bearer with role `admin` (role read from the database on this request)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.ADMIN)


class AdminApiView(ApiView):
    """Base of every admin REST endpoint: 401 without a valid token, 403 `Admin access required` for a
    customer (the role is read from the database on each request)."""

    permission_classes = [IsAuthenticated, IsAdmin]
