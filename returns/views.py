"""Return endpoints E28–E30 (bearer) and E43–E44 (admin): validate, call a service or selector, serialize."""

from drf_spectacular.utils import extend_schema

from accounts.permissions import AdminApiView
from returns import selectors, services
from returns.models import ReturnStatus
from returns.serializers import (
    AdminReturnPageSerializer,
    AdminReturnQuerySerializer,
    ReturnCreateSerializer,
    ReturnPageSerializer,
    ReturnProcessSerializer,
    ReturnSerializer,
    admin_returns_data,
    return_data,
    returns_data,
)
from shop.exceptions import InvalidTransition, ReturnNotAllowed, failure_message
from shop.ids import parse_uuid
from shop.pagination import EnvelopePagination, range_days_param, since_for_range
from shop.responses import success
from shop.schema import PAGE_PARAMS, RANGE_PARAM, envelope, error_responses, text_param
from shop.views import ApiView


class ReturnListCreateView(ApiView):
    @extend_schema(
        tags=["returns"],
        request=ReturnCreateSerializer,
        responses={
            201: envelope("ReturnCreateResponse", ReturnSerializer),
            **error_responses(400, 401, 404, 409, 413),
        },
    )
    def post(self, request):
        data = self.validated(ReturnCreateSerializer)
        with failure_message("Failed to create return", ReturnNotAllowed):
            created = services.return_request(
                user=request.user,
                order_id=data["order_id"],
                reason=data["reason"],
                notes=data["notes"],
                items=data.get("items"),
            )
        body = return_data(selectors.return_get(return_id=created.pk))
        return success("Return created successfully", body, status=201)

    @extend_schema(
        tags=["returns"],
        operation_id="returns_list",
        parameters=PAGE_PARAMS,
        responses={200: envelope("ReturnListResponse", ReturnPageSerializer), **error_responses(401)},
    )
    def get(self, request):
        queryset = selectors.return_list_for_user(user=request.user)
        page = EnvelopePagination().paginate(queryset, request, key="returns", serialize=returns_data)
        return success("Returns retrieved successfully", page)


class ReturnDetailView(ApiView):
    @extend_schema(
        tags=["returns"],
        operation_id="returns_retrieve",
        responses={200: envelope("ReturnDetailResponse", ReturnSerializer), **error_responses(400, 401, 404)},
    )
    def get(self, request, return_id: str):
        pk = parse_uuid(return_id, "return")
        found = selectors.return_get_for(user=request.user, return_id=pk)
        return success("Return retrieved successfully", return_data(found))


class AdminReturnListView(AdminApiView):
    @extend_schema(
        tags=["admin: returns"],
        operation_id="admin_returns_list",
        parameters=[
            *PAGE_PARAMS,
            text_param("status", "exact; one of " + ", ".join(ReturnStatus.values) + " (any other: no rows)"),
            RANGE_PARAM,
        ],
        responses={
            200: envelope("AdminReturnListResponse", AdminReturnPageSerializer),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request):
        query = self.validated(AdminReturnQuerySerializer, request.query_params)
        queryset = selectors.return_list_for_admin(
            status=query.get("status") or None, since=since_for_range(range_days_param(request))
        )
        page = EnvelopePagination().paginate(queryset, request, key="returns", serialize=admin_returns_data)
        return success("All returns retrieved", page)


class AdminReturnProcessView(AdminApiView):
    @extend_schema(
        tags=["admin: returns"],
        request=ReturnProcessSerializer,
        responses={
            200: envelope("ReturnProcessResponse", ReturnSerializer),
            **error_responses(400, 401, 403, 404, 409, 413),
        },
    )
    def post(self, request, return_id: str):
        pk = parse_uuid(return_id, "return")
        data = self.validated(ReturnProcessSerializer)
        with failure_message(services.PROCESS_FAILED, InvalidTransition):
            if data["status"] == ReturnStatus.APPROVED:
                processed = services.return_approve(
                    return_id=pk,
                    admin=request.user,
                    refund_amount=data.get("refund_amount"),
                    restock=data["restock"],
                    note=data["note"],
                )
            else:
                processed = services.return_reject(return_id=pk, admin=request.user, note=data["note"])
        return success("Return processed", return_data(selectors.return_get(return_id=processed.pk)))
