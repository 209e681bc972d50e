"""Admin order endpoints E36–E40 (API.md §4.10) and the best sellers E35: thin views over orders selectors,
services and analytics."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from accounts.permissions import AdminApiView
from orders import selectors, services
from orders.admin_serializers import (
    AdminOrderQuerySerializer,
    AnalyticsSerializer,
    OrderStatusChangeSerializer,
    TopProductsSerializer,
    top_products_data,
)
from orders.analytics import analytics_summary, top_products
from orders.models import OrderStatus
from orders.serializers import (
    AdminOrderPageSerializer,
    AdminOrderSerializer,
    AdminRecentOrdersSerializer,
    admin_order_data,
    admin_orders_data,
)
from shop.exceptions import InvalidTransition, failure_message
from shop.ids import parse_uuid
from shop.pagination import EnvelopePagination, limit_param, range_days_param, since_for_range
from shop.responses import success
from shop.schema import LIMIT_PARAM, PAGE_PARAMS, RANGE_PARAM, envelope, error_responses, text_param

STATUS_FAILED = "Failed to update order status"


class AdminOrderListView(AdminApiView):
    @extend_schema(
        tags=["admin: orders"],
        operation_id="admin_orders_list",
        parameters=[
            *PAGE_PARAMS,
            text_param("status", "exact; one of " + ", ".join(OrderStatus.values) + " (any other: no rows)"),
            text_param("search", "order number or owner email, case-insensitive"),
            RANGE_PARAM,
        ],
        responses={
            200: envelope("AdminOrderListResponse", AdminOrderPageSerializer),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request):
        """E36: every order, newest first, as AdminOrder (filters: status, search, range_days)."""
        query = AdminOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        orders = selectors.order_search_for_admin(
            status=query.validated_data.get("status") or None,
            search=query.validated_data.get("search") or None,
            since=since_for_range(range_days_param(request)),
        )
        data = EnvelopePagination().paginate(orders, request, key="orders", serialize=admin_orders_data)
        return success("All orders retrieved", data)


class AdminRecentOrdersView(AdminApiView):
    @extend_schema(
        tags=["admin: orders"],
        parameters=[LIMIT_PARAM, RANGE_PARAM],
        responses={
            200: envelope("AdminRecentOrdersResponse", AdminRecentOrdersSerializer),
            **error_responses(401, 403),
        },
    )
    def get(self, request):
        """E37: the newest orders of all users (`limit` default 10, at most 100)."""
        limit = limit_param(request)
        orders = selectors.order_search_for_admin(since=since_for_range(range_days_param(request)))
        return success(
            "Recent orders retrieved", {"limit": limit, "orders": admin_orders_data(orders[:limit])}
        )


class AdminOrderDetailView(AdminApiView):
    @extend_schema(
        tags=["admin: orders"],
        responses={
            200: envelope("AdminOrderResponse", AdminOrderSerializer),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request, order_id: str):
        """E38: any order, as AdminOrder."""
        order = selectors.order_detail_for_admin(order_id=parse_uuid(order_id, "order"))
        return success("Order retrieved successfully", admin_order_data(order))


class AdminOrderStatusView(AdminApiView):
    @extend_schema(
        tags=["admin: orders"],
        request=OrderStatusChangeSerializer,
        responses={
            200: envelope("AdminOrderStatusResponse", AdminOrderSerializer),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def put(self, request, order_id: str):
        """E39: move the order through the state machine with the admin as actor; the current status
        again is a no-op without an event."""
        pk = parse_uuid(order_id, "order")
        body = OrderStatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with failure_message(STATUS_FAILED, InvalidTransition):
            services.order_status_set(
                order_id=pk,
                status=body.validated_data["status"],
                actor=request.user,
                note=body.validated_data["note"],
            )
        return success(
            "Order status updated", admin_order_data(selectors.order_detail_for_admin(order_id=pk))
        )


class AdminAnalyticsView(AdminApiView):
    @extend_schema(
        tags=["admin: orders"],
        parameters=[RANGE_PARAM],
        responses={200: envelope("AnalyticsResponse", AnalyticsSerializer), **error_responses(401, 403)},
    )
    def get(self, request):
        """E40: the figures of API.md §5.8, computed by aggregate queries."""
        return success("Analytics retrieved", analytics_summary(range_days=range_days_param(request)))


class AdminTopProductsView(AdminApiView):
    @extend_schema(
        tags=["admin: products"],
        parameters=[LIMIT_PARAM, RANGE_PARAM],
        responses={200: envelope("TopProductsResponse", TopProductsSerializer), **error_responses(401, 403)},
    )
    def get(self, request):
        """E35: best sellers (API.md §5.8), `limit` default 10, at most 100."""
        range_days = range_days_param(request)
        ranking = top_products(limit=limit_param(request), range_days=range_days)
        return success("Top products retrieved", top_products_data(range_days=range_days, ranking=ranking))
