"""`manage.py load_products --count N`: a synthetic catalogue of N products in set-based SQL (PostgreSQL).

For benchmarks and capacity tests: a million products load in a few minutes. Product n (1..N) has SKU
`BENCH-<n, 7 digits>`, a deterministic id, name, price, stock (every tenth product out of stock), one of
20 categories and `created_at` one second older than product n-1, so two loads of the same N are equal.
Existing BENCH- products are kept (`ON CONFLICT (sku) DO NOTHING`); `--replace` deletes them first.
Above `--rebuild-indexes-above` new rows (default 50,000) the product table's secondary indexes are
dropped and rebuilt around the insert, which is several times faster than maintaining them row by row;
the counting triggers are off during the insert and the totals recounted once after it.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

ADJECTIVES = (
    "Red",
    "Blue",
    "Green",
    "Black",
    "White",
    "Silver",
    "Golden",
    "Compact",
    "Classic",
    "Modern",
    "Rugged",
    "Smart",
    "Wireless",
    "Portable",
    "Deluxe",
    "Eco",
    "Ultra",
    "Mini",
    "Pro",
    "Vintage",
    "Quiet",
    "Rapid",
    "Solid",
    "Bright",
    "Soft",
)
NOUNS = (
    "Lamp",
    "Chair",
    "Desk",
    "Kettle",
    "Speaker",
    "Camera",
    "Backpack",
    "Jacket",
    "Watch",
    "Bottle",
    "Keyboard",
    "Mouse",
    "Monitor",
    "Blender",
    "Toaster",
    "Headset",
    "Tent",
    "Blanket",
    "Mug",
    "Pillow",
    "Drill",
    "Router",
    "Charger",
    "Notebook",
    "Pen",
    "Sofa",
    "Shelf",
    "Rug",
    "Mirror",
    "Clock",
    "Scarf",
    "Boots",
    "Helmet",
    "Bicycle",
    "Skillet",
    "Teapot",
    "Candle",
    "Vase",
    "Frame",
    "Puzzle",
)
CATEGORIES = (
    "Electronics",
    "Books",
    "Audio",
    "Home",
    "Kitchen",
    "Garden",
    "Toys",
    "Sports",
    "Outdoor",
    "Office",
    "Fashion",
    "Shoes",
    "Beauty",
    "Health",
    "Tools",
    "Automotive",
    "Pets",
    "Music",
    "Games",
    "Grocery",
)
SKU_PREFIX = "BENCH-"

_INSERT_SQL = """
INSERT INTO catalog_product
    (id, sku, name, description, price, stock_quantity, category, image_url, is_active, created_at, updated_at)
SELECT
    md5('bench-product-' || n)::uuid,
    %(prefix)s || lpad(n::text, 7, '0'),
    (%(adjectives)s::text[])[1 + n %% %(n_adj)s] || ' ' || (%(nouns)s::text[])[1 + (n / %(n_adj)s) %% %(n_noun)s]
        || ' ' || n,
    'A ' || lower((%(adjectives)s::text[])[1 + (n / 7) %% %(n_adj)s]) || ' '
        || lower((%(nouns)s::text[])[1 + n %% %(n_noun)s]) || ' for everyday use, model ' || n || '.',
    (1 + (n::bigint * 7919) %% 100000) / 100.0,
    CASE WHEN n %% 10 = 0 THEN 0 ELSE 1 + (n * 31) %% 200 END,
    (%(categories)s::text[])[1 + n %% %(n_cat)s],
    '',
    true,
    %(base)s::timestamptz - make_interval(secs => n),
    %(base)s::timestamptz - make_interval(secs => n)
FROM generate_series(%(first)s::integer, %(last)s::integer) AS n
ON CONFLICT (sku) DO NOTHING
"""
BASE_TIME = "2026-11-01T00:00:00Z"


class Command(BaseCommand):
    help = "Load N synthetic products (SKU BENCH-…) with set-based SQL; PostgreSQL only."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="Products BENCH-1..N to have.")
        parser.add_argument("--replace", action="store_true", help="Delete every BENCH- product first.")
        parser.add_argument("--batch", type=int, default=250_000, help="Rows per INSERT statement.")
        parser.add_argument("--rebuild-indexes-above", type=int, default=50_000)

    def handle(self, *args, count, replace, batch, rebuild_indexes_above, **options):
        if connection.vendor != "postgresql":
            raise CommandError("load_products needs PostgreSQL (set DATABASE_URL).")
        if count < 0 or batch < 1:
            raise CommandError("--count must be ≥ 0 and --batch ≥ 1.")
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            counted = _has_counters(cursor)
            if counted:
                # Row by row, the triggers would cost more than the insert: recount once instead, below.
                # (Deferred trigger events still pending from a caller's transaction fire first.)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE catalog_product DISABLE TRIGGER USER")
            if replace:
                cursor.execute(
                    "DELETE FROM catalog_product WHERE sku LIKE %s AND NOT EXISTS "
                    "(SELECT 1 FROM orders_orderitem WHERE product_id = catalog_product.id)",
                    [SKU_PREFIX + "%"],
                )
            cursor.execute("SELECT count(*) FROM catalog_product WHERE sku LIKE %s", [SKU_PREFIX + "%"])
            existing = cursor.fetchone()[0]
            missing = max(0, count - existing)
            rebuilt = _drop_secondary_indexes(cursor) if missing > rebuild_indexes_above else []

            params = {
                "prefix": SKU_PREFIX,
                "adjectives": list(ADJECTIVES),
                "nouns": list(NOUNS),
                "categories": list(CATEGORIES),
                "n_adj": len(ADJECTIVES),
                "n_noun": len(NOUNS),
                "n_cat": len(CATEGORIES),
                "base": BASE_TIME,
            }
            inserted = 0
            if missing:
                for first in range(1, count + 1, batch):
                    cursor.execute(
                        _INSERT_SQL, {**params, "first": first, "last": min(count, first + batch - 1)}
                    )
                    inserted += cursor.rowcount
            for definition in rebuilt:
                cursor.execute(definition)
            if counted:
                cursor.execute("ALTER TABLE catalog_product ENABLE TRIGGER USER")
                _recount(cursor)
        with connection.cursor() as cursor:
            # Index-only scans (deep pages) want the visibility map that VACUUM sets; inside a caller's
            # transaction (tests) VACUUM cannot run, and ANALYZE alone must do.
            cursor.execute(
                "ANALYZE catalog_product" if connection.in_atomic_block else "VACUUM ANALYZE catalog_product"
            )
        self.stdout.write(
            f"Inserted {inserted} products ({existing} BENCH- products were there), "
            f"{len(rebuilt)} indexes rebuilt, in {time.monotonic() - started:.1f} s"
        )


def _has_counters(cursor) -> bool:
    """Whether migration catalog 0003's triggers (exact totals, catalogue version) are installed."""
    cursor.execute("SELECT to_regclass('catalog_categorycount') IS NOT NULL")
    return cursor.fetchone()[0]


def _recount(cursor) -> None:
    """What the disabled triggers would have done: the per-category totals, and a new catalogue version."""
    cursor.execute("DELETE FROM catalog_categorycount")
    cursor.execute(
        "INSERT INTO catalog_categorycount (category, active) "
        "SELECT lower(category), count(*) FROM catalog_product WHERE is_active GROUP BY lower(category)"
    )
    cursor.execute("SELECT catalog_version_bump()")


def _drop_secondary_indexes(cursor) -> list[str]:
    """Drop the product table's indexes that back no constraint; return their CREATE statements."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = 'catalog_product'::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        """
    )
    rows = cursor.fetchall()
    for name, _ in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]
