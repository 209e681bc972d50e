"""Routes: the API under /api/v1 (API.md §3), health at the root too, the Django admin at /admin/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from shop.docs import DocsView, SchemaView
from shop.middleware import NOT_FOUND_ROUTE
from shop.views import RouteNotFoundView

# Django tries the routes in order, and every app's paths begin with words of their own, so the order
# only decides how many patterns a request is matched against before its own: the shopper's hottest
# paths (cart, checkout, catalogue) first. One order is required: orders before catalog, so that its
# static `admin/products/top` (E35) wins over `admin/products/<id>`.
api_v1 = [
    path("", include("cart.urls")),
    path("", include("orders.urls")),
    path("", include("catalog.urls")),
    path("", include("accounts.urls")),
    path("", include("payments.urls")),
    path("", include("returns.urls")),
    path("", include("shop.urls")),
    # E46/E47 are served with a trailing slash and without one (API.md §1.1).
    path("schema/", SchemaView.as_view(), name="schema"),
    path("schema", SchemaView.as_view()),
    path("docs/", DocsView.as_view(url_name="schema"), name="docs"),
    path("docs", DocsView.as_view(url_name="schema")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("", include("shop.urls")),
    re_path(r"^api(?:/|$)", RouteNotFoundView.as_view(), name=NOT_FOUND_ROUTE),
    path("admin/", admin.site.urls),
]
if settings.BENCH_BASELINE_VIEWS:  # bench/baseline.py: what Django + DRF cost here before any shop logic
    urlpatterns.insert(0, path("bench/", include("bench.baseline")))

# A failure outside DRF's handler (middleware, say) under /api/ still answers the JSON envelope.
handler500 = "shop.handlers.server_error"
