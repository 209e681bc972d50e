"""Management commands of API.md §6.2: cancel_unpaid_orders, check_inventory (purge_idempotency_keys: tests/shop)."""

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from catalog.models import Product
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import PaymentStatus
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PaymentFactory,
    ProductFactory,
    ReservationFactory,
)

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def unpaid_order(minutes_old, *, method="cc", status=OrderStatus.PENDING, stock=5, quantity=2):
    order = OrderFactory(status=status, payment_method=method, total_amount=Decimal("20.00"))
    OrderItemFactory(order=order, product=ProductFactory(stock_quantity=stock), quantity=quantity)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_old))
    return order


def statuses(*orders):
    return [Order.objects.get(pk=o.pk).status for o in orders]


# --- cancel_unpaid_orders ------------------------------------------------------------------------


@pytest.fixture
def unpaid_scene():
    stale = unpaid_order(45)
    declined = unpaid_order(31, method="dc")
    PaymentFactory(order=declined, failed=True)
    recent = unpaid_order(10)
    cod = unpaid_order(120, method="cod")
    paid = unpaid_order(120, status=OrderStatus.PROCESSING)
    PaymentFactory(order=paid)
    return stale, declined, recent, cod, paid


def test_cancel_unpaid_orders_cancels_old_unpaid_card_orders_through_the_state_machine(unpaid_scene):
    stale, declined, recent, cod, paid = unpaid_scene

    output = run("cancel_unpaid_orders")

    assert output == "Cancelled 2 unpaid orders\n"
    assert statuses(stale, declined, recent, cod, paid) == [
        "cancelled",
        "cancelled",
        "pending",
        "pending",
        "processing",
    ]
    assert Product.objects.get(order_items__order=stale).stock_quantity == 7
    event = OrderEvent.objects.get(order=stale)
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        "pending",
        "cancelled",
        None,
        "unpaid",
    )


def test_cancel_unpaid_orders_dry_run_changes_nothing(unpaid_scene):
    output = run("cancel_unpaid_orders", "--dry-run")

    assert output == "Would cancel 2 unpaid orders\n"
    assert statuses(*unpaid_scene) == ["pending", "pending", "pending", "pending", "processing"]
    assert not OrderEvent.objects.exists()


def test_cancel_unpaid_orders_older_than_sets_the_age(unpaid_scene):
    assert run("cancel_unpaid_orders", "--older-than", "5") == "Cancelled 3 unpaid orders\n"
    assert run("cancel_unpaid_orders", "--older-than", "5") == "Cancelled 0 unpaid orders\n"


def test_cancel_unpaid_orders_skips_an_order_with_a_charge_in_flight_only_if_paid():
    in_flight = unpaid_order(60)
    PaymentFactory(order=in_flight, status=PaymentStatus.PENDING)
    # "without a successful payment": a stuck pending charge does not keep the stock forever
    assert run("cancel_unpaid_orders") == "Cancelled 1 unpaid orders\n"


@pytest.mark.parametrize("value", ["-1", "ten"])
def test_cancel_unpaid_orders_refuses_a_bad_age(value):
    with pytest.raises(CommandError):
        run("cancel_unpaid_orders", "--older-than", value)


# --- check_inventory -----------------------------------------------------------------------------


def check_inventory():
    """(output, exit code) of `check_inventory`."""
    out = StringIO()
    try:
        call_command("check_inventory", stdout=out)
    except SystemExit as exc:
        return out.getvalue(), exc.code
    return out.getvalue(), 0


def test_check_inventory_ok_exits_0():
    order = OrderFactory(total_amount=Decimal("30.00"))
    OrderItemFactory(order=order, product=ProductFactory(price=Decimal("15.00")), quantity=2)
    PaymentFactory(order=order)
    PaymentFactory(order=order, failed=True)
    ReservationFactory(product=ProductFactory(stock_quantity=1), quantity=1)
    OrderFactory(total_amount=Decimal("0.00"))  # no items, total 0: consistent

    assert check_inventory() == ("Inventory OK\n", 0)


def test_check_inventory_reports_reservations_exceeding_stock():
    product = ProductFactory(sku="LOW-1", stock_quantity=3)
    ReservationFactory(product=product, quantity=2)
    ReservationFactory(product=product, quantity=2)
    ReservationFactory(product=product, quantity=9, expired=True)

    assert check_inventory() == ("Product LOW-1: active reservations 4 exceed stock_quantity 3\n", 1)


def test_check_inventory_reports_order_total_differing_from_items():
    order = OrderFactory(total_amount=Decimal("99.98"))
    OrderItemFactory(order=order, product=ProductFactory(price=Decimal("33.33")), quantity=3)
    empty = OrderFactory(total_amount=Decimal("5.00"))

    output, code = check_inventory()

    assert code == 1
    assert sorted(output.splitlines()) == sorted(
        [
            f"Order {order.order_number}: total_amount 99.98 differs from items total 99.99",
            f"Order {empty.order_number}: total_amount 5.00 differs from items total 0",
        ]
    )


def test_check_inventory_reports_negative_stock():
    product = ProductFactory(sku="NEG-1")
    with connection.cursor() as cursor:  # only a bypassed constraint can get here; rolled back with the test
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the catalogue-version trigger queued so far
        cursor.execute("ALTER TABLE catalog_product DROP CONSTRAINT product_stock_non_negative")
    Product.objects.filter(pk=product.pk).update(stock_quantity=-2)

    assert check_inventory() == ("Product NEG-1: negative stock_quantity -2\n", 1)


def test_check_inventory_reports_more_than_one_successful_payment():
    order = OrderFactory(total_amount=Decimal("10.00"), status=OrderStatus.PROCESSING)
    OrderItemFactory(order=order, product=ProductFactory(price=Decimal("10.00")), quantity=1)
    with connection.cursor() as cursor:  # the partial unique index normally makes this impossible
        cursor.execute("DROP INDEX payment_one_live_per_order")
    PaymentFactory(order=order)
    PaymentFactory(order=order, status=PaymentStatus.REFUNDED)

    assert check_inventory() == (f"Order {order.order_number}: 2 successful payments\n", 1)


# --- real exit codes -----------------------------------------------------------------------------


def manage(*args):
    """Run `manage.py` in a child process against the test database (committed data only)."""
    settings = connection.settings_dict
    url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    env = {**os.environ, "DATABASE_URL": f"{url}/{settings['NAME']}", "DEBUG": "1"}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parents[2] / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_commands_exit_0_and_check_inventory_exits_1_on_a_problem():
    unpaid_order(60)
    ok = manage("cancel_unpaid_orders", "--dry-run")
    purge = manage("purge_idempotency_keys")
    clean = manage("check_inventory")
    ProductFactory(sku="OVR-1", stock_quantity=0)
    ReservationFactory(product=Product.objects.get(sku="OVR-1"), quantity=1)
    broken = manage("check_inventory")

    assert (ok.returncode, ok.stdout) == (0, "Would cancel 1 unpaid orders\n"), ok.stderr
    assert (purge.returncode, purge.stdout) == (0, "Deleted 0 idempotency keys\n"), purge.stderr
    # the unpaid order has items of 2 × 10.00 but a total of 20.00: consistent
    assert (clean.returncode, clean.stdout) == (0, "Inventory OK\n"), clean.stderr
    assert (broken.returncode, broken.stdout) == (
        1,
        "Product OVR-1: active reservations 1 exceed stock_quantity 0\n",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("value", "reason"), [("ten", "whole number of minutes"), ("-1", "negative")])
def test_cancel_unpaid_orders_bad_age_is_a_usage_error_not_a_traceback(value, reason):
    result = manage("cancel_unpaid_orders", f"--older-than={value}")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error: argument --older-than:" in result.stderr
    assert reason in result.stderr
