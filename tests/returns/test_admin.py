"""The Django admin wiring of returns (API.md §6.1): a read-only changelist and detail; `approve_returns`
(confirmation page first, then the computed refund and restock) and `reject_returns` (at once) decide
through `returns.services` with the staff user as the deciding admin."""

from decimal import Decimal

import pytest

from orders.models import OrderEvent, OrderStatus
from payments.models import PaymentMethod, PaymentStatus
from returns.models import Return, ReturnStatus
from returns.services import return_request
from tests.admin_pages import cell, changelist_url, run_action, texts
from tests.factories import OrderFactory, ReturnFactory, UserFactory, delivered_order

pytestmark = pytest.mark.django_db

RETURNS = changelist_url(Return)
S = OrderStatus


def requested_return(user=None, **order_options) -> Return:
    """A return of a whole delivered order (items 2 × 10.00 and 1 × 5.50, products holding 5 units each),
    requested through the service so the order is `return_requested` with its event."""
    user = user or UserFactory()
    order, _items, _payment = delivered_order(user, **order_options)
    return return_request(user=user, order_id=order.pk, reason="Does not fit")


def stock_of(ret: Return) -> list[int]:
    items = ret.items.select_related("order_item__product").order_by(
        "order_item__created_at", "order_item__id"
    )
    return [item.order_item.product.stock_quantity for item in items]


# --- changelist -------------------------------------------------------------------------------------


def test_return_changelist_shows_its_five_columns(staff_client):
    ret = requested_return(UserFactory(email="ada@example.com"))

    response = staff_client.get(RETURNS)

    html = response.content.decode()
    assert response.status_code == 200
    for column in ("order_number", "customer_email", "status", "refund_amount", "created_at"):
        assert f"column-{column}" in html
    assert cell(html, "order_number") == [ret.order.order_number]
    assert cell(html, "customer_email") == ["ada@example.com"]
    assert cell(html, "status") == ["Requested"]
    assert cell(html, "refund_amount") == ["25.50"]


def test_return_changelist_of_twenty_returns_costs_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    ReturnFactory.create_batch(20)

    with django_assert_max_num_queries(6):  # session, user, count, rows with order and owner
        response = staff_client.get(RETURNS)

    assert len(cell(response.content.decode(), "order_number")) == 20


def test_return_changelist_searches_order_number_and_email_and_filters_status(staff_client):
    ada = ReturnFactory(order=OrderFactory(user=UserFactory(email="ada@example.com"), delivered=True))
    bob = ReturnFactory(
        order=OrderFactory(user=UserFactory(email="bob@example.com"), delivered=True),
        status=ReturnStatus.REJECTED,
    )

    by_number = staff_client.get(RETURNS, {"q": bob.order.order_number}).content.decode()
    by_email = staff_client.get(RETURNS, {"q": "ADA@EXAMPLE"}).content.decode()
    rejected = staff_client.get(RETURNS, {"status__exact": "rejected"}).content.decode()

    assert cell(by_number, "order_number") == [bob.order.order_number]
    assert cell(by_email, "order_number") == [ada.order.order_number]
    assert cell(rejected, "order_number") == [bob.order.order_number]


def test_return_changelist_offers_approve_and_reject_and_no_delete(staff_client):
    ReturnFactory()

    html = staff_client.get(RETURNS).content.decode()

    assert '<option value="approve_returns">Approve</option>' in html
    assert '<option value="reject_returns">Reject</option>' in html
    assert "delete_selected" not in html


# --- detail: read-only ------------------------------------------------------------------------------


def test_return_page_shows_its_items_read_only(staff_client):
    ret = requested_return()
    skus = [item.order_item.product_sku for item in ret.items.select_related("order_item")]

    response = staff_client.get(f"{RETURNS}{ret.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert all(sku in html for sku in skus)
    assert "Does not fit" in html
    assert 'name="status"' not in html and 'name="_save"' not in html


def test_return_page_shows_the_customers_notes(staff_client):
    user = UserFactory()
    order, _items, _payment = delivered_order(user)
    ret = return_request(
        user=user, order_id=order.pk, reason="Does not fit", notes="Courier dented <the> box"
    )

    html = staff_client.get(f"{RETURNS}{ret.pk}/change/").content.decode()

    assert "field-notes" in html
    assert "Courier dented &lt;the&gt; box" in html


def test_posting_the_return_change_form_cannot_decide_it(staff_client):
    ret = requested_return()

    response = staff_client.post(f"{RETURNS}{ret.pk}/change/", {"status": "approved", "_save": "Save"})

    assert response.status_code == 403
    ret.refresh_from_db()
    ret.order.refresh_from_db()
    assert (ret.status, ret.order.status) == (ReturnStatus.REQUESTED, S.RETURN_REQUESTED)


def test_returns_cannot_be_added_or_deleted_in_the_admin(staff_client):
    ret = ReturnFactory()

    assert staff_client.get(f"{RETURNS}add/").status_code == 403
    assert staff_client.post(f"{RETURNS}{ret.pk}/delete/", {"post": "yes"}).status_code == 403
    run_action(staff_client, "delete_selected", ret, post="yes")
    assert Return.objects.filter(pk=ret.pk).exists()


# --- approve: confirmation first --------------------------------------------------------------------


def test_approve_first_shows_the_refund_and_restock_and_changes_nothing(staff_client):
    ret = requested_return()
    payment = ret.order.payments.get()
    skus = [item.order_item.product_sku for item in ret.items.select_related("order_item")]

    response = run_action(staff_client, "approve_returns", ret)

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Refund 25.50 of payment {payment.transaction_id}" in html
    assert all(f"&times; {sku}" in html for sku in skus)
    assert "Restore stock: 2 &times;" in html and "Restore stock: 1 &times;" in html
    assert 'name="post" value="yes"' in html and 'name="action" value="approve_returns"' in html
    ret.refresh_from_db()
    ret.order.refresh_from_db()
    payment.refresh_from_db()
    assert (ret.status, ret.order.status) == (ReturnStatus.REQUESTED, S.RETURN_REQUESTED)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.COMPLETED, Decimal("0.00"))
    assert stock_of(ret) == [5, 5]


def test_confirmed_approve_refunds_restocks_once_and_refunds_the_order(staff_client, admin_user):
    ret = requested_return()
    payment = ret.order.payments.get()

    response = run_action(staff_client, "approve_returns", ret, post="yes")
    again = run_action(staff_client, "approve_returns", ret, post="yes")

    assert response.status_code == 302
    ret.refresh_from_db()
    ret.order.refresh_from_db()
    payment.refresh_from_db()
    assert (ret.status, ret.refund_amount) == (ReturnStatus.APPROVED, Decimal("25.50"))
    assert ret.order.status == S.REFUNDED
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("25.50"))
    assert stock_of(ret) == [7, 6]  # restocked once, not again by the second confirmation
    event = OrderEvent.objects.filter(order=ret.order).latest("created_at", "id")
    assert (event.from_status, event.to_status, event.actor) == (S.RETURN_REQUESTED, S.REFUNDED, admin_user)
    assert texts(response) == [("success", "Approved 1 return.")]
    new_messages = texts(again)[1:]  # the first answer's message is still unread in the cookie
    assert new_messages == [("error", f"{ret.order.order_number}: return has already been processed")]


def test_approving_a_cod_return_without_payment_records_the_refund_and_restocks(staff_client):
    ret = requested_return(method=PaymentMethod.CASH_ON_DELIVERY, paid=False)

    html = run_action(staff_client, "approve_returns", ret).content.decode()
    response = run_action(staff_client, "approve_returns", ret, post="yes")

    assert "no captured payment to refund through the gateway" in html
    ret.refresh_from_db()
    assert (ret.status, ret.refund_amount) == (ReturnStatus.APPROVED, Decimal("25.50"))
    assert stock_of(ret) == [7, 6]
    assert texts(response) == [("success", "Approved 1 return.")]


def test_confirmed_approve_reports_decided_returns_and_approves_the_others(staff_client):
    rejected = ReturnFactory(status=ReturnStatus.REJECTED)
    ret = requested_return()

    confirmation = run_action(staff_client, "approve_returns", rejected, ret).content.decode()
    response = run_action(staff_client, "approve_returns", rejected, ret, post="yes")

    assert "will not be approved (return has already been processed)" in confirmation
    rejected.refresh_from_db()
    ret.refresh_from_db()
    assert rejected.status == ReturnStatus.REJECTED
    assert ret.status == ReturnStatus.APPROVED
    assert texts(response) == [
        ("error", f"{rejected.order.order_number}: return has already been processed"),
        ("success", "Approved 1 return."),
    ]


# --- reject: at once --------------------------------------------------------------------------------


def test_reject_applies_at_once_and_restores_the_previous_order_status(staff_client, admin_user):
    from_completed = requested_return(status=S.COMPLETED)
    from_delivered = requested_return()
    payment = from_delivered.order.payments.get()

    response = run_action(staff_client, "reject_returns", from_completed, from_delivered)

    assert response.status_code == 302
    for ret, previous in ((from_completed, S.COMPLETED), (from_delivered, S.DELIVERED)):
        ret.refresh_from_db()
        ret.order.refresh_from_db()
        assert (ret.status, ret.refund_amount) == (ReturnStatus.REJECTED, Decimal("25.50"))
        assert ret.order.status == previous
        event = OrderEvent.objects.filter(order=ret.order).latest("created_at", "id")
        assert (event.from_status, event.to_status, event.actor) == (S.RETURN_REQUESTED, previous, admin_user)
        assert stock_of(ret) == [5, 5]
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("0.00")
    assert texts(response) == [("success", "Rejected 2 returns.")]


def test_rejecting_an_approved_return_is_refused_and_changes_nothing(staff_client):
    ret = requested_return()
    run_action(staff_client, "approve_returns", ret, post="yes")
    staff_client.get(RETURNS)  # read the approval's message

    response = run_action(staff_client, "reject_returns", ret)

    ret.refresh_from_db()
    ret.order.refresh_from_db()
    assert (ret.status, ret.order.status) == (ReturnStatus.APPROVED, S.REFUNDED)
    assert texts(response) == [("error", f"{ret.order.order_number}: return has already been processed")]
