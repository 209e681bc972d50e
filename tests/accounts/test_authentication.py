"""Bearer parsing and token checks on every bearer/admin route (API.md §5.1), the user loaded per request."""

import uuid
from datetime import timedelta

import jwt
import pytest

from accounts.models import Role
from accounts.tokens import token_pair_for
from tests.accounts.tokens import claims, expired, signed
from tests.factories import PASSWORD
from tests.helpers import assert_error_envelope

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/users/profile"
ADMIN_ONLY = "/api/v1/test/admin-only"


def assert_401(response, error):
    assert_error_envelope(response, 401, "unauthorized", "Unauthorized", error)


def get_with(api, header, path=PROFILE):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    return api.get(path, **extra)


@pytest.mark.parametrize("header", [None, ""])
def test_missing_or_empty_header_is_missing_authorization_header(api, header):
    response = get_with(api, header)

    assert_401(response, "Missing authorization header")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Token x",
        "bearer x",
        "BEARER x",
        "Bearer",
        "Bearer a b",
        "Bearer  x",
        "Basic dXNlcjpwYXNz",
        "x",
        " Bearer x",
    ],
)
def test_malformed_header_is_invalid_token_format(api, customer, header):
    assert_401(get_with(api, header), "Invalid token format")


def test_a_valid_token_with_a_wrong_scheme_is_still_invalid_format(api, customer):
    access = token_pair_for(customer)["access_token"]

    assert_401(get_with(api, f"bearer {access}"), "Invalid token format")
    assert_401(get_with(api, f"JWT {access}"), "Invalid token format")


def test_bearer_with_an_empty_token_is_invalid_token(api):
    assert_401(get_with(api, "Bearer "), "Invalid token")


def test_an_expired_access_token_is_token_expired(api, customer):
    assert_401(get_with(api, f"Bearer {expired(customer)}"), "Token expired")


def test_an_expired_refresh_token_used_as_bearer_is_invalid_token(api, customer):
    assert_401(get_with(api, f"Bearer {expired(customer, token_type='refresh')}"), "Invalid token")


def test_an_expired_token_with_a_forged_signature_is_invalid_token(api, customer):
    token = signed(
        claims(customer, lifetime=timedelta(seconds=-30)), key="another-secret-of-enough-length-000000"
    )

    assert_401(get_with(api, f"Bearer {token}"), "Invalid token")


def test_a_refresh_token_is_not_an_access_token(api, customer):
    refresh = token_pair_for(customer)["refresh_token"]

    assert_401(get_with(api, f"Bearer {refresh}"), "Invalid token")


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda user: signed(claims(user), key="", algorithm="none"), id="alg-none"),
        pytest.param(
            lambda user: signed(claims(user), key="another-secret-of-enough-length-000000"), id="forged"
        ),
        pytest.param(
            lambda user: signed(claims(user), algorithm="HS512"),
            id="hs512-with-our-key",
            marks=pytest.mark.filterwarnings("ignore:The HMAC key"),
        ),
        pytest.param(lambda user: signed(claims(user, exp=None)), id="no-exp"),
        pytest.param(lambda user: signed(claims(user, jti=None)), id="no-jti"),
        pytest.param(lambda user: signed(claims(user, jti="")), id="empty-jti"),
        pytest.param(lambda user: signed(claims(user, jti=["a"])), id="jti-not-a-string"),
        pytest.param(lambda user: signed(claims(user, jti="j" * 256)), id="jti-too-long"),
        pytest.param(lambda user: signed(claims(user, exp=10**30)), id="exp-beyond-any-date"),
        pytest.param(lambda user: signed(claims(user, token_type=None)), id="no-token-type"),
        pytest.param(lambda user: signed(claims(user, token_type="sliding")), id="other-token-type"),
        pytest.param(lambda user: signed(claims(user, user_id="not-a-uuid")), id="user-id-not-a-uuid"),
        pytest.param(lambda user: signed(claims(user, user_id=None)), id="no-user-id"),
        pytest.param(lambda user: signed(claims(user, user_id=12)), id="user-id-integer"),
        pytest.param(lambda user: signed(claims(user, user_id=str(uuid.uuid4()))), id="no-such-user"),
        pytest.param(lambda user: "garbage", id="garbage"),
        pytest.param(lambda user: "a.b.c", id="three-garbage-parts"),
        pytest.param(
            lambda user: token_pair_for(user)["access_token"][:-4] + "AAAA", id="tampered-signature"
        ),
    ],
)
def test_anything_else_wrong_is_invalid_token(api, customer, make_token):
    assert_401(get_with(api, f"Bearer {make_token(customer)}"), "Invalid token")


def test_a_tampered_payload_is_invalid_token(api, customer, admin_user):
    header, _, signature = token_pair_for(customer)["access_token"].split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.api_jws.json.dumps(claims(admin_user, role="admin")).encode()
    ).decode()

    assert_401(get_with(api, f"Bearer {header}.{forged_payload}.{signature}"), "Invalid token")


def test_a_valid_access_token_authenticates(api, customer):
    response = get_with(api, f"Bearer {token_pair_for(customer)['access_token']}")

    assert response.status_code == 200
    assert response.json()["data"]["email"] == customer.email


def test_a_deactivated_users_token_stops_working_at_once(customer_api, customer):
    assert customer_api.get(PROFILE).status_code == 200
    customer.is_active = False
    customer.save()

    assert_401(customer_api.get(PROFILE), "Invalid token")


def test_a_deleted_users_token_stops_working_at_once(customer_api, customer):
    customer.delete()

    assert_401(customer_api.get(PROFILE), "Invalid token")


@pytest.mark.urls("tests.shop.urls")
def test_admin_route_refuses_a_customer_with_403(customer_api):
    response = customer_api.get(ADMIN_ONLY)

    assert_error_envelope(response, 403, "forbidden", "Forbidden", "Admin access required")


@pytest.mark.urls("tests.shop.urls")
def test_admin_route_without_a_token_is_401_not_403(api):
    assert_401(api.get(ADMIN_ONLY), "Missing authorization header")


@pytest.mark.urls("tests.shop.urls")
def test_admin_route_admits_an_admin(admin_api):
    response = admin_api.get(ADMIN_ONLY)

    assert response.status_code == 200
    assert response.json()["data"] == {"role": "admin"}


@pytest.mark.urls("tests.shop.urls")
def test_a_role_change_applies_to_the_next_request_with_the_same_token(make_api, customer, admin_user):
    client = make_api(customer)
    assert client.get(ADMIN_ONLY).status_code == 403

    customer.role = Role.ADMIN
    customer.save()
    assert client.get(ADMIN_ONLY).status_code == 200
    assert client.get(PROFILE).json()["data"]["role"] == "admin"

    customer.role = Role.CUSTOMER
    customer.save()
    assert client.get(ADMIN_ONLY).status_code == 403
    assert client.get(PROFILE).json()["data"]["role"] == "customer"


def test_the_access_token_carries_the_documented_claims(customer):
    access = token_pair_for(customer)["access_token"]
    payload = jwt.decode(access, options={"verify_signature": False})
    header = jwt.get_unverified_header(access)

    assert header["alg"] == "HS256"
    assert payload["token_type"] == "access"
    assert payload["user_id"] == str(customer.pk)
    assert payload["email"] == customer.email
    assert payload["role"] == "customer"
    assert {"exp", "iat", "jti"} <= set(payload)
    assert payload["exp"] - payload["iat"] == 24 * 60 * 60


def lifetime_seconds(token: str) -> int:
    payload = jwt.decode(token, options={"verify_signature": False})
    return payload["exp"] - payload["iat"]


def test_access_tokens_issued_over_http_live_24_hours_by_default(api, customer):
    """JWT_ACCESS_MINUTES defaults to 1440 (API.md §5.1): the Go client never refreshes."""
    registered = api.post(
        "/api/v1/auth/register",
        {"email": "new@example.com", "password": "Tr1cky-Passphrase", "first_name": "N", "last_name": "U"},
    ).json()["data"]
    logged_in = api.post("/api/v1/auth/login", {"email": customer.email, "password": PASSWORD}).json()["data"]
    refreshed = api.post("/api/v1/auth/refresh", {"refresh_token": logged_in["refresh_token"]}).json()["data"]

    for data in (registered, logged_in, refreshed):
        assert lifetime_seconds(data["access_token"]) == 1440 * 60
        assert lifetime_seconds(data["refresh_token"]) == 7 * 24 * 60 * 60
    with_token = api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {logged_in['access_token']}")
    assert with_token.status_code == 200


def test_the_refresh_token_lives_seven_days(customer):
    refresh = token_pair_for(customer)["refresh_token"]
    payload = jwt.decode(refresh, options={"verify_signature": False})

    assert payload["token_type"] == "refresh"
    assert payload["user_id"] == str(customer.pk)
    assert payload["exp"] - payload["iat"] == 7 * 24 * 3600
