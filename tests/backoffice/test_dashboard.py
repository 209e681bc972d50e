"""The admin index as a dashboard: known orders in, known figures out; every count links to its filtered
changelist; a handful of queries; the 30-day chart drawn on the server."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.chart import revenue_chart
from backoffice.dashboard import dashboard
from notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from orders.analytics import analytics_summary, daily_orders
from orders.models import OrderStatus
from payments.models import PaymentMethod, Refund, RefundStatus
from returns.models import ReturnStatus
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    PaymentFactory,
    ProductFactory,
    ReservationFactory,
    ReturnFactory,
    make_order,
)

pytestmark = pytest.mark.django_db

S = OrderStatus
PARIS = ZoneInfo("Europe/Paris")
#: 10:00 in Paris on a Wednesday: "today" began at 23:00 UTC the day before.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"
    timezone.activate(PARIS)
    yield
    timezone.deactivate()


def at(**delta) -> datetime:
    return NOW - timedelta(**delta)


def placed(status, total: str, when: datetime):
    return OrderFactory(status=status, total_amount=Decimal(total), created_at=when)


def test_today_and_the_last_seven_days_in_the_shop_time_zone(paris):
    placed(S.PROCESSING, "20.00", at(hours=1))  # 09:00 today
    placed(S.DELIVERED, "30.00", at(hours=9, minutes=59))  # 00:01 today (23:01 UTC yesterday)
    placed(S.CANCELLED, "500.00", at(hours=2))  # counted as an order, not as revenue
    placed(S.COMPLETED, "9.00", at(hours=10, minutes=1))  # 23:59 yesterday
    placed(S.COMPLETED, "50.00", at(days=6, hours=9, minutes=59))  # 00:01, six days ago
    placed(S.COMPLETED, "1000.00", at(days=6, hours=10, minutes=1))  # 23:59, seven days ago

    figures = dashboard(now=NOW)

    assert figures["today"] == {"revenue": Decimal("50.00"), "orders": 3, "avg_order_value": Decimal("25.00")}
    assert figures["week"] == {"revenue": Decimal("109.00"), "orders": 5, "avg_order_value": Decimal("27.25")}


def test_the_dashboard_revenue_rule_is_e40_s(paris):
    for status in S.values:
        placed(status, "10.00", at(hours=1))

    today = dashboard(now=NOW)["today"]
    e40 = analytics_summary(range_days=0)["totals"]

    assert (today["revenue"], today["orders"], today["avg_order_value"]) == (
        e40["total_revenue"],
        e40["total_orders"],
        e40["avg_order_value"],
    )


def counts(figures) -> dict[str, int]:
    return {count.label: count.value for count in figures["counts"]}


def test_the_counts_of_what_needs_doing(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    settings.SHIPPING_OVERDUE_DAYS = 7
    make_order(S.PENDING, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    make_order(S.PENDING)  # a card order waiting for its payment: not staff's to act on
    make_order(S.PROCESSING)
    make_order(S.PROCESSING)
    late = make_order(S.SHIPPED)
    OrderEventFactory(
        order=late,
        from_status=S.PROCESSING,
        to_status=S.SHIPPED,
        created_at=timezone.now() - timedelta(days=8),
    )
    recent = make_order(S.SHIPPED)
    OrderEventFactory(
        order=recent,
        from_status=S.PROCESSING,
        to_status=S.SHIPPED,
        created_at=timezone.now() - timedelta(days=2),
    )
    ReturnFactory()
    ReturnFactory(status=ReturnStatus.APPROVED)
    ProductFactory(stock_quantity=5)  # low: 5 available
    ProductFactory(stock_quantity=6)  # not low
    ReservationFactory(product=ProductFactory(stock_quantity=8), quantity=3)  # low: 5 available
    ReservationFactory(product=ProductFactory(stock_quantity=8), quantity=3, expired=True)  # 8 available
    ProductFactory(stock_quantity=0, is_active=False)  # archived: not counted
    payment = PaymentFactory(order=make_order(S.CANCELLED))
    Refund.objects.create(payment=payment, amount=Decimal("5.00"), status=RefundStatus.FAILED)
    Refund.objects.create(payment=payment, amount=Decimal("5.00"), status=RefundStatus.SUCCEEDED)
    event = WebhookEvent.objects.create(type="order.created", payload={})
    endpoint = WebhookEndpoint.objects.create(url="https://erp.example.com/hook", events=["order.created"])
    WebhookDelivery.objects.create(event=event, endpoint=endpoint, status=DeliveryStatus.FAILED)
    WebhookDelivery.objects.create(event=event, endpoint=endpoint, status=DeliveryStatus.PENDING)

    assert counts(dashboard()) == {
        "Cash-on-delivery orders pending": 1,
        "Paid orders to ship (processing)": 2,
        "Shipped over 7 days ago, not delivered": 1,
        "Returns waiting for a decision": 1,
        "Low stock (≤ 5 available)": 2,
        "Refunds failed (retry from the list)": 1,
        "Webhook deliveries failed": 1,
    }


def test_each_count_links_to_the_changelist_showing_exactly_those_rows(staff_client, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    cod = make_order(S.PENDING, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    make_order(S.PENDING)
    to_ship = make_order(S.PROCESSING)
    late = make_order(S.SHIPPED)
    OrderEventFactory(
        order=late,
        from_status=S.PROCESSING,
        to_status=S.SHIPPED,
        created_at=timezone.now() - timedelta(days=30),
    )
    make_order(S.SHIPPED)
    waiting = ReturnFactory()
    ReturnFactory(status=ReturnStatus.REJECTED)
    low = ProductFactory(sku="LOW-1", stock_quantity=1)
    ProductFactory(sku="PLENTY-1", stock_quantity=50)
    expected = {
        "Cash-on-delivery orders pending": [cod.order_number],
        "Paid orders to ship (processing)": [to_ship.order_number],
        "Shipped over 7 days ago, not delivered": [late.order_number],
        "Returns waiting for a decision": [waiting.order.order_number],
        "Low stock (≤ 5 available)": [low.sku],
    }

    html = staff_client.get("/admin/").content.decode()

    for label, wanted in expected.items():
        url = re.search(rf'<th scope="row"><a href="([^"]+)">{re.escape(label)}</a>', html).group(1)
        listed = staff_client.get(url.replace("&amp;", "&")).content.decode()
        rows = re.findall(r'<t[dh] class="field-(?:order_number|sku)[^"]*">(?:<a [^>]*>)?([^<]+)', listed)
        assert rows == wanted, label


def test_the_dashboard_page_shows_the_figures(staff_client, paris):
    placed(S.PROCESSING, "20.00", timezone.now())
    placed(S.DELIVERED, "30.50", timezone.now())

    html = staff_client.get("/admin/").content.decode()

    assert re.search(r'id="figure-today-revenue">.*?<div class="value">50.50</div>', html)
    assert re.search(r'id="figure-today-orders">.*?<div class="value">2</div>', html)
    assert re.search(r'id="figure-today-aov">.*?<div class="value">25.25</div>', html)
    assert 'class="revenue-chart"' in html


def test_the_dashboard_costs_a_handful_of_queries_whatever_the_data(staff_client):
    def dashboard_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            dashboard()
        return len(queries)

    empty = dashboard_queries()
    for index in range(30):
        make_order(S.COMPLETED, "10.00", days_ago=index)
        ProductFactory(stock_quantity=index % 7)
    busy = dashboard_queries()

    assert empty == busy == 6
    with CaptureQueriesContext(connection) as page:
        assert staff_client.get("/admin/").status_code == 200
    assert len(page) <= 9  # session, user, and the six


def test_the_daily_series_covers_thirty_local_days_with_zeros(paris):
    placed(S.COMPLETED, "10.00", at(hours=1))
    placed(S.CANCELLED, "99.00", at(hours=1))
    placed(S.COMPLETED, "5.00", at(days=29))
    placed(S.COMPLETED, "7.00", at(days=30, hours=11))  # 31 days back: outside

    series = daily_orders(days=30, now=NOW)

    assert len(series) == 30
    assert series[-1].day.isoformat() == "2026-11-25" and series[0].day.isoformat() == "2026-10-27"
    assert (series[-1].revenue, series[-1].orders) == (Decimal("10.00"), 2)
    assert (series[0].revenue, series[0].orders) == (Decimal("5.00"), 1)
    assert sum(day.orders for day in series[1:-1]) == 0


def test_the_chart_draws_one_bar_and_one_dot_a_day_with_its_figures_and_no_script():
    placed(S.COMPLETED, "40.00", timezone.now())
    svg = str(revenue_chart(daily_orders(days=30)))

    assert svg.count('<rect class="bar"') == 30
    assert svg.count('<circle class="dot"') == 30
    assert f"{timezone.localdate():%Y-%m-%d}: revenue 40.00, 1 order(s)" in svg
    assert "<script" not in svg and "style=" not in svg
    heights = [float(h) for h in re.findall(r'<rect class="bar" [^>]*height="([\d.]+)"', svg)]
    assert heights[-1] > 0 and heights[:-1] == [0.0] * 29
