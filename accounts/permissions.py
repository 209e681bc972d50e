from rest_framework.permissions import BasePermission

from accounts.models import Role


class IsAdmin(BasePermission):
    """Bearer with role `admin` (role read from the database on this request)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.ADMIN)
