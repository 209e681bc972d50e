"""Pagination parameters of API.md §1.6, as read by `shop.pagination` for every list."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from shop.pagination import limit_param, positive_int, range_days_param, since_for_range
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/api/v1/admin/users"


def query(**params):
    return Request(APIRequestFactory().get("/", params))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 7),
        ("", 7),
        ("3", 3),
        (" 3 ", 3),
        ("+3", 3),
        ("0", 7),
        ("-2", 7),
        ("1.5", 7),
        ("abc", 7),
        ("1_000", 7),
        ("２", 7),
        ("3\x00", 7),
        ("99999999999999999999", 10**18),  # INTEGER_CEILING
    ],
)
def test_positive_int_takes_plain_integers_only(value, expected):
    assert positive_int(value, 7) == expected


def test_limit_is_clamped_to_100_and_defaults_to_10():
    assert limit_param(query(limit="1000")) == 100
    assert limit_param(query(limit="1_0")) == 10
    assert limit_param(query()) == 10


@pytest.mark.parametrize("range_days", ["99999999999", "999999999999999999999"])
def test_a_range_reaching_before_year_one_is_all_time(admin_api, range_days):
    UserFactory(created_at=timezone.now() - timedelta(days=4000))

    response = admin_api.get(USERS, {"range_days": range_days})

    assert response.status_code == 200
    assert response.json()["data"]["meta"]["total"] == 2
    assert since_for_range(range_days_param(query(range_days=range_days))) is None
    assert range_days_param(query(range_days=range_days)) == 0  # echoed as "all time" by analytics


def test_a_range_keeps_rows_created_within_it(admin_api):
    UserFactory(created_at=timezone.now() - timedelta(days=40))

    assert admin_api.get(USERS, {"range_days": "30"}).json()["data"]["meta"]["total"] == 1
    assert admin_api.get(USERS, {"range_days": "50"}).json()["data"]["meta"]["total"] == 2


@pytest.mark.parametrize(
    ("params", "meta"),
    [
        ({"page": "２", "limit": "1"}, {"page": 1, "limit": 1, "total": 3, "totalPages": 3}),
        ({"page": "2", "limit": "2_0"}, {"page": 2, "limit": 10, "total": 3, "totalPages": 1}),
        (
            {"page": "99999999999999999999", "limit": "1"},
            {"page": 10**18, "limit": 1, "total": 3, "totalPages": 3},
        ),
    ],
)
def test_odd_page_and_limit_values_follow_the_rules(admin_api, params, meta):
    UserFactory.create_batch(2)

    body = admin_api.get(USERS, params).json()["data"]

    assert body["meta"] == meta
    assert len(body["users"]) == (0 if meta["page"] > meta["totalPages"] else min(meta["limit"], 3))
