"""`load_products`: the benchmark's synthetic catalogue, set-based, deterministic and idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def load(*args) -> str:
    out = StringIO()
    call_command("load_products", *args, stdout=out)
    return out.getvalue()


def product_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'catalog_product'")
        return {row[0] for row in cursor.fetchall()}


def test_loads_n_products_with_every_field_the_list_needs():
    load("--count", "40")
    products = Product.objects.filter(sku__startswith="BENCH-")
    assert products.count() == 40
    first = products.get(sku="BENCH-0000001")
    assert first.is_active and first.name.endswith(" 1") and first.category and first.price > 0
    assert products.filter(stock_quantity=0).count() == 4  # every tenth product is out of stock
    assert list(products.order_by("-created_at").values_list("sku", flat=True)[:2]) == [
        "BENCH-0000001",
        "BENCH-0000002",
    ]


def test_a_second_load_adds_only_what_is_missing_and_keeps_other_products():
    other = ProductFactory(sku="KEEP-1")
    load("--count", "10")
    ids = set(Product.objects.filter(sku__startswith="BENCH-").values_list("pk", flat=True))
    output = load("--count", "15")
    assert "Inserted 5 products (10 BENCH- products were there)" in output
    assert ids < set(Product.objects.filter(sku__startswith="BENCH-").values_list("pk", flat=True))
    assert Product.objects.filter(pk=other.pk).exists()


def test_replace_loads_the_same_ids_again():
    load("--count", "5")
    ids = set(Product.objects.filter(sku__startswith="BENCH-").values_list("pk", flat=True))
    load("--count", "5", "--replace")
    assert set(Product.objects.filter(sku__startswith="BENCH-").values_list("pk", flat=True)) == ids


def test_a_large_load_rebuilds_the_same_indexes_it_dropped():
    before = product_indexes()
    output = load("--count", "30", "--rebuild-indexes-above", "10", "--batch", "7")
    assert Product.objects.filter(sku__startswith="BENCH-").count() == 30
    assert "indexes rebuilt" in output and " 0 indexes rebuilt" not in output
    assert product_indexes() == before
