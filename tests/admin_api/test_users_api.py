"""Admin users E41–E42 (API.md §4.11, §5.1): the list, role changes, the last-admin rule."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from tests.factories import UserFactory, ago
from tests.helpers import USER_KEYS, assert_error, assert_success

pytestmark = pytest.mark.django_db

USERS = "/api/v1/admin/users"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def role_url(user) -> str:
    return f"{USERS}/{user.pk}/role"


# --- E41 list ------------------------------------------------------------------------------------


def test_list_answers_every_user_admins_included_newest_first(admin_api, admin_user):
    admin_user.created_at = ago(5)
    admin_user.save(update_fields=["created_at"])
    older = UserFactory(created_at=ago(2), email="older@example.com")
    newer = UserFactory(admin=True)

    data = assert_success(admin_api.get(USERS), 200, "Users retrieved")

    assert [row["id"] for row in data["users"]] == [str(newer.pk), str(older.pk), str(admin_user.pk)]
    assert data["meta"] == {"page": 1, "limit": 10, "total": 3, "totalPages": 1}
    row = data["users"][1]
    assert set(row) == USER_KEYS
    assert (row["email"], row["role"]) == ("older@example.com", "customer")
    assert data["users"][0]["role"] == "admin"
    assert all("password" not in row for row in data["users"])


def test_list_pages_and_range_days_on_registration_time(admin_api, admin_user):
    User.objects.filter(pk=admin_user.pk).update(created_at=ago(100))
    recent = [UserFactory(created_at=ago(index)) for index in range(1, 4)]
    UserFactory(created_at=ago(30))

    data = assert_success(
        admin_api.get(USERS, {"range_days": 7, "limit": 2, "page": 2}), 200, "Users retrieved"
    )

    assert [row["id"] for row in data["users"]] == [str(recent[2].pk)]
    assert data["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    assert (
        assert_success(admin_api.get(USERS, {"range_days": "-1"}), 200, "Users retrieved")["meta"]["total"]
        == 5
    )


def test_list_costs_at_most_three_queries(admin_api, django_assert_max_num_queries):
    for _ in range(30):
        UserFactory()
    with django_assert_max_num_queries(3):
        data = assert_success(admin_api.get(USERS, {"limit": 50}), 200, "Users retrieved")
    assert len(data["users"]) == 31


# --- E42 role change -----------------------------------------------------------------------------


def test_promoting_a_customer_sets_the_role_and_the_staff_flags(admin_api):
    user = UserFactory()

    data = assert_success(
        admin_api.put(role_url(user), {"role": "admin"}), 200, "User role updated successfully"
    )

    assert set(data) == {"user"}
    assert set(data["user"]) == USER_KEYS
    assert (data["user"]["id"], data["user"]["role"]) == (str(user.pk), "admin")
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == (Role.ADMIN, True, True)


def test_demoting_an_admin_clears_the_staff_flags(admin_api):
    other = UserFactory(admin=True)
    User.objects.filter(pk=other.pk).update(is_staff=True, is_superuser=True)

    data = assert_success(
        admin_api.put(role_url(other), {"role": "customer"}), 200, "User role updated successfully"
    )

    assert data["user"]["role"] == "customer"
    other.refresh_from_db()
    assert (other.role, other.is_staff, other.is_superuser) == (Role.CUSTOMER, False, False)


def test_the_same_role_is_a_no_op(admin_api):
    user = UserFactory()
    before = User.objects.get(pk=user.pk).updated_at

    data = assert_success(
        admin_api.put(role_url(user), {"role": "customer"}), 200, "User role updated successfully"
    )

    assert data["user"]["role"] == "customer"
    assert User.objects.get(pk=user.pk).updated_at == before


def test_a_promoted_customer_gets_through_on_the_next_request_with_the_old_token(
    admin_api, customer, make_api
):
    own_api = make_api(customer)
    assert_error(own_api.get(USERS), 403, "forbidden", "Forbidden", "Admin access required")

    assert_success(
        admin_api.put(role_url(customer), {"role": "admin"}), 200, "User role updated successfully"
    )

    assert_success(own_api.get(USERS), 200, "Users retrieved")


def test_a_demoted_admin_is_refused_on_the_next_admin_request_with_the_old_token(admin_api, make_api):
    other = UserFactory(admin=True)
    other_api = make_api(other)
    assert_success(other_api.get(USERS), 200, "Users retrieved")

    assert_success(
        admin_api.put(role_url(other), {"role": "customer"}), 200, "User role updated successfully"
    )

    assert_error(other_api.get(USERS), 403, "forbidden", "Forbidden", "Admin access required")
    assert_success(other_api.get("/api/v1/users/profile"), 200, "Profile retrieved successfully")


def test_an_admin_may_demote_themself_while_another_active_admin_remains(admin_api, admin_user):
    UserFactory(admin=True)

    assert_success(
        admin_api.put(role_url(admin_user), {"role": "customer"}), 200, "User role updated successfully"
    )

    assert_error(admin_api.get(USERS), 403, "forbidden", "Forbidden", "Admin access required")


def test_the_last_active_admin_cannot_be_demoted(admin_api, admin_user):
    UserFactory(admin=True, is_active=False)  # an inactive admin does not count

    assert_error(
        admin_api.put(role_url(admin_user), {"role": "customer"}),
        409,
        "last_admin",
        "Failed to update user role",
        "cannot demote the last admin",
    )
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_staff) == (Role.ADMIN, True)


def test_an_inactive_admin_can_be_demoted_even_when_one_active_admin_is_left(admin_api):
    dormant = UserFactory(admin=True, is_active=False)
    assert_success(
        admin_api.put(role_url(dormant), {"role": "customer"}), 200, "User role updated successfully"
    )
    assert User.objects.get(pk=dormant.pk).role == Role.CUSTOMER


@pytest.mark.parametrize("payload", [{}, {"role": "superuser"}, {"role": "ADMIN"}, {"role": 1}])
def test_a_role_that_is_not_admin_or_customer_is_a_validation_error(admin_api, payload):
    user = UserFactory()
    content = assert_error(
        admin_api.put(role_url(user), payload), 400, "validation_error", "Validation failed"
    )
    assert "role" in content["errors"]
    assert User.objects.get(pk=user.pk).role == Role.CUSTOMER


def test_role_change_with_a_malformed_id_is_invalid_id(admin_api):
    assert_error(
        admin_api.put(f"{USERS}/42/role", {"role": "admin"}),
        400,
        "invalid_id",
        "Invalid user ID",
        "invalid UUID",
    )


def test_role_change_of_an_unknown_user_is_not_found(admin_api):
    assert_error(
        admin_api.put(f"{USERS}/{UNKNOWN_ID}/role", {"role": "admin"}),
        404,
        "not_found",
        "User not found",
        "not_found",
    )


def test_role_change_returns_no_token(admin_api):
    user = UserFactory()
    data = assert_success(
        admin_api.put(role_url(user), {"role": "admin"}), 200, "User role updated successfully"
    )
    assert "access_token" not in data and "refresh_token" not in data
