"""Admin user endpoints E41–E42 (API.md §4.11): thin views over accounts selectors and services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer

from accounts import selectors, services
from accounts.permissions import AdminApiView
from accounts.serializers import RoleSerializer, UserSerializer, user_data, users_data
from shop.ids import parse_uuid
from shop.pagination import EnvelopePagination, range_days_param, since_for_range
from shop.responses import success
from shop.schema import PAGE_PARAMS, PageMetaSerializer, envelope, error_responses


class AdminUserListView(AdminApiView):
    @extend_schema(
        tags=["admin: users"],
        operation_id="admin_users_list",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("range_days", str, description="positive = registered in the last N days"),
        ],
        responses={
            200: envelope(
                "AdminUserListResponse",
                inline_serializer(
                    "AdminUserPage", {"users": UserSerializer(many=True), "meta": PageMetaSerializer()}
                ),
            ),
            **error_responses(401, 403),
        },
    )
    def get(self, request):
        """E41: every user, admins included, newest first."""
        users = selectors.user_list(since=since_for_range(range_days_param(request)))
        data = EnvelopePagination().paginate(users, request, key="users", serialize=users_data)
        return success("Users retrieved", data)


class AdminUserRoleView(AdminApiView):
    @extend_schema(
        tags=["admin: users"],
        request=RoleSerializer,
        responses={
            200: envelope(
                "AdminUserRoleResponse", inline_serializer("AdminUserRoleData", {"user": UserSerializer()})
            ),
            **error_responses(400, 401, 403, 404, 409, 413),
        },
    )
    def put(self, request, user_id: str):
        """E42: set a user's role (and Django flags); applies to the user's next request. The last
        active admin cannot be demoted (409 `last_admin`)."""
        pk = parse_uuid(user_id, "user")
        body = RoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.user_role_set(user_id=pk, role=body.validated_data["role"], actor=request.user)
        return success("User role updated successfully", {"user": user_data(user)})
