"""CSV exports of the order, return and product changelists: what the list matches (filters, search), all
pages, streamed from a server-side cursor."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from orders.models import Order, OrderStatus
from payments.models import PaymentMethod, PaymentStatus
from returns.models import Return, ReturnStatus
from tests.admin_pages import changelist_url
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PaymentFactory,
    ProductFactory,
    ReturnFactory,
    ReturnItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = OrderStatus


def export(client, model, query: str = "") -> tuple[StreamingHttpResponse, list[dict]]:
    response = client.get(changelist_url(model) + "export/" + query)
    assert response.status_code == 200, response
    body = b"".join(response.streaming_content).decode()
    return response, list(csv.DictReader(io.StringIO(body)))


def test_the_order_export_has_the_issue_s_columns_for_each_order(staff_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    customer = UserFactory(email="ada@example.com")
    order = OrderFactory(
        user=customer,
        status=S.CANCELLED,
        total_amount=Decimal("25.50"),
        created_at=datetime(2026, 7, 1, 8, 30, tzinfo=ZoneInfo("UTC")),
    )
    OrderItemFactory(order=order, quantity=2, price_at_time=Decimal("10.00"))
    OrderItemFactory(order=order, quantity=1, price_at_time=Decimal("5.50"))
    PaymentFactory(order=order, status=PaymentStatus.FAILED)
    PaymentFactory(order=order, status=PaymentStatus.REFUNDED, refunded_amount=Decimal("25.50"))

    response, rows = export(staff_client, Order)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    assert rows == [
        {
            "order number": order.order_number,
            "date": "2026-07-01 10:30:00+02:00",  # the shop's TIME_ZONE
            "customer": "ada@example.com",
            "status": "cancelled",
            "payment method": "cc",
            "payment status": "refunded",  # the latest payment
            "total": "25.50",
            "refunded": "25.50",
            "items": "3",
        }
    ]


def test_an_order_without_payment_or_items_exports_empty_status_and_zeros(staff_client):
    order = OrderFactory(payment_method=PaymentMethod.CASH_ON_DELIVERY)

    _, [row] = export(staff_client, Order)

    assert (row["order number"], row["payment method"], row["payment status"]) == (
        order.order_number,
        "cod",
        "",
    )
    assert (row["total"], row["refunded"], row["items"]) == ("0.00", "0.00", "0")


def test_the_order_export_keeps_the_changelist_s_filter_search_and_order(staff_client):
    shipped = [OrderFactory(status=S.SHIPPED) for _ in range(3)]
    OrderFactory(status=S.PENDING)
    wanted = shipped[1].order_number

    _, filtered = export(staff_client, Order, "?status__exact=shipped")
    _, searched = export(staff_client, Order, f"?q={wanted}")

    assert [row["order number"] for row in filtered] == [o.order_number for o in reversed(shipped)]
    assert [row["order number"] for row in searched] == [wanted]


def test_the_export_covers_every_page_of_the_changelist(staff_client):
    orders = [OrderFactory() for _ in range(105)]  # the changelist shows 100 a page

    _, rows = export(staff_client, Order)

    assert {row["order number"] for row in rows} == {order.order_number for order in orders}


def test_the_export_streams_its_rows_from_a_server_side_cursor(staff_client):
    for _ in range(30):
        OrderItemFactory(order=OrderFactory())

    with CaptureQueriesContext(connection) as before_body:
        response = staff_client.get(changelist_url(Order) + "export/")
    lines = iter(response.streaming_content)
    header, first = next(lines), next(lines)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        open_cursors = cursor.fetchone()[0]
    rest = list(lines)

    assert isinstance(response, StreamingHttpResponse)
    assert not response.has_header("Content-Length")
    # Building the response ran no query of the rows: they are read only as the body is sent ...
    assert not any("payment_status" in query["sql"] for query in before_body.captured_queries)
    # ... through a cursor still open on the server while the first rows go out.
    assert open_cursors == 1
    assert header.startswith(b"order number,") and first.startswith(b"ORD-")
    assert len(rest) == 29


def test_a_bad_filter_sends_staff_back_to_the_changelist_with_its_error(staff_client):
    response = staff_client.get(changelist_url(Order) + "export/?nonsense__exact=1")

    assert response.status_code == 302
    assert response["Location"] == changelist_url(Order) + "?e=1"


def test_the_export_needs_a_staff_login(client):
    response = client.get(changelist_url(Order) + "export/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(staff_client):
    OrderFactory(user=UserFactory(email="=cmd@example.com"))

    _, [row] = export(staff_client, Order)

    assert row["customer"] == "'=cmd@example.com"


def test_the_return_export_lists_the_filtered_returns(staff_client):
    requested = ReturnFactory(refund_amount=Decimal("15.00"), reason="Too small")
    ReturnItemFactory(return_request=requested, order_item__order=requested.order, quantity=2)
    ReturnFactory(status=ReturnStatus.APPROVED)

    _, rows = export(staff_client, Return, "?status__exact=requested")

    assert rows == [
        {
            "order number": requested.order.order_number,
            "requested": rows[0]["requested"],
            "customer": requested.user.email,
            "status": "requested",
            "refund amount": "15.00",
            "units": "2",
            "reason": "Too small",
            "decided": "",
        }
    ]
    assert rows[0]["requested"].startswith(f"{requested.created_at:%Y-%m-%d}")


def test_the_product_export_lists_stock_figures_of_the_searched_products(staff_client):
    ProductFactory(sku="MUG-1", name="Mug", price=Decimal("7.5"), stock_quantity=4, category="Kitchen")
    ProductFactory(sku="HAT-1", name="Hat")

    _, rows = export(staff_client, Product, "?q=MUG")

    assert [
        {
            key: row[key]
            for key in ("sku", "name", "category", "price", "stock", "reserved", "available", "active")
        }
        for row in rows
    ] == [
        {
            "sku": "MUG-1",
            "name": "Mug",
            "category": "Kitchen",
            "price": "7.50",
            "stock": "4",
            "reserved": "0",
            "available": "4",
            "active": "yes",
        }
    ]


@pytest.mark.parametrize("model", [Order, Return, Product])
def test_each_exportable_changelist_offers_the_export_of_what_it_shows(staff_client, model):
    response = staff_client.get(changelist_url(model) + "?q=abc")

    assert f'href="{changelist_url(model)}export/?q=abc"' in response.content.decode()
