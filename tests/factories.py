"""One factory per model (STYLE.md), with traits for common states. Demo data goes through services."""

from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Role, User
from cart.models import Cart, CartItem
from catalog.models import Product, Reservation
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from payments.models import Payment, PaymentMethod, PaymentStatus
from returns.models import Return, ReturnItem, ReturnStatus

PASSWORD = "Correct-Horse-Battery-9"
_PASSWORD_HASH = make_password(PASSWORD)  # hashed once: Argon2 is deliberately slow


def address(**overrides) -> dict:
    return {
        "full_name": "Ada Lovelace",
        "street": "1 Analytical Way",
        "city": "London",
        "state": "",
        "country": "GB",
        "postal_code": "N1 9GU",
        "phone": "",
        **overrides,
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Grace"
    last_name = "Hopper"
    role = Role.CUSTOMER
    password = _PASSWORD_HASH

    class Params:
        admin = factory.Trait(role=Role.ADMIN)
        inactive = factory.Trait(is_active=False)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    description = "A fine product."
    price = Decimal("10.00")
    stock_quantity = 10
    category = "General"

    class Params:
        inactive = factory.Trait(is_active=False)


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    user = factory.SubFactory(UserFactory)


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    unit_price = factory.LazyAttribute(lambda o: o.product.price)


class ReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reservation

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(minutes=10))

    class Params:
        expired = factory.Trait(
            expires_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(seconds=1))
        )


class OrderFactory(factory.django.DjangoModelFactory):
    """An order row only; add items with OrderItemFactory. Traits set the status (and `delivered_at`)."""

    class Meta:
        model = Order

    user = factory.SubFactory(UserFactory)
    total_amount = Decimal("0.00")
    status = OrderStatus.PENDING
    payment_method = PaymentMethod.CREDIT_CARD
    shipping_address = factory.LazyFunction(address)
    billing_address = factory.LazyFunction(address)

    class Params:
        paid = factory.Trait(status=OrderStatus.PROCESSING)
        delivered = factory.Trait(
            status=OrderStatus.DELIVERED, delivered_at=factory.LazyFunction(timezone.now)
        )
        cod = factory.Trait(payment_method=PaymentMethod.CASH_ON_DELIVERY)


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    price_at_time = factory.LazyAttribute(lambda o: o.product.price)
    product_name = factory.LazyAttribute(lambda o: o.product.name)
    product_sku = factory.LazyAttribute(lambda o: o.product.sku)


class OrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    from_status = None
    to_status = OrderStatus.PENDING


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    amount = factory.LazyAttribute(lambda o: o.order.total_amount)
    status = PaymentStatus.COMPLETED
    payment_method = factory.LazyAttribute(lambda o: o.order.payment_method)

    class Params:
        failed = factory.Trait(status=PaymentStatus.FAILED, payment_details={"decline_code": "card_declined"})


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Return

    order = factory.SubFactory(OrderFactory, delivered=True)
    user = factory.LazyAttribute(lambda o: o.order.user)
    reason = "Does not fit"
    status = ReturnStatus.REQUESTED
    refund_amount = factory.LazyAttribute(lambda o: o.order.total_amount)


class ReturnItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnItem

    return_request = factory.SubFactory(ReturnFactory)
    order_item = factory.SubFactory(OrderItemFactory)
    quantity = 1
