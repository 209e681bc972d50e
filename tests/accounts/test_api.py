"""Auth and profile endpoints E7–E9, E45, E12–E14 (API.md §4.2, §4.3, §5.1)."""

import jwt
import pytest
from django.utils import timezone

from accounts.models import Role, User
from accounts.tokens import token_pair_for
from tests.accounts.tokens import claims, expired, signed
from tests.factories import PASSWORD, UserFactory
from tests.helpers import USER_KEYS, assert_error_envelope, validation_errors

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PROFILE = "/api/v1/users/profile"
CHANGE_PASSWORD = "/api/v1/users/change-password"

NEW_PASSWORD = "Difference-Engine-1822"
REGISTRATION = {
    "email": "ada@example.com",
    "password": "Analytical-Engine-1843",
    "first_name": "Ada",
    "last_name": "Lovelace",
}
LOGIN_FAILED = {
    "success": False,
    "message": "Login failed",
    "error": "invalid email or password",
    "code": "unauthorized",
}
INVALID_REFRESH = {
    "success": False,
    "message": "Invalid refresh token",
    "error": "unauthorized",
    "code": "unauthorized",
}


def login(api, email, password=PASSWORD):
    return api.post(LOGIN, {"email": email, "password": password})


def bearer(api, access_token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return api


# E7 register ---------------------------------------------------------------------------------------------


def test_register_creates_a_customer_and_returns_user_and_working_tokens(api):
    response = api.post(REGISTER, REGISTRATION)

    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "User registered successfully"
    data = body["data"]
    assert set(data) == {"user", "access_token", "refresh_token"}
    assert set(data["user"]) == USER_KEYS
    assert data["user"]["email"] == "ada@example.com"
    assert data["user"]["role"] == "customer"
    assert data["user"]["created_at"].endswith("Z")
    user = User.objects.get()
    assert data["user"]["id"] == str(user.pk)
    assert user.password.startswith("argon2$argon2id$")
    assert (user.role, user.is_staff, user.is_superuser) == ("customer", False, False)

    assert bearer(api, data["access_token"]).get(PROFILE).status_code == 200
    assert api.post(REFRESH, {"refresh_token": data["refresh_token"]}).status_code == 200


def test_register_never_echoes_the_password(api):
    response = api.post(REGISTER, REGISTRATION)

    assert REGISTRATION["password"].encode() not in response.content
    assert b"password" not in response.content


@pytest.mark.parametrize("email", ["ADA@example.com", " ada@EXAMPLE.com ", "Ada@Example.Com"])
def test_register_with_a_taken_email_in_any_case_is_409(api, email):
    UserFactory(email="ada@example.com")

    response = api.post(REGISTER, {**REGISTRATION, "email": email})

    assert_error_envelope(response, 409, "duplicate_email", "Registration failed", "user already exists")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "a" * 245 + "@example.com", "Ensure this field has no more than 254 characters."),
        ("first_name", "x" * 101, "Ensure this field has no more than 100 characters."),
        ("last_name", "", "This field may not be blank."),
        ("password", "Aa1!" * 32 + "x", "Ensure this field has no more than 128 characters."),
        ("password", "Ab1!xyz", "This password is too short. It must contain at least 8 characters."),
        ("password", "qwertyuiop", "This password is too common."),
        ("password", "8473629105", "This password is entirely numeric."),
        ("password", "ada@example.com", "The password is too similar to the email."),
        ("password", "Lovelace1843", "The password is too similar to the last name."),
    ],
)
def test_register_field_rules(api, field, value, message):
    response = api.post(REGISTER, {**REGISTRATION, field: value})

    assert validation_errors(response) == {field: message}
    assert not User.objects.exists()


def test_register_judges_password_similarity_only_against_names_within_their_limit(api):
    """An over-long name fails on its own; comparing the password with each of its words (up to 1 MiB
    of them) would only burn CPU."""
    response = api.post(
        REGISTER, {**REGISTRATION, "first_name": "Zebra-Crossing-77 " * 10, "password": "Zebra-Crossing-77"}
    )

    assert validation_errors(response) == {"first_name": "Ensure this field has no more than 100 characters."}


def test_register_lists_every_failing_field(api):
    response = api.post(REGISTER, {"email": "nope", "password": "short", "last_name": "L"})

    assert set(validation_errors(response)) == {"email", "password", "first_name"}


def test_register_accepts_a_password_of_128_characters(api):
    assert api.post(REGISTER, {**REGISTRATION, "password": "Aa1!" * 32}).status_code == 201


def test_register_ignores_a_role_key(api):
    api.post(REGISTER, {**REGISTRATION, "role": "admin"})

    assert User.objects.get().role == Role.CUSTOMER


# E8 login ------------------------------------------------------------------------------------------------


def test_login_returns_the_user_and_a_token_pair(api, customer):
    response = login(api, customer.email)

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Login successful"
    assert set(body["data"]) == {"user", "access_token", "refresh_token"}
    assert body["data"]["user"]["id"] == str(customer.pk)
    assert set(body["data"]["user"]) == USER_KEYS
    assert bearer(api, body["data"]["access_token"]).get(PROFILE).status_code == 200


def test_login_matches_the_email_case_insensitively(api, customer):
    assert login(api, f"  {customer.email.upper()} ").status_code == 200


@pytest.mark.parametrize("case", ["wrong-password", "unknown-email", "deactivated"])
def test_login_failures_all_get_the_same_answer(api, case):
    user = UserFactory(email="grace@example.com", is_active=case != "deactivated")
    email = "nobody@example.com" if case == "unknown-email" else user.email
    password = "Wrong-Password-000" if case == "wrong-password" else PASSWORD

    response = login(api, email, password)

    assert response.status_code == 401
    assert response.json() == LOGIN_FAILED


def test_login_password_is_not_trimmed(api, customer):
    assert login(api, customer.email, f" {PASSWORD} ").json() == LOGIN_FAILED


def test_login_requires_email_and_password(api):
    assert validation_errors(api.post(LOGIN, {})) == {
        "email": "This field is required.",
        "password": "This field is required.",
    }


def test_login_refuses_a_malformed_email(api):
    assert validation_errors(api.post(LOGIN, {"email": "nope", "password": "x"})) == {
        "email": "Enter a valid email address."
    }


# E9 refresh ----------------------------------------------------------------------------------------------


def test_refresh_rotates_the_pair(api, customer):
    pair = token_pair_for(customer)

    response = api.post(REFRESH, {"refresh_token": pair["refresh_token"]})

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Token refreshed"
    assert set(body["data"]) == {"access_token", "refresh_token"}
    assert body["data"]["refresh_token"] != pair["refresh_token"]
    assert body["data"]["access_token"] != pair["access_token"]
    assert bearer(api, body["data"]["access_token"]).get(PROFILE).status_code == 200


def test_a_used_refresh_token_is_refused_but_the_new_one_works(api, customer):
    old = token_pair_for(customer)["refresh_token"]
    new = api.post(REFRESH, {"refresh_token": old}).json()["data"]["refresh_token"]

    reused = api.post(REFRESH, {"refresh_token": old})
    assert reused.status_code == 401
    assert reused.json() == INVALID_REFRESH

    assert api.post(REFRESH, {"refresh_token": new}).status_code == 200


def test_refresh_issues_an_access_token_with_the_current_email_and_role(api, customer):
    refresh = token_pair_for(customer)["refresh_token"]
    customer.email = "renamed@example.com"
    customer.role = Role.ADMIN
    customer.save()

    access = api.post(REFRESH, {"refresh_token": refresh}).json()["data"]["access_token"]
    payload = jwt.decode(access, options={"verify_signature": False})

    assert (payload["email"], payload["role"], payload["token_type"]) == (
        "renamed@example.com",
        "admin",
        "access",
    )
    assert payload["user_id"] == str(customer.pk)


def test_refresh_refuses_an_access_token(api, customer):
    access = token_pair_for(customer)["access_token"]

    assert api.post(REFRESH, {"refresh_token": access}).json() == INVALID_REFRESH


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda user: expired(user, token_type="refresh"), id="expired"),
        pytest.param(
            lambda user: signed(
                claims(user, token_type="refresh"), key="another-secret-of-enough-length-000000"
            ),
            id="forged",
        ),
        pytest.param(
            lambda user: signed(claims(user, token_type="refresh"), key="", algorithm="none"), id="alg-none"
        ),
        pytest.param(lambda user: signed(claims(user, token_type="refresh", exp=None)), id="no-exp"),
        pytest.param(lambda user: signed(claims(user, token_type="refresh", jti=None)), id="no-jti"),
        pytest.param(lambda user: signed(claims(user, token_type="refresh", jti={"a": 1})), id="jti-object"),
        pytest.param(
            lambda user: signed(claims(user, token_type="refresh", jti="j" * 256)), id="jti-too-long"
        ),
        pytest.param(
            lambda user: signed(claims(user, token_type="refresh", exp=10**30)), id="exp-beyond-any-date"
        ),
        pytest.param(
            lambda user: signed(claims(user, token_type="refresh", user_id="x")), id="user-id-not-a-uuid"
        ),
        pytest.param(lambda user: "garbage", id="garbage"),
    ],
)
@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_refresh_and_logout_refuse_bad_tokens(api, customer, make_token, endpoint):
    response = api.post(endpoint, {"refresh_token": make_token(customer)})

    assert response.status_code == 401
    assert response.json() == INVALID_REFRESH


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_refresh_and_logout_refuse_a_deactivated_users_token(api, customer, endpoint):
    refresh = token_pair_for(customer)["refresh_token"]
    customer.is_active = False
    customer.save()

    assert api.post(endpoint, {"refresh_token": refresh}).json() == INVALID_REFRESH


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_refresh_and_logout_refuse_a_deleted_users_token(api, customer, endpoint):
    refresh = token_pair_for(customer)["refresh_token"]
    customer.delete()

    assert api.post(endpoint, {"refresh_token": refresh}).json() == INVALID_REFRESH


def test_a_valid_refresh_token_not_on_record_is_rotated_once(api, customer):
    """Signed by us but never recorded (say, issued before a database reset): usable exactly once."""
    token = signed(claims(customer, token_type="refresh"))

    assert api.post(REFRESH, {"refresh_token": token}).status_code == 200
    assert api.post(REFRESH, {"refresh_token": token}).json() == INVALID_REFRESH


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_refresh_and_logout_require_the_token(api, endpoint):
    assert validation_errors(api.post(endpoint, {})) == {"refresh_token": "This field is required."}


def test_each_login_gets_its_own_refresh_token(api, customer):
    first = login(api, customer.email).json()["data"]["refresh_token"]
    second = login(api, customer.email).json()["data"]["refresh_token"]

    assert api.post(LOGOUT, {"refresh_token": first}).status_code == 200
    assert api.post(REFRESH, {"refresh_token": second}).status_code == 200


# E45 logout ----------------------------------------------------------------------------------------------


def test_logout_blacklists_the_refresh_token_but_not_the_access_token(api, customer):
    pair = token_pair_for(customer)

    response = api.post(LOGOUT, {"refresh_token": pair["refresh_token"]})

    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Logged out successfully"}
    assert api.post(REFRESH, {"refresh_token": pair["refresh_token"]}).json() == INVALID_REFRESH
    assert bearer(api, pair["access_token"]).get(PROFILE).status_code == 200


def test_logout_twice_is_401(api, customer):
    refresh = token_pair_for(customer)["refresh_token"]
    api.post(LOGOUT, {"refresh_token": refresh})

    assert api.post(LOGOUT, {"refresh_token": refresh}).json() == INVALID_REFRESH


def test_logout_refuses_an_access_token(api, customer):
    access = token_pair_for(customer)["access_token"]

    assert api.post(LOGOUT, {"refresh_token": access}).json() == INVALID_REFRESH


def test_logout_needs_no_bearer_token(api, customer):
    api.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    assert api.post(LOGOUT, {"refresh_token": token_pair_for(customer)["refresh_token"]}).status_code == 200


# E12 profile ---------------------------------------------------------------------------------------------


def test_profile_returns_the_caller(customer_api, customer, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = customer_api.get(PROFILE)

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Profile retrieved successfully"
    assert body["data"] == {
        "id": str(customer.pk),
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "role": "customer",
        "created_at": customer.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": customer.updated_at.isoformat().replace("+00:00", "Z"),
    }


# E13 profile update --------------------------------------------------------------------------------------


def test_profile_update_changes_only_the_keys_sent(customer_api, customer):
    before = User.objects.get(pk=customer.pk)

    response = customer_api.put(PROFILE, {"first_name": "  Amazing  "})

    assert response.status_code == 200
    assert response.json()["message"] == "Profile updated successfully"
    after = User.objects.get(pk=customer.pk)
    assert after.first_name == "Amazing"
    assert (after.last_name, after.email, after.role) == (before.last_name, before.email, before.role)
    assert after.updated_at > before.updated_at
    data = response.json()["data"]
    assert data["first_name"] == "Amazing"
    assert data["updated_at"] == after.updated_at.isoformat().replace("+00:00", "Z")


def test_profile_update_with_an_empty_body_changes_nothing(customer_api, customer):
    before = User.objects.get(pk=customer.pk)

    response = customer_api.put(PROFILE, {})

    assert response.status_code == 200
    after = User.objects.get(pk=customer.pk)
    assert (after.first_name, after.last_name, after.email, after.updated_at) == (
        before.first_name,
        before.last_name,
        before.email,
        before.updated_at,
    )


def test_profile_update_ignores_role_password_and_other_keys(customer_api, customer):
    response = customer_api.put(PROFILE, {"role": "admin", "password": "x", "is_staff": True, "id": "x"})

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.role, customer.is_staff) == ("customer", False)
    assert customer.check_password(PASSWORD)


def test_profile_update_changes_the_email_normalized(api, customer_api, customer):
    response = customer_api.put(
        PROFILE, {"email": "  New.Address@Example.COM ", "current_password": PASSWORD}
    )

    assert response.json()["data"]["email"] == "new.address@example.com"
    assert login(api, "new.address@example.com").status_code == 200


def test_profile_update_to_ones_own_email_in_another_case_is_fine(customer_api, customer):
    response = customer_api.put(PROFILE, {"email": customer.email.upper()})

    assert response.status_code == 200
    assert response.json()["data"]["email"] == customer.email


def test_profile_update_to_a_taken_email_is_409_and_changes_nothing(customer_api, customer):
    UserFactory(email="taken@example.com")

    response = customer_api.put(
        PROFILE, {"email": "TAKEN@example.com", "first_name": "Changed", "current_password": PASSWORD}
    )

    assert_error_envelope(
        response, 409, "duplicate_email", "Failed to update profile", "email already in use"
    )
    customer.refresh_from_db()
    assert customer.first_name != "Changed"
    assert customer.email != "taken@example.com"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"email": "nope"}, {"email": "Enter a valid email address."}),
        ({"email": ""}, {"email": "This field may not be blank."}),
        ({"first_name": ""}, {"first_name": "This field may not be blank."}),
        ({"last_name": "x" * 101}, {"last_name": "Ensure this field has no more than 100 characters."}),
        ({"first_name": "a\u0000b"}, {"first_name": "Null characters are not allowed."}),
    ],
)
def test_profile_update_validates_the_keys_sent(customer_api, customer, body, errors):
    assert validation_errors(customer_api.put(PROFILE, body)) == errors


@pytest.mark.parametrize(("method", "path"), [("get", PROFILE), ("put", PROFILE), ("put", CHANGE_PASSWORD)])
def test_user_routes_need_a_token(api, method, path):
    response = getattr(api, method)(path, {})

    assert response.status_code == 401
    assert response.json()["error"] == "Missing authorization header"


# E14 change password -------------------------------------------------------------------------------------


def test_change_password_sets_the_new_password(api, customer_api, customer):
    response = customer_api.put(CHANGE_PASSWORD, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Password changed successfully"}
    assert login(api, customer.email, NEW_PASSWORD).status_code == 200
    assert login(api, customer.email, PASSWORD).json() == LOGIN_FAILED


def test_change_password_revokes_every_refresh_token_but_not_access_tokens(api, customer):
    first = login(api, customer.email).json()["data"]
    second = login(api, customer.email).json()["data"]
    rotated = api.post(REFRESH, {"refresh_token": second["refresh_token"]}).json()["data"]

    bearer(api, first["access_token"]).put(
        CHANGE_PASSWORD, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )

    api.credentials()
    for refresh in (first["refresh_token"], rotated["refresh_token"]):
        assert api.post(REFRESH, {"refresh_token": refresh}).json() == INVALID_REFRESH
    assert bearer(api, rotated["access_token"]).get(PROFILE).status_code == 200


def test_change_password_with_a_wrong_current_password_changes_nothing(api, customer_api, customer):
    refresh = token_pair_for(customer)["refresh_token"]

    response = customer_api.put(
        CHANGE_PASSWORD, {"current_password": "Not-It-123", "new_password": NEW_PASSWORD}
    )

    assert validation_errors(response) == {"current_password": "Current password is incorrect."}
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert api.post(REFRESH, {"refresh_token": refresh}).status_code == 200


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab1!xyz", "This password is too short. It must contain at least 8 characters."),
        ("qwertyuiop", "This password is too common."),
        ("8473629105", "This password is entirely numeric."),
        ("Aa1!" * 32 + "x", "Ensure this field has no more than 128 characters."),
    ],
)
def test_change_password_validates_the_new_password(customer_api, customer, new_password, message):
    response = customer_api.put(CHANGE_PASSWORD, {"current_password": PASSWORD, "new_password": new_password})

    assert validation_errors(response) == {"new_password": message}
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_change_password_judges_similarity_against_this_user(make_api):
    user = UserFactory(email="margaret.hamilton@example.com", first_name="Margaret", last_name="Hamilton")

    response = make_api(user).put(
        CHANGE_PASSWORD, {"current_password": PASSWORD, "new_password": "margaret.hamilton"}
    )

    assert validation_errors(response) == {"new_password": "The password is too similar to the email."}


def test_change_password_reports_both_fields(customer_api):
    response = customer_api.put(CHANGE_PASSWORD, {"current_password": "wrong", "new_password": "123"})

    assert set(validation_errors(response)) == {"current_password", "new_password"}


def test_change_password_requires_both_fields(customer_api):
    assert validation_errors(customer_api.put(CHANGE_PASSWORD, {})) == {
        "current_password": "This field is required.",
        "new_password": "This field is required.",
    }


def test_timestamps_are_utc_with_z(customer_api, customer):
    data = customer_api.get(PROFILE).json()["data"]

    for key in ("created_at", "updated_at"):
        assert data[key].endswith("Z")
        parsed = timezone.datetime.fromisoformat(data[key].replace("Z", "+00:00"))
        assert parsed.utcoffset().total_seconds() == 0


def test_an_email_change_without_the_current_password_is_refused_and_changes_nothing(customer_api, customer):
    response = customer_api.put(PROFILE, {"email": "thief@example.com", "first_name": "Changed"})

    assert validation_errors(response) == {"current_password": "This field is required."}
    customer.refresh_from_db()
    assert customer.email != "thief@example.com"
    assert customer.first_name != "Changed"  # nothing half written


@pytest.mark.parametrize("password", ["wrong-password", "", PASSWORD + " "])
def test_an_email_change_with_a_wrong_or_empty_current_password_is_refused(customer_api, customer, password):
    response = customer_api.put(PROFILE, {"email": "thief@example.com", "current_password": password})

    expected = "This field may not be blank." if password == "" else "Current password is incorrect."
    assert validation_errors(response) == {"current_password": expected}
    customer.refresh_from_db()
    assert customer.email != "thief@example.com"


def test_an_email_change_with_the_current_password_is_saved(api, customer_api, customer):
    response = customer_api.put(PROFILE, {"email": "moved@example.com", "current_password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["data"]["email"] == "moved@example.com"
    assert "current_password" not in response.json()["data"]
    assert login(api, "moved@example.com").status_code == 200


@pytest.mark.parametrize("email", ["same", "  SAME  "])
def test_the_same_email_sent_back_needs_no_password(customer_api, customer, email):
    sent = customer.email if email == "same" else f"  {customer.email.upper()}  "

    response = customer_api.put(PROFILE, {"email": sent, "first_name": "Renamed"})

    assert response.status_code == 200
    assert response.json()["data"]["first_name"] == "Renamed"


def test_a_name_change_needs_no_password(customer_api):
    assert customer_api.put(PROFILE, {"last_name": "Lovelace"}).status_code == 200


def test_the_password_error_is_listed_beside_other_field_errors(customer_api):
    response = customer_api.put(PROFILE, {"email": "new@example.com", "first_name": ""})

    assert validation_errors(response) == {
        "first_name": "This field may not be blank.",
        "current_password": "This field is required.",
    }


def test_the_schema_documents_current_password_on_e13(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    body = schema["paths"]["/api/v1/users/profile"]["put"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]

    assert "current_password" in component["properties"]
    assert "current_password" not in component.get("required", [])
    assert "differs" in component["properties"]["current_password"]["description"]
