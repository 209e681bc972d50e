"""Every admin route: 401 without a token, 403 `Admin access required` for a customer (API.md §1.14, §5.1).

Path ids are malformed and bodies invalid on purpose: authentication and the role are checked first.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

#: (method, path) of every admin route, ids malformed.
ADMIN_ROUTES = [
    ("post", "/api/v1/admin/products"),
    ("get", "/api/v1/admin/products"),
    ("get", "/api/v1/admin/products/top"),
    ("put", "/api/v1/admin/products/not-a-uuid"),
    ("delete", "/api/v1/admin/products/not-a-uuid"),
    ("get", "/api/v1/admin/orders"),
    ("get", "/api/v1/admin/orders/recent"),
    ("get", "/api/v1/admin/orders/not-a-uuid"),
    ("put", "/api/v1/admin/orders/not-a-uuid/status"),
    ("get", "/api/v1/admin/analytics"),
    ("get", "/api/v1/admin/users"),
    ("put", "/api/v1/admin/users/not-a-uuid/role"),
    ("get", "/api/v1/admin/returns"),
    ("post", "/api/v1/admin/returns/not-a-uuid/process"),
]
ROUTE_IDS = [f"{method.upper()} {path}" for method, path in ADMIN_ROUTES]


def _admin_patterns(resolver, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found |= _admin_patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/admin/"):
            found.add(route)
    return found


def test_the_route_list_covers_every_admin_url_pattern():
    """A new admin route must be added to ADMIN_ROUTES (and so get these checks)."""
    patterns = _admin_patterns(get_resolver())
    expected = {
        "api/v1/admin/products",
        "api/v1/admin/products/top",
        "api/v1/admin/products/<str:product_id>",
        "api/v1/admin/orders",
        "api/v1/admin/orders/recent",
        "api/v1/admin/orders/<str:order_id>",
        "api/v1/admin/orders/<str:order_id>/status",
        "api/v1/admin/analytics",
        "api/v1/admin/users",
        "api/v1/admin/users/<str:user_id>/role",
        "api/v1/admin/returns",
        "api/v1/admin/returns/<str:return_id>/process",
    }
    assert patterns == expected


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES, ids=ROUTE_IDS)
def test_an_admin_route_without_a_token_is_401(api, method, path):
    response = getattr(api, method)(path, {"bogus": "\x00"})
    assert_error(response, 401, "unauthorized", "Unauthorized", "Missing authorization header")


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES, ids=ROUTE_IDS)
def test_an_admin_route_with_a_bad_token_is_401(api, method, path):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    response = getattr(api, method)(path, {})
    assert_error(response, 401, "unauthorized", "Unauthorized", "Invalid token")


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES, ids=ROUTE_IDS)
def test_an_admin_route_for_a_customer_is_403(customer_api, method, path):
    response = getattr(customer_api, method)(path, {"status": "lost"})
    assert_error(response, 403, "forbidden", "Forbidden", "Admin access required")


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES, ids=ROUTE_IDS)
def test_an_admin_route_for_a_deactivated_admin_is_401(make_api, admin_user, method, path):
    client = make_api(admin_user)
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    response = getattr(client, method)(path, {})
    assert_error(response, 401, "unauthorized", "Unauthorized", "Invalid token")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("patch", "/api/v1/admin/products", "GET, POST, HEAD"),
        ("post", "/api/v1/admin/products/top", "GET, HEAD"),
        ("get", "/api/v1/admin/orders/not-a-uuid/status", "PUT"),
        ("delete", "/api/v1/admin/users", "GET, HEAD"),
    ],
)
def test_a_wrong_method_on_an_admin_route_is_405_before_authentication(api, method, path, allowed):
    response = getattr(api, method)(path)
    assert_error(
        response, 405, "method_not_allowed", "Method not allowed", f"method {method.upper()} not allowed"
    )
    assert response["Allow"] == allowed
