"""One factory per model (STYLE.md), with traits for common states. Demo data goes through services."""

from datetime import timedelta
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
    """An order; traits `delivered` and `cod`. `lines=[(price, quantity[, stock])]` adds one item per line,
    each of its own product (`lines__stock`, default 5), the total their sum (`order.line_items`);
    `event=True` its first status event; `paid=True` a completed payment of the total by the order's
    method: the one meaning of a paid order in the tests."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    total_amount = Decimal("0.00")
    status = OrderStatus.PENDING
    payment_method = PaymentMethod.CREDIT_CARD
    shipping_address = factory.LazyFunction(address)
    billing_address = factory.LazyFunction(address)

    class Params:
        delivered = factory.Trait(
            status=OrderStatus.DELIVERED, delivered_at=factory.LazyFunction(timezone.now)
        )
        cod = factory.Trait(payment_method=PaymentMethod.CASH_ON_DELIVERY)

    @factory.post_generation
    def lines(order, create, extracted, stock=5, **kwargs):
        if not extracted:
            return
        order.line_items = []
        for price, quantity, *line_stock in extracted:
            product = ProductFactory(
                price=Decimal(price), stock_quantity=line_stock[0] if line_stock else stock
            )
            order.line_items.append(OrderItemFactory(order=order, product=product, quantity=quantity))
        order.total_amount = sum((item.line_total for item in order.line_items), Decimal("0"))
        order.save(update_fields=["total_amount"])

    @factory.post_generation
    def event(order, create, extracted, **kwargs):
        if extracted:
            OrderEventFactory(order=order)

    @factory.post_generation
    def paid(order, create, extracted, **kwargs):
        if extracted:
            PaymentFactory(order=order)


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


def ago(days: float = 0, **kwargs: float):
    return timezone.now() - timedelta(days=days, **kwargs)


def make_order(status, total="0.00", *, user=None, days_ago: float = 0, items=(), **fields):
    """An order created `days_ago` days ago with a stated total and (product, quantity, unit price) items."""
    extra = {"user": user} if user is not None else {}
    order = OrderFactory(
        status=status, total_amount=Decimal(total), created_at=ago(days_ago), **extra, **fields
    )
    for product, quantity, price in items:
        OrderItemFactory(order=order, product=product, quantity=quantity, price_at_time=Decimal(price))
    return order


def order_with_lines(user=None, *, lines=(("10.00", 2),), stock: int = 5, event=False, paid=False, **fields):
    """`OrderFactory(lines=…)` of `user` (or a new user). Returns (order, items, payment or None)."""
    if user is not None:
        fields["user"] = user
    order = OrderFactory(lines=lines, lines__stock=stock, event=event, paid=paid, **fields)
    return order, order.line_items, order.payments.first()


def order_with_item(user, *, status=OrderStatus.PENDING, quantity=2, stock=5, price="10.00", **fields):
    """A `status` order of `user` with one item and its first event, unpaid. Returns (order, item)."""
    order, [item], _ = order_with_lines(
        user, lines=((price, quantity),), stock=stock, event=True, status=status, **fields
    )
    return order, item


def delivered_order(
    user,
    *,
    lines=(("10.00", 2), ("5.50", 1)),
    method: str = PaymentMethod.CREDIT_CARD,
    paid: bool = True,
    status: str = OrderStatus.DELIVERED,
    stock: int = 5,
    **fields,
):
    """A delivered (or `status`) order of `user`, paid unless said. Returns (order, items, payment or None)."""
    return order_with_lines(
        user,
        lines=lines,
        stock=stock,
        paid=paid,
        delivered=True,
        payment_method=method,
        status=status,
        **fields,
    )
