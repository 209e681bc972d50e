"""E10's `meta.total` (API.md §1.6): exact from the trigger-kept counters for the whole list and a category,
counted up to 10,000 for the other filters, the planner's estimate with `total_exact: false` above."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q

from catalog.models import CategoryCount, Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def meta(api, query=""):
    response = api.get(f"/api/v1/products?limit=5{query}")
    assert response.status_code == 200
    return response.json()["data"]["meta"]


def test_the_category_counters_follow_creates_archives_moves_and_deletes():
    shoe = ProductFactory(category="Shoes")
    ProductFactory(category="SHOES")
    ProductFactory(category="Books", is_active=False)
    assert CategoryCount.objects.get(category="shoes").active == 2
    assert not CategoryCount.objects.filter(category="books", active__gt=0).exists()

    Product.objects.filter(pk=shoe.pk).update(category="Books")
    Product.objects.filter(category="Books").update(is_active=True)
    Product.objects.filter(category="SHOES").delete()

    counts = dict(CategoryCount.objects.values_list("category", "active"))
    assert (counts["shoes"], counts["books"]) == (0, 2)


def test_the_whole_list_and_a_category_are_exact(api):
    ProductFactory.create_batch(3, category="Garden")
    ProductFactory(category="garden", is_active=False)
    ProductFactory(category="Toys")

    assert meta(api) == {"page": 1, "limit": 5, "total": 4, "totalPages": 1}
    assert meta(api, "&category=GARDEN") == {"page": 1, "limit": 5, "total": 3, "totalPages": 1}
    assert meta(api, "&category=none")["total"] == 0


def test_filtered_totals_are_exact_up_to_ten_thousand(api):
    call_command("load_products", "--count", "10000", stdout=StringIO())

    first = meta(api, "&min_price=0")
    assert first == {"page": 1, "limit": 5, "total": 10_000, "totalPages": 2000}
    assert meta(api, "&in_stock=true")["total"] == 9_000
    searched = meta(api, "&search=lamp")
    assert "total_exact" not in searched
    lamps = Q(name__icontains="lamp") | Q(description__icontains="lamp") | Q(sku__icontains="lamp")
    assert searched["total"] == Product.objects.filter(lamps, is_active=True).count() > 0


def test_above_ten_thousand_a_filtered_total_is_an_estimate_and_says_so(api):
    call_command("load_products", "--count", "12000", stdout=StringIO())

    searched = meta(api, "&search=model")  # every description says "model N"
    assert (searched["total_exact"], searched["total"] > 10_000) == (False, True)
    estimated = meta(api, "&min_price=0")
    assert estimated["total_exact"] is False
    assert estimated["total"] > 10_000
    assert estimated["totalPages"] == -(-estimated["total"] // 5)
    # Pages past an estimate still answer the rows that are there.
    deep = api.get("/api/v1/products?limit=100&page=120&min_price=0").json()["data"]
    assert len(deep["products"]) == 100
    assert meta(api) == {"page": 1, "limit": 5, "total": 12_000, "totalPages": 2400}  # unfiltered: exact
