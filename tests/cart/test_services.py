"""Cart and reservation rules of §5.2 against the database: expiry, the TTL, and the helpers checkout
uses (`cart_lock_for_user`, `cart_lines`, `cart_empty`). The worked example of §5.2 is replayed over
HTTP, real checkout included, in tests/integration/test_worked_example.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from cart import services
from cart.models import Cart, CartItem
from cart.selectors import cart_lines
from catalog import inventory
from catalog.models import Product, Reservation
from shop.exceptions import InsufficientStock, NotFound, ValidationFailed
from tests.factories import CartFactory, CartItemFactory, ProductFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart"
ITEMS = "/api/v1/cart/items"


def figures(product) -> tuple[int, int, int]:
    """(stock_quantity, reserved, stock) as the public catalogue reports them."""
    row = inventory.with_stock(Product.objects.filter(pk=product.pk)).get()
    return row.stock_quantity, row.reserved, row.available


def test_expired_reservations_stop_counting_but_their_lines_stay():
    product = ProductFactory(stock_quantity=10)
    shopper = UserFactory()
    services.cart_item_add(user=shopper, product_id=product.pk, quantity=10)
    assert figures(product) == (10, 10, 0)
    with pytest.raises(InsufficientStock):
        services.cart_item_add(user=UserFactory(), product_id=product.pk, quantity=1)

    Reservation.objects.update(expires_at=timezone.now() - timedelta(microseconds=1))

    assert figures(product) == (10, 0, 10)
    services.cart_item_add(user=UserFactory(), product_id=product.pk, quantity=4)
    assert CartItem.objects.get(cart__user=shopper).quantity == 10
    assert inventory.available_for(product.pk, cart_id=Cart.objects.get(user=shopper).pk) == 6


def test_tiny_ttl_from_settings_expires_holds_on_time(settings):
    settings.STOCK_RESERVATION_TTL_MINUTES = Decimal("0.05")  # 3 seconds
    product = ProductFactory(stock_quantity=5)
    shopper = UserFactory()
    before = timezone.now()

    services.cart_item_add(user=shopper, product_id=product.pk, quantity=5)

    expires_at = Reservation.objects.get().expires_at
    assert before + timedelta(seconds=3) <= expires_at <= timezone.now() + timedelta(seconds=3)
    assert inventory.available_for(product.pk, now=expires_at - timedelta(microseconds=1)) == 0
    assert inventory.available_for(product.pk, now=expires_at) == 5
    (line,) = cart_lines(Cart.objects.get(user=shopper), now=expires_at)
    assert line.reserved_until is None and line.quantity == 5


def test_own_reservation_never_counts_against_the_shopper():
    product = ProductFactory(stock_quantity=5)
    shopper = UserFactory()
    services.cart_item_add(user=shopper, product_id=product.pk, quantity=5)
    line = CartItem.objects.get()

    services.cart_item_update(user=shopper, item_id=line.pk, quantity=5)
    services.cart_item_update(user=shopper, item_id=line.pk, quantity=1)
    services.cart_item_add(user=shopper, product_id=product.pk, quantity=4)

    assert Reservation.objects.get().quantity == 5


def test_lowering_a_line_lowers_its_reservation_and_frees_stock_for_others():
    product = ProductFactory(stock_quantity=10)
    shopper = UserFactory()
    services.cart_item_add(user=shopper, product_id=product.pk, quantity=9)

    services.cart_item_update(user=shopper, item_id=CartItem.objects.get().pk, quantity=2)
    services.cart_item_add(user=UserFactory(), product_id=product.pk, quantity=8)

    assert figures(product) == (10, 10, 0)


def test_add_checks_quantity_before_stock_and_refuses_a_line_over_1000():
    product = ProductFactory(stock_quantity=2000)
    shopper = UserFactory()
    services.cart_item_add(user=shopper, product_id=product.pk, quantity=600)

    with pytest.raises(ValidationFailed) as refused:
        services.cart_item_add(user=shopper, product_id=product.pk, quantity=401)

    assert list(refused.value.errors) == ["quantity"]
    assert CartItem.objects.get().quantity == 600


def test_add_of_an_inactive_product_is_not_found():
    with pytest.raises(NotFound) as missing:
        services.cart_item_add(user=UserFactory(), product_id=ProductFactory(is_active=False).pk, quantity=1)

    assert missing.value.message == "Product not found"
    assert not Cart.objects.filter(items__isnull=False).exists()


def test_cart_changes_bump_the_cart_updated_at():
    shopper = UserFactory()
    product = ProductFactory()
    cart = CartFactory(user=shopper)
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(days=1))

    returned = services.cart_item_add(user=shopper, product_id=product.pk, quantity=1)

    stored = Cart.objects.get(pk=cart.pk)
    assert returned.pk == cart.pk
    assert stored.updated_at > timezone.now() - timedelta(minutes=1)
    assert (returned.created_at, returned.updated_at) == (stored.created_at, stored.updated_at)


def test_refused_add_leaves_the_cart_untouched():
    shopper = UserFactory()
    cart = CartFactory(user=shopper)
    stamp = timezone.now() - timedelta(days=1)
    Cart.objects.filter(pk=cart.pk).update(updated_at=stamp)

    with pytest.raises(InsufficientStock):
        services.cart_item_add(user=shopper, product_id=ProductFactory(stock_quantity=0).pk, quantity=1)

    assert Cart.objects.get(pk=cart.pk).updated_at == stamp


# --- helpers for checkout (orders app) -------------------------------------------------------------------


def test_cart_lock_for_user_creates_the_cart_once_and_returns_the_stored_row():
    shopper = UserFactory()
    with transaction.atomic():
        first = services.cart_lock_for_user(user=shopper)
    with transaction.atomic():
        second = services.cart_lock_for_user(user=shopper)

    assert first.pk == second.pk
    assert second.created_at == first.created_at
    assert Cart.objects.filter(user=shopper).count() == 1


def test_cart_lock_for_user_and_cart_empty_refuse_to_run_outside_a_transaction(transactional_db):
    shopper = UserFactory()
    with pytest.raises(RuntimeError):
        services.cart_lock_for_user(user=shopper)
    with pytest.raises(RuntimeError):
        services.cart_empty(cart=CartFactory(user=shopper))


def test_cart_empty_deletes_the_lines_and_reservations_of_that_cart_only():
    mine, theirs = CartItemFactory(), CartItemFactory()
    for line in (mine, theirs):
        ReservationFactory(cart=line.cart, product=line.product)

    with transaction.atomic():
        services.cart_empty(cart=mine.cart)

    assert list(CartItem.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert list(Reservation.objects.values_list("cart_id", flat=True)) == [theirs.cart_id]
    assert Cart.objects.filter(pk=mine.cart_id).exists()


def test_cart_lines_reads_lines_products_stock_and_holds_in_one_query(django_assert_num_queries):
    cart = CartFactory()
    for line in CartItemFactory.create_batch(4, cart=cart, quantity=2):
        ReservationFactory(cart=cart, product=line.product, quantity=2)
        ReservationFactory(product=line.product, quantity=3)

    with django_assert_num_queries(1):
        lines = cart_lines(cart)
        for line in lines:
            assert (line.product.reserved, line.product.available, line.available_to_cart) == (5, 5, 7)
            assert line.reserved_until is not None
