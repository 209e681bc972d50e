"""The catalogue on a real streaming replica (scripts/topology.py): a primary cluster of our own, a second
cluster made from it with pg_basebackup, both behind PgBouncer, two app hosts behind nginx.

Pausing the replica's WAL replay makes it lag for as long as the test needs: what E10 and E11 answer then
comes from the replica (a moment old), while the admin, the cart and checkout answer from the primary."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest

from scripts.topology import Topology, query, wait_until
from tests.factories import PASSWORD, address
from tests.scale.http import call

#: The suite's test database must exist (pytest-django creates it for the tests marked so): our primary
#: starts as a copy of its migrated schema. The tests themselves talk to the topology only.
pytestmark = pytest.mark.django_db

ADMIN_EMAIL = "scale-admin@example.com"
ADMIN_PASSWORD = "Scale-Admin-Password-20"


@pytest.fixture(scope="module")
def topology(test_database_url):
    """Our own primary (a copy of the suite's migrated, empty test database) and its replica."""
    env = {"AUTH_THROTTLE_RATE": "1000/minute"}
    with Topology(
        replica=True, web=2, workers=2, pool_size=4, clone_from=test_database_url, env=env
    ) as started:
        started.manage(
            "seed_demo", env={"DEMO_ADMIN_EMAIL": ADMIN_EMAIL, "DEMO_ADMIN_PASSWORD": ADMIN_PASSWORD}
        )
        yield started


@pytest.fixture(scope="module")
def admin_token(topology) -> str:
    login = call(
        topology.url, "POST", "/api/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert login.status == 200, login.body
    return login.body["data"]["access_token"]


def shopper(topology, name: str) -> str:
    body = {"email": f"{name}@example.com", "password": PASSWORD, "first_name": name, "last_name": "Shopper"}
    registered = call(topology.url, "POST", "/api/v1/auth/register", body)
    assert registered.status == 201, registered.body
    return registered.body["data"]["access_token"]


def caught_up(topology) -> bool:
    primary_lsn = query(topology.primary_url, "SELECT pg_current_wal_insert_lsn()")[0][0]
    sql = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
    return query(topology.replica_url, sql, (primary_lsn,))[0][0]


@contextlib.contextmanager
def replay_paused(topology):
    """The replica caught up, then its WAL replay paused (it lags the primary) until the block ends."""
    wait_until(lambda: caught_up(topology), timeout=30, what="replica catch-up")
    query(topology.replica_url, "SELECT pg_wal_replay_pause()")
    try:
        wait_until(
            lambda: query(topology.replica_url, "SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
            timeout=30,
            what="replay pause",
        )
        yield
    finally:
        query(topology.replica_url, "SELECT pg_wal_replay_resume()")


def create_product(topology, admin_token: str, **fields) -> dict:
    body = {"sku": fields.pop("sku"), "name": "Replica test item", "price": "10.00", "stock": 1, **fields}
    created = call(topology.url, "POST", "/api/v1/admin/products", body, token=admin_token)
    assert created.status == 201, created.body
    wait_until(lambda: caught_up(topology), timeout=30, what="replica catch-up")
    return created.body["data"]


def test_the_replica_is_a_streaming_standby_of_the_primary(topology):
    assert query(topology.replica_url, "SELECT pg_is_in_recovery()")[0][0] is True
    senders = query(topology.primary_url, "SELECT state FROM pg_stat_replication")
    assert senders == [("streaming",)]


def test_the_catalogue_answers_from_the_replica_and_the_admin_from_the_primary(topology, admin_token):
    product = create_product(topology, admin_token, sku="REPLICA-PRICE")
    path = f"/api/v1/products/{product['id']}"
    assert call(topology.url, "GET", path).body["data"]["price"] == 10.0
    with replay_paused(topology):
        replica_lags_behind_the_admin_but_not_the_cart(topology, admin_token, product)


def replica_lags_behind_the_admin_but_not_the_cart(topology, admin_token, product):
    path = f"/api/v1/products/{product['id']}"

    updated = call(
        topology.url, "PUT", f"/api/v1/admin/products/{product['id']}", {"price": "12.50"}, token=admin_token
    )
    assert updated.status == 200
    assert updated.body["data"]["price"] == 12.5

    for web in topology.webs:  # every app host reads the catalogue from the (paused) replica
        assert call(web.url, "GET", path).body["data"]["price"] == 10.0
        listed = call(web.url, "GET", "/api/v1/products?search=REPLICA-PRICE").body["data"]["products"]
        assert [item["price"] for item in listed] == [10.0]
    admin_list = call(topology.url, "GET", "/api/v1/admin/products?search=REPLICA-PRICE", token=admin_token)
    assert [item["price"] for item in admin_list.body["data"]["products"]] == [12.5]

    token = shopper(topology, "pricecheck")
    line = {"product_id": product["id"], "quantity": 1}
    assert call(topology.url, "POST", "/api/v1/cart/items", line, token=token).status == 201
    cart = call(topology.url, "GET", "/api/v1/cart", token=token).body["data"]
    assert Decimal(str(cart["total_amount"])) == Decimal("12.50")  # the cart prices on the primary
    order = call(topology.url, "POST", "/api/v1/orders", {"payment_method": "cod", "shipping_address": address()},
                 token=token)  # fmt: skip
    assert order.status == 201, order.body
    assert Decimal(str(order.body["data"]["total_amount"])) == Decimal("12.50")


def test_a_lagging_replica_shows_old_stock_but_the_cart_refuses_what_is_gone(topology, admin_token):
    product = create_product(topology, admin_token, sku="REPLICA-LAST-ONE", stock=1)
    first, second = shopper(topology, "first"), shopper(topology, "second")
    with replay_paused(topology):
        last_unit_sold_while_the_replica_lags(topology, product, first, second)


def last_unit_sold_while_the_replica_lags(topology, product, first, second):
    line = {"product_id": product["id"], "quantity": 1}

    assert call(topology.url, "POST", "/api/v1/cart/items", line, token=first).status == 201
    order = call(topology.url, "POST", "/api/v1/orders", {"payment_method": "cod", "shipping_address": address()},
                 token=first)  # fmt: skip
    assert order.status == 201, order.body

    # The catalogue, a moment old, still offers the last unit...
    assert call(topology.url, "GET", f"/api/v1/products/{product['id']}").body["data"]["stock"] == 1
    # ...but the cart checks and locks the primary: it is gone.
    refused = call(topology.url, "POST", "/api/v1/cart/items", line, token=second)
    assert refused.status == 409
    assert refused.body["code"] == "insufficient_stock"


def test_the_catalogue_catches_up_once_the_replica_replays(topology, admin_token):
    product = create_product(topology, admin_token, sku="REPLICA-CATCH-UP", stock=3)
    path = f"/api/v1/products/{product['id']}"
    call(topology.url, "PUT", f"/api/v1/admin/products/{product['id']}", {"stock": 7}, token=admin_token)

    wait_until(lambda: caught_up(topology), timeout=30, what="replica catch-up")

    assert call(topology.url, "GET", path).body["data"]["stock"] == 7
