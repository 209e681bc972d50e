"""E26 (retry the card payment of an unpaid order) and E27 (verify), API.md §4.7."""

import pytest

from orders.models import OrderEvent, OrderStatus
from payments.models import Payment, PaymentStatus
from tests.factories import PaymentFactory, UserFactory, ago, order_with_item
from tests.helpers import PAYMENT_KEYS, assert_error

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def pay(client, order_id, method="cc", **extra):
    return client.post("/api/v1/payments", {"order_id": str(order_id), "payment_method": method, **extra})


# --- E26 POST /payments --------------------------------------------------------------------------


def test_e26_retry_after_decline_completes_and_moves_order_to_processing(customer, customer_api):
    order, _ = order_with_item(customer)
    PaymentFactory(order=order, failed=True)

    response = pay(customer_api, order.pk, "dc", payment_token="tok_visa")

    body = response.json()
    assert response.status_code == 201, body
    assert body["message"] == "Payment created successfully"
    assert set(body["data"]) == PAYMENT_KEYS
    assert (body["data"]["status"], body["data"]["payment_method"]) == ("completed", "dc")
    assert body["data"]["amount"] == 20.0
    assert body["data"]["payment_details"] == {}
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert order.payment_method == "cc"  # the order's own method is unchanged
    event = OrderEvent.objects.filter(order=order).latest("created_at")
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        "pending",
        "processing",
        None,
        "payment captured",
    )
    assert Payment.objects.filter(order=order).count() == 2


def test_e26_declined_retry_is_201_failed_and_order_stays_pending(customer, customer_api):
    order, _ = order_with_item(customer)

    response = pay(customer_api, order.pk, payment_token="tok_insufficient_funds")

    data = response.json()["data"]
    assert response.status_code == 201
    assert data["status"] == "failed"
    assert data["payment_details"] == {"decline_code": "insufficient_funds"}
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    # a failed attempt does not block the next one
    assert pay(customer_api, order.pk).json()["data"]["status"] == "completed"


def test_e26_unknown_order_is_404(customer_api):
    assert_error(pay(customer_api, UNKNOWN), 404, "not_found", "Order not found", "not_found")


def test_e26_another_users_order_is_404_even_for_an_admin(customer_api, admin_api):
    order, _ = order_with_item(UserFactory())
    assert_error(pay(customer_api, order.pk), 404, "not_found", "Order not found")
    assert_error(pay(admin_api, order.pk), 404, "not_found", "Order not found")
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "status", [PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED]
)
def test_e26_successful_payment_exists_is_409_already_paid(customer, customer_api, status):
    order, _ = order_with_item(customer, status=OrderStatus.PROCESSING)
    PaymentFactory(order=order, status=status)

    response = pay(customer_api, order.pk)

    assert_error(
        response, 409, "already_paid", "Failed to create payment", "payment already exists for this order"
    )
    assert Payment.objects.filter(order=order).count() == 1


def test_e26_pending_payment_is_409_already_in_progress(customer, customer_api):
    order, _ = order_with_item(customer)
    PaymentFactory(order=order, status=PaymentStatus.PENDING)

    response = pay(customer_api, order.pk)

    assert_error(
        response,
        409,
        "already_paid",
        "Failed to create payment",
        "payment already in progress for this order",
    )


def test_e26_cod_order_is_409_payment_not_allowed(customer, customer_api):
    order, _ = order_with_item(customer, payment_method="cod")
    response = pay(customer_api, order.pk)
    assert_error(
        response,
        409,
        "payment_not_allowed",
        "Failed to create payment",
        "cash on delivery orders are paid on delivery",
    )


@pytest.mark.parametrize("status", [s for s in OrderStatus.values if s != OrderStatus.PENDING])
def test_e26_order_not_pending_is_409_payment_not_allowed(customer, customer_api, status):
    order, _ = order_with_item(customer, status=status)
    response = pay(customer_api, order.pk)
    assert_error(
        response, 409, "payment_not_allowed", "Failed to create payment", "order cannot be paid at this stage"
    )
    assert not Payment.objects.exists()


def test_e26_checks_run_in_order_already_paid_before_cod_before_status(customer, customer_api):
    paid_cod, _ = order_with_item(customer, payment_method="cod", status=OrderStatus.DELIVERED)
    PaymentFactory(order=paid_cod)
    cancelled_cod, _ = order_with_item(customer, payment_method="cod", status=OrderStatus.CANCELLED)

    assert pay(customer_api, paid_cod.pk).json()["code"] == "already_paid"
    assert (
        pay(customer_api, cancelled_cod.pk).json()["error"] == "cash on delivery orders are paid on delivery"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "order_id"),
        ({"order_id": "nope", "payment_method": "cc"}, "order_id"),
        ({"order_id": UNKNOWN}, "payment_method"),
        ({"order_id": UNKNOWN, "payment_method": "cod"}, "payment_method"),
        ({"order_id": UNKNOWN, "payment_method": "visa"}, "payment_method"),
        ({"order_id": UNKNOWN, "payment_method": "cc", "payment_token": "x" * 256}, "payment_token"),
        ({"order_id": UNKNOWN, "payment_method": "CC"}, "payment_method"),
        ({"order_id": 5, "payment_method": "cc"}, "order_id"),  # DRF alone reads an int as a UUID
        ({"order_id": UNKNOWN.replace("-", ""), "payment_method": "cc"}, "order_id"),
        ({"order_id": ["x"], "payment_method": "cc"}, "order_id"),
    ],
)
def test_e26_invalid_body_is_400_before_the_order_is_looked_up(customer_api, body, field):
    response = customer_api.post("/api/v1/payments", body)
    result = assert_error(response, 400, "validation_error", "Validation failed")
    assert field in result["errors"]


def test_e26_order_id_and_payment_method_are_trimmed_like_every_string(customer, customer_api):
    order, _ = order_with_item(customer)

    response = pay(customer_api, f" {order.pk} ", " dc ")

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["payment_method"] == "dc"


def test_e26_requires_authentication(api):
    assert_error(pay(api, UNKNOWN), 401, "unauthorized", "Unauthorized")


# --- E27 POST /payments/:id/verify ---------------------------------------------------------------


def verify(client, path_id, **body):
    return client.post(f"/api/v1/payments/{path_id}/verify", body)


def test_e27_matching_transaction_id_is_200_and_changes_nothing(customer, customer_api):
    order, _ = order_with_item(customer)
    payment = PaymentFactory(order=order)
    before = Payment.objects.filter(pk=payment.pk).values().get()

    response = verify(customer_api, payment.pk, transaction_id=payment.transaction_id)

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Payment verified successfully"
    assert body["data"]["id"] == str(payment.pk)
    assert body["data"]["transaction_id"] == payment.transaction_id
    assert Payment.objects.filter(pk=payment.pk).values().get() == before


def test_e27_wrong_transaction_id_is_400_failed_to_verify(customer, customer_api):
    payment = PaymentFactory(order=order_with_item(customer)[0])

    response = verify(customer_api, payment.pk, transaction_id="TXN-00000000")

    body = assert_error(
        response, 400, "validation_error", "Failed to verify payment", "invalid transaction ID"
    )
    assert body["errors"] == {"transaction_id": "invalid transaction ID"}


def test_e27_missing_transaction_id_is_a_plain_validation_error(customer, customer_api):
    payment = PaymentFactory(order=order_with_item(customer)[0])
    body = assert_error(verify(customer_api, payment.pk), 400, "validation_error", "Validation failed")
    assert "transaction_id" in body["errors"]


def test_e27_uses_the_path_id_and_ignores_payment_id_in_the_body(customer, customer_api):
    payment = PaymentFactory(order=order_with_item(customer)[0])
    other = PaymentFactory(order=order_with_item(customer)[0])

    response = verify(
        customer_api, payment.pk, transaction_id=payment.transaction_id, payment_id=str(other.pk)
    )

    assert response.status_code == 200
    assert response.json()["data"]["id"] == str(payment.pk)


def test_e27_payment_of_another_users_order_is_404(customer_api):
    payment = PaymentFactory(order=order_with_item(UserFactory())[0])
    response = verify(customer_api, payment.pk, transaction_id=payment.transaction_id)
    assert_error(response, 404, "not_found", "Payment not found", "not_found")


def test_e27_admin_verifies_any_payment(admin_api):
    payment = PaymentFactory(order=order_with_item(UserFactory())[0])
    assert verify(admin_api, payment.pk, transaction_id=payment.transaction_id).status_code == 200


def test_e27_unknown_payment_is_404_and_malformed_id_400(customer_api):
    assert_error(verify(customer_api, UNKNOWN, transaction_id="TXN-1"), 404, "not_found", "Payment not found")
    assert_error(
        verify(customer_api, "abc", transaction_id="TXN-1"),
        400,
        "invalid_id",
        "Invalid payment ID",
        "invalid UUID",
    )


def test_e27_validation_comes_before_existence(customer_api):
    body = assert_error(verify(customer_api, UNKNOWN), 400, "validation_error", "Validation failed")
    assert "transaction_id" in body["errors"]


# --- E48 GET /payments/history ---------------------------------------------------------------------

HISTORY = "/api/v1/payments/history"


def test_e48_lists_the_callers_payments_of_every_status_newest_first_with_the_order(customer, customer_api):
    first, _ = order_with_item(customer)
    second, _ = order_with_item(customer)
    declined = PaymentFactory(order=first, failed=True, created_at=ago(minutes=30))
    captured = PaymentFactory(order=first, created_at=ago(minutes=20))
    refunded = PaymentFactory(
        order=second,
        status=PaymentStatus.REFUNDED,
        refunded_amount=second.total_amount,
        created_at=ago(minutes=10),
    )
    PaymentFactory(order=order_with_item(UserFactory())[0])  # another shopper's

    response = customer_api.get(HISTORY)

    body = response.json()
    assert response.status_code == 200, body
    assert (body["success"], body["message"]) == (True, "Payments retrieved successfully")
    rows = body["data"]["payments"]
    assert [row["id"] for row in rows] == [str(refunded.pk), str(captured.pk), str(declined.pk)]
    assert all(set(row) == PAYMENT_KEYS | {"order"} for row in rows)
    assert rows[0]["order"] == {"id": str(second.pk), "order_number": second.order_number}
    assert rows[2]["order"] == {"id": str(first.pk), "order_number": first.order_number}
    assert [row["status"] for row in rows] == ["refunded", "completed", "failed"]
    assert rows[2]["payment_details"] == {"decline_code": "card_declined"}
    assert (rows[0]["amount"], rows[0]["refunded_amount"]) == (20.0, 20.0)
    assert body["data"]["meta"] == {"page": 1, "limit": 10, "total": 3, "totalPages": 1}


def test_e48_ties_on_created_at_are_broken_by_id_descending(customer, customer_api):
    order, _ = order_with_item(customer)
    when = ago(minutes=5)
    payments = [PaymentFactory(order=order, failed=True, created_at=when) for _ in range(3)]

    rows = customer_api.get(HISTORY).json()["data"]["payments"]

    assert [row["id"] for row in rows] == sorted((str(p.pk) for p in payments), reverse=True)


def test_e48_paginates_and_past_the_end_is_empty(customer, customer_api):
    order, _ = order_with_item(customer)
    created = [PaymentFactory(order=order, failed=True, created_at=ago(minutes=m)) for m in (5, 4, 3)]

    page1 = customer_api.get(HISTORY, {"page": 1, "limit": 2}).json()["data"]
    page2 = customer_api.get(HISTORY, {"page": 2, "limit": 2}).json()["data"]
    past = customer_api.get(HISTORY, {"page": 3, "limit": 2}).json()["data"]
    lenient = customer_api.get(HISTORY, {"page": "x", "limit": 500}).json()["data"]

    newest_first = [str(p.pk) for p in reversed(created)]
    assert [row["id"] for row in page1["payments"]] == newest_first[:2]
    assert [row["id"] for row in page2["payments"]] == newest_first[2:]
    assert page2["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    assert (past["payments"], past["meta"]["total"]) == ([], 3)
    assert lenient["meta"] == {"page": 1, "limit": 100, "total": 3, "totalPages": 1}


def test_e48_shows_only_the_callers_own_payments_admins_included(customer_api, admin_api):
    PaymentFactory(order=order_with_item(UserFactory())[0])

    for client in (customer_api, admin_api):
        data = client.get(HISTORY).json()["data"]
        assert (data["payments"], data["meta"]["total"]) == ([], 0)


def test_e48_needs_a_bearer_token_and_answers_get_only(api, customer_api):
    assert_error(api.get(HISTORY), 401, "unauthorized", "Unauthorized")
    response = customer_api.post(HISTORY, {})
    assert response.status_code == 405
    assert "POST" not in response["Allow"] and "GET" in response["Allow"]


def test_e48_costs_a_fixed_number_of_queries(customer, customer_api, django_assert_max_num_queries):
    for _ in range(15):
        PaymentFactory(order=order_with_item(customer)[0])

    with django_assert_max_num_queries(3):
        response = customer_api.get(HISTORY, {"limit": 100})

    assert len(response.json()["data"]["payments"]) == 15
