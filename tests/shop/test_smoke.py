import pytest

pytestmark = pytest.mark.django_db


def test_profile_round_trip(customer_api, customer):
    response = customer_api.get("/api/v1/users/profile")
    assert response.status_code == 200
    assert response.json()["data"]["email"] == customer.email
