"""The audit trail: every staff write, from the Django admin and from the admin REST API, leaves the same
entry (who, when, what object, old → new); customers' and the system's writes leave none; each object's
History page and the Activity page show them."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from accounts.models import Role, User
from catalog.models import Product
from orders.models import Order, OrderStatus
from payments.models import Refund
from returns.models import Return
from tests.accounts.test_admin import change_form_data
from tests.admin_pages import changelist_url, run_action, texts
from tests.catalog.test_admin import change_form
from tests.factories import (
    OrderFactory,
    ProductFactory,
    ReturnFactory,
    ReturnItemFactory,
    UserFactory,
    delivered_order,
    order_with_item,
)

pytestmark = pytest.mark.django_db

S = OrderStatus


def entries(obj) -> list[tuple[str, int, str]]:
    """(staff email, action flag, change message) of every audit entry of `obj`, oldest first."""
    rows = LogEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return [
        (entry.user.email, entry.action_flag, entry.get_change_message())
        for entry in rows.select_related("user").order_by("action_time", "id")
    ]


@pytest.fixture(params=["django admin", "rest"])
def path(request):
    return request.param


# --- orders ------------------------------------------------------------------------------------------


def test_an_order_status_move_by_staff_is_audited_alike_from_both_paths(
    path, staff_client, admin_api, admin_user
):
    order = OrderFactory(status=S.PROCESSING)

    if path == "django admin":
        run_action(staff_client, "mark_shipped", order)
    else:
        admin_api.put(f"/api/v1/admin/orders/{order.pk}/status", {"status": "shipped", "note": ""})

    assert entries(order) == [(admin_user.email, CHANGE, "status: processing → shipped")]


def test_the_rest_note_of_a_status_move_is_in_its_entry(admin_api, admin_user):
    order = OrderFactory(status=S.PROCESSING)

    admin_api.put(f"/api/v1/admin/orders/{order.pk}/status", {"status": "shipped", "note": "DHL 123"})

    assert entries(order) == [(admin_user.email, CHANGE, "status: processing → shipped; note: DHL 123")]


def test_a_cancellation_by_staff_is_audited_alike_from_both_paths(
    path, staff_client, admin_api, admin_user, customer
):
    order, _ = order_with_item(customer)

    if path == "django admin":
        run_action(staff_client, "cancel_orders", order, post="yes")
    else:
        admin_api.put(f"/api/v1/orders/{order.pk}/cancel")

    assert entries(order) == [(admin_user.email, CHANGE, "status: pending → cancelled")]


def test_a_refused_move_leaves_no_entry(staff_client):
    order = OrderFactory(status=S.PENDING)

    run_action(staff_client, "mark_delivered", order)

    assert entries(order) == []


def test_customers_and_the_system_leave_no_audit_entry(customer_api, customer):
    order, _ = order_with_item(customer)

    customer_api.put(f"/api/v1/orders/{order.pk}/cancel")

    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    assert LogEntry.objects.count() == 0


# --- returns -----------------------------------------------------------------------------------------


def open_return(customer) -> Return:
    order, items, _ = delivered_order(customer, status=S.RETURN_REQUESTED)
    ret = ReturnFactory(order=order, user=customer, refund_amount=order.total_amount)
    for item in items:
        ReturnItemFactory(return_request=ret, order_item=item, quantity=item.quantity)
    return ret


def approved_return(path, staff_client, admin_api, customer) -> Return:
    """An open return, approved by staff through the Django admin or the admin REST API."""
    ret = open_return(customer)
    if path == "django admin":
        run_action(staff_client, "approve_returns", ret, post="yes")
    else:
        admin_api.post(f"/api/v1/admin/returns/{ret.pk}/process", {"status": "approved"})
    return ret


def test_a_return_approval_is_audited_alike_from_both_paths(
    path, staff_client, admin_api, admin_user, customer
):
    ret = approved_return(path, staff_client, admin_api, customer)

    assert entries(ret) == [
        (admin_user.email, CHANGE, "status: requested → approved; refund: 25.50; restock: yes")
    ]
    assert entries(ret.order) == [(admin_user.email, CHANGE, "status: return_requested → refunded")]
    assert LogEntry.objects.get(object_id=str(ret.pk)).object_repr == f"Return of {ret.order.order_number}"


def test_a_partial_refund_without_restock_says_so(admin_api, admin_user, customer):
    ret = open_return(customer)

    admin_api.post(
        f"/api/v1/admin/returns/{ret.pk}/process",
        {"status": "approved", "refund_amount": "10.00", "restock": False, "note": "worn"},
    )

    [(_, _, message)] = entries(ret)
    assert (
        message
        == "status: requested → approved; refund_amount: 25.50 → 10.00; refund: 10.00; restock: no; note: worn"
    )


def test_a_return_rejection_is_audited_alike_from_both_paths(
    path, staff_client, admin_api, admin_user, customer
):
    ret = open_return(customer)

    if path == "django admin":
        run_action(staff_client, "reject_returns", ret)
    else:
        admin_api.post(f"/api/v1/admin/returns/{ret.pk}/process", {"status": "rejected"})

    assert entries(ret) == [(admin_user.email, CHANGE, "status: requested → rejected")]


# --- products ----------------------------------------------------------------------------------------

PRODUCTS = changelist_url(Product)


def test_product_price_stock_and_active_edits_are_audited_alike_from_both_paths(
    path, staff_client, admin_api, admin_user
):
    product = ProductFactory(price=Decimal("10.00"), stock_quantity=5)

    if path == "django admin":
        form = change_form(product, price="12.5", stock_quantity=8)
        form.pop("is_active")
        response = staff_client.post(f"{PRODUCTS}{product.pk}/change/", form)
        assert response.status_code == 302
    else:
        admin_api.put(f"/api/v1/admin/products/{product.pk}", {"price": 12.5, "stock": 8, "is_active": False})

    assert entries(product) == [
        (admin_user.email, CHANGE, "price: 10.00 → 12.50; stock_quantity: 5 → 8; is_active: yes → no")
    ]


def test_an_edit_that_changes_nothing_leaves_no_entry(admin_api):
    product = ProductFactory(price=Decimal("10.00"))

    admin_api.put(f"/api/v1/admin/products/{product.pk}", {"price": 10})

    assert entries(product) == []


def product_fields(**overrides) -> dict[str, str]:
    return {
        "sku": "NEW-1",
        "name": "New",
        "description": "",
        "price": "3.00",
        "stock_quantity": "1",
        "category": "",
        "image_url": "",
        "is_active": "on",
        **overrides,
    }


def test_a_product_created_is_audited_alike_from_both_paths(path, staff_client, admin_api, admin_user):
    if path == "django admin":
        response = staff_client.post(f"{PRODUCTS}add/", product_fields())
        assert response.status_code == 302
    else:
        admin_api.post("/api/v1/admin/products", {"sku": "NEW-1", "name": "New", "price": 3, "stock": 1})

    product = Product.objects.get(sku="NEW-1")
    assert entries(product) == [(admin_user.email, ADDITION, "Added.")]


def test_a_product_deleted_is_audited_alike_from_both_paths(path, staff_client, admin_api, admin_user):
    product = ProductFactory()

    if path == "django admin":
        staff_client.post(f"{PRODUCTS}{product.pk}/delete/", {"post": "yes"})
    else:
        admin_api.delete(f"/api/v1/admin/products/{product.pk}")

    assert not Product.objects.filter(pk=product.pk).exists()
    assert entries(product) == [(admin_user.email, DELETION, "Deleted.")]


def test_an_ordered_product_archived_by_e34_or_the_bulk_action_is_audited_alike(
    path, staff_client, admin_api, admin_user, customer
):
    _, item = order_with_item(customer)

    if path == "django admin":
        run_action(staff_client, "archive_products", item.product)
    else:
        admin_api.delete(f"/api/v1/admin/products/{item.product.pk}")

    assert entries(item.product) == [(admin_user.email, CHANGE, "is_active: yes → no")]


def test_bulk_archive_reports_each_refused_product_and_audits_the_others(staff_client, admin_user):
    live = ProductFactory(sku="A-LIVE")
    gone = ProductFactory(sku="B-GONE", is_active=False)

    response = run_action(staff_client, "archive_products", live, gone)

    assert texts(response) == [
        ("error", "B-GONE: product is already archived"),
        ("success", "Archived 1 product."),
    ]
    assert not Product.objects.get(pk=live.pk).is_active
    assert entries(live) == [(admin_user.email, CHANGE, "is_active: yes → no")]
    assert entries(gone) == []


def test_bulk_restock_adds_the_amount_through_inventory_and_refuses_archived_products(
    staff_client, admin_user
):
    first = ProductFactory(sku="A-1", stock_quantity=2)
    second = ProductFactory(sku="B-2", stock_quantity=0)
    archived = ProductFactory(sku="C-3", stock_quantity=1, is_active=False)

    response = run_action(staff_client, "restock_products", first, second, archived, amount="5")

    assert texts(response) == [
        ("error", "C-3: product is archived: reactivate it before restocking"),
        ("success", "Restocked (+5) 2 products."),
    ]
    stock = dict(Product.objects.values_list("sku", "stock_quantity"))
    assert stock == {"A-1": 7, "B-2": 5, "C-3": 1}
    assert entries(first) == [(admin_user.email, CHANGE, "stock_quantity: 2 → 7; restocked: +5")]


@pytest.mark.parametrize("amount", ["", "0", "-3", "abc"])
def test_bulk_restock_without_a_valid_amount_changes_nothing(staff_client, amount):
    product = ProductFactory(stock_quantity=2)

    response = run_action(staff_client, "restock_products", product, amount=amount)

    assert texts(response) == [("error", "Enter the number of units to add (at least 1) next to the action.")]
    assert Product.objects.get(pk=product.pk).stock_quantity == 2
    assert LogEntry.objects.count() == 0


# --- users -------------------------------------------------------------------------------------------


def test_a_role_change_is_audited_alike_from_both_paths(path, staff_client, admin_api, admin_user, customer):
    if path == "django admin":
        response = staff_client.post(
            f"{changelist_url(User)}{customer.pk}/change/", change_form_data(customer, role="admin")
        )
        assert response.status_code == 302
    else:
        admin_api.put(f"/api/v1/admin/users/{customer.pk}/role", {"role": "admin"})

    assert User.objects.get(pk=customer.pk).is_staff
    assert entries(customer) == [(admin_user.email, CHANGE, "role: customer → admin")]


def test_deactivating_a_user_in_the_admin_is_audited(staff_client, admin_user, customer):
    staff_client.post(
        f"{changelist_url(User)}{customer.pk}/change/", change_form_data(customer, is_active="")
    )

    assert not User.objects.get(pk=customer.pk).is_active
    assert entries(customer) == [(admin_user.email, CHANGE, "is_active: yes → no")]


# --- where staff read them ---------------------------------------------------------------------------


def test_an_order_history_page_shows_the_staff_member_and_the_change(staff_client):
    staff = User.objects.get(role=Role.ADMIN)
    staff.first_name, staff.last_name = "Rosa", "Parks"
    staff.save()
    order = OrderFactory(status=S.PROCESSING)
    run_action(staff_client, "mark_shipped", order)

    html = staff_client.get(f"{changelist_url(Order)}{order.pk}/history/").content.decode()

    assert "Rosa Parks" in html
    assert "status: processing → shipped" in html


def test_the_activity_page_lists_every_entry_and_filters_by_staff_member(staff_client, admin_user, make_api):
    other = UserFactory(admin=True, email="other-staff@example.com")
    mine, theirs = OrderFactory(status=S.PROCESSING), OrderFactory(status=S.PROCESSING)
    run_action(staff_client, "mark_shipped", mine)
    make_api(other).put(f"/api/v1/admin/orders/{theirs.pk}/status", {"status": "shipped", "note": ""})
    activity = changelist_url(LogEntry)

    everything = staff_client.get(activity).content.decode()
    only_other = staff_client.get(activity, {"user__id__exact": str(other.pk)}).content.decode()

    assert mine.order_number in everything and theirs.order_number in everything
    assert theirs.order_number in only_other and mine.order_number not in only_other
    assert "other-staff@example.com" in everything  # the staff filter offers them


def test_the_activity_pages_breadcrumbs_say_activity(staff_client):
    run_action(staff_client, "mark_processing", OrderFactory(status=S.PENDING))
    entry = LogEntry.objects.latest("action_time")

    listing = staff_client.get(changelist_url(LogEntry)).content.decode()
    one = staff_client.get(f"/admin/admin/logentry/{entry.pk}/change/").content.decode()

    for html in (listing, one):
        crumbs = html.split('<div class="breadcrumbs">', 1)[1].split("</div>", 1)[0]
        assert "Activity" in crumbs and "Log entries" not in crumbs
    assert changelist_url(LogEntry) in one.split('<div class="breadcrumbs">', 1)[1].split("</div>", 1)[0]


def test_the_activity_page_costs_the_same_few_queries_whatever_its_length(
    staff_client, django_assert_max_num_queries
):
    for _ in range(20):
        run_action(staff_client, "mark_processing", OrderFactory(status=S.PENDING))

    with django_assert_max_num_queries(10):
        response = staff_client.get(changelist_url(LogEntry))

    assert response.status_code == 200


def test_a_refund_recorded_by_staff_is_audited_on_the_refund_from_both_paths(
    path, staff_client, admin_api, admin_user, customer
):
    ret = approved_return(path, staff_client, admin_api, customer)

    refund = Refund.objects.get(payment__order=ret.order)
    payment = refund.payment
    assert entries(refund) == [
        (admin_user.email, ADDITION, f"amount: 25.50; payment: {payment.transaction_id}")
    ]
