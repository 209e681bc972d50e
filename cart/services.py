"""Cart writes (API.md §4.5, §5.2); holds go through `catalog.inventory`. Every change locks the cart row,
then the product row, the order checkout uses, so lines never change under a running checkout and no
interleaving reserves more than is on hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from django.db import connection, transaction
from django.utils import timezone

from cart.models import MAX_LINE_QUANTITY, Cart, CartItem
from cart.selectors import cart_lines, line_quantity
from catalog import inventory
from shop.exceptions import NotFound, ValidationFailed
from shop.statements import Delete, Insert, Statement, Update, run_along

LINE_QUANTITY_TOO_HIGH = f"The quantity of a cart line cannot exceed {MAX_LINE_QUANTITY}."

_CART_UPSERT_SQL = """
INSERT INTO {cart} (id, user_id, created_at, updated_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (user_id) {action}
RETURNING id, user_id, created_at, updated_at
"""
_TOUCH = "DO UPDATE SET updated_at = excluded.updated_at"
_KEEP = "DO NOTHING"
_CART_COLUMNS = ["id", "user_id", "created_at", "updated_at"]  # what RETURNING gives, in its order


def _cart_upsert(user_id: Any, action: str) -> Cart | None:
    """One statement: insert the user's cart, or on conflict apply `action`; the stored row or None.

    With `_TOUCH` this is get-or-create, row lock and `updated_at` bump in a single round trip: the
    update locks the existing row (FOR NO KEY UPDATE strength: it waits for, and blocks, another cart
    change or a checkout's SELECT … FOR UPDATE, while the lines' foreign-key checks pass freely)."""
    opts = Cart._meta
    uuid_of = opts.pk.get_db_prep_value
    time_of = opts.get_field("updated_at").get_db_prep_value
    now = timezone.now()
    sql = _CART_UPSERT_SQL.format(cart=connection.ops.quote_name(opts.db_table), action=action)
    params = [
        uuid_of(uuid4(), connection),
        uuid_of(user_id, connection),
        time_of(now, connection),
        time_of(now, connection),
    ]
    if connection.vendor != "postgresql":  # SQLite (`make run`): the raw queryset converts its values
        rows = list(Cart.objects.raw(sql, params))
        return rows[0] if rows else None
    with connection.cursor() as cursor:  # psycopg returns the row's UUIDs and aware datetimes as they are
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return Cart.from_db(connection.alias, _CART_COLUMNS, row) if row is not None else None


def cart_get_or_create(*, user) -> tuple[Cart, bool]:
    """The user's cart, created on first use. Returns `(cart, created)`; a new cart has no lines.

    Reads take no lock and change nothing when the cart exists (one query)."""
    cart = Cart.objects.filter(user=user).first()
    if cart is not None:
        return cart, False
    cart = _cart_upsert(user.pk, _KEEP)
    if cart is not None:
        return cart, True
    return Cart.objects.get(user=user), False  # created concurrently


def cart_lock_for_user(*, user) -> Cart:
    """The user's cart (created if missing), its row locked until the transaction ends and its
    `updated_at` set to now. For checkout and every cart change; call inside `transaction.atomic()`."""
    if not connection.in_atomic_block:
        raise RuntimeError("cart_lock_for_user() must run inside transaction.atomic()")
    cart = _cart_upsert(user.pk, _TOUCH)
    assert cart is not None  # DO UPDATE always returns the row
    return cart


def cart_empty(*, cart: Cart) -> None:
    """Delete every line of the cart and every reservation it holds (E20, checkout).

    Part of the caller's transaction, with the cart locked (`cart_lock_for_user`)."""
    lines, holds = cart_empty_statements(cart=cart)
    run_along(*holds, lines)  # one round trip


def cart_empty_statements(*, cart: Cart) -> list[tuple[str, list]]:
    """`cart_empty` as its two statements (SQL and parameters), for a caller that sends them with its own
    writes in one round trip (checkout: `shop.statements.insert_together`'s `along`). Same conditions:
    inside the caller's transaction, with the cart locked."""
    if not connection.in_atomic_block:
        raise RuntimeError("cart_empty() must run inside transaction.atomic()")
    return [_LINES_DELETE.sql(cart_id=cart.pk), inventory.release_statement(cart_id=cart.pk)]


def _lines_delete(*, cart_id: UUID) -> Delete:
    return Delete(CartItem.objects.filter(cart_id=cart_id))


_LINES_DELETE = Statement(_lines_delete)  # cart_empty's delete, sent with the holds' (inventory.release)


def _lock_product_with_line(*, cart_id: UUID, product_id: UUID):
    """`inventory.lock_products` of one product, with `line_quantity`: the cart's line of it, or None."""
    return inventory.locking_queryset([product_id], line_quantity=line_quantity(cart_id))


_LOCK_PRODUCT_WITH_LINE = Statement(_lock_product_with_line)


def _new_line(*, id: UUID, cart_id: UUID, product_id: UUID, quantity: int, unit_price, now) -> Insert:
    return Insert(
        CartItem,
        id=id,
        cart_id=cart_id,
        product_id=product_id,
        quantity=quantity,
        unit_price=unit_price,
        created_at=now,
        updated_at=now,
    )


_NEW_LINE = Statement(_new_line)  # every new cart line: compiled once per process


def _line_update(*, cart_id: UUID, product_id: UUID, quantity: int, unit_price, now) -> Update:
    return Update(
        CartItem.objects.filter(cart_id=cart_id, product_id=product_id),
        quantity=quantity,
        unit_price=unit_price,
        updated_at=now,
    )


_LINE_UPDATE = Statement(_line_update)  # a line that grows: compiled once per process


def cart_item_add(*, user, product_id: UUID, quantity: int) -> Cart:
    """E17: add `quantity` units of a product to the caller's cart (new line, or the line grows).

    The line's reservation becomes the new line quantity, expiring now + TTL, if
    `stock_quantity − active reservations of other carts ≥ new line quantity` (else 409, nothing
    changes). The line remembers the current price (E16's price warnings)."""
    with transaction.atomic(durable=True):
        cart = cart_lock_for_user(user=user)
        # The line is read in the locking statement: it only changes under the cart lock we hold.
        product = next(iter(_LOCK_PRODUCT_WITH_LINE.fetch(cart_id=cart.pk, product_id=product_id)), None)
        if product is None or not product.is_active:
            raise NotFound("Product")
        new_quantity = (product.line_quantity or 0) + quantity
        if new_quantity > MAX_LINE_QUANTITY:
            raise ValidationFailed({"quantity": LINE_QUANTITY_TOO_HIGH})
        # The line's write goes with the hold, in its round trip; a 409 rolls both back.
        line = {"cart_id": cart.pk, "product_id": product.pk, "quantity": new_quantity}
        line.update(unit_price=product.price, now=timezone.now())
        if product.line_quantity is None:
            write = _NEW_LINE.sql(id=uuid4(), **line)
        else:
            write = _LINE_UPDATE.sql(**line)
        inventory.reserve(cart_id=cart.pk, product=product, quantity=new_quantity, along=write)
    return cart


def cart_item_update(*, user, item_id: UUID, quantity: int) -> Cart:
    """E18: set a line's quantity. The reservation becomes that quantity, expiring now + TTL; the
    availability rule applies to every update, an unchanged quantity included (it refreshes the
    hold). A line of an inactive product gets 409 with `available` 0."""
    with transaction.atomic(durable=True):
        cart = cart_lock_for_user(user=user)
        line = CartItem.objects.filter(pk=item_id, cart=cart).first()
        if line is None:
            raise NotFound("Cart item")
        product = inventory.lock_products([line.product_id]).get(line.product_id)
        if product is None:  # the product was deleted meanwhile, and the line with it
            raise NotFound("Cart item")
        inventory.reserve(cart_id=cart.pk, product=product, quantity=quantity)
        CartItem.objects.filter(pk=line.pk).update(
            quantity=quantity, unit_price=product.price, updated_at=timezone.now()
        )
    return cart


def cart_item_remove(*, user, item_id: UUID) -> Cart:
    """E19: delete a line of the caller's cart and its reservation."""
    with transaction.atomic(durable=True):
        cart = cart_lock_for_user(user=user)
        line = CartItem.objects.filter(pk=item_id, cart=cart).first()
        if line is None:
            raise NotFound("Cart item")
        CartItem.objects.filter(pk=line.pk).delete()
        inventory.release(cart_id=cart.pk, product_ids=[line.product_id])
    return cart


def cart_clear(*, user) -> Cart:
    """E20: delete every line and reservation of the caller's cart; the cart itself stays."""
    with transaction.atomic(durable=True):
        cart = cart_lock_for_user(user=user)
        cart_empty(cart=cart)
    return cart


def carts_holding_product_lock(*, product_id: Any, **signal_kwargs: Any) -> None:
    """Before a product is deleted or archived (`catalog.services.product_removal_started`): lock the carts
    with a line of it, in id order, and mark them changed (`updated_at`)."""
    cart_ids = list(
        Cart.objects.select_for_update(of=("self",))
        .filter(items__product_id=product_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if cart_ids:
        Cart.objects.filter(pk__in=cart_ids).update(updated_at=timezone.now())


def cart_lines_of_product_delete(*, product_id: Any, **signal_kwargs: Any) -> None:
    """With the product's row locked (`catalog.services.product_removal_locked`): every cart's line of it goes."""
    CartItem.objects.filter(product_id=product_id).delete()


@dataclass
class CartValidation:
    """E16's verdict. `items` are the failing lines (`product_id`, `requested`, `available`, `reason`)."""

    cart: Cart
    lines: list[CartItem]
    errors: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def cart_validate(*, user) -> CartValidation:
    """E16: is every line still buyable? A line fails when its product is inactive, or when
    `stock_quantity − active reservations of other carts` < its quantity (its own reservation, active
    or expired, never counts against it). A price changed since the line's last add or update is a
    warning only. An empty cart is valid. Nothing is locked or written (besides creating the cart)."""
    cart, created = cart_get_or_create(user=user)
    lines = [] if created else cart_lines(cart)
    result = CartValidation(cart=cart, lines=lines)
    for line in lines:
        product = line.product
        if not product.is_active:
            result.errors.append(inventory.shortage_message(product, 0))
            result.items.append(_failed_line(line, 0, "inactive"))
            continue
        if line.available_to_cart < line.quantity:
            result.errors.append(inventory.shortage_message(product, line.available_to_cart))
            result.items.append(_failed_line(line, line.available_to_cart, "insufficient_stock"))
        if line.unit_price != product.price:
            result.warnings.append(
                f"Price of {product.name} changed from {line.unit_price:.2f} to {product.price:.2f}"
            )
    return result


def _failed_line(line: CartItem, available: int, reason: str) -> dict[str, Any]:
    return {
        "product_id": str(line.product_id),
        "requested": line.quantity,
        "available": available,
        "reason": reason,
    }
