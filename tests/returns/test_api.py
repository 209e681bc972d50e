"""E28–E30, E43, E44 over HTTP: status codes, envelopes, permissions, query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import OrderStatus
from payments.models import PaymentStatus
from returns import services
from returns.models import Return, ReturnStatus
from tests.factories import OrderItemFactory, ReturnFactory, ReturnItemFactory, UserFactory, delivered_order
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

MISSING_ID = "00000000-0000-4000-8000-000000000000"


def requested_return(user, **kwargs):
    order, items, payment = delivered_order(user, **kwargs)
    return services.return_request(user=user, order_id=order.pk, reason="Too small"), order, items, payment


def process_url(return_id):
    return f"/api/v1/admin/returns/{return_id}/process"


# --- E28 -------------------------------------------------------------------------------------------


def test_create_whole_order_return(customer_api, customer):
    order, (shirt, socks), _ = delivered_order(customer)

    response = customer_api.post("/api/v1/returns", {"order_id": str(order.pk), "reason": "  Too small  "})

    body = response.json()
    assert response.status_code == 201, body
    assert (body["success"], body["message"]) == (True, "Return created successfully")
    data = body["data"]
    assert set(data) == {
        "id",
        "order_id",
        "user_id",
        "reason",
        "notes",
        "status",
        "refund_amount",
        "items",
        "created_at",
        "updated_at",
    }
    assert data["notes"] == ""
    assert data["order_id"] == str(order.pk)
    assert data["user_id"] == str(customer.pk)
    assert data["reason"] == "Too small"
    assert data["status"] == "requested"
    assert data["refund_amount"] == 25.5
    assert data["created_at"].endswith("Z")
    assert sorted(data["items"], key=lambda i: i["quantity"]) == [
        {"order_item_id": str(socks.pk), "product_id": str(socks.product_id), "quantity": 1},
        {"order_item_id": str(shirt.pk), "product_id": str(shirt.product_id), "quantity": 2},
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURN_REQUESTED


def test_create_partial_return(customer_api, customer):
    order, (shirt, _), _ = delivered_order(customer)

    response = customer_api.post(
        "/api/v1/returns",
        {
            "order_id": str(order.pk),
            "reason": "x",
            "items": [{"order_item_id": str(shirt.pk), "quantity": 1}],
        },
    )

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["refund_amount"] == 10
    assert data["items"] == [
        {"order_item_id": str(shirt.pk), "product_id": str(shirt.product_id), "quantity": 1}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x"}, "order_id"),
        ({"order_id": "not-a-uuid", "reason": "x"}, "order_id"),
        ({"order_id": 5, "reason": "x"}, "order_id"),
        ({"order_id": MISSING_ID.replace("-", ""), "reason": "x"}, "order_id"),
        ({"order_id": "{" + MISSING_ID + "}", "reason": "x"}, "order_id"),
        (
            {"order_id": MISSING_ID, "reason": "x", "items": [{"order_item_id": 7, "quantity": 1}]},
            "items.0.order_item_id",
        ),
        ({"order_id": MISSING_ID}, "reason"),
        ({"order_id": MISSING_ID, "reason": "   "}, "reason"),
        ({"order_id": MISSING_ID, "reason": "a\x00b"}, "reason"),
        ({"order_id": MISSING_ID, "reason": "x" * 1001}, "reason"),
        ({"order_id": MISSING_ID, "reason": "x", "notes": "x" * 2001}, "notes"),
        ({"order_id": MISSING_ID, "reason": "x", "notes": "a\x00b"}, "notes"),
        ({"order_id": MISSING_ID, "reason": "x", "items": ["nope"]}, "items.0.order_item_id"),
        ({"order_id": MISSING_ID, "reason": "x", "items": [MISSING_ID, 7]}, "items.1"),
        ({"order_id": MISSING_ID, "reason": "x", "items": [MISSING_ID, [MISSING_ID]]}, "items.1"),
        (
            {
                "order_id": MISSING_ID,
                "reason": "x",
                "items": [MISSING_ID, {"order_item_id": MISSING_ID, "quantity": 1}],
            },
            "items.1.order_item_id",
        ),
        ({"order_id": MISSING_ID, "reason": "x", "items": "all"}, "items"),
        ({"order_id": MISSING_ID, "reason": "x", "items": [{"quantity": 1}]}, "items.0.order_item_id"),
        (
            {"order_id": MISSING_ID, "reason": "x", "items": [{"order_item_id": "nope", "quantity": 1}]},
            "items.0.order_item_id",
        ),
        (
            {"order_id": MISSING_ID, "reason": "x", "items": [{"order_item_id": MISSING_ID}]},
            "items.0.quantity",
        ),
        (
            {"order_id": MISSING_ID, "reason": "x", "items": [{"order_item_id": MISSING_ID, "quantity": 0}]},
            "items.0.quantity",
        ),
        (
            {
                "order_id": MISSING_ID,
                "reason": "x",
                "items": [{"order_item_id": MISSING_ID, "quantity": 1.5}],
            },
            "items.0.quantity",
        ),
        (
            {
                "order_id": MISSING_ID,
                "reason": "x",
                "items": [{"order_item_id": MISSING_ID, "quantity": "two"}],
            },
            "items.0.quantity",
        ),
        (
            {
                "order_id": MISSING_ID,
                "reason": "x",
                "items": [{"order_item_id": MISSING_ID, "quantity": "1_0"}],
            },
            "items.0.quantity",
        ),
        (
            {
                "order_id": MISSING_ID,
                "reason": "x",
                "items": [{"order_item_id": MISSING_ID, "quantity": "\uff11"}],
            },
            "items.0.quantity",
        ),
        (
            {
                "order_id": MISSING_ID,
                "reason": "x",
                "items": [
                    {"order_item_id": MISSING_ID, "quantity": 1},
                    {"order_item_id": MISSING_ID, "quantity": 1},
                ],
            },
            "items.1.order_item_id",
        ),
    ],
)
def test_create_validation_errors_name_the_field_before_any_lookup(customer_api, body, field):
    response = customer_api.post("/api/v1/returns", body)

    data = assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert field in data["errors"], data["errors"]


def test_create_reports_a_repeated_order_item_alongside_the_other_entries_errors(customer_api):
    """Every failing field is listed (API.md §1.5): the duplicate is not hidden by a bad quantity."""
    response = customer_api.post(
        "/api/v1/returns",
        {
            "order_id": MISSING_ID,
            "reason": "x",
            "items": [
                {"order_item_id": MISSING_ID, "quantity": 1},
                {"order_item_id": MISSING_ID, "quantity": 0},
                {"order_item_id": "nope", "quantity": 1},
            ],
        },
    )

    data = assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert set(data["errors"]) == {"items.1.order_item_id", "items.1.quantity", "items.2.order_item_id"}
    assert data["errors"]["items.1.order_item_id"] == "This order item is listed more than once."


def test_create_reason_of_exactly_1000_characters_is_accepted(customer_api, customer):
    order, _, _ = delivered_order(customer)

    response = customer_api.post("/api/v1/returns", {"order_id": str(order.pk), "reason": "x" * 1000})

    assert response.status_code == 201


def test_create_accepts_ids_with_surrounding_whitespace(customer_api, customer):
    """API.md §1.2: strings are trimmed, ids included."""
    order, (shirt, _), _ = delivered_order(customer)

    response = customer_api.post(
        "/api/v1/returns",
        {
            "order_id": f" {order.pk} ",
            "reason": "x",
            "items": [{"order_item_id": f" {shirt.pk}", "quantity": 1}],
        },
    )

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["items"][0]["order_item_id"] == str(shirt.pk)


def test_create_for_unknown_order_is_404(customer_api):
    response = customer_api.post("/api/v1/returns", {"order_id": MISSING_ID, "reason": "x"})

    assert_error(response, 404, "not_found", "Order not found", "not_found")


def test_create_for_another_users_order_is_404_for_customers_and_admins(customer_api, admin_api):
    order, _, _ = delivered_order(UserFactory())

    for client in (customer_api, admin_api):
        response = client.post("/api/v1/returns", {"order_id": str(order.pk), "reason": "x"})
        assert_error(response, 404, "not_found", "Order not found")
    assert not Return.objects.exists()


def test_create_when_a_return_is_open_is_409(customer_api, customer):
    order, _, _ = delivered_order(customer)
    services.return_request(user=customer, order_id=order.pk, reason="x")

    response = customer_api.post("/api/v1/returns", {"order_id": str(order.pk), "reason": "again"})

    assert_error(
        response,
        409,
        "return_not_allowed",
        "Failed to create return",
        "return already requested for this order",
    )


def test_create_for_an_order_not_delivered_is_409(customer_api, customer):
    order, _, _ = delivered_order(customer, status=OrderStatus.SHIPPED, delivered_at=None)

    response = customer_api.post("/api/v1/returns", {"order_id": str(order.pk), "reason": "x"})

    assert_error(
        response,
        409,
        "return_not_allowed",
        "Failed to create return",
        "order cannot be returned at this stage",
    )


def test_create_after_the_window_is_409(customer_api, customer):
    order, _, _ = delivered_order(customer, delivered_at=timezone.now() - timedelta(days=31))

    response = customer_api.post("/api/v1/returns", {"order_id": str(order.pk), "reason": "x"})

    assert_error(response, 409, "return_not_allowed", "Failed to create return", "return period has expired")


def test_create_with_an_item_of_another_order_is_400_on_that_index(customer_api, customer):
    order, (shirt, _), _ = delivered_order(customer)
    stranger = OrderItemFactory()

    response = customer_api.post(
        "/api/v1/returns",
        {
            "order_id": str(order.pk),
            "reason": "x",
            "items": [
                {"order_item_id": str(shirt.pk), "quantity": 1},
                {"order_item_id": str(stranger.pk), "quantity": 1},
            ],
        },
    )

    body = assert_error(response, 400, "validation_error", "Validation failed")
    assert list(body["errors"]) == ["items.1.order_item_id"]


@pytest.mark.parametrize(
    ("already_returned", "quantity"),
    [
        pytest.param(0, 3, id="more-than-ordered"),
        pytest.param(2, 1, id="units-already-returned-by-an-approved-return"),
    ],
)
def test_create_with_more_units_than_returnable_is_400_on_that_index(
    customer_api, customer, already_returned, quantity
):
    order, (shirt, _), _ = delivered_order(customer)
    if already_returned:
        approved = ReturnFactory(order=order, status=ReturnStatus.APPROVED)
        ReturnItemFactory(return_request=approved, order_item=shirt, quantity=already_returned)

    response = customer_api.post(
        "/api/v1/returns",
        {
            "order_id": str(order.pk),
            "reason": "x",
            "items": [{"order_item_id": str(shirt.pk), "quantity": quantity}],
        },
    )

    body = assert_error(response, 400, "validation_error", "Validation failed")
    assert list(body["errors"]) == ["items.0.quantity"]
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


URL = "/api/v1/returns"


def test_create_with_plain_item_id_strings_as_the_web_client_sends_them(customer_api, customer):
    """`{order_id, reason, notes, items: ["<order item id>", ...]}`: each id is that whole line."""
    order, (shirt, socks), _ = delivered_order(customer)

    response = customer_api.post(
        URL,
        {"order_id": str(order.pk), "reason": "Too small", "notes": "Box unopened", "items": [str(shirt.pk)]},
    )

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["items"] == [
        {"order_item_id": str(shirt.pk), "product_id": str(shirt.product_id), "quantity": 2}
    ]
    assert data["refund_amount"] == 20
    assert data["notes"] == "Box unopened"
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURN_REQUESTED


def test_a_plain_item_id_returns_what_is_left_of_the_line_after_approved_returns(customer_api, customer):
    order, (shirt, socks), _ = delivered_order(customer, lines=(("10.00", 5), ("5.50", 1)))
    approved = ReturnFactory(order=order, user=customer, status=ReturnStatus.APPROVED)
    ReturnItemFactory(return_request=approved, order_item=shirt, quantity=2)
    rejected = ReturnFactory(order=order, user=customer, status=ReturnStatus.REJECTED)
    ReturnItemFactory(return_request=rejected, order_item=shirt, quantity=3)  # rejected: not returned

    response = customer_api.post(
        URL, {"order_id": str(order.pk), "reason": "x", "items": [f" {shirt.pk} ", str(socks.pk)]}
    )

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert sorted((i["order_item_id"], i["quantity"]) for i in data["items"]) == sorted(
        [(str(shirt.pk), 3), (str(socks.pk), 1)]
    )
    assert data["refund_amount"] == 35.5


def test_plain_ids_and_objects_may_be_mixed(customer_api, customer):
    order, (shirt, socks), _ = delivered_order(customer)

    response = customer_api.post(
        URL,
        {
            "order_id": str(order.pk),
            "reason": "x",
            "items": [{"order_item_id": str(shirt.pk), "quantity": 1}, str(socks.pk)],
        },
    )

    assert response.status_code == 201, response.json()
    assert {i["order_item_id"]: i["quantity"] for i in response.json()["data"]["items"]} == {
        str(shirt.pk): 1,
        str(socks.pk): 1,
    }
    assert response.json()["data"]["refund_amount"] == 15.5


def test_a_plain_id_of_another_orders_item_is_400_keyed_on_its_index(customer_api, customer):
    order, (shirt, _), _ = delivered_order(customer)
    foreign = OrderItemFactory()
    _, (own_other_order_item, _), _ = delivered_order(customer)

    response = customer_api.post(
        URL,
        {
            "order_id": str(order.pk),
            "reason": "x",
            "items": [str(shirt.pk), str(foreign.pk), str(own_other_order_item.pk)],
        },
    )

    body = assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert body["errors"] == {
        "items.1.order_item_id": "This item is not part of the order.",
        "items.2.order_item_id": "This item is not part of the order.",
    }
    assert not Return.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_a_plain_id_of_a_line_already_fully_returned_is_400_on_its_id(customer_api, customer):
    order, (shirt, socks), _ = delivered_order(customer)
    approved = ReturnFactory(order=order, user=customer, status=ReturnStatus.APPROVED)
    ReturnItemFactory(return_request=approved, order_item=shirt, quantity=2)

    response = customer_api.post(
        URL, {"order_id": str(order.pk), "reason": "x", "items": [str(socks.pk), str(shirt.pk)]}
    )

    body = assert_error(response, 400, "validation_error", "Validation failed")
    assert list(body["errors"]) == ["items.1.order_item_id"]


@pytest.mark.parametrize("items", [[], None], ids=["empty-list", "null"])
def test_empty_or_null_items_return_the_whole_order(customer_api, customer, items):
    order, (shirt, socks), _ = delivered_order(customer)

    response = customer_api.post(URL, {"order_id": str(order.pk), "reason": "x", "items": items})

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert {i["order_item_id"]: i["quantity"] for i in data["items"]} == {str(shirt.pk): 2, str(socks.pk): 1}
    assert data["refund_amount"] == 25.5


def test_notes_are_stored_trimmed_and_shown_in_every_return_shape(customer_api, admin_api, customer):
    order, _, _ = delivered_order(customer)
    notes = "  Left in the parcel locker.\nPlease collect.  "

    created = customer_api.post(URL, {"order_id": str(order.pk), "reason": "x", "notes": notes})

    assert created.status_code == 201, created.json()
    expected = "Left in the parcel locker.\nPlease collect."
    return_id = created.json()["data"]["id"]
    assert created.json()["data"]["notes"] == expected
    assert Return.objects.get(pk=return_id).notes == expected
    assert customer_api.get(f"{URL}/{return_id}").json()["data"]["notes"] == expected
    assert customer_api.get(URL).json()["data"]["returns"][0]["notes"] == expected
    assert admin_api.get(f"{URL}/{return_id}").json()["data"]["notes"] == expected
    (row,) = admin_api.get("/api/v1/admin/returns").json()["data"]["returns"]
    assert row["notes"] == expected
    processed = admin_api.post(process_url(return_id), {"status": "rejected"})
    assert processed.json()["data"]["notes"] == expected


def test_notes_of_exactly_2000_characters_are_accepted(customer_api, customer):
    order, _, _ = delivered_order(customer)

    response = customer_api.post(URL, {"order_id": str(order.pk), "reason": "x", "notes": "n" * 2000})

    assert response.status_code == 201
    assert response.json()["data"]["notes"] == "n" * 2000


def test_create_without_token_is_401(api):
    response = api.post("/api/v1/returns", {"order_id": MISSING_ID, "reason": "x"})

    assert_error(response, 401, "unauthorized", "Unauthorized")


# --- E29, E30 --------------------------------------------------------------------------------------


def test_list_shows_only_the_callers_returns_newest_first(customer_api, customer):
    older, *_ = requested_return(customer)
    newer, *_ = requested_return(customer)
    Return.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    requested_return(UserFactory())

    response = customer_api.get("/api/v1/returns")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Returns retrieved successfully"
    assert [r["id"] for r in body["data"]["returns"]] == [str(newer.pk), str(older.pk)]
    assert body["data"]["meta"] == {"page": 1, "limit": 10, "total": 2, "totalPages": 1}


def test_list_paginates(customer_api, customer):
    for _ in range(3):
        requested_return(customer)

    body = customer_api.get("/api/v1/returns?page=2&limit=2").json()

    assert len(body["data"]["returns"]) == 1
    assert body["data"]["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}


def test_list_when_empty_is_an_empty_list(customer_api):
    body = customer_api.get("/api/v1/returns").json()

    assert body["data"] == {"returns": [], "meta": {"page": 1, "limit": 10, "total": 0, "totalPages": 0}}


def _many_returns(user, count=6, lines=(("10.00", 2), ("5.50", 1), ("3.00", 4))):
    for _ in range(count):
        requested_return(user, lines=lines)


def test_list_query_count_does_not_grow_with_returns_and_items(
    customer_api, customer, django_assert_max_num_queries
):
    _many_returns(customer)

    with django_assert_max_num_queries(4):
        response = customer_api.get("/api/v1/returns")

    assert response.status_code == 200
    returns = response.json()["data"]["returns"]
    assert len(returns) == 6
    assert all(len(r["items"]) == 3 for r in returns)


def test_detail_for_owner(customer_api, customer):
    ret, order, (shirt, socks), _ = requested_return(customer)

    response = customer_api.get(f"/api/v1/returns/{ret.pk}")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "Return retrieved successfully"
    assert body["data"]["id"] == str(ret.pk)
    assert len(body["data"]["items"]) == 2


def test_detail_for_admin_of_any_customer(admin_api, customer):
    ret, *_ = requested_return(customer)

    response = admin_api.get(f"/api/v1/returns/{ret.pk}")

    assert response.status_code == 200
    assert response.json()["data"]["user_id"] == str(customer.pk)


def test_detail_of_another_users_return_is_404(customer_api):
    ret, *_ = requested_return(UserFactory())

    response = customer_api.get(f"/api/v1/returns/{ret.pk}")

    assert_error(response, 404, "not_found", "Return not found", "not_found")


def test_detail_of_unknown_return_is_404(customer_api):
    assert_error(customer_api.get(f"/api/v1/returns/{MISSING_ID}"), 404, "not_found", "Return not found")


def test_detail_with_invalid_id_is_400(customer_api):
    response = customer_api.get("/api/v1/returns/not-a-uuid")

    assert_error(response, 400, "invalid_id", "Invalid return ID", "invalid UUID")


def test_detail_query_count(customer_api, customer, django_assert_max_num_queries):
    ret, *_ = requested_return(customer, lines=(("1.00", 1), ("2.00", 2), ("3.00", 3)))

    with django_assert_max_num_queries(3):
        response = customer_api.get(f"/api/v1/returns/{ret.pk}")
    assert response.status_code == 200


# --- E43 -------------------------------------------------------------------------------------------


def test_admin_list_has_the_admin_shape(admin_api, customer):
    ret, order, _, _ = requested_return(customer)

    response = admin_api.get("/api/v1/admin/returns")

    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "All returns retrieved"
    (row,) = body["data"]["returns"]
    assert row["id"] == str(ret.pk)
    assert row["order"] == {"order_number": order.order_number}
    assert row["user"] == {"id": str(customer.pk), "email": customer.email}
    assert len(row["items"]) == 2
    assert row["refund_amount"] == 25.5


def test_admin_list_filters_by_exact_status(admin_api, admin_user, customer):
    open_one, *_ = requested_return(customer)
    rejected, *_ = requested_return(customer)
    services.return_reject(return_id=rejected.pk, admin=admin_user)

    def ids(query):
        response = admin_api.get(f"/api/v1/admin/returns{query}")
        assert response.status_code == 200
        return [r["id"] for r in response.json()["data"]["returns"]]

    assert ids("?status=requested") == [str(open_one.pk)]
    assert ids("?status=rejected") == [str(rejected.pk)]
    assert ids("?status=approved") == []
    assert ids("?status=REJECTED") == []
    assert ids("?status=bogus") == []
    assert sorted(ids("")) == sorted([str(open_one.pk), str(rejected.pk)])


def test_admin_list_status_with_nul_is_a_validation_error(admin_api):
    response = admin_api.get("/api/v1/admin/returns?status=a%00b")

    body = assert_error(response, 400, "validation_error", "Validation failed")
    assert "status" in body["errors"]


def test_admin_list_filters_by_range_days(admin_api, customer):
    recent, *_ = requested_return(customer)
    old, *_ = requested_return(customer)
    Return.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))

    def ids(query):
        return [r["id"] for r in admin_api.get(f"/api/v1/admin/returns{query}").json()["data"]["returns"]]

    assert ids("?range_days=7") == [str(recent.pk)]
    assert ids("?range_days=30") == [str(recent.pk), str(old.pk)]
    assert ids("?range_days=0") == [str(recent.pk), str(old.pk)]
    assert ids("?range_days=abc") == [str(recent.pk), str(old.pk)]


def test_admin_list_query_count_does_not_grow(admin_api, customer, django_assert_max_num_queries):
    _many_returns(customer, count=4)
    _many_returns(UserFactory(), count=4)

    with django_assert_max_num_queries(4):
        response = admin_api.get("/api/v1/admin/returns?limit=20")

    assert response.status_code == 200
    assert len(response.json()["data"]["returns"]) == 8


def test_admin_routes_need_a_token(api):
    assert_error(api.get("/api/v1/admin/returns"), 401, "unauthorized", "Unauthorized")
    assert_error(
        api.post(process_url(MISSING_ID), {"status": "approved"}), 401, "unauthorized", "Unauthorized"
    )


def test_admin_routes_refuse_customers(customer_api, customer):
    ret, *_ = requested_return(customer)

    for response in (
        customer_api.get("/api/v1/admin/returns"),
        customer_api.post(process_url(ret.pk), {"status": "approved"}),
    ):
        assert_error(response, 403, "forbidden", "Forbidden", "Admin access required")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED


# --- E44 -------------------------------------------------------------------------------------------


def test_process_approve_with_defaults(admin_api, customer):
    ret, order, (shirt, _), payment = requested_return(customer, stock=5)

    response = admin_api.post(process_url(ret.pk), {"status": "approved"})

    body = response.json()
    assert response.status_code == 200, body
    assert body["message"] == "Return processed"
    assert (body["data"]["status"], body["data"]["refund_amount"]) == ("approved", 25.5)
    assert len(body["data"]["items"]) == 2
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("25.50"))
    shirt.product.refresh_from_db()
    assert shirt.product.stock_quantity == 7


def test_process_approve_with_refund_amount_and_no_restock(admin_api, customer):
    ret, order, (shirt, _), payment = requested_return(customer, stock=5)

    response = admin_api.post(
        process_url(ret.pk),
        {"status": "approved", "refund_amount": "10.005", "restock": False, "note": "Partial"},
    )

    assert response.status_code == 200
    assert response.json()["data"]["refund_amount"] == 10.01
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("10.01"))
    shirt.product.refresh_from_db()
    assert shirt.product.stock_quantity == 5
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.events.latest("created_at", "id").note == "Partial"


def test_process_reject(admin_api, customer):
    ret, order, _, payment = requested_return(customer)

    response = admin_api.post(process_url(ret.pk), {"status": "rejected", "note": "Used"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["refund_amount"]) == ("rejected", 25.5)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("0.00")


def test_process_with_invalid_id_is_400(admin_api):
    response = admin_api.post(process_url("nope"), {"status": "approved"})

    assert_error(response, 400, "invalid_id", "Invalid return ID", "invalid UUID")


def test_process_invalid_id_comes_before_the_body_checks(admin_api):
    response = admin_api.post(process_url("nope"), {})

    assert_error(response, 400, "invalid_id", "Invalid return ID")


def test_process_unknown_return_is_404(admin_api):
    response = admin_api.post(process_url(MISSING_ID), {"status": "approved"})

    assert_error(response, 404, "not_found", "Return not found", "not_found")


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_process_an_already_processed_return_is_409(admin_api, admin_user, customer, decision):
    ret, *_ = requested_return(customer)
    services.return_approve(return_id=ret.pk, admin=admin_user)

    response = admin_api.post(process_url(ret.pk), {"status": decision})

    assert_error(
        response, 409, "invalid_transition", "Failed to process return", "return has already been processed"
    )


def test_process_refund_above_computed_amount_is_400(admin_api, customer):
    ret, order, _, payment = requested_return(customer)

    response = admin_api.post(process_url(ret.pk), {"status": "approved", "refund_amount": 25.51})

    body = assert_error(response, 400, "validation_error", "Validation failed", "validation_error")
    assert list(body["errors"]) == ["refund_amount"]
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "status"),
        ({"status": "requested"}, "status"),
        ({"status": "APPROVED"}, "status"),
        ({"status": "approved", "refund_amount": -1}, "refund_amount"),
        ({"status": "approved", "refund_amount": "lots"}, "refund_amount"),
        ({"status": "approved", "refund_amount": 100000000}, "refund_amount"),
        ({"status": "approved", "restock": "maybe"}, "restock"),
        ({"status": "approved", "restock": 0}, "restock"),
        ({"status": "approved", "restock": "false"}, "restock"),
        ({"status": "approved", "note": "n" * 1001}, "note"),
        ({"status": "approved", "note": 5}, "note"),
    ],
)
def test_process_validation_errors_name_the_field(admin_api, customer, body, field):
    ret, *_ = requested_return(customer)

    response = admin_api.post(process_url(ret.pk), body)

    data = assert_error(response, 400, "validation_error", "Validation failed")
    assert field in data["errors"], data["errors"]
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED


@pytest.mark.parametrize(
    "extra",
    [{"refund_amount": -5}, {"refund_amount": "lots"}, {"refund_amount": 1000}, {"restock": "maybe"}],
)
def test_process_reject_ignores_the_approve_only_keys_whatever_their_value(admin_api, customer, extra):
    ret, order, _, payment = requested_return(customer)

    response = admin_api.post(process_url(ret.pk), {"status": "rejected", **extra})

    assert response.status_code == 200, response.json()
    assert (response.json()["data"]["status"], response.json()["data"]["refund_amount"]) == ("rejected", 25.5)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("0.00")


def test_process_trims_the_status_like_every_string_input(admin_api, customer):
    ret, order, _, _ = requested_return(customer)

    response = admin_api.post(process_url(ret.pk), {"status": " approved  "})

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "approved"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/returns"),
        ("put", f"/api/v1/returns/{MISSING_ID}"),
        ("delete", "/api/v1/admin/returns"),
        ("get", f"/api/v1/admin/returns/{MISSING_ID}/process"),
    ],
)
def test_a_wrong_method_is_405_before_authentication(api, method, path):
    """API.md §1.14: route and method come before authentication; `Allow` never lists OPTIONS."""
    response = getattr(api, method)(path)

    assert_error(response, 405, "method_not_allowed", "Method not allowed")
    assert "OPTIONS" not in response["Allow"]


def test_process_validation_comes_before_existence(admin_api):
    response = admin_api.post(process_url(MISSING_ID), {"status": "maybe"})

    assert_error(response, 400, "validation_error", "Validation failed")


def test_reject_then_request_again_over_http(admin_api, customer_api, customer):
    ret, order, _, _ = requested_return(customer)
    assert admin_api.post(process_url(ret.pk), {"status": "rejected"}).status_code == 200

    response = customer_api.post(
        "/api/v1/returns", {"order_id": str(order.pk), "reason": "Please reconsider"}
    )

    assert response.status_code == 201
    assert response.json()["data"]["id"] != str(ret.pk)
