"""The catalogue's exact response cache (catalog/cache.py): what one process cached never hides a change
committed by another, nor a reservation that has since expired; a hit is byte for byte the answer."""

import json
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tokens import token_pair_for
from catalog.models import Product
from tests.factories import ProductFactory, UserFactory
from tests.servers import gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)
TTL_SECONDS = 3


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker):
    """Two gunicorn processes (one worker each) on the test database, reservations held for 3 s."""
    with django_db_blocker.unblock():
        env = {"STOCK_RESERVATION_TTL_MINUTES": str(TTL_SECONDS / 60)}
        with gunicorn_server(**env) as a, gunicorn_server(**env) as b:
            yield a, b


def get(server, path):
    status, headers, body = server.request("GET", path)
    assert status == 200, body
    return json.loads(body)["data"]


def add_to_cart(server, user, product, quantity):
    token = token_pair_for(user)["access_token"]
    body = json.dumps({"product_id": str(product.pk), "quantity": quantity}).encode()
    status, _, answer = server.request(
        "POST",
        "/api/v1/cart/items",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=body,
    )
    assert status == 201, answer


def listed(data, product):
    return next(p for p in data["products"] if p["id"] == str(product.pk))


def test_a_reservation_made_through_another_process_shows_on_the_next_request(two_servers):
    a, b = two_servers
    product = ProductFactory(stock_quantity=5, price=Decimal("10.00"))
    for _ in range(2):  # the second answer comes from A's cache
        assert get(a, f"/api/v1/products/{product.pk}")["stock"] == 5
        assert listed(get(a, "/api/v1/products"), product)["stock"] == 5

    add_to_cart(b, UserFactory(), product, 2)

    detail = get(a, f"/api/v1/products/{product.pk}")
    assert (detail["stock"], detail["reserved"]) == (3, 2)
    assert listed(get(a, "/api/v1/products"), product)["stock"] == 3


def test_a_raw_sql_write_committed_elsewhere_shows_on_the_next_request(two_servers):
    a, b = two_servers
    product = ProductFactory(stock_quantity=5, price=Decimal("10.00"), category="Lamps")
    assert get(a, f"/api/v1/products/{product.pk}")["price"] == 10
    assert get(b, "/api/v1/products?category=lamps")["meta"]["total"] == 1

    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET price = 12.5 WHERE id = %s", [product.pk])
    ProductFactory(category="LAMPS")

    assert get(a, f"/api/v1/products/{product.pk}")["price"] == 12.5
    assert get(b, "/api/v1/products?category=lamps")["meta"]["total"] == 2


def test_an_archived_product_leaves_both_processes_caches_at_once(two_servers):
    a, b = two_servers
    product = ProductFactory()
    assert get(a, f"/api/v1/products/{product.pk}")["id"] == str(product.pk)
    assert get(b, "/api/v1/products")["meta"]["total"] == 1

    Product.objects.filter(pk=product.pk).update(is_active=False)

    assert a.request("GET", f"/api/v1/products/{product.pk}")[0] == 404
    assert get(b, "/api/v1/products")["meta"]["total"] == 0


def test_an_expired_reservation_frees_the_stock_with_no_write_at_all(two_servers):
    a, b = two_servers
    product = ProductFactory(stock_quantity=4)
    add_to_cart(b, UserFactory(), product, 3)
    assert get(a, f"/api/v1/products/{product.pk}")["stock"] == 1
    assert get(a, f"/api/v1/products/{product.pk}")["stock"] == 1  # cached

    time.sleep(TTL_SECONDS + 0.5)

    detail = get(a, f"/api/v1/products/{product.pk}")
    assert (detail["stock"], detail["reserved"]) == (4, 0)


def test_a_hit_is_the_same_bytes_and_headers_in_one_query():
    ProductFactory.create_batch(3)
    client = Client()
    first = client.get("/api/v1/products?limit=2&sort=price")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/api/v1/products?limit=2&sort=price")

    assert len(queries) == 1  # the catalogue version
    assert second.content == first.content
    ignored = {"X-Request-ID"}
    assert {k: v for k, v in second.items() if k not in ignored} == {
        k: v for k, v in first.items() if k not in ignored
    }


def test_a_miss_costs_four_queries_and_errors_are_not_cached():
    product = ProductFactory()
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/products").status_code == 200
    assert len(queries) == 4  # version, total, page, next reservation expiry

    missing = "/api/v1/products/00000000-0000-4000-8000-000000000000"
    assert client.get(missing).status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get(missing).status_code == 404
    assert len(queries) == 2  # looked up again: a 404 is never kept
    assert client.get(f"/api/v1/products/{product.pk}").status_code == 200


def test_a_hit_is_served_before_drf_builds_its_request(monkeypatch):
    product = ProductFactory()
    client = Client()
    path = f"/api/v1/products/{product.pk}"
    first = client.get(path)

    def refuse(*args, **kwargs):
        raise AssertionError("DRF dispatch ran for a cached answer")

    monkeypatch.setattr("rest_framework.views.APIView.initialize_request", refuse)
    second = client.get(path)
    assert (second.status_code, second.content, second["Allow"]) == (200, first.content, first["Allow"])

    Product.objects.filter(pk=product.pk).update(stock_quantity=7)  # a change: the next GET is a miss
    with pytest.raises(AssertionError, match="DRF dispatch ran"):
        client.get(path)


def test_a_stale_answer_costs_one_version_read_not_two():
    product = ProductFactory()
    client = Client()
    path = f"/api/v1/products/{product.pk}"
    client.get(path)
    Product.objects.filter(pk=product.pk).update(stock_quantity=9)  # the stored answer is now stale

    with CaptureQueriesContext(connection) as queries:
        fresh = client.get(path)

    versions = [q for q in queries.captured_queries if "catalog_catalogueversion" in q["sql"]]
    assert fresh.json()["data"]["stock"] == 9
    assert len(versions) == 1 and len(queries) == 3  # version, the product, next reservation expiry
