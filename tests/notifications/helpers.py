"""Scenario builders for the notification tests, through the services as a shopper and staff would."""

from decimal import Decimal

from cart.services import cart_item_add
from orders.checkout import order_checkout
from orders.models import OrderStatus
from orders.services import order_status_set
from returns.services import return_request
from tests.factories import ProductFactory, UserFactory, address


def checkout(*, user=None, token=None, method="cc", price="12.50", quantity=2, stock=50):
    """A shopper's checkout of one product line; returns the order."""
    user = user or UserFactory(first_name="Ada")
    product = ProductFactory(price=Decimal(price), stock_quantity=stock)
    cart_item_add(user=user, product_id=product.pk, quantity=quantity)
    return order_checkout(user=user, payment_method=method, shipping_address=address(), payment_token=token)


def delivered_order(admin, **kwargs):
    order = checkout(**kwargs)
    for status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order_status_set(order_id=order.pk, status=status, actor=admin)
    order.refresh_from_db()
    return order


def returned_order(admin, **kwargs):
    order = delivered_order(admin, **kwargs)
    ret = return_request(user=order.user, order_id=order.pk, reason="too small")
    return order, ret
