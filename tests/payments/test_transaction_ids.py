"""A payment's random `TXN-<8 hex>` id that is already taken is drawn again, on every path that creates a
payment (checkout by card, E26, the COD payment at delivery): the caller never sees the clash."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderStatus
from orders.services import order_status_set
from payments import services
from payments.models import Payment, PaymentStatus
from tests.factories import PaymentFactory, ProductFactory, order_with_item
from tests.orders.helpers import checkout_body, fill_cart

pytestmark = pytest.mark.django_db

TAKEN, FRESH = "TXN-0000000a", "TXN-0000000b"


@pytest.fixture
def draws(monkeypatch):
    """The ids drawn, in order: the first is an existing payment's."""
    PaymentFactory(transaction_id=TAKEN)
    drawn = iter([TAKEN, FRESH])
    monkeypatch.setattr(services, "new_transaction_id", lambda: next(drawn))


def test_checkout_by_card_runs_again_with_a_new_id_when_the_drawn_one_is_taken(customer, customer_api, draws):
    product = ProductFactory(price=Decimal("4.00"), stock_quantity=5)
    fill_cart(customer, (product, 2))

    response = customer_api.post("/api/v1/orders", checkout_body("cc"))

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["status"], data["payment"]["transaction_id"]) == ("processing", FRESH)
    assert Order.objects.filter(user=customer).count() == 1  # the first attempt left nothing
    product.refresh_from_db()
    assert product.stock_quantity == 3  # taken once


def test_a_payment_retry_draws_again_instead_of_answering_already_paid(customer, customer_api, draws):
    order, _ = order_with_item(customer)

    response = customer_api.post(
        "/api/v1/payments", {"order_id": str(order.pk), "payment_method": "cc", "payment_token": "tok_visa"}
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["data"]["transaction_id"], response.json()["data"]["status"]) == (
        FRESH,
        "completed",
    )


def test_the_cod_payment_at_delivery_draws_again(admin_user, customer, draws):
    order, _ = order_with_item(customer, status=OrderStatus.SHIPPED, payment_method="cod")

    order_status_set(order_id=order.pk, status=OrderStatus.DELIVERED, actor=admin_user)

    payment = Payment.objects.get(order=order)
    assert (payment.transaction_id, payment.status) == (FRESH, PaymentStatus.COMPLETED)


def test_a_live_payment_is_still_already_paid(customer):
    order, _ = order_with_item(customer)
    PaymentFactory(order=order, status=PaymentStatus.PENDING)

    with pytest.raises(services.AlreadyPaid):
        services.payment_create_pending(order_id=order.pk, amount=order.total_amount, method="cc")
