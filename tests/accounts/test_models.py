"""The user model (API.md §5.1): email normalized and unique case-insensitively in the database, the role
in step with Django's staff flags."""

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, connection, transaction

from accounts.models import Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_stored_trimmed_and_lower_case():
    user = User.objects.create_user(email="  Ada.Lovelace@Example.COM ", password=PASSWORD)

    user.refresh_from_db()
    assert user.email == "ada.lovelace@example.com"


def test_email_is_normalized_on_every_save():
    user = UserFactory()
    user.email = " Changed@EXAMPLE.com"
    user.save()

    user.refresh_from_db()
    assert user.email == "changed@example.com"


def test_the_database_refuses_an_email_differing_only_in_case():
    UserFactory(email="ada@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        # bypass save() normalization: the constraint itself must hold
        User.objects.bulk_create([User(email="ADA@example.com")])


def test_a_new_user_is_a_customer_with_no_staff_flags():
    user = User.objects.create_user(email="c@example.com", password=PASSWORD)

    assert (user.role, user.is_staff, user.is_superuser, user.is_active) == ("customer", False, False, True)
    assert not user.is_admin


def test_role_admin_makes_staff_and_superuser_and_customer_clears_both():
    user = UserFactory()

    user.role = Role.ADMIN
    user.save()
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser, user.is_admin) == (True, True, True)

    user.role = Role.CUSTOMER
    user.save()
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser, user.is_admin) == (False, False, False)


def test_flags_follow_the_role_even_with_update_fields():
    user = UserFactory()

    user.role = Role.ADMIN
    user.save(update_fields=["role"])

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)


def test_setting_staff_flags_directly_does_not_outrank_the_role():
    user = UserFactory()
    user.is_staff = True
    user.is_superuser = True
    user.save()

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_create_superuser_makes_an_admin():
    user = User.objects.create_superuser(email="Root@Example.com", password=PASSWORD)

    assert (user.email, user.role, user.is_staff, user.is_superuser) == (
        "root@example.com",
        "admin",
        True,
        True,
    )


def test_natural_key_lookup_is_case_insensitive():
    user = UserFactory(email="ada@example.com")

    assert User.objects.get_by_natural_key(" ADA@Example.com ") == user


def test_authenticate_by_email_in_any_case_and_refuses_inactive_users():
    user = UserFactory(email="ada@example.com")

    assert authenticate(username="ADA@example.com", password=PASSWORD) == user
    assert authenticate(email="ada@example.com", password="wrong") is None
    assert authenticate(email="nobody@example.com", password=PASSWORD) is None
    user.is_active = False
    user.save()
    assert authenticate(email="ada@example.com", password=PASSWORD) is None


def test_new_passwords_are_hashed_with_argon2id():
    user = User.objects.create_user(email="h@example.com", password=PASSWORD)

    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def test_older_pbkdf2_hashes_still_verify_and_are_upgraded():
    from django.contrib.auth.hashers import make_password

    user = UserFactory(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    assert user.check_password(PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_str_is_the_email():
    assert str(UserFactory(email="s@example.com")) == "s@example.com"


def test_email_lookups_find_a_row_stored_in_another_case():
    """`update()` bypasses `save()`; lookups still match case-insensitively."""
    user = UserFactory(email="mixed@example.com")
    User.objects.filter(pk=user.pk).update(email="MiXeD@Example.com")

    assert User.objects.with_email(" mixed@EXAMPLE.com").get() == user
    assert authenticate(email="mixed@example.com", password=PASSWORD) == user


def test_email_lookups_use_the_case_insensitive_unique_index():
    UserFactory.create_batch(3)
    queryset = User.objects.with_email("someone@example.com")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    assert "user_email_ci_unique" in plan
