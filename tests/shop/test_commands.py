"""`purge_idempotency_keys` (API.md §6.2): a shop command, the keys being shop's."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from shop.models import IdempotencyKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def keys():
    user = UserFactory()
    now = timezone.now()
    old = [
        IdempotencyKey.objects.create(
            user=user, key=f"old-{i}", fingerprint="f", created_at=now - timedelta(hours=h)
        )
        for i, h in enumerate((25, 24 * 7))
    ]
    fresh = IdempotencyKey.objects.create(
        user=user, key="fresh", fingerprint="f", created_at=now - timedelta(hours=23)
    )
    return old, fresh


def test_purge_idempotency_keys_deletes_keys_older_than_24_hours(keys):
    _, fresh = keys
    assert run("purge_idempotency_keys") == "Deleted 2 idempotency keys\n"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [fresh.key]


def test_purge_idempotency_keys_dry_run_deletes_nothing(keys):
    assert run("purge_idempotency_keys", "--dry-run") == "Would delete 2 idempotency keys\n"
    assert IdempotencyKey.objects.count() == 3
