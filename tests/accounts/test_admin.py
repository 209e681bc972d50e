"""The Django admin for users (API.md §6.1): list, search, filters, and the role driving the staff flags."""

import pytest
from django.test import Client

from accounts.models import Role, User
from tests.admin_pages import changelist_url
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = changelist_url(User)


def change_form_data(user, **overrides):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_admin_login_page_takes_the_email(admin_user):
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin_user.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_customer_cannot_log_in_to_the_admin(customer):
    client = Client()

    response = client.post("/admin/login/?next=/admin/", {"username": customer.email, "password": PASSWORD})

    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302


def test_changelist_lists_users_with_their_columns(staff_client, customer):
    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    content = response.content.decode()
    assert customer.email in content
    for column in ("Email", "First name", "Last name", "Role", "Active"):
        assert column.lower() in content.lower()


def test_changelist_search_by_email_and_names(staff_client):
    UserFactory(email="findme@example.com", first_name="Unique", last_name="Person")
    UserFactory(email="other@example.com", first_name="Someone", last_name="Else")

    for term in ("findme", "Unique", "Person"):
        content = staff_client.get(CHANGELIST, {"q": term}).content.decode()
        assert "findme@example.com" in content
        assert "other@example.com" not in content


def test_changelist_filters_by_role_and_active(staff_client, admin_user):
    UserFactory(email="cust@example.com")
    UserFactory(email="gone@example.com", is_active=False)

    admins = staff_client.get(CHANGELIST, {"role__exact": "admin"}).content.decode()
    assert admin_user.email in admins
    assert "cust@example.com" not in admins

    inactive = staff_client.get(CHANGELIST, {"is_active__exact": "0"}).content.decode()
    assert "gone@example.com" in inactive
    assert "cust@example.com" not in inactive


def test_change_form_loads(staff_client, customer):
    response = staff_client.get(f"{CHANGELIST}{customer.pk}/change/")

    assert response.status_code == 200
    assert b'name="role"' in response.content
    assert b'name="is_staff"' not in response.content


def test_editing_the_role_in_the_admin_flips_the_staff_flags(staff_client, customer):
    response = staff_client.post(
        f"{CHANGELIST}{customer.pk}/change/", change_form_data(customer, role="admin")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert (customer.role, customer.is_staff, customer.is_superuser) == ("admin", True, True)

    response = staff_client.post(
        f"{CHANGELIST}{customer.pk}/change/", change_form_data(customer, role="customer")
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.role, customer.is_staff, customer.is_superuser) == ("customer", False, False)


def test_the_admin_form_normalizes_the_email(staff_client, customer):
    staff_client.post(
        f"{CHANGELIST}{customer.pk}/change/", change_form_data(customer, email=" New@Example.COM ")
    )

    customer.refresh_from_db()
    assert customer.email == "new@example.com"


def test_the_admin_form_refuses_an_email_taken_in_another_case(staff_client, customer):
    UserFactory(email="taken@example.com")

    response = staff_client.post(
        f"{CHANGELIST}{customer.pk}/change/", change_form_data(customer, email="TAKEN@example.com")
    )

    assert response.status_code == 200  # the form again, with an error
    assert "A user with this email already exists." in response.content.decode()
    assert "user_email_ci_unique" not in response.content.decode()
    customer.refresh_from_db()
    assert customer.email != "taken@example.com"


def test_adding_a_user_with_a_taken_email_in_another_case_is_refused(staff_client, customer):
    response = staff_client.post(
        f"{CHANGELIST}add/",
        {
            "email": customer.email.upper(),
            "first_name": "Dup",
            "last_name": "User",
            "role": "customer",
            "password1": "Added-User-Password-1",
            "password2": "Added-User-Password-1",
        },
    )

    assert response.status_code == 200
    assert "A user with this email already exists." in response.content.decode()
    assert User.objects.filter(email=customer.email).count() == 1


def test_adding_a_user_in_the_admin(staff_client):
    response = staff_client.post(
        f"{CHANGELIST}add/",
        {
            "email": "Added@Example.com",
            "first_name": "Added",
            "last_name": "User",
            "role": "admin",
            "password1": "Added-User-Password-1",
            "password2": "Added-User-Password-1",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="added@example.com")
    assert (user.role, user.is_staff) == (Role.ADMIN, True)
    assert user.check_password("Added-User-Password-1")


def test_the_last_active_admin_cannot_be_demoted_or_deactivated_in_the_django_admin(client):
    admin_user = UserFactory(admin=True)
    client.force_login(admin_user)
    url = f"/admin/accounts/user/{admin_user.pk}/change/"
    base = {
        "email": admin_user.email,
        "first_name": "A",
        "last_name": "B",
        "role": "admin",
        "is_active": "on",
    }

    demoted = client.post(url, {**base, "role": "customer"})
    deactivated = client.post(url, {k: v for k, v in base.items() if k != "is_active"})

    assert demoted.status_code == 200 and "cannot demote the last admin" in demoted.content.decode()
    assert deactivated.status_code == 200 and "cannot demote the last admin" in deactivated.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == "admin" and admin_user.is_active and admin_user.is_staff


def test_an_admin_can_be_demoted_in_the_django_admin_while_another_remains(client):
    admin_user, other = UserFactory(admin=True), UserFactory(admin=True)
    client.force_login(admin_user)
    response = client.post(
        f"/admin/accounts/user/{other.pk}/change/",
        {"email": other.email, "first_name": "A", "last_name": "B", "role": "customer", "is_active": "on"},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.role == "customer" and not other.is_staff and not other.is_superuser
