"""The primary/replica router and the database settings of DATABASE_POOLER and DATABASE_REPLICA_URL.

The router's decisions are checked here in-process; tests/scale/test_replica.py checks the same routing
against a real streaming replica whose replay is paused."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from accounts.models import User
from cart.models import Cart
from catalog.models import Product, Reservation
from shop.db import PrimaryReplicaRouter, reads_from_replica, replica_reads, start_request
from tests.factories import ProductFactory

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "a-real-secret-of-enough-length-0123456789"
PRIMARY = "postgres://postgres@127.0.0.1:5432/shop"
REPLICA = "postgres://postgres@127.0.0.1:5433/shop"

router = PrimaryReplicaRouter()


@pytest.fixture(autouse=True)
def _fresh_request():
    start_request()  # as Django's request_started signal does
    yield
    start_request()


def test_reads_go_to_the_primary_outside_a_replica_block():
    assert router.db_for_read(Product) == "default"


def test_catalogue_reads_in_a_replica_block_go_to_the_replica():
    with replica_reads("catalog"):
        assert router.db_for_read(Product) == "replica"
        assert router.db_for_read(Reservation) == "replica"


def test_other_apps_read_the_primary_even_in_a_replica_block():
    with replica_reads("catalog"):
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Cart) == "default"


def test_a_read_after_a_write_in_the_same_request_goes_to_the_primary():
    with replica_reads("catalog"):
        assert router.db_for_write(Reservation) == "default"
        assert router.db_for_read(Product) == "default"
    with replica_reads("catalog"):
        assert router.db_for_read(Product) == "default"  # still the same request


def test_a_write_before_the_replica_block_also_keeps_reads_on_the_primary():
    router.db_for_write(User)
    with replica_reads("catalog"):
        assert router.db_for_read(Product) == "default"


def test_the_next_request_may_read_the_replica_again():
    with replica_reads("catalog"):
        router.db_for_write(Product)
    start_request()
    with replica_reads("catalog"):
        assert router.db_for_read(Product) == "replica"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary():
    with replica_reads("catalog"), transaction.atomic():
        assert router.db_for_read(Product) == "default"


def test_writes_and_migrations_go_to_the_primary_only():
    with replica_reads("catalog"):
        assert router.db_for_write(Product) == "default"
    assert router.allow_migrate("default", "catalog")
    assert not router.allow_migrate("replica", "catalog")


def test_the_decorator_allows_the_replica_only_while_the_handler_runs():
    seen = []

    @reads_from_replica("catalog")
    def handler():
        seen.append(router.db_for_read(Product))
        raise ValueError("boom")

    with pytest.raises(ValueError):
        handler()
    assert seen == ["replica"]
    assert router.db_for_read(Product) == "default"


class RecordingRouter(PrimaryReplicaRouter):
    """Decides as the real router does and records each decision, but runs every query on the test
    database (which has no second copy here)."""

    seen: list[tuple[str, str]] = []

    def __init__(self) -> None:
        super().__init__(replica="replica")

    def db_for_read(self, model, **hints) -> str:
        self.seen.append((model._meta.label, super().db_for_read(model, **hints)))
        return "default"


@pytest.fixture
def recorded(settings):
    settings.DATABASE_ROUTERS = ["tests.shop.test_db_routing.RecordingRouter"]
    RecordingRouter.seen.clear()
    yield RecordingRouter.seen
    RecordingRouter.seen.clear()


@pytest.mark.django_db(transaction=True)
def test_the_product_list_and_detail_read_the_catalogue_from_the_replica(api, recorded):
    product = ProductFactory()

    assert api.get("/api/v1/products").status_code == 200
    assert api.get(f"/api/v1/products/{product.pk}").status_code == 200

    assert ("catalog.Product", "replica") in recorded
    assert {alias for _, alias in recorded} == {"replica"}


@pytest.mark.django_db(transaction=True)
def test_the_cart_reads_the_catalogue_from_the_primary(customer_api, recorded):
    product = ProductFactory()

    assert (
        customer_api.post("/api/v1/cart/items", {"product_id": str(product.pk), "quantity": 1}).status_code
        == 201
    )
    assert customer_api.get("/api/v1/cart").status_code == 200

    assert recorded
    assert {alias for _, alias in recorded} == {"default"}


def database_settings(**env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DATABASE_")}
    environment.pop("PGBOUNCER_PREPARED_STATEMENTS", None)
    environment.update({"DEBUG": "0", "SECRET_KEY": SECRET, **env})
    code = (
        "import json, config.settings as s; "
        "print(json.dumps({'databases': s.DATABASES, 'routers': getattr(s, 'DATABASE_ROUTERS', [])}, default=str))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_pooler_the_database_settings_are_the_plain_ones():
    default = loaded(database_settings(DATABASE_URL=PRIMARY))["databases"]["default"]

    assert default["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert default["CONN_MAX_AGE"] == 60
    # Prepared statements (issue 19): parameters bound on the server, a statement prepared on its 5th run.
    assert (default["OPTIONS"]["server_side_binding"], default["OPTIONS"]["prepare_threshold"]) == (True, 5)


def test_database_prepared_statements_off_returns_to_djangos_client_side_binding():
    default = loaded(database_settings(DATABASE_URL=PRIMARY, DATABASE_PREPARED_STATEMENTS="0"))["databases"][
        "default"
    ]

    assert "server_side_binding" not in default["OPTIONS"]
    assert "prepare_threshold" not in default["OPTIONS"]  # Django's default: None, nothing prepared


def test_pgbouncer_mode_disables_server_side_cursors_and_prepared_statements():
    config = loaded(
        database_settings(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA, DATABASE_POOLER="pgbouncer")
    )

    for alias in ("default", "replica"):
        database = config["databases"][alias]
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert database["OPTIONS"]["prepare_threshold"] is None
        assert "pool" not in database["OPTIONS"]
        assert database["CONN_MAX_AGE"] == 60  # the client connection to PgBouncer, not a backend


@pytest.mark.django_db
def test_the_apps_postgresql_sessions_run_without_jit():
    """A million-product count paid 10-25 ms of JIT compiling for a 2 ms query (issue 19)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_jit_is_turned_off_at_connection_start_but_not_through_pgbouncer():
    direct = loaded(database_settings(DATABASE_URL=PRIMARY))["databases"]["default"]
    pooled = loaded(database_settings(DATABASE_URL=PRIMARY, DATABASE_POOLER="pgbouncer"))["databases"]

    assert direct["OPTIONS"]["options"] == "-c jit=off"
    assert "options" not in pooled["default"]["OPTIONS"]  # PgBouncer: set on the database (README)


def test_pgbouncer_with_prepared_statement_tracking_leaves_psycopgs_preparation_on():
    config = loaded(
        database_settings(
            DATABASE_URL=PRIMARY, DATABASE_POOLER="pgbouncer", PGBOUNCER_PREPARED_STATEMENTS="1"
        )
    )

    default = config["databases"]["default"]
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert default["OPTIONS"]["prepare_threshold"] == 5


def test_a_replica_url_adds_the_replica_alias_and_the_router():
    config = loaded(database_settings(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA))

    replica = config["databases"]["replica"]
    assert replica["PORT"] == 5433
    assert replica["TEST"] == {"MIRROR": "default"}
    assert config["routers"] == ["shop.db.PrimaryReplicaRouter"]


def test_no_replica_url_means_no_router():
    config = loaded(database_settings(DATABASE_URL=PRIMARY))

    assert set(config["databases"]) == {"default"}
    assert config["routers"] == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_URL": PRIMARY, "DATABASE_POOLER": "pgpool"},
            "DATABASE_POOLER must be empty or pgbouncer",
        ),
        ({"DATABASE_POOLER": "pgbouncer"}, "DATABASE_POOLER is set but DATABASE_URL is not"),
        (
            {"DATABASE_URL": "sqlite:///x.db", "DATABASE_POOLER": "pgbouncer"},
            "needs a postgres:// DATABASE_URL",
        ),
        ({"DATABASE_REPLICA_URL": REPLICA}, "DATABASE_REPLICA_URL needs a postgres:// DATABASE_URL"),
    ],
)
def test_settings_refuse_a_database_configuration_that_cannot_work(env, message):
    result = database_settings(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
