"""The benchmark's baseline views exist only when BENCH_BASELINE_VIEWS is on (never in production)."""

import pytest
from django.urls import clear_url_caches, set_urlconf

pytestmark = pytest.mark.django_db


def test_the_bench_routes_are_absent_by_default(api):
    assert api.get("/bench/static").status_code == 404


def test_the_bench_routes_answer_when_turned_on(api, settings):
    import importlib

    import config.urls

    settings.BENCH_BASELINE_VIEWS = True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        set_urlconf(None)
        static = api.get("/bench/static")
        listing = api.get("/bench/drf-products?page_size=2")
        assert static.status_code == 200 and static.json()["data"]["items"][0] == {"id": 0, "name": "item 0"}
        assert listing.status_code == 200 and listing.json()["count"] == 0
    finally:
        settings.BENCH_BASELINE_VIEWS = False
        importlib.reload(config.urls)
        clear_url_caches()
