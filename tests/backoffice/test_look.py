"""The admin's look: Security section, header and title from settings, inline rows without titles, dates
in the shop's time zone (the API staying in UTC), money with two decimals, the shop's stylesheet."""

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders

from orders.models import Order
from tests.admin_pages import cell, changelist_url
from tests.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db


def sections(html: str) -> dict[str, list[str]]:
    """Section caption → model names, as the index lists them."""
    found = {}
    for caption, body in re.findall(r"<caption>\s*<a[^>]*>([^<]+)</a>\s*</caption>(.*?)</table>", html, re.S):
        found[caption.strip()] = [
            name.strip() for name in re.findall(r'<th scope="row"[^>]*>\s*<a[^>]*>([^<]+)</a>', body)
        ]
    return found


def test_the_technical_models_are_grouped_under_one_security_section(staff_client):
    listed = sections(staff_client.get("/admin/").content.decode())

    assert listed["Security"] == [
        "Activity",
        "Groups",
        "Outstanding Tokens",
        "Blacklisted Tokens",
        "Access attempts",
        "Access failures",
        "Access logs",
    ]
    assert "Authentication and Authorization" not in listed
    assert "Token Blacklist" not in listed
    assert "Axes" not in listed
    assert "Orders" in listed["Orders"]


def test_site_header_and_title_come_from_settings(staff_client, settings):
    settings.ADMIN_SITE_HEADER = "Acme back office"
    settings.ADMIN_SITE_TITLE = "Acme"

    html = staff_client.get("/admin/").content.decode()

    assert '<a href="/admin/">Acme back office</a>' in html
    assert "| Acme</title>" in html


def test_inline_rows_carry_no_redundant_title(staff_client):
    order = OrderFactory(total_amount=Decimal("20.00"))
    OrderItemFactory(order=order, product__sku="SKU-TITLE", quantity=2, price_at_time=Decimal("10"))

    html = staff_client.get(f"{changelist_url(Order)}{order.pk}/change/").content.decode()

    assert "SKU-TITLE" in html  # the SKU column
    assert "2 × SKU-TITLE" not in html
    assert '<td class="field-line_total">20.00</td>' in html


def test_dates_show_in_the_shop_time_zone_and_the_api_stays_in_utc(staff_client, admin_api, settings):
    settings.TIME_ZONE = "America/New_York"
    order = OrderFactory(created_at=datetime(2026, 7, 1, 3, 0, tzinfo=ZoneInfo("UTC")))

    listed = cell(staff_client.get(changelist_url(Order)).content.decode(), "created_at")
    answer = admin_api.get(f"/api/v1/admin/orders/{order.pk}").json()["data"]

    assert listed == ["June 30, 2026, 11 p.m."]  # 03:00 UTC is 23:00 the day before in New York
    assert answer["created_at"] == "2026-07-01T03:00:00Z"


def test_money_shows_two_decimals_in_the_changelist(staff_client):
    OrderFactory(total_amount=Decimal("7"))

    assert cell(staff_client.get(changelist_url(Order)).content.decode(), "total_amount") == ["7.00"]


def test_the_admin_pages_load_the_shop_stylesheet_that_keeps_order_numbers_on_one_line(staff_client):
    html = staff_client.get(changelist_url(Order)).content.decode()
    css = Path(finders.find("backoffice/admin.css")).read_text()

    assert '<link rel="stylesheet" href="/static/backoffice/admin.css">' in html
    assert re.search(r"td\.field-order_number[^{]*\{\s*white-space: nowrap;", css, re.S)


def test_changelists_keep_the_screen_width_for_their_columns(staff_client):
    html = staff_client.get(changelist_url(Order)).content.decode()

    assert 'id="nav-sidebar"' not in html
