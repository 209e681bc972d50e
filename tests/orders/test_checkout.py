"""Checkout (API.md §5.3) through the service: what is written, and that a failure writes nothing."""

from decimal import Decimal

import pytest

from cart.models import CartItem
from catalog.models import Product, Reservation
from orders.checkout import order_checkout
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from payments.models import Payment, PaymentStatus
from shop.exceptions import CartEmpty, InsufficientStock
from tests.factories import CartFactory, ProductFactory, ReservationFactory, UserFactory, address
from tests.orders.helpers import fill_cart

pytestmark = pytest.mark.django_db


def checkout(user, method="cc", **kwargs):
    kwargs.setdefault("shipping_address", address())
    return order_checkout(user=user, payment_method=method, **kwargs)


def test_card_checkout_writes_order_items_event_payment_and_empties_cart(customer):
    laptop = ProductFactory(price=Decimal("1499.99"), stock_quantity=5, name="Laptop", sku="LAP-1")
    book = ProductFactory(price=Decimal("39.99"), stock_quantity=10)
    cart = fill_cart(customer, (laptop, 2), (book, 1))

    order = checkout(customer, payment_token="tok_visa")

    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert order.total_amount == Decimal("3039.97")
    assert order.order_number.startswith("ORD-")
    items = {item.product_id: item for item in OrderItem.objects.filter(order=order)}
    assert items[laptop.pk].quantity == 2
    assert (items[laptop.pk].price_at_time, items[laptop.pk].product_name, items[laptop.pk].product_sku) == (
        Decimal("1499.99"),
        "Laptop",
        "LAP-1",
    )
    laptop.refresh_from_db()
    book.refresh_from_db()
    assert (laptop.stock_quantity, book.stock_quantity) == (3, 9)
    events = list(OrderEvent.objects.filter(order=order).order_by("created_at", "id"))
    assert [(e.from_status, e.to_status, e.actor_id, e.note) for e in events] == [
        (None, OrderStatus.PENDING, customer.pk, ""),
        (OrderStatus.PENDING, OrderStatus.PROCESSING, None, "payment captured"),
    ]
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount, payment.payment_method) == (
        PaymentStatus.COMPLETED,
        Decimal("3039.97"),
        "cc",
    )
    assert payment.payment_details == {}
    assert not CartItem.objects.filter(cart=cart).exists()
    assert not Reservation.objects.filter(cart=cart).exists()


def test_three_units_at_33_33_total_exactly_99_99(customer):
    product = ProductFactory(price=Decimal("33.33"), stock_quantity=3)
    fill_cart(customer, (product, 3))

    order = checkout(customer, "cod")

    order.refresh_from_db()
    assert order.total_amount == Decimal("99.99")
    assert OrderItem.objects.get(order=order).line_total == Decimal("99.99")


def test_cod_checkout_has_no_payment_and_stays_pending(customer):
    fill_cart(customer, (ProductFactory(), 1))

    order = checkout(customer, "cod", payment_token="tok_decline")

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not Payment.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("token", "decline_code"),
    [("tok_decline", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_declined_card_keeps_order_pending_with_failed_payment_and_stock_taken(customer, token, decline_code):
    product = ProductFactory(stock_quantity=4)
    fill_cart(customer, (product, 3))

    order = checkout(customer, "dc", payment_token=token)

    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert product.stock_quantity == 1
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.FAILED
    assert payment.payment_details == {"decline_code": decline_code}
    assert payment.transaction_id.startswith("TXN-")


def test_gateway_exception_is_recorded_as_gateway_error(customer, settings):
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.BrokenGateway"
    fill_cart(customer, (ProductFactory(), 1))

    order = checkout(customer)

    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.FAILED
    assert payment.payment_details == {"decline_code": "gateway_error"}
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_billing_address_defaults_to_shipping_and_addresses_have_all_seven_keys(customer):
    fill_cart(customer, (ProductFactory(), 1))
    shipping = {k: v for k, v in address(city="Paris").items() if k not in ("state", "phone")}

    order = checkout(customer, "cod", shipping_address=shipping)

    order.refresh_from_db()
    assert order.shipping_address == {**shipping, "state": "", "phone": ""}
    assert order.billing_address == order.shipping_address


def test_given_billing_address_is_kept(customer):
    fill_cart(customer, (ProductFactory(), 1))

    order = checkout(customer, "cod", billing_address=address(full_name="Billing Person"))

    order.refresh_from_db()
    assert order.billing_address["full_name"] == "Billing Person"
    assert order.shipping_address["full_name"] == "Ada Lovelace"


def test_empty_cart_is_refused(customer):
    CartFactory(user=customer)
    with pytest.raises(CartEmpty):
        checkout(customer)
    assert not Order.objects.exists()


def test_checkout_without_a_cart_is_cart_empty_and_writes_nothing(customer):
    with pytest.raises(CartEmpty):
        checkout(customer)
    assert not Order.objects.exists()


def _snapshot():
    return (
        list(Product.objects.order_by("pk").values_list("pk", "stock_quantity")),
        list(CartItem.objects.order_by("pk").values_list("pk", "quantity")),
        list(Reservation.objects.order_by("pk").values_list("pk", "quantity", "expires_at")),
        Order.objects.count(),
        OrderItem.objects.count(),
        OrderEvent.objects.count(),
        Payment.objects.count(),
    )


@pytest.mark.parametrize(
    ("blocker", "quantity", "reserve", "error", "available"),
    [
        pytest.param(
            {"stock_quantity": 2, "name": "Scarce thing"},
            3,
            False,
            "Insufficient stock for Scarce thing. Available: 2",
            2,
            id="insufficient-stock",
        ),
        pytest.param(
            {"stock_quantity": 10, "name": "Old model", "inactive": True},
            1,
            True,
            "Old model is no longer available",
            0,
            id="inactive-product",
        ),
    ],
)
def test_a_line_that_cannot_be_bought_fails_the_checkout_and_writes_nothing(
    customer, blocker, quantity, reserve, error, available
):
    fine = ProductFactory(stock_quantity=10)
    blocked = ProductFactory(**blocker)
    fill_cart(customer, (fine, 1), (blocked, quantity), reserve=reserve)
    before = _snapshot()

    with pytest.raises(InsufficientStock) as raised:
        checkout(customer)

    assert raised.value.error == error
    assert raised.value.details == {
        "product_id": str(blocked.pk),
        "requested": quantity,
        "available": available,
    }
    assert _snapshot() == before


def test_first_failing_line_in_product_id_order_is_reported(customer):
    first, second = sorted(
        [ProductFactory(stock_quantity=0), ProductFactory(stock_quantity=0)], key=lambda p: p.pk
    )
    fill_cart(customer, (second, 1), (first, 1), reserve=False)

    with pytest.raises(InsufficientStock) as raised:
        checkout(customer)

    assert raised.value.details["product_id"] == str(first.pk)


def test_other_carts_active_reservations_count_but_expired_ones_and_own_do_not(customer):
    product = ProductFactory(stock_quantity=10)
    other_cart = CartFactory(user=UserFactory())
    ReservationFactory(cart=other_cart, product=product, quantity=6)
    ReservationFactory(cart=CartFactory(user=UserFactory()), product=product, quantity=9, expired=True)
    fill_cart(customer, (product, 5))

    with pytest.raises(InsufficientStock) as raised:
        checkout(customer)
    assert raised.value.details["available"] == 4

    CartItem.objects.filter(cart__user=customer).update(quantity=4)
    checkout(customer, "cod")
    product.refresh_from_db()
    assert product.stock_quantity == 6


def test_expired_own_line_is_checked_again_against_what_is_available(customer):
    product = ProductFactory(stock_quantity=5)
    cart = fill_cart(customer, (product, 3), reserve=False)
    ReservationFactory(cart=cart, product=product, quantity=3, expired=True)

    order = checkout(customer, "cod")

    assert OrderItem.objects.get(order=order).quantity == 3
    assert not Reservation.objects.filter(cart=cart).exists()


def test_charge_succeeding_for_an_order_cancelled_meanwhile_is_refunded_at_once(customer, settings):
    """The gateway call happens between the two transactions; a cancel can land in between."""
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.CancellingGateway"
    product = ProductFactory(stock_quantity=3)
    fill_cart(customer, (product, 2))

    order = checkout(customer)

    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert product.stock_quantity == 3
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == payment.amount
