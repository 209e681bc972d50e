"""Order endpoints E21–E25 (API.md §4.6). Thin: validate, call one service or selector, serialize."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from orders import selectors, services
from orders.checkout import order_checkout
from orders.models import OrderStatus
from orders.serializers import (
    CheckoutSerializer,
    OrderPageSerializer,
    OrderSerializer,
    admin_order_data,
    order_data,
    orders_data,
)
from payments.serializers import PaymentSerializer, payment_data
from shop.exceptions import InsufficientStock, InvalidTransition, failure_message
from shop.idempotency import idempotent
from shop.ids import parse_uuid
from shop.pagination import EnvelopePagination
from shop.responses import success
from shop.schema import IDEMPOTENCY_PARAM, PAGE_PARAMS, envelope, error_responses
from shop.views import ApiView

TAGS = ["orders"]
CREATE_FAILED = "Failed to create order"
CANCEL_FAILED = "Failed to cancel order"

STATUS_PARAM = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    description="only orders in this status (" + ", ".join(OrderStatus.values) + "; case-insensitive); "
    "any other value is ignored",
)


def order_for_caller_data(order, user) -> dict:
    """E24's shape: AdminOrder for an admin caller, Order otherwise."""
    return admin_order_data(order) if user.is_admin else order_data(order)


class OrderListCreateView(ApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="orders_list",
        parameters=[*PAGE_PARAMS, STATUS_PARAM],
        responses={200: envelope("OrderListResponse", OrderPageSerializer), **error_responses(401)},
    )
    def get(self, request):
        """E22: the caller's own orders, newest first, with items; `status` keeps one status."""
        status = selectors.order_status_from_query(request.query_params.get("status"))
        data = EnvelopePagination().paginate(
            selectors.order_list_for_user(user=request.user, status=status),
            request,
            key="orders",
            serialize=orders_data,
        )
        return success("Orders retrieved successfully", data)

    @extend_schema(
        tags=TAGS,
        request=CheckoutSerializer,
        parameters=[IDEMPOTENCY_PARAM],
        responses={
            201: envelope("OrderCreateResponse", OrderSerializer),
            **error_responses(400, 401, 409, 413, 422),
        },
    )
    @idempotent
    def post(self, request):
        """E21: checkout of the caller's cart (§5.3). The answer is the order as it stands after the
        payment step: `processing` after a successful card charge, `pending` for COD or a decline."""
        data = self.validated(CheckoutSerializer)
        with failure_message(CREATE_FAILED, InsufficientStock):
            order = order_checkout(
                user=request.user,
                payment_method=data["payment_method"],
                shipping_address=data["shipping_address"],
                billing_address=data.get("billing_address"),
                payment_token=data.get("payment_token"),
            )
        order = selectors.order_after_checkout(order=order)
        return success("Order created successfully", order_data(order), status=201)


class OrderDetailView(ApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="orders_retrieve",
        responses={
            200: envelope("OrderResponse", OrderSerializer),
            **error_responses(400, 401, 404),
        },
        description="The caller's order; an admin caller gets any order, as AdminOrder (Order plus `user`).",
    )
    def get(self, request, order_id: str):
        """E24: the caller's order (any order for an admin, as AdminOrder)."""
        order = selectors.order_for_caller(order_id=parse_uuid(order_id, "order"), user=request.user)
        return success("Order retrieved successfully", order_for_caller_data(order, request.user))


class OrderCancelView(ApiView):
    @extend_schema(
        tags=TAGS,
        request=None,
        responses={
            200: envelope("OrderCancelResponse", OrderSerializer),
            **error_responses(400, 401, 404, 409),
        },
    )
    def put(self, request, order_id: str):
        """E25: cancel a `pending` or `processing` order: stock back, a captured payment refunded in
        full. The body is never read."""
        pk = parse_uuid(order_id, "order")
        with failure_message(CANCEL_FAILED, InvalidTransition):
            services.order_cancel(order_id=pk, user=request.user)
        order = selectors.order_for_caller(order_id=pk, user=request.user)
        return success("Order cancelled successfully", order_for_caller_data(order, request.user))


class OrderPaymentView(ApiView):
    @extend_schema(
        tags=TAGS,
        responses={
            200: envelope("OrderPaymentResponse", PaymentSerializer),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, order_id: str):
        """E23: the order's latest payment."""
        payment = selectors.payment_latest_for_order(
            order_id=parse_uuid(order_id, "order"), user=request.user
        )
        return success("Payment retrieved successfully", payment_data(payment))
