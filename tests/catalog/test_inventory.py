"""The stock rules of catalog/inventory.py (API.md §5.2), tested directly against the database: available
units in Python and in SQL (the reservation upsert and the checkout deduction included), active holds,
release, restock and expiry."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from catalog import inventory
from catalog.models import Product, Reservation
from shop.exceptions import InsufficientStock
from tests.factories import CartFactory, ProductFactory, ReservationFactory

pytestmark = pytest.mark.django_db


def hold(product, quantity, *, cart=None, expired=False):
    return ReservationFactory(
        product=product, quantity=quantity, expired=expired, **({"cart": cart} if cart else {})
    )


@pytest.mark.parametrize(
    ("stock", "reserved", "available"), [(10, 0, 10), (10, 4, 6), (10, 10, 0), (3, 5, 0), (0, 0, 0)]
)
def test_available_units_is_stock_less_active_holds_never_below_zero(stock, reserved, available):
    product = ProductFactory(stock_quantity=stock)
    if reserved:
        hold(product, reserved)
    hold(product, 7, expired=True)  # an expired hold holds nothing

    annotated = inventory.with_stock(Product.objects.filter(pk=product.pk)).get()

    assert inventory.available_units(stock, reserved) == available
    assert (annotated.reserved, annotated.available) == (reserved, available)  # the SQL form agrees
    assert inventory.available_for(product.pk) == available
    assert inventory.available_map([product.pk]) == {product.pk: available}


def test_a_carts_own_hold_is_not_counted_against_it():
    product = ProductFactory(stock_quantity=10)
    mine, other = CartFactory(), CartFactory()
    hold(product, 4, cart=mine)
    hold(product, 3, cart=other)

    assert inventory.available_for(product.pk, cart_id=mine.pk) == 7
    assert inventory.available_map([product.pk], cart_id=other.pk) == {product.pk: 6}
    assert inventory.available_for(product.pk) == 3


def test_a_reservation_is_active_until_it_expires():
    now = timezone.now()
    live = ReservationFactory(expires_at=now + timedelta(seconds=1))
    gone = ReservationFactory(expires_at=now)

    assert list(inventory.active_reservations(now)) == [live]
    assert (live.is_active, gone.is_active) == (True, False)
    assert list(Reservation.objects.filter(Reservation.active_at(now))) == [live]


def test_in_stock_condition_keeps_exactly_the_products_with_units_available():
    free = ProductFactory(stock_quantity=2)
    partly_held = ProductFactory(stock_quantity=5)
    hold(partly_held, 4)
    fully_held = ProductFactory(stock_quantity=3)
    hold(fully_held, 3)
    empty = ProductFactory(stock_quantity=0)
    hold(empty, 1, expired=True)

    kept = set(Product.objects.filter(inventory.in_stock_condition()).values_list("pk", flat=True))

    assert kept == {free.pk, partly_held.pk}
    assert empty.pk not in kept


def test_reserve_sets_the_hold_when_the_units_are_available_and_refuses_otherwise():
    product = ProductFactory(stock_quantity=5)
    cart, other = CartFactory(), CartFactory()
    hold(product, 2, cart=other)

    with transaction.atomic():
        locked = inventory.lock_products([product.pk])[product.pk]
        expires_at = inventory.reserve(cart_id=cart.pk, product=locked, quantity=3)
    held = Reservation.objects.get(cart=cart, product=product)
    assert (held.quantity, held.expires_at) == (3, expires_at)

    with transaction.atomic():
        locked = inventory.lock_products([product.pk])[product.pk]
        inventory.reserve(cart_id=cart.pk, product=locked, quantity=1)  # the hold becomes the line quantity
    assert Reservation.objects.get(cart=cart, product=product).quantity == 1

    with pytest.raises(InsufficientStock) as refused, transaction.atomic():
        locked = inventory.lock_products([product.pk])[product.pk]
        inventory.reserve(cart_id=cart.pk, product=locked, quantity=4)
    assert (refused.value.requested, refused.value.available) == (4, 3)
    assert Reservation.objects.get(cart=cart, product=product).quantity == 1  # unchanged


def test_reserve_refuses_an_inactive_product_with_nothing_available():
    product = ProductFactory(stock_quantity=5, inactive=True)
    with pytest.raises(InsufficientStock) as refused:
        inventory.reserve(cart_id=CartFactory().pk, product=product, quantity=1)
    assert refused.value.available == 0
    assert not Reservation.objects.exists()


def test_an_expired_hold_of_another_cart_does_not_block_a_reservation():
    product = ProductFactory(stock_quantity=2)
    hold(product, 2, expired=True)
    cart = CartFactory()
    inventory.reserve(cart_id=cart.pk, product=product, quantity=2)
    assert Reservation.objects.get(cart=cart).quantity == 2


def test_deduct_if_available_takes_every_line_or_none():
    a, b = ProductFactory(stock_quantity=5), ProductFactory(stock_quantity=2)
    cart = CartFactory()
    hold(b, 1)  # another cart's hold leaves 1 of b

    assert inventory.deduct_if_available([(a.pk, 3), (b.pk, 2)], cart_id=cart.pk) is False
    assert list(
        Product.objects.filter(pk__in=[a.pk, b.pk]).order_by("sku").values_list("stock_quantity", flat=True)
    ) == [5, 2]

    assert inventory.deduct_if_available([(a.pk, 3), (b.pk, 1), (a.pk, 2)], cart_id=cart.pk) is True
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock_quantity, b.stock_quantity) == (0, 1)


def test_deduct_if_available_refuses_an_inactive_product():
    product = ProductFactory(stock_quantity=5, inactive=True)
    assert inventory.deduct_if_available([(product.pk, 1)]) is False


def test_check_available_names_the_shortage():
    product = ProductFactory(name="Lamp", stock_quantity=1)
    with pytest.raises(InsufficientStock) as refused:
        inventory.check_available(product, 2, error=inventory.shortage_message(product, 1))
    assert refused.value.error == "Insufficient stock for Lamp. Available: 1"
    product.is_active = False
    assert inventory.shortage_message(product, 1) == "Lamp is no longer available"


def test_restock_release_and_expire():
    product = ProductFactory(stock_quantity=1)
    cart = CartFactory()
    hold(product, 1, cart=cart)
    other = hold(ProductFactory(), 1, cart=cart)
    stale = hold(product, 1, expired=True)

    inventory.restock([(product.pk, 4)])
    product.refresh_from_db()
    assert product.stock_quantity == 5

    assert inventory.expire_reservations(dry_run=True) == 1
    assert inventory.expire_reservations() == 1
    assert not Reservation.objects.filter(pk=stale.pk).exists()

    assert inventory.release(cart_id=cart.pk, product_ids=[product.pk]) == 1
    assert list(Reservation.objects.values_list("pk", flat=True)) == [other.pk]
    assert inventory.release_product(product_id=other.product_id) == 1


def test_a_write_along_runs_in_the_same_round_trip_whether_or_not_the_hold_is_written():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cart.models import CartItem
    from tests.factories import CartItemFactory

    cart = CartFactory()
    product = ProductFactory(stock_quantity=3)
    line = CartItemFactory(cart=cart, product=product, quantity=1)
    grow = ('UPDATE "cart_cartitem" SET "quantity" = "quantity" + 1 WHERE "id" = %s', [line.pk])

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        inventory.reserve(cart_id=cart.pk, product=product, quantity=2, along=grow)
    assert [q["sql"][:16] for q in queries.captured_queries] == ["WITH along AS (U"]
    assert CartItem.objects.get(pk=line.pk).quantity == 2
    assert Reservation.objects.get(cart=cart).quantity == 2

    with pytest.raises(InsufficientStock), transaction.atomic():
        inventory.reserve(cart_id=cart.pk, product=product, quantity=4, along=grow)
    assert CartItem.objects.get(pk=line.pk).quantity == 2  # it ran, and the 409 rolled it back

    drop = ('DELETE FROM "cart_cartitem" WHERE "cart_id" = %s', [cart.pk])
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert inventory.release(cart_id=cart.pk, along=drop) == 1
    assert len(queries) == 1
    assert (
        not CartItem.objects.filter(cart=cart).exists() and not Reservation.objects.filter(cart=cart).exists()
    )


def test_overcommitted_products_are_those_held_beyond_their_stock():
    product = ProductFactory(sku="OVER", stock_quantity=1)
    hold(product, 2)
    hold(ProductFactory(stock_quantity=5), 5)
    assert [p.sku for p in inventory.overcommitted_products()] == ["OVER"]
