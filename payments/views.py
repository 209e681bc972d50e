"""Payment endpoints E26 (retry the card payment of an unpaid order) and E27 (verify a transaction id),
API.md §4.7."""

from drf_spectacular.utils import extend_schema

from orders.services import order_payment_retry
from payments import selectors, services
from payments.serializers import (
    PaymentCreateSerializer,
    PaymentHistoryPageSerializer,
    PaymentSerializer,
    PaymentVerifySerializer,
    payment_data,
    payment_history_data,
)
from shop.idempotency import idempotent
from shop.ids import parse_uuid
from shop.pagination import EnvelopePagination
from shop.responses import success
from shop.schema import IDEMPOTENCY_PARAM, PAGE_PARAMS, envelope, error_responses
from shop.views import ApiView

TAGS = ["payments"]


class PaymentCreateView(ApiView):
    @extend_schema(
        tags=TAGS,
        request=PaymentCreateSerializer,
        parameters=[IDEMPOTENCY_PARAM],
        responses={
            201: envelope("PaymentCreateResponse", PaymentSerializer),
            **error_responses(400, 401, 404, 409, 413, 422),
        },
    )
    @idempotent
    def post(self, request):
        """E26: charge an unpaid card order again. 201 with the payment: `completed` (the order moves
        to `processing`) or `failed` (it stays `pending`; the client may try again)."""
        data = self.validated(PaymentCreateSerializer)
        payment = order_payment_retry(
            order_id=data["order_id"],
            user=request.user,
            method=data["payment_method"],
            token=data.get("payment_token"),
        )
        return success("Payment created successfully", payment_data(payment), status=201)


class PaymentHistoryView(ApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="payments_history",
        parameters=PAGE_PARAMS,
        responses={
            200: envelope("PaymentHistoryResponse", PaymentHistoryPageSerializer),
            **error_responses(401),
        },
    )
    def get(self, request):
        """E48: the caller's own payments, newest first, every status, each with its order's number."""
        data = EnvelopePagination().paginate(
            selectors.payment_history_for_user(user=request.user),
            request,
            key="payments",
            serialize=lambda payments: [payment_history_data(payment) for payment in payments],
        )
        return success("Payments retrieved successfully", data)


class PaymentVerifyView(ApiView):
    @extend_schema(
        tags=TAGS,
        request=PaymentVerifySerializer,
        responses={
            200: envelope("PaymentVerifyResponse", PaymentSerializer),
            **error_responses(400, 401, 404),
        },
    )
    def post(self, request, payment_id: str):
        """E27: compare a transaction id with the payment's (the path names the payment); changes
        nothing. A mismatch is `400 validation_error` on `transaction_id`."""
        pk = parse_uuid(payment_id, "payment")
        data = self.validated(PaymentVerifySerializer)
        payment = selectors.payment_for_caller(payment_id=pk, user=request.user)
        services.payment_verify(payment=payment, transaction_id=data["transaction_id"])
        return success("Payment verified successfully", payment_data(payment))
