"""Management commands of the catalogue (§6.2): `seed_demo` and `expire_reservations`."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, User
from cart.models import CartItem
from catalog.models import Product, Reservation
from tests.factories import CartItemFactory, ProductFactory, ReservationFactory

pytestmark = pytest.mark.django_db

DEMO = {
    "LAP-001": ("Gaming Laptop", Decimal("1499.99"), 25, "Electronics"),
    "PHN-001": ("Smartphone Pro", Decimal("999.99"), 50, "Electronics"),
    "BOK-001": ("Go Programming", Decimal("39.99"), 100, "Books"),
    "HD-001": ("Wireless Headphones", Decimal("199.99"), 75, "Audio"),
}


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_demo_admin(settings):
    settings.DEMO_ADMIN_EMAIL = ""
    settings.DEMO_ADMIN_PASSWORD = ""


def test_seed_demo_creates_the_four_demo_products():
    output = run("seed_demo")

    products = {p.sku: (p.name, p.price, p.stock_quantity, p.category) for p in Product.objects.all()}
    assert products == DEMO
    assert all(Product.objects.values_list("is_active", flat=True))
    for sku in DEMO:
        assert f"Created product {sku}" in output


def test_seed_demo_twice_changes_nothing():
    run("seed_demo")
    before = list(Product.objects.order_by("sku").values())

    output = run("seed_demo")

    assert Product.objects.count() == 4
    assert list(Product.objects.order_by("sku").values()) == before
    assert "Created product" not in output


def test_seed_demo_leaves_an_existing_product_with_a_demo_sku_untouched():
    ProductFactory(sku="LAP-001", name="Staff edited", price=Decimal("1.00"), stock_quantity=3)

    run("seed_demo")

    laptop = Product.objects.get(sku="LAP-001")
    assert (laptop.name, laptop.price, laptop.stock_quantity) == ("Staff edited", Decimal("1.00"), 3)
    assert Product.objects.count() == 4


def test_seed_demo_creates_the_demo_admin_once(settings):
    settings.DEMO_ADMIN_EMAIL = "Boss@Example.com"
    settings.DEMO_ADMIN_PASSWORD = "Another-Strong-Pass-42"

    first = run("seed_demo")
    second = run("seed_demo")

    admin = User.objects.get(email="boss@example.com")
    assert admin.role == Role.ADMIN and admin.is_superuser
    assert "Created admin" in first and "Created admin" not in second
    assert User.objects.count() == 1


def test_expire_reservations_deletes_only_expired_rows_and_keeps_the_lines():
    line = CartItemFactory(quantity=2)
    expired = ReservationFactory(cart=line.cart, product=line.product, quantity=2, expired=True)
    active = ReservationFactory(quantity=1)
    just_now = ReservationFactory(expires_at=timezone.now() - timedelta(microseconds=1))

    output = run("expire_reservations")

    assert output == "Deleted 2 expired reservations\n"
    assert list(Reservation.objects.values_list("pk", flat=True)) == [active.pk]
    assert CartItem.objects.filter(pk=line.pk, quantity=2).exists()
    assert expired.pk != just_now.pk


def test_expire_reservations_dry_run_counts_without_deleting():
    ReservationFactory.create_batch(3, expired=True)
    ReservationFactory()

    output = run("expire_reservations", "--dry-run")

    assert output == "Would delete 3 expired reservations\n"
    assert Reservation.objects.count() == 4


def test_expire_reservations_with_nothing_to_do():
    ReservationFactory()

    assert run("expire_reservations") == "Deleted 0 expired reservations\n"
    assert Reservation.objects.count() == 1
