"""Benchmark data on our side: shoppers with tokens, stock for the flows, the flash-sale product.

Run with the project's virtualenv from the repository root (`DATABASE_URL` = the bench database);
prints one JSON object. Commands:
  prepare --shoppers N     N shoppers (one Argon2id hash shared), an access token each (the flows log in
                           once, so login stays out of their numbers), 200 products with ample stock for
                           the flows, and the flash-sale product
  flash-reset --units N    the flash product back to N units, no hold on it; prints the reset time
  flash-count --since T    units of the flash product sold in orders placed since T
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.getcwd())
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from accounts.models import User  # noqa: E402
from cart.models import CartItem  # noqa: E402
from catalog.models import Product, Reservation  # noqa: E402
from catalog.services import product_ensure  # noqa: E402
from orders.models import OrderItem  # noqa: E402

FLASH_SKU = "FLASH-SALE"
FLOW_STOCK = 1_000_000
PASSWORD = "bench-password-123"


def prepare(shoppers: int) -> dict:
    emails = [f"shopper{i}@bench.example" for i in range(shoppers)]
    with transaction.atomic():
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        password = make_password(PASSWORD)
        User.objects.bulk_create(
            User(email=email, password=password, first_name="Bench", last_name=str(i))
            for i, email in enumerate(emails)
            if email not in existing
        )
        flow_ids = list(
            Product.objects.filter(is_active=True, sku__startswith="BENCH-")
            .order_by("sku")
            .values_list("pk", flat=True)[:200]
        )
        Product.objects.filter(pk__in=flow_ids).update(stock_quantity=FLOW_STOCK)
    flash, _ = product_ensure(sku=FLASH_SKU, name="Flash sale", price=Decimal("9.99"), stock_quantity=50)
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    detail_ids = list(
        Product.objects.filter(is_active=True, sku__startswith="BENCH-")
        .order_by("-created_at")
        .values_list("pk", flat=True)[:100]
    )
    return {
        "tokens": [str(RefreshToken.for_user(user).access_token) for user in users],
        "login": {"email": emails[0], "password": PASSWORD},
        "flow_products": [str(pk) for pk in flow_ids],
        "detail_products": [str(pk) for pk in detail_ids],
        "flash": str(flash.pk),
    }


def flash_reset(units: int) -> dict:
    with transaction.atomic():
        flash = Product.objects.select_for_update().get(sku=FLASH_SKU)
        Reservation.objects.filter(product=flash).delete()
        CartItem.objects.filter(product=flash).delete()
        Product.objects.filter(pk=flash.pk).update(
            stock_quantity=units, is_active=True, updated_at=timezone.now()
        )
    return {"units": units, "since": timezone.now().isoformat()}


def flash_count(since: str) -> dict:
    items = OrderItem.objects.filter(
        product__sku=FLASH_SKU, order__created_at__gte=datetime.fromisoformat(since)
    )
    return {
        "orders": items.values("order").distinct().count(),
        "units": items.aggregate(units=Sum("quantity"))["units"] or 0,
        "stock_left": Product.objects.get(sku=FLASH_SKU).stock_quantity,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare").add_argument("--shoppers", type=int, default=300)
    sub.add_parser("flash-reset").add_argument("--units", type=int, default=50)
    sub.add_parser("flash-count").add_argument("--since", required=True)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        result = prepare(args.shoppers)
    elif args.command == "flash-reset":
        result = flash_reset(args.units)
    else:
        result = flash_count(args.since)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
