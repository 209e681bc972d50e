"""Shared fixtures: API clients with bearer tokens, users, a staff-logged Django admin client, a refund-
recording payment gateway, and a clean cache per test."""

import pytest
from django.core.cache import cache, caches
from django.test import Client
from rest_framework.test import APIClient

from accounts.tokens import token_pair_for
from tests.factories import UserFactory
from tests.orders.gateways import FlakyRefundGateway, SpyGateway

#: Fixtures that give a test the database (a `django_db` mark does too).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


@pytest.fixture(autouse=True)
def _clear_cache(request, django_db_blocker):
    """The throttle counters live in the database cache: a test that reaches the database leaves none
    behind. Most tests roll theirs back anyway; a `transaction=True` test commits them, and the flush
    between tests empties model tables only."""
    caches["catalogue"].clear()  # the catalogue's per-process response cache (catalog/cache.py)
    yield
    caches["catalogue"].clear()
    if request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(request.fixturenames):
        with django_db_blocker.unblock():
            cache.clear()


class ShopClient(APIClient):
    """An APIClient that sends JSON bodies by default and can act as a user."""

    def as_user(self, user) -> "ShopClient":
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access_token']}")
        return self


def _json_client() -> ShopClient:
    client = ShopClient()
    client.default_format = "json"
    return client


@pytest.fixture
def api():
    """An anonymous client."""
    return _json_client()


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(admin=True)


@pytest.fixture
def customer_api(customer):
    return _json_client().as_user(customer)


@pytest.fixture
def admin_api(admin_user):
    return _json_client().as_user(admin_user)


@pytest.fixture
def make_api():
    """`make_api(user)` → a client acting as `user`."""
    return lambda user: _json_client().as_user(user)


@pytest.fixture
def staff_client(admin_user):
    """A Django test client logged in to the admin site as `admin_user` (an admin, so staff)."""
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def spy_gateway(settings):
    """Selects `SpyGateway`; yields the (payment id, amount) of every refund asked of it."""
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.SpyGateway"
    SpyGateway.refunds.clear()
    yield SpyGateway.refunds
    SpyGateway.refunds.clear()


@pytest.fixture
def flaky_refunds(settings):
    """Selects `FlakyRefundGateway`; set `.failures` on the yielded class, read `.keys` after."""
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.FlakyRefundGateway"
    FlakyRefundGateway.failures = 0
    FlakyRefundGateway.keys = []
    yield FlakyRefundGateway
