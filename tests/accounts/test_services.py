"""Account services against PostgreSQL, races included (real threads, `transaction=True`)."""

import pytest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import Role, User
from accounts.tokens import token_pair_for
from shop.exceptions import DuplicateEmail, LastAdmin, NotFound, ShopError, Unauthorized
from tests.concurrency import run_together
from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_token_at_once_rotate_it_once():
    user = UserFactory()
    refresh = token_pair_for(user)["refresh_token"]

    results = run_together(*[lambda: services.token_refresh(refresh_token=refresh)] * 4)

    pairs = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Unauthorized)]
    assert len(pairs) == 1, results
    assert len(refused) == 3
    assert all(r.message == "Invalid refresh token" for r in refused)


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_email_at_once_make_one_user():
    def register(email):
        return lambda: services.user_register(email=email, password=PASSWORD, first_name="A", last_name="B")

    results = run_together(
        register("race@example.com"), register("RACE@example.com"), register(" race@example.com")
    )

    assert len([r for r in results if isinstance(r, User)]) == 1, results
    assert all(isinstance(r, DuplicateEmail) for r in results if not isinstance(r, User))
    assert User.objects.filter(email="race@example.com").count() == 1


@pytest.mark.django_db(transaction=True)
def test_demoting_the_last_two_admins_at_once_keeps_one():
    first, second = UserFactory(admin=True), UserFactory(admin=True)

    results = run_together(
        lambda: services.user_role_set(user_id=first.pk, role=Role.CUSTOMER),
        lambda: services.user_role_set(user_id=second.pk, role=Role.CUSTOMER),
    )

    assert sorted(type(r).__name__ for r in results) == ["LastAdmin", "User"]
    assert User.objects.filter(role=Role.ADMIN, is_active=True).count() == 1


@pytest.mark.django_db
def test_the_only_admin_cannot_be_demoted():
    admin = UserFactory(admin=True)
    UserFactory(admin=True, is_active=False)

    with pytest.raises(LastAdmin) as info:
        services.user_role_set(user_id=admin.pk, role=Role.CUSTOMER)

    assert info.value.body() == {
        "success": False,
        "message": "Failed to update user role",
        "error": "cannot demote the last admin",
        "code": "last_admin",
    }
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


@pytest.mark.django_db
def test_role_set_promotes_demotes_and_keeps_flags_in_step():
    UserFactory(admin=True)
    user = UserFactory()

    promoted = services.user_role_set(user_id=user.pk, role=Role.ADMIN)
    assert (promoted.role, promoted.is_staff, promoted.is_superuser) == ("admin", True, True)

    demoted = services.user_role_set(user_id=user.pk, role=Role.CUSTOMER)
    demoted.refresh_from_db()
    assert (demoted.role, demoted.is_staff, demoted.is_superuser) == ("customer", False, False)


@pytest.mark.django_db
def test_role_set_to_the_same_role_is_a_no_op():
    admin = UserFactory(admin=True)
    before = admin.updated_at

    assert services.user_role_set(user_id=admin.pk, role=Role.ADMIN).updated_at == before


@pytest.mark.django_db
def test_role_set_of_an_unknown_user_is_not_found():
    import uuid

    with pytest.raises(NotFound) as info:
        services.user_role_set(user_id=uuid.uuid4(), role=Role.ADMIN)

    assert info.value.message == "User not found"


@pytest.mark.django_db
def test_revoking_all_refresh_tokens_blacklists_only_that_users_outstanding_tokens():
    user, other = UserFactory(), UserFactory()
    token_pair_for(user)
    token_pair_for(user)
    other_refresh = token_pair_for(other)["refresh_token"]
    services.token_logout(refresh_token=token_pair_for(user)["refresh_token"])

    revoked = services.refresh_tokens_revoke_all(user=user)

    assert revoked == 2
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    assert BlacklistedToken.objects.filter(token__user=other).count() == 0
    assert services.token_refresh(refresh_token=other_refresh)


@pytest.mark.django_db
def test_login_failure_is_a_shop_error_with_the_login_message():
    with pytest.raises(ShopError) as info:
        services.user_login(email="nobody@example.com", password="x")

    assert (info.value.status_code, info.value.message, info.value.error) == (
        401,
        "Login failed",
        "invalid email or password",
    )


@pytest.mark.django_db
def test_admin_ensure_creates_once_and_leaves_existing_users_alone():
    user, created = services.admin_ensure(email="Boss@Example.com", password=PASSWORD)
    again, created_again = services.admin_ensure(email="boss@example.com", password="Other-Password-99")

    assert created and not created_again
    assert again == user
    assert (user.role, user.is_staff, user.is_superuser) == ("admin", True, True)
    again.refresh_from_db()
    assert again.check_password(PASSWORD)
