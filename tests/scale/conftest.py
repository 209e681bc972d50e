"""The suite's test database as a URL, for the servers the scale tests start (PgBouncer points at it; the
replica test copies its migrated schema into its own primary)."""

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def test_database_url(django_db_setup) -> str:
    db = settings.DATABASES["default"]  # the test database, once pytest-django has created it
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
