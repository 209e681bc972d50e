"""Every stock rule (API.md §5.2): the cart, checkout, cancellation and returns use these functions.

A reservation is active while `expires_at` > now (`Reservation.active_at`); available units are
max(0, stock_quantity − Σ active holds) (`available_units`, `available_expression` in SQL). Functions that
check availability run inside `transaction.atomic()` with the product rows locked by `lock_products`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from catalog.models import Product, Reservation
from shop.exceptions import INSUFFICIENT_STOCK, NO_LONGER_AVAILABLE, InsufficientStock
from shop.queries import subquery_sum
from shop.statements import Delete, Statement, Update, run_along


def reservation_ttl() -> timedelta:
    """`STOCK_RESERVATION_TTL_MINUTES` (decimal minutes) as a timedelta, read per call."""
    return timedelta(seconds=float(settings.STOCK_RESERVATION_TTL_MINUTES * 60))


def active_reservations(now: datetime | None = None) -> QuerySet[Reservation]:
    return Reservation.objects.filter(Reservation.active_at(now))


def available_units(stock_quantity: int, reserved: int) -> int:
    """Units a cart can still take: on hand less what active reservations hold, never below 0 (§5.2)."""
    return max(0, stock_quantity - reserved)


def available_expression(reserved: Any, *, stock_quantity: str = "stock_quantity") -> Greatest:
    """`available_units` in SQL, over a `reserved` expression (every query and statement uses this)."""
    return Greatest(F(stock_quantity) - reserved, Value(0))


def shortage_message(product: Product, available: int) -> str:
    """Why a line cannot be served: the product is gone, or only `available` units are left."""
    if not product.is_active:
        return NO_LONGER_AVAILABLE.format(name=product.name)
    return INSUFFICIENT_STOCK.format(name=product.name, available=available)


def reserved_expression(now: datetime | None = None, *, exclude_cart_id: Any = None, product_ref: str = "pk"):
    """Σ active reservations of the outer product (optionally leaving one cart out), as a subquery.

    `product_ref` names the outer column holding the product id (`"product_id"` from an order item)."""
    reservations = active_reservations(now).filter(product=OuterRef(product_ref))
    if exclude_cart_id is not None:
        reservations = reservations.exclude(cart_id=exclude_cart_id)
    return Coalesce(
        subquery_sum(reservations, "quantity", per="product", output_field=IntegerField()), Value(0)
    )


def with_stock(queryset: QuerySet[Product], now: datetime | None = None) -> QuerySet[Product]:
    """Annotate `reserved` and `available` in the same query (never one query per product)."""
    return queryset.annotate(reserved=reserved_expression(now)).annotate(
        available=available_expression(F("reserved"))
    )


def in_stock_condition(now: datetime | None = None) -> Q:
    """`available > 0` as a filter that stays cheap on a large catalogue: a product without any active
    reservation (almost all of them) needs only `stock_quantity > 0`, decided by one hashed `NOT IN` over
    the reserved products; the reservation sum is computed only for the products that have some."""
    reserved_products = active_reservations(now).values("product_id")
    return Q(stock_quantity__gt=0) & (
        ~Q(pk__in=reserved_products) | Q(GreaterThan(available_expression(reserved_expression(now)), 0))
    )


def low_stock_condition(threshold: int | None = None, now: datetime | None = None) -> Q:
    """Active and `available ≤ threshold` (default `LOW_STOCK_THRESHOLD`), cheap on a large catalogue:
    available ≤ T ⟺ stock_quantity ≤ T + reserved, and only products holding active reservations need
    their sum (as in `in_stock_condition`)."""
    limit = settings.LOW_STOCK_THRESHOLD if threshold is None else threshold
    reserved_products = active_reservations(now).values("product_id")
    return Q(is_active=True) & (
        Q(stock_quantity__lte=limit)
        | (Q(pk__in=reserved_products) & Q(stock_quantity__lte=Value(limit) + reserved_expression(now)))
    )


def low_stock(queryset: QuerySet[Product], threshold: int | None = None) -> QuerySet[Product]:
    return queryset.filter(low_stock_condition(threshold))


def available_for(product_id: Any, *, cart_id: Any = None, now: datetime | None = None) -> int:
    """stock_quantity − Σ active reservations of carts other than `cart_id`, floored at 0 (§5.2)."""
    row = (
        Product.objects.filter(pk=product_id)
        .annotate(others=reserved_expression(now, exclude_cart_id=cart_id))
        .values_list("stock_quantity", "others")
        .first()
    )
    if row is None:
        return 0
    stock_quantity, others = row
    return available_units(stock_quantity, others)


def available_map(product_ids: Iterable[Any], *, cart_id: Any = None, now: datetime | None = None) -> dict:
    """`available_for` of several products in one query: {product id: available to `cart_id`}.

    Run it after `lock_products` (a new statement sees what the lock holders committed)."""
    rows = (
        Product.objects.filter(pk__in=list(product_ids))
        .annotate(others=reserved_expression(now, exclude_cart_id=cart_id))
        .values_list("pk", "stock_quantity", "others")
    )
    return {pk: available_units(stock_quantity, others) for pk, stock_quantity, others in rows}


def lock_products(product_ids: Iterable[Any], **annotations: Any) -> dict[Any, Product]:
    """Lock the products' rows in ascending id order (no deadlocks between two lockers).

    `annotations` ride along in the locking SELECT but are read before any wait for the lock: use them only
    for rows the caller already holds locked (its own cart's lines), never for stock. `product_ids` may be a
    queryset of ids (a subquery of the same statement)."""
    if isinstance(product_ids, QuerySet):
        ids: Any = product_ids
    else:
        ids = sorted(set(product_ids))
        if not ids:
            return {}
    return {product.pk: product for product in locking_queryset(ids, **annotations)}


def locking_queryset(product_ids: Any, **annotations: Any) -> QuerySet[Product]:
    """`lock_products`' SELECT … FOR UPDATE (ids in ascending order), for a caller that compiles it once
    (`shop.statements.Statement`) and makes a dict of it the same way."""
    products = Product.objects.select_for_update(of=("self",)).filter(pk__in=product_ids).order_by("pk")
    return products.annotate(**annotations) if annotations else products


def check_available(
    product: Product,
    quantity: int,
    *,
    cart_id: Any = None,
    now: datetime | None = None,
    error: str | None = None,
    available: int | None = None,
) -> None:
    """Refuse with `insufficient_stock` unless `quantity` units are available to `cart_id`.

    An inactive product has 0 available. Call with the product's row locked. `available` may be given
    when already computed for the locked row (`available_map`), saving a query per product.
    """
    if not product.is_active:
        available = 0
    elif available is None:
        available = available_for(product.pk, cart_id=cart_id, now=now)
    if available < quantity:
        raise InsufficientStock(product_id=product.pk, requested=quantity, available=available, error=error)


def reserve(
    *,
    cart_id: Any,
    product: Product,
    quantity: int,
    now: datetime | None = None,
    along: tuple[str, list] | None = None,
) -> datetime:
    """Hold `quantity` units of a locked product for a cart (the line quantity, expiring now + TTL) and
    return the expiry. Check and upsert are one conditional statement; when it writes nothing, the figure for
    the 409 is read once more.

    `along` is the caller's own write of the same change (SQL and parameters, e.g. the cart line), sent in
    the same round trip (`shop.statements.run_along`). It runs whether the hold is written or not: on a 409 the
    caller's transaction is rolled back, and it with it."""
    now = now or timezone.now()
    expires_at = now + reservation_ttl()
    if not _upsert_reservation_if_available(
        cart_id=cart_id, product_id=product.pk, quantity=quantity, now=now, expires_at=expires_at, along=along
    ):
        check_available(product, quantity, cart_id=cart_id, now=now)
        # Only reachable if the product row was not locked by the caller and changed in between.
        raise InsufficientStock(product_id=product.pk, requested=quantity, available=0)
    return expires_at


def _reservation_row(
    *, new_id: Any, cart_id: Any, product_id: Any, quantity: int, now: datetime, expires_at: datetime
) -> QuerySet:
    """The row `_upsert_reservation_if_available` inserts, if the product is active and what other carts
    leave available (`available_expression`) covers `quantity`: no row otherwise."""
    free = available_expression(reserved_expression(now, exclude_cart_id=cart_id))
    return (
        Product.objects.filter(pk=product_id, is_active=True)
        .alias(free=free)
        .filter(free__gte=quantity)
        .annotate(
            new_id=Value(new_id, output_field=UUIDField()),
            new_cart_id=Value(cart_id, output_field=UUIDField()),
            new_quantity=Value(quantity, output_field=IntegerField()),
            new_expires_at=Value(expires_at, output_field=DateTimeField()),
            new_created_at=Value(now, output_field=DateTimeField()),
        )
        .order_by()
        .values_list("new_id", "new_cart_id", "pk", "new_quantity", "new_expires_at", "new_created_at")
    )


_RESERVATION_ROW = Statement(_reservation_row)


def _upsert_reservation_if_available(
    *,
    cart_id: Any,
    product_id: Any,
    quantity: int,
    now: datetime,
    expires_at: datetime,
    along: tuple[str, list] | None = None,
) -> bool:
    """One statement: set the cart's reservation of the product to `quantity` if `_reservation_row` has
    a row. True if written. `INSERT … SELECT … ON CONFLICT DO UPDATE`, the SELECT compiled (once per
    process) by the ORM from the same expressions as every other stock figure."""
    select, params = _RESERVATION_ROW.sql(
        new_id=uuid.uuid4(),
        cart_id=cart_id,
        product_id=product_id,
        quantity=quantity,
        now=now,
        expires_at=expires_at,
    )
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Reservation._meta.db_table)} "
        "(id, cart_id, product_id, quantity, expires_at, created_at) "
        f"{select} "
        "ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = excluded.quantity, expires_at = excluded.expires_at"
    )
    return run_along(sql, params, along) == 1


def _cart_reservations(*, cart_id: Any, product_ids: list | None) -> Delete:
    reservations = Reservation.objects.filter(cart_id=cart_id)
    if product_ids is not None:
        reservations = reservations.filter(product_id__in=product_ids)
    return Delete(reservations)


_RELEASE = Statement(_cart_reservations)  # every checkout and cart clear: compiled once per process


def release(
    *, cart_id: Any, product_ids: Iterable[Any] | None = None, along: tuple[str, list] | None = None
) -> int:
    """Delete the cart's reservations (of the given products, or all of them); how many. `along` is the
    caller's own write of the same change (the cart's lines), sent in the same round trip (`shop.statements.run_along`)."""
    params = {"cart_id": cart_id, "product_ids": None if product_ids is None else list(product_ids)}
    if along is None:
        return _RELEASE.execute(**params)
    return run_along(*_RELEASE.sql(**params), along)


def release_statement(*, cart_id: Any) -> tuple[str, list]:
    """`release` of every hold of the cart as SQL and parameters, to send with the caller's own writes
    in one round trip (`shop.statements.insert_together`'s `along`)."""
    return _RELEASE.sql(cart_id=cart_id, product_ids=None)


def release_product(*, product_id: Any) -> int:
    """Delete every reservation of a product (archive or delete of the product)."""
    deleted, _ = Reservation.objects.filter(product_id=product_id).delete()
    return deleted


def _deduction(*, ids: list, quantities: list, cart_id: Any, now: datetime) -> Update:
    """`deduct_if_available`'s one UPDATE: `ids[i]` loses `quantities[i]` units, all or none."""

    def needed() -> Case:
        return Case(
            *(
                When(pk=product_id, then=Value(quantity))
                for product_id, quantity in zip(ids, quantities, strict=True)
            ),
            output_field=IntegerField(),
        )

    free = available_expression(reserved_expression(now, exclude_cart_id=cart_id))
    short = (
        Product.objects.filter(pk__in=ids)
        .alias(free=free, needed=needed())
        .filter(Q(is_active=False) | Q(free__lt=F("needed")))
    )
    return Update(
        Product.objects.filter(pk__in=ids).filter(~Exists(short)),
        stock_quantity=F("stock_quantity") - needed(),
        updated_at=now,
    )


_DEDUCTION = Statement(_deduction)


def deduct_if_available(
    lines: Iterable[tuple[Any, int]], *, cart_id: Any = None, now: datetime | None = None
) -> bool:
    """Checkout's check and deduction in one all-or-nothing statement: every line's units come off
    `stock_quantity` if every product is active and has them available to `cart_id`; else nothing changes.
    Call with the rows locked (`lock_products`); on False, `check_available` names the failing line."""
    quantities: dict[Any, int] = {}
    for product_id, quantity in lines:
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    if not quantities:
        return True
    ids = list(quantities)
    updated = _DEDUCTION.execute(
        ids=ids, quantities=list(quantities.values()), cart_id=cart_id, now=now or timezone.now()
    )
    if updated not in (0, len(ids)):  # an unknown product id: the caller locked the wrong rows
        raise RuntimeError(f"deduct_if_available: {len(ids) - updated} of {len(ids)} products not found")
    return updated == len(ids)


def fell_to_low_stock(products: dict[Any, Product], lines: Iterable[tuple[Any, int]]) -> list[Any]:
    """Ids of the locked `products` whose stock the deduction of `lines` took from above
    `LOW_STOCK_THRESHOLD` to at or below it (for the `product.stock_low` event)."""
    threshold = settings.LOW_STOCK_THRESHOLD
    return [
        product_id
        for product_id, quantity in lines
        if products[product_id].stock_quantity > threshold >= products[product_id].stock_quantity - quantity
    ]


def restock(lines: Iterable[tuple[Any, int]]) -> None:
    """Put units back on `stock_quantity` (cancellation, approved return with restock)."""
    with transaction.atomic():
        for product_id, quantity in sorted(lines, key=lambda line: line[0]):
            Product.objects.filter(pk=product_id).update(
                stock_quantity=F("stock_quantity") + quantity, updated_at=timezone.now()
            )


def expire_reservations(*, dry_run: bool = False, now: datetime | None = None) -> int:
    """Delete reservation rows whose `expires_at` ≤ now (cart lines stay). Returns how many."""
    expired = Reservation.objects.exclude(Reservation.active_at(now))
    if dry_run:
        return expired.count()
    deleted, _ = expired.delete()
    return deleted


def overcommitted_products(now: datetime | None = None) -> QuerySet[Product]:
    """Products whose active reservations exceed `stock_quantity` (possible after stock is lowered)."""
    return with_stock(Product.objects.all(), now).filter(reserved__gt=F("stock_quantity")).order_by("sku")
