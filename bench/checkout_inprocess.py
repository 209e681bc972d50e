"""Shopper-flow timing: N in-process flows (add 2 products to the cart, check out with a card) through
the Django test client on PostgreSQL, median and mean milliseconds per flow and queries per flow.

Run: `make bench-checkout` (or `.venv/bin/python bench/checkout_inprocess.py [N]`) with
BENCH_CHECKOUT_DATABASE_URL naming a scratch PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/shop_bench_checkout); it is created, migrated, and its rows reused.
No webhook endpoint is registered (the default store); the order-placed email's job row is written.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_bench"
)
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-0123456789-0123456789")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

ADDRESS = {
    "full_name": "Bench User",
    "phone": "",
    "street": "1 Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


def ensure_database() -> None:
    s = settings.DATABASES["default"]
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [s["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{s["NAME"]}"')


def main(flows: int) -> None:
    ensure_database()
    call_command("migrate", verbosity=0)
    from accounts.models import User
    from accounts.tokens import token_pair_for
    from catalog.models import Product

    user = User.objects.filter(email="bench@example.com").first() or User.objects.create_user(
        email="bench@example.com", password="bench-password-123", first_name="Bench", last_name="User"
    )
    products = []
    for sku in ("BENCH-1", "BENCH-2"):
        product, _ = Product.objects.update_or_create(
            sku=sku, defaults={"name": sku, "price": "9.99", "stock_quantity": 10**8, "is_active": True}
        )
        products.append(product)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access_token']}")

    def flow() -> None:
        for product in products:
            r = client.post(
                "/api/v1/cart/items",
                {"product_id": str(product.pk), "quantity": 1},
                content_type="application/json",
            )
            assert r.status_code in (200, 201), r.content
        r = client.post(
            "/api/v1/orders",
            {"payment_method": "cc", "shipping_address": ADDRESS, "payment_token": "tok_ok"},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content

    for _ in range(20):  # warm-up
        flow()
    settings.DEBUG = True
    reset_queries()
    flow()
    queries = len(connection.queries)
    settings.DEBUG = False
    times = []
    for _ in range(flows):
        started = time.perf_counter()
        flow()
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"checkout flow x{flows}: median {statistics.median(times):.2f} ms, mean {statistics.mean(times):.2f} ms, "
        f"{queries} queries per flow"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
