"""E34 racing the cart (API.md §4.9, STYLE.md "Transactions and locks"): deleting or archiving a product
while shoppers change their carts never deadlocks, never leaves a line or hold of the product behind, and
the shoppers get a clean 404 when they lose.
"""

from __future__ import annotations

import pytest

from cart import services as cart_services
from cart.models import CartItem
from catalog import services as catalog_services
from catalog.models import Product, Reservation
from orders.models import OrderStatus
from shop.exceptions import NotFound
from tests.concurrency import ROUNDS, run_together
from tests.factories import (
    CartFactory,
    CartItemFactory,
    ProductFactory,
    ReservationFactory,
    UserFactory,
    make_order,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("ordered", [False, True], ids=["delete", "archive"])
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_removing_a_product_while_shoppers_change_their_carts_leaves_no_line_or_hold(ordered, round_):
    product = ProductFactory(stock_quantity=50)
    if ordered:
        make_order(OrderStatus.DELIVERED, items=[(product, 1, "10.00")])
    holder = UserFactory()
    cart = CartFactory(user=holder)
    line = CartItemFactory(cart=cart, product=product, quantity=2)
    ReservationFactory(cart=cart, product=product, quantity=2)
    newcomer = UserFactory()

    results = run_together(
        lambda: catalog_services.product_delete(product_id=product.pk),
        lambda: cart_services.cart_item_update(user=holder, item_id=line.pk, quantity=3),
        lambda: cart_services.cart_item_add(user=newcomer, product_id=product.pk, quantity=1),
    )

    removal, update, add = results
    assert removal is ordered  # True = archived
    for result in (update, add):
        assert not isinstance(result, Exception) or isinstance(result, NotFound), results
    assert not CartItem.objects.filter(product_id=product.pk).exists()
    assert not Reservation.objects.filter(product_id=product.pk).exists()
    if ordered:
        assert Product.objects.get(pk=product.pk).is_active is False
    else:
        assert not Product.objects.filter(pk=product.pk).exists()
