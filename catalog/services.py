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
from shop.audit import ADDITION, DELETION, audit_log, changes_between
from shop.exceptions import DuplicateSku, InvalidTransition, NotFound, ValidationFailed
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
    actor: Any = None,
) -> Product:
    """A new product. The unique index on `sku` decides between two concurrent creates (409). A staff
    `actor` gets an audit entry (`shop.audit`)."""
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
            audit_log(actor=actor, obj=product, action=ADDITION)
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


def product_update(*, product_id: Any, data: dict[str, Any], actor: Any = None) -> Product:
    """E33: partial update under the product's row lock; only the keys present change. The stock may go
    below what is reserved (`stock` then shows 0); a taken SKU is a 409 (the unique index decides races). A
    staff `actor` gets an audit entry, old → new. Returns the product with its stock figures."""
    fields = [name for name in UPDATABLE_FIELDS if name in data]
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            raise NotFound("Product")
        if "sku" in data and data["sku"] != product.sku and _sku_taken(data["sku"], exclude_id=product.pk):
            raise DuplicateSku()
        if fields:
            new = {name: to_money(data[name]) if name == "price" else data[name] for name in fields}
            changes = changes_between(product, new)
            for name, value in new.items():
                setattr(product, name, value)
            try:
                with transaction.atomic():
                    product.save(update_fields=[*fields, "updated_at"])
            except IntegrityError as exc:
                if "sku" in data and _sku_taken(data["sku"], exclude_id=product.pk):
                    raise DuplicateSku() from exc
                raise
            if changes:
                audit_log(actor=actor, obj=product, changes=changes)
    return inventory.with_stock(Product.objects.filter(pk=product.pk)).get()


#: Sent inside `product_delete`'s transaction, so the apps above catalog whose rows point at the product
#: (the cart's lines: `cart/apps.py`) clear them without catalog importing them (STYLE.md: a lower app
#: does not import a higher one). Both carry `product_id`.
#: `product_removal_started`: before the product row is locked; receivers lock their rows (carts first,
#: the order every cart service and checkout uses, so nothing deadlocks).
product_removal_started = Signal()
#: `product_removal_locked`: the product row is locked (no new line can appear); receivers delete theirs.
product_removal_locked = Signal()


def product_delete(*, product_id: Any, actor: Any = None) -> bool:
    """E34: archive a product that appears in any order (its order items protect it), delete any other.

    Either way its cart lines (the two signals above) and reservations go. Returns True when archived
    (an archived product is archived again without error). A staff `actor` gets an audit entry.
    """
    with transaction.atomic():
        product = _lock_for_removal(product_id)
        try:
            with transaction.atomic():
                audit_log(actor=actor, obj=product, action=DELETION)  # undone with the savepoint if kept
                product.delete()
            return False
        except ProtectedError:  # in an order: kept, archived
            pass
        _archive_locked(product, actor=actor)
        return True


PRODUCT_ALREADY_ARCHIVED = "product is already archived"


def product_archive(*, product_id: Any, actor: Any = None) -> Product:
    """Archive a product, ordered or not (the Django admin's bulk action): like E34's archive, its cart
    lines and reservations go. An archived product is refused (409) and left as it is."""
    with transaction.atomic():
        product = _lock_for_removal(product_id)
        if not product.is_active:
            raise InvalidTransition(PRODUCT_ALREADY_ARCHIVED)
        _archive_locked(product, actor=actor)
        return product


def _lock_for_removal(product_id: Any) -> Product:
    """Lock the product for its removal from carts (cart rows first, by signal), clear its cart lines and
    reservations, and return it locked."""
    product_removal_started.send(sender=Product, product_id=product_id)
    product = next(iter(inventory.lock_products([product_id]).values()), None)
    if product is None:
        raise NotFound("Product")
    product_removal_locked.send(sender=Product, product_id=product.pk)
    inventory.release_product(product_id=product.pk)
    return product


def _archive_locked(product: Product, *, actor: Any) -> None:
    if product.is_active:
        product.is_active = False
        product.save(update_fields=["is_active", "updated_at"])
        audit_log(actor=actor, obj=product, changes={"is_active": (True, False)})


#: The largest `stock_quantity` the column holds (a 32-bit integer).
MAX_STOCK = 2_147_483_647
RESTOCK_QUANTITY_INVALID = "Ensure this value is greater than or equal to 1."
RESTOCK_ARCHIVED = "product is archived: reactivate it before restocking"
RESTOCK_TOO_MUCH = f"stock would exceed {MAX_STOCK}"


def product_restock(*, product_id: Any, quantity: int, actor: Any = None) -> Product:
    """Put `quantity` (≥ 1) more units on hand through `inventory.restock` (the Django admin's bulk
    action), under the product's row lock. Refused (409, nothing changed) for an archived product or when
    the stock would overflow its column. A staff `actor` gets an audit entry of the stock, old → new."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValidationFailed({"quantity": RESTOCK_QUANTITY_INVALID})
    with transaction.atomic():
        product = next(iter(inventory.lock_products([product_id]).values()), None)
        if product is None:
            raise NotFound("Product")
        if not product.is_active:
            raise InvalidTransition(RESTOCK_ARCHIVED)
        if product.stock_quantity + quantity > MAX_STOCK:
            raise InvalidTransition(RESTOCK_TOO_MUCH)
        before = product.stock_quantity
        inventory.restock([(product.pk, quantity)])
        product.refresh_from_db(fields=["stock_quantity", "updated_at"])
        audit_log(
            actor=actor,
            obj=product,
            changes={"stock_quantity": (before, product.stock_quantity)},
            extra={"restocked": f"+{quantity}"},
        )
        return product
