"""Shared bits of the admin API tests: exact-money bodies, error assertions, order builders, races."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from tests.factories import OrderFactory, OrderItemFactory

PRODUCT_KEYS = {
    "id",
    "sku",
    "name",
    "description",
    "price",
    "stock",
    "category",
    "image_url",
    "created_at",
    "updated_at",
    "stock_quantity",
    "reserved",
    "is_active",
}
ORDER_KEYS = {
    "id",
    "user_id",
    "order_number",
    "total_amount",
    "status",
    "payment_method",
    "shipping_address",
    "billing_address",
    "items",
    "payment",
    "status_history",
    "delivered_at",
    "created_at",
    "updated_at",
}
ADMIN_ORDER_KEYS = ORDER_KEYS | {"user"}
USER_KEYS = {"id", "email", "first_name", "last_name", "role", "created_at", "updated_at"}
META_KEYS = {"page", "limit", "total", "totalPages"}


def body(response) -> dict[str, Any]:
    """The JSON body with numbers that have a fraction read as Decimal (exact money comparisons)."""
    return json.loads(response.content, parse_float=Decimal)


def ok(response, status: int, message: str) -> Any:
    """Assert a success envelope; return its `data` (or the whole body when there is no `data`)."""
    content = body(response)
    assert response.status_code == status, content
    assert content["success"] is True
    assert content["message"] == message
    return content.get("data", content)


def assert_error(response, status: int, code: str, message: str, error: str | None = None) -> dict[str, Any]:
    content = body(response)
    assert response.status_code == status, content
    assert content["success"] is False
    assert content["code"] == code
    assert content["message"] == message
    if error is not None:
        assert content["error"] == error
    return content


def ago(days: float = 0, **kwargs: float):
    return timezone.now() - timedelta(days=days, **kwargs)


def make_order(status, total="0.00", *, user=None, days_ago: float = 0, items=(), **fields):
    """An order created `days_ago` days ago with (product, quantity, unit price) items."""
    extra = {"user": user} if user is not None else {}
    order = OrderFactory(
        status=status, total_amount=Decimal(total), created_at=ago(days_ago), **extra, **fields
    )
    for product, quantity, price in items:
        OrderItemFactory(order=order, product=product, quantity=quantity, price_at_time=Decimal(price))
    return order


#: Each race runs this many times: without the admin-row locks in `user_role_set`, about two rounds in
#: three end with no admin at all, so a regression cannot pass unnoticed.
ROUNDS = 10


def run_together(*tasks: Callable[[], Any]) -> list[Any]:
    """Run each task on its own thread, all released at once; a task's exception is its result."""
    barrier = threading.Barrier(len(tasks))
    results: list[Any] = [None] * len(tasks)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = tasks[index]()
        except Exception as exc:  # noqa: BLE001 - reported to the test as a result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results
