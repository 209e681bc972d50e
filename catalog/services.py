"""Catalogue writes: create, update (E33) and delete/archive (E34) products.

Stock movements (reserve, deduct, restock) go through `catalog.inventory`; the one exception is the
admin's absolute `stock_quantity` set of `product_update`, taken under the product's row lock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError
from django.dispatch import Signal

from catalog import inventory
from catalog.models import Product
from shop.exceptions import DuplicateSku, NotFound
from shop.fields import to_money


def product_create(
    *,
    sku: str,
    name: str,
    price: Decimal,
    description: str = "",
    stock_quantity: int = 0,
    category: str = "",
    image_url: str = "",
    is_active: bool = True,
) -> Product:
    """A new product. The unique index on `sku` decides between two concurrent creates (409)."""
    if Product.objects.filter(sku=sku).exists():
        raise DuplicateSku()
    product = Product(
        sku=sku,
        name=name,
        price=to_money(price),
        description=description,
        stock_quantity=stock_quantity,
        category=category,
        image_url=image_url,
        is_active=is_active,
    )
    try:
        with transaction.atomic():
            product.save(force_insert=True)
    except IntegrityError as exc:
        if Product.objects.filter(sku=sku).exists():
            raise DuplicateSku() from exc
        raise
    return product


def product_ensure(*, sku: str, **fields) -> tuple[Product, bool]:
    """The product with this SKU, created with `fields` if missing (existing products are left as
    they are). Returns `(product, created)`; used by `seed_demo`, so running it twice changes nothing."""
    existing = Product.objects.filter(sku=sku).first()
    if existing is not None:
        return existing, False
    try:
        return product_create(sku=sku, **fields), True
    except DuplicateSku:  # created concurrently by another run
        return Product.objects.get(sku=sku), False


#: The product fields an admin may change (E33), by model name (`stock` arrives as `stock_quantity`).
UPDATABLE_FIELDS = (
    "sku",
    "name",
    "description",
    "price",
    "stock_quantity",
    "category",
    "image_url",
    "is_active",
)


def _sku_taken(sku: str, *, exclude_id: Any) -> bool:
    return Product.objects.filter(sku=sku).exclude(pk=exclude_id).exists()


def product_update(*, product_id: Any, data: dict[str, Any]) -> Product:
    """E33: partial update; only the keys present change (an omitted `stock_quantity` keeps the stock).

    The product row is locked, so a concurrent reservation sees either the old or the new stock. The new
    `stock_quantity` may go below what is reserved (API.md §4.9: `stock` then shows 0). The new SKU must
    be unused (409; the unique index decides between two concurrent renames). Returns the product with
    `reserved`/`available` annotated.
    """
    fields = [name for name in UPDATABLE_FIELDS if name in data]
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            raise NotFound("Product")
        if "sku" in data and data["sku"] != product.sku and _sku_taken(data["sku"], exclude_id=product.pk):
            raise DuplicateSku()
        if fields:
            for name in fields:
                value = data[name]
                setattr(product, name, to_money(value) if name == "price" else value)
            try:
                with transaction.atomic():
                    product.save(update_fields=[*fields, "updated_at"])
            except IntegrityError as exc:
                if "sku" in data and _sku_taken(data["sku"], exclude_id=product.pk):
                    raise DuplicateSku() from exc
                raise
    return inventory.with_stock(Product.objects.filter(pk=product.pk)).get()


#: Sent inside `product_delete`'s transaction, so the apps above catalog whose rows point at the product
#: (the cart's lines: `cart/apps.py`) clear them without catalog importing them (STYLE.md: a lower app
#: does not import a higher one). Both carry `product_id`.
#: `product_removal_started`: before the product row is locked; receivers lock their rows (carts first,
#: the order every cart service and checkout uses, so nothing deadlocks).
product_removal_started = Signal()
#: `product_removal_locked`: the product row is locked (no new line can appear); receivers delete theirs.
product_removal_locked = Signal()


def product_delete(*, product_id: Any) -> bool:
    """E34: archive a product that appears in any order (its order items protect it), delete any other.

    Either way its cart lines (the two signals above) and reservations go. Returns True when archived
    (an archived product is archived again without error).
    """
    with transaction.atomic():
        product_removal_started.send(sender=Product, product_id=product_id)
        product = next(iter(inventory.lock_products([product_id]).values()), None)
        if product is None:
            raise NotFound("Product")
        product_removal_locked.send(sender=Product, product_id=product.pk)
        inventory.release_product(product_id=product.pk)
        try:
            with transaction.atomic():
                product.delete()
            return False
        except ProtectedError:  # in an order: kept, archived
            pass
        if product.is_active:
            product.is_active = False
            product.save(update_fields=["is_active", "updated_at"])
        return True
