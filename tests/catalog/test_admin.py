"""The Django admin wiring of the catalogue (§6.1): live stock figures and read-only reservations."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from cart.models import Cart, CartItem
from catalog.models import Product, Reservation
from tests.admin_pages import cell, changelist_url
from tests.factories import CartFactory, CartItemFactory, ProductFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.django_db

PRODUCTS = changelist_url(Product)
RESERVATIONS = changelist_url(Reservation)


def test_product_changelist_shows_reserved_and_available_from_active_reservations(staff_client):
    product = ProductFactory(sku="LAP-001", stock_quantity=10)
    ReservationFactory(product=product, quantity=3)
    ReservationFactory(product=product, quantity=2)
    ReservationFactory(product=product, quantity=4, expired=True)

    response = staff_client.get(PRODUCTS)

    html = response.content.decode()
    assert response.status_code == 200
    for column in ("name", "price", "stock_quantity", "reserved", "available", "category", "active"):
        assert f"column-{column}" in html
    assert cell(html, "stock_quantity") == ["10"]
    assert cell(html, "reserved") == ["5"]
    assert cell(html, "available") == ["5"]


def test_product_changelist_computes_stock_in_its_own_query(staff_client, django_assert_max_num_queries):
    cart = CartFactory()
    for product in ProductFactory.create_batch(20):
        ReservationFactory(product=product, cart=cart)

    with django_assert_max_num_queries(12):  # session, user, counts, filters, rows: never one per product
        response = staff_client.get(PRODUCTS)

    assert cell(response.content.decode(), "reserved") == ["1"] * 20


def test_product_changelist_searches_sku_and_name_and_filters_active(staff_client):
    ProductFactory(sku="LAP-001", name="Gaming Laptop")
    ProductFactory(sku="PHN-001", name="Smartphone Pro", is_active=False)

    by_sku = staff_client.get(PRODUCTS, {"q": "lap-0"}).content.decode()
    by_name = staff_client.get(PRODUCTS, {"q": "smartphone"}).content.decode()
    archived = staff_client.get(PRODUCTS, {"is_active__exact": "0"}).content.decode()

    assert "LAP-001" in by_sku and "PHN-001" not in by_sku
    assert "PHN-001" in by_name and "LAP-001" not in by_name
    assert "PHN-001" in archived and "LAP-001" not in archived


def change_form(product: Product, **edits) -> dict[str, str]:
    """The product change page as the browser posts it: the values it showed (also as the hidden
    `initial-*` inputs), with `edits` typed over them."""
    shown = {
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": str(product.price),
        "stock_quantity": str(product.stock_quantity),
        "category": product.category,
        "image_url": product.image_url,
    }
    data = {**shown, **{f"initial-{name}": value for name, value in shown.items()}}
    data["is_active"] = data["initial-is_active"] = "on" if product.is_active else ""
    data.update({name: str(value) for name, value in edits.items()})
    return {name: value for name, value in data.items() if value != "" or not name.endswith("is_active")}


def test_saving_a_product_page_never_puts_back_stock_that_changed_since_it_was_opened(staff_client):
    product = ProductFactory(stock_quantity=10, price=Decimal("10.00"))
    page = staff_client.get(f"{PRODUCTS}{product.pk}/change/").content.decode()
    assert 'name="initial-stock_quantity"' in page
    Product.objects.filter(pk=product.pk).update(stock_quantity=F("stock_quantity") - 3)  # a checkout

    response = staff_client.post(f"{PRODUCTS}{product.pk}/change/", change_form(product, price="12.50"))

    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert (product.price, product.stock_quantity) == (Decimal("12.50"), 7)


def test_stock_typed_on_the_product_page_is_saved(staff_client):
    product = ProductFactory(stock_quantity=10)

    response = staff_client.post(f"{PRODUCTS}{product.pk}/change/", change_form(product, stock_quantity=4))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock_quantity == 4


def test_deleting_a_product_in_the_admin_empties_it_from_carts_like_e34(staff_client):
    product = ProductFactory()
    line = CartItemFactory(product=product, quantity=2)
    ReservationFactory(cart=line.cart, product=product, quantity=2)
    long_ago = timezone.now() - timedelta(days=1)
    Cart.objects.filter(pk=line.cart_id).update(updated_at=long_ago)

    response = staff_client.post(f"{PRODUCTS}{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not CartItem.objects.filter(pk=line.pk).exists()
    assert not Reservation.objects.filter(product_id=product.pk).exists()
    assert Cart.objects.get(pk=line.cart_id).updated_at > long_ago


def test_reservation_changelist_filters_active_and_expired(staff_client):
    owner = UserFactory(email="shopper@example.com")
    live = ReservationFactory(cart=CartFactory(user=owner), product=ProductFactory(sku="LIVE-1"))
    ReservationFactory(product=ProductFactory(sku="GONE-1"), expired=True)

    everything = staff_client.get(RESERVATIONS).content.decode()
    active = staff_client.get(RESERVATIONS, {"state": "active"}).content.decode()
    expired = staff_client.get(RESERVATIONS, {"state": "expired"}).content.decode()

    assert "LIVE-1" in everything and "GONE-1" in everything
    assert "LIVE-1" in active and "GONE-1" not in active
    assert "GONE-1" in expired and "LIVE-1" not in expired
    assert "shopper@example.com" in active
    assert cell(active, "quantity") == [str(live.quantity)]
    assert 'alt="True"' in active and 'alt="False"' not in active


def test_reservations_are_read_only_in_the_admin(staff_client):
    reservation = ReservationFactory()

    add = staff_client.get(f"{RESERVATIONS}add/")
    change = staff_client.post(f"{RESERVATIONS}{reservation.pk}/change/", {"quantity": 99})
    delete = staff_client.post(f"{RESERVATIONS}{reservation.pk}/delete/", {"post": "yes"})

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert Reservation.objects.get(pk=reservation.pk).quantity == 1


def test_customers_cannot_open_the_product_changelist(client):
    client.force_login(UserFactory())

    response = client.get(PRODUCTS)

    assert response.status_code == 302
