"""Staff run the store from the Django admin, in a real browser (chromium through Playwright): log in, read
the dashboard and its chart, find and ship an order, cancel one through its confirmation page, approve a
return, export the filtered orders, and read who did what on an order's history."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Order, OrderStatus
from payments.models import PaymentMethod
from returns.models import Return, ReturnStatus
from tests.browser.conftest import log_in
from tests.factories import (
    OrderFactory,
    ReturnFactory,
    ReturnItemFactory,
    UserFactory,
    delivered_order,
    order_with_item,
)

S = OrderStatus


@pytest.fixture
def customer(transactional_db):
    return UserFactory(email="ada@example.com")


def test_log_in_read_the_dashboard_and_its_chart_then_export_the_filtered_orders(
    page, live_server, staff, customer, csp_violations
):
    OrderFactory(user=customer, status=S.PROCESSING, total_amount=Decimal("20.00"), created_at=timezone.now())
    OrderFactory(user=customer, status=S.DELIVERED, total_amount=Decimal("30.50"), created_at=timezone.now())
    OrderFactory(
        user=customer,
        status=S.PENDING,
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        total_amount=Decimal("9.50"),
    )
    shipped = [OrderFactory(user=customer, status=S.SHIPPED, total_amount=Decimal("10.00")) for _ in range(2)]
    page.set_default_timeout(10_000)

    log_in(page, live_server)

    # E40's rule: every order counts as revenue unless cancelled or refunded (the COD one too).
    expect(page.locator("#figure-today-revenue .value")).to_have_text("80.00")
    expect(page.locator("#figure-today-orders .value")).to_have_text("5")
    expect(page.locator("#figure-today-aov .value")).to_have_text("16.00")
    cod = page.get_by_role("link", name="Cash-on-delivery orders pending")
    expect(page.locator(".dashboard-attention tr", has=cod).locator("td.count")).to_have_text("1")
    bars = page.locator("svg.revenue-chart rect.bar")
    expect(bars).to_have_count(30)
    today = bars.last.bounding_box()
    assert today is not None and today["height"] > 20  # drawn, and tall: the day's revenue is the maximum
    assert page.locator("svg.revenue-chart polyline.line").bounding_box()["width"] > 500
    assert csp_violations == []

    cod.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    page.goto(f"{live_server.url}/admin/orders/order/")
    page.locator("#changelist-filter").get_by_role("link", name="Shipped", exact=True).click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))

    assert download.value.suggested_filename.startswith("orders-")
    assert sorted(row["order number"] for row in rows) == sorted(order.order_number for order in shipped)
    assert {(row["status"], row["customer"], row["total"]) for row in rows} == {
        ("shipped", "ada@example.com", "10.00")
    }


def test_find_an_order_by_number_ship_it_and_read_its_history(admin_page, live_server, customer):
    order = OrderFactory(user=customer, status=S.PROCESSING, total_amount=Decimal("12.00"))
    OrderFactory(user=customer, status=S.PROCESSING)
    page = admin_page

    page.goto(f"{live_server.url}/admin/orders/order/")
    page.fill("#searchbar", order.order_number)
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.get_by_role("link", name=order.order_number).click()
    page.get_by_role("button", name="Mark shipped").click()

    expect(page.locator(".messagelist .success")).to_have_text("Marked 1 order as shipped.")
    expect(page.locator(".field-status .readonly")).to_have_text("Shipped")
    expect(page.get_by_role("button", name="Mark shipped")).to_have_count(0)
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED

    page.get_by_role("link", name="History").click()
    history = page.locator("#change-history")
    expect(history).to_contain_text("Rosa Parks")
    expect(history).to_contain_text("status: processing → shipped")


def test_cancel_an_order_through_its_confirmation_page_and_approve_a_return(
    admin_page, live_server, customer
):
    order, item = order_with_item(customer, quantity=2, stock=5)
    returned, returned_items, _ = delivered_order(customer, status=S.RETURN_REQUESTED)
    ret = ReturnFactory(order=returned, user=customer, refund_amount=returned.total_amount)
    for line in returned_items:
        ReturnItemFactory(return_request=ret, order_item=line, quantity=line.quantity)
    page = admin_page

    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#content")).to_contain_text(f"Restore stock: 2 × {item.product_sku}")
    assert Order.objects.get(pk=order.pk).status == S.PENDING
    page.get_by_role("button", name="Yes, cancel 1 order").click()

    expect(page.locator(".messagelist .success")).to_have_text("Cancelled 1 order.")
    expect(page.locator(".field-status .readonly")).to_have_text("Cancelled")
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED

    page.goto(f"{live_server.url}/admin/returns/return/?status__exact=requested")
    page.get_by_role("link", name=returned.order_number).click()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Yes, approve 1 return").click()

    expect(page.locator(".messagelist .success")).to_have_text("Approved 1 return.")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.APPROVED
    assert Order.objects.get(pk=returned.pk).status == S.REFUNDED
