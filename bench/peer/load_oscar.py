"""Loads the benchmark's peer (django-oscar) with the same products as ours and logged-in shoppers.

Run in the peer's virtualenv from bench/peer (DJANGO_SETTINGS_MODULE=oscar_settings, DATABASE_URL = the
peer's database). Prints one JSON object on stdout. Commands:
  load --source URL --shoppers N   products copied from our catalogue at URL (SKU, name, description,
                                   price, stock, category), N shoppers with a session each, a flash product
  flash-reset --units N            the flash product back to N units, no orders of it
  flash-count                      units of the flash product sold (order lines)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oscar_settings")
django.setup()

import psycopg  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sites.models import Site  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from oscar.core.loading import get_model  # noqa: E402

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Country = get_model("address", "Country")
Line = get_model("order", "Line")
FLASH_SKU = "FLASH-SALE"
BACKEND = "oscar.apps.customer.auth_backends.EmailBackend"


def load(source: str, shoppers: int) -> dict:
    with psycopg.connect(source) as conn:
        rows = conn.execute(
            "SELECT sku, name, description, price, stock_quantity, category FROM catalog_product "
            "WHERE is_active AND sku LIKE 'BENCH-%%' ORDER BY sku"
        ).fetchall()
    Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1", "name": "peer"})
    Country.objects.update_or_create(
        iso_3166_1_a2="GB",
        defaults={
            "iso_3166_1_a3": "GBR",
            "iso_3166_1_numeric": "826",
            "printable_name": "United Kingdom",
            "name": "United Kingdom",
            "is_shipping_country": True,
        },
    )
    with transaction.atomic():
        if Product.objects.exclude(upc=FLASH_SKU).count() != len(rows):
            Product.objects.all().delete()
            Category.objects.all().delete()
            goods, _ = ProductClass.objects.get_or_create(
                name="Goods", defaults={"requires_shipping": True, "track_stock": True}
            )
            partner, _ = Partner.objects.get_or_create(name="Bench")
            categories = {}
            for name in sorted({row[5] for row in rows}):
                categories[name] = Category.add_root(name=name, slug=slugify(name))
            products = Product.objects.bulk_create(
                Product(
                    title=name,
                    upc=sku,
                    slug=slugify(name),
                    description=description,
                    product_class=goods,
                    structure=Product.STANDALONE,
                    is_public=True,
                )
                for sku, name, description, _, _, _ in rows
            )
            ProductCategory.objects.bulk_create(
                ProductCategory(product=product, category=categories[row[5]])
                for product, row in zip(products, rows, strict=True)
            )
            StockRecord.objects.bulk_create(
                StockRecord(
                    product=product,
                    partner=partner,
                    partner_sku=row[0],
                    price=row[3],
                    price_currency="EUR",
                    num_in_stock=row[4],
                )
                for product, row in zip(products, rows, strict=True)
            )
            flash = Product.objects.create(
                title="Flash sale",
                upc=FLASH_SKU,
                slug="flash-sale",
                product_class=goods,
                structure=Product.STANDALONE,
                is_public=True,
            )
            StockRecord.objects.create(
                product=flash,
                partner=partner,
                partner_sku=FLASH_SKU,
                price=Decimal("9.99"),
                price_currency="EUR",
                num_in_stock=50,
            )
        by_upc = {row[0]: row[4] for row in rows}
        records = list(StockRecord.objects.exclude(partner_sku=FLASH_SKU))
        for record in records:
            record.num_in_stock, record.num_allocated = by_upc.get(record.partner_sku, 0), 0
        StockRecord.objects.bulk_update(records, ["num_in_stock", "num_allocated"], batch_size=500)
        password = make_password("bench-password-123")
        emails = [f"shopper{i}@bench.example" for i in range(shoppers)]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        User.objects.bulk_create(
            User(username=email[:150], email=email, password=password)
            for email in emails
            if email not in existing
        )
        users = list(User.objects.filter(email__in=emails).order_by("id"))
    sessions = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = BACKEND
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    products = list(
        Product.objects.exclude(upc=FLASH_SKU).order_by("upc").values_list("pk", "stockrecords__num_in_stock")
    )
    return {
        "products": [pk for pk, _ in products],
        "in_stock": [pk for pk, stock in products if stock and stock > 0],
        "flow_products": [pk for pk, stock in products if stock and stock >= 100_000],
        "flash": Product.objects.get(upc=FLASH_SKU).pk,
        "sessions": sessions,
        "country": "GB",
    }


def flash_reset(units: int) -> dict:
    record = StockRecord.objects.get(product__upc=FLASH_SKU)
    with transaction.atomic():
        Line.objects.filter(product=record.product).delete()
        StockRecord.objects.filter(pk=record.pk).update(num_in_stock=units, num_allocated=0)
        # A shopper's basket must not carry the last round's flash lines.
        get_model("basket", "Line").objects.filter(product=record.product).delete()
    return {"units": units}


def flash_count() -> dict:
    lines = Line.objects.filter(product__upc=FLASH_SKU)
    return {
        "orders": lines.values("order").distinct().count(),
        "units": sum(lines.values_list("quantity", flat=True)),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p_load = sub.add_parser("load")
    p_load.add_argument("--source", required=True)
    p_load.add_argument("--shoppers", type=int, default=300)
    p_reset = sub.add_parser("flash-reset")
    p_reset.add_argument("--units", type=int, default=50)
    sub.add_parser("flash-count")
    args = parser.parse_args(argv)
    if args.command == "load":
        result = load(args.source, args.shoppers)
    elif args.command == "flash-reset":
        result = flash_reset(args.units)
    else:
        result = flash_count()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
