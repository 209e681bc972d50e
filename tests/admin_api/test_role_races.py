"""The last active admin survives two concurrent demotions of the last two admins (API.md §4.11, §5.1).

Real threads on their own PostgreSQL connections, released together by a barrier.
"""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from accounts.services import user_role_set
from shop.exceptions import LastAdmin
from tests.concurrency import ROUNDS, run_together
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def active_admins() -> set:
    return set(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_concurrent_demotions_of_the_last_two_admins_leave_exactly_one_admin(round_):
    first, second = UserFactory(admin=True), UserFactory(admin=True)

    results = run_together(
        lambda: user_role_set(user_id=first.pk, role=Role.CUSTOMER),
        lambda: user_role_set(user_id=second.pk, role=Role.CUSTOMER),
    )

    assert sum(isinstance(result, User) for result in results) == 1, results
    assert sum(isinstance(result, LastAdmin) for result in results) == 1, results
    survivors = active_admins()
    assert len(survivors) == 1
    survivor = User.objects.get(pk=survivors.pop())
    assert (survivor.is_staff, survivor.is_superuser) == (True, True)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_admins_demoting_each_other_over_the_api_leave_exactly_one_admin(make_api, round_):
    first, second = UserFactory(admin=True), UserFactory(admin=True)
    first_api, second_api = make_api(first), make_api(second)

    responses = run_together(
        lambda: first_api.put(f"/api/v1/admin/users/{second.pk}/role", {"role": "customer"}),
        lambda: second_api.put(f"/api/v1/admin/users/{first.pk}/role", {"role": "customer"}),
    )

    statuses = sorted(response.status_code for response in responses)
    # The loser is refused by the last-admin rule, or, when the winner committed before the loser's
    # request loaded its user, by the role check (403).
    assert statuses in ([200, 403], [200, 409]), [response.content for response in responses]
    loser = next(response for response in responses if response.status_code != 200)
    assert loser.json()["code"] in ("last_admin", "forbidden")
    assert len(active_admins()) == 1
