"""Four app hosts through PgBouncer in transaction pooling mode (scripts/topology.py): nginx in front of
four gunicorn processes of three sync workers each (twelve Django connections), PgBouncer lending them
`POOL_SIZE` PostgreSQL connections, on the test database. The invariants hold (they are row locks and
constraints in PostgreSQL), and PostgreSQL never has more backends for the database than the pool size,
sampled from pg_stat_activity every 10 ms while the requests run."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from accounts.tokens import token_pair_for
from catalog.models import Product
from orders.models import Order
from scripts.topology import ConnectionSampler, Topology, server_url
from tests.concurrency import run_concurrently
from tests.factories import ProductFactory, UserFactory
from tests.orders.helpers import checkout_body
from tests.scale.http import call

pytestmark = pytest.mark.django_db(transaction=True)

POOL_SIZE = 4
HOSTS = 4
WORKERS = 3
ITEMS = "/api/v1/cart/items"
ORDERS = "/api/v1/orders"


@pytest.fixture(scope="module")
def topology(test_database_url):
    env = {"SECRET_KEY": settings.SECRET_KEY, "AUTH_THROTTLE_RATE": "10000/minute"}
    with Topology(
        primary_url=test_database_url, web=HOSTS, workers=WORKERS, pool_size=POOL_SIZE, env=env
    ) as started:
        yield started


@pytest.fixture
def server_connections(topology):
    """Samples the test database's backends during the test, leaving out the test's own connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = [cursor.fetchone()[0]]
    sampler = ConnectionSampler(server_url(topology.primary_url), settings.DATABASES["default"]["NAME"], own)
    with sampler:
        yield sampler
    assert sampler.samples, "pg_stat_activity was never sampled"
    assert 1 <= sampler.peak <= POOL_SIZE, f"PostgreSQL saw {sampler.peak} backends, pool is {POOL_SIZE}"


def pooled_clients(topology) -> int:
    return len([row for row in topology.bouncer.admin("SHOW CLIENTS") if row["database"] == "shop"])


def test_flash_sale_through_pgbouncer_on_four_app_hosts_sells_exactly_50(topology, server_connections):
    product = ProductFactory(stock_quantity=50, name="Hot item")
    tokens = [token_pair_for(buyer)["access_token"] for buyer in UserFactory.create_batch(200)]
    line = {"product_id": str(product.pk), "quantity": 1}

    def buy(token: str):
        added = call(topology.url, "POST", ITEMS, line, token=token)
        if added.status != 201:
            return "add", added.status, added.body.get("code")
        ordered = call(topology.url, "POST", ORDERS, checkout_body("cod"), token=token)
        return "order", ordered.status, ordered.body.get("code")

    results = run_concurrently([lambda token=token: buy(token) for token in tokens], workers=32)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert results.count(("order", 201, None)) == 50, sorted(set(results))
    assert results.count(("add", 409, "insufficient_stock")) == 150, sorted(set(results))
    assert Order.objects.count() == 50
    assert Product.objects.get(pk=product.pk).stock_quantity == 0
    assert pooled_clients(topology) > POOL_SIZE  # more Django connections than PostgreSQL ever saw


def test_one_idempotency_key_sent_to_every_app_host_at_once_makes_one_order(topology, server_connections):
    product = ProductFactory(stock_quantity=5)
    buyer = UserFactory()
    token = token_pair_for(buyer)["access_token"]
    added = call(topology.url, "POST", ITEMS, {"product_id": str(product.pk), "quantity": 2}, token=token)
    assert added.status == 201, added.body

    def order(web):
        return call(web.url, "POST", ORDERS, checkout_body("cod"), token=token, Idempotency_Key="flash-1")

    answers = run_concurrently([lambda web=web: order(web) for web in topology.webs * 2], workers=8)

    assert {answer.status for answer in answers} <= {201, 409}, [(a.status, a.body) for a in answers]
    created = [answer for answer in answers if answer.status == 201]
    assert created
    assert len({answer.body["data"]["id"] for answer in created}) == 1
    assert {answer.body["code"] for answer in answers if answer.status == 409} <= {"idempotency_conflict"}
    assert Order.objects.filter(user=buyer).count() == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 3

    replay = order(topology.webs[-1])
    assert replay.status == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.body["data"]["id"] == created[0].body["data"]["id"]
    assert Order.objects.filter(user=buyer).count() == 1


def test_one_refresh_token_sent_to_every_app_host_at_once_rotates_once(topology, server_connections):
    refresh = token_pair_for(UserFactory())["refresh_token"]

    def rotate(web, token):
        return call(web.url, "POST", "/api/v1/auth/refresh", {"refresh_token": token})

    answers = run_concurrently([lambda web=web: rotate(web, refresh) for web in topology.webs * 2], workers=8)

    assert sorted(answer.status for answer in answers) == [200] + [401] * 7
    rotated = next(answer for answer in answers if answer.status == 200).body["data"]["refresh_token"]
    assert rotate(topology.webs[1], rotated).status == 200
    assert rotate(topology.webs[2], rotated).status == 401  # rotated away by the call before
    assert rotate(topology.webs[3], refresh).status == 401
