"""The dashboard's 30-day chart drawn on the server as SVG: revenue as bars, orders as a line.

No script and no inline style (only classes, styled by `backoffice/admin.css`), so it draws under a strict
Content-Security-Policy and with JavaScript off, and nothing is fetched from a CDN. Each day carries a
`<title>` (its date, revenue and orders), which browsers show on hover and screen readers read.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from orders.analytics import Day

WIDTH, HEIGHT = 900, 260
LEFT, RIGHT, TOP, BOTTOM = 60, 50, 20, 40


def _ceiling(value: Decimal | int) -> Decimal:
    """A round top for an axis: 1, 2 or 5 × a power of ten at or above `value` (at least 1)."""
    value = Decimal(value)
    step = Decimal(1)
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def revenue_chart(series: Sequence[Day]) -> SafeString:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_revenue = _ceiling(max((day.revenue for day in series), default=0))
    top_orders = _ceiling(max((day.orders for day in series), default=0))
    slot = plot_w / max(len(series), 1)
    bar_w = max(slot * 0.7, 1)

    def x(index: int) -> float:
        return LEFT + slot * index + slot / 2

    def y_revenue(value: Decimal) -> float:
        return TOP + plot_h - float(value / top_revenue) * plot_h

    def y_orders(value: int) -> float:
        return TOP + plot_h - value / float(top_orders) * plot_h

    def f(value: float) -> str:
        return f"{value:.1f}"

    bars = format_html_join(
        "",
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: revenue {}, {} order(s)</title></rect>',
        (
            (
                f(x(i) - bar_w / 2),
                f(y_revenue(day.revenue)),
                f(bar_w),
                f(TOP + plot_h - y_revenue(day.revenue)),
                day.day.isoformat(),
                f"{day.revenue:.2f}",
                day.orders,
            )
            for i, day in enumerate(series)
        ),
    )
    points = " ".join(f"{f(x(i))},{f(y_orders(day.orders))}" for i, day in enumerate(series))
    dots = format_html_join(
        "",
        '<circle class="dot" cx="{}" cy="{}" r="2.5"><title>{}: {} order(s)</title></circle>',
        ((f(x(i)), f(y_orders(day.orders)), day.day.isoformat(), day.orders) for i, day in enumerate(series)),
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (f(x(i)), HEIGHT - BOTTOM + 16, f"{day.day:%b} {day.day.day}")
            for i, day in enumerate(series)
            if i % 5 == 0 or i == len(series) - 1
        ),
    )
    base = TOP + plot_h
    return format_html(
        '<svg class="revenue-chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title">'
        '<title id="chart-title">Revenue and orders per day, last {n} days</title>'
        '<line class="axis" x1="{l}" y1="{base}" x2="{r}" y2="{base}"></line>'
        '<line class="axis" x1="{l}" y1="{t}" x2="{l}" y2="{base}"></line>'
        '<text x="{lt}" y="{t}" text-anchor="end" dominant-baseline="middle">{top_revenue}</text>'
        '<text x="{lt}" y="{base}" text-anchor="end" dominant-baseline="middle">0</text>'
        '<text x="{rt}" y="{t}" dominant-baseline="middle">{top_orders}</text>'
        "{bars}"
        '<polyline class="line" points="{points}"></polyline>'
        "{dots}{labels}"
        '<rect class="legend-revenue" x="{l}" y="{ly}" width="10" height="10"></rect>'
        '<text x="{lx1}" y="{lty}">revenue (left axis)</text>'
        '<rect class="legend-orders" x="{lx2}" y="{ly}" width="10" height="10"></rect>'
        '<text x="{lx3}" y="{lty}">orders (right axis)</text>'
        "</svg>",
        w=WIDTH,
        h=HEIGHT,
        n=len(series),
        l=LEFT,
        r=WIDTH - RIGHT,
        t=TOP,
        base=base,
        lt=LEFT - 6,
        rt=WIDTH - RIGHT + 6,
        top_revenue=f"{top_revenue:.0f}",
        top_orders=top_orders,
        bars=bars,
        points=points,
        dots=dots,
        labels=labels,
        ly=HEIGHT - 14,
        lty=HEIGHT - 5,
        lx1=LEFT + 14,
        lx2=LEFT + 160,
        lx3=LEFT + 174,
    )
