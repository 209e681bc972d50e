"""The Django admin wiring of orders (API.md §6.1): a read-only changelist and detail, and status actions
that go through `order_status_set` with the staff user as actor and report per-order messages."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Product
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import Payment, PaymentMethod, PaymentStatus
from tests.admin_pages import cell, changelist_url, run_action, texts
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ORDERS = changelist_url(Order)
S = OrderStatus
LINE = (("10.00", 2, 5),)  # one item: 2 units at 10.00 of a product holding 5


def filter_link(html: str, label: str) -> str:
    """The changelist URL behind one of the sidebar filter choices, as the page offers it."""
    query = re.search(rf'<a href="(\?[^"]*)"[^>]*>{label}</a>', html).group(1)
    return ORDERS + query.replace("&amp;", "&")


def stock(order: Order) -> list[int]:
    return [
        Product.objects.get(pk=item.product_id).stock_quantity for item in order.items.order_by("created_at")
    ]


# --- changelist -------------------------------------------------------------------------------------


def test_order_changelist_shows_the_six_columns(staff_client):
    order = OrderFactory(
        user=UserFactory(email="ada@example.com"), payment_method=PaymentMethod.CASH_ON_DELIVERY, lines=LINE
    )

    response = staff_client.get(ORDERS)

    html = response.content.decode()
    assert response.status_code == 200
    for column in (
        "order_number",
        "customer_email",
        "status",
        "total_amount",
        "payment_method",
        "created_at",
    ):
        assert f"column-{column}" in html
    assert cell(html, "order_number") == [order.order_number]
    assert cell(html, "customer_email") == ["ada@example.com"]
    assert cell(html, "status") == ["Pending"]
    assert cell(html, "total_amount") == ["20.00"]
    assert cell(html, "payment_method") == ["Cash on delivery"]


def test_order_changelist_of_twenty_orders_costs_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    for _ in range(20):
        OrderFactory(user=UserFactory())

    with django_assert_max_num_queries(6):  # session, user, count, rows with their owners: never one per row
        response = staff_client.get(ORDERS)

    assert len(cell(response.content.decode(), "customer_email")) == 20


def test_order_changelist_searches_order_number_and_customer_email(staff_client):
    ada = OrderFactory(user=UserFactory(email="ada@example.com"))
    bob = OrderFactory(user=UserFactory(email="bob@example.com"))

    by_number = staff_client.get(ORDERS, {"q": bob.order_number[-8:].upper()}).content.decode()
    by_email = staff_client.get(ORDERS, {"q": "ADA@"}).content.decode()

    assert cell(by_number, "order_number") == [bob.order_number]
    assert cell(by_email, "order_number") == [ada.order_number]


def test_order_changelist_filters_status_payment_method_and_created(staff_client):
    pending_card = OrderFactory()
    shipped_cod = OrderFactory(status=S.SHIPPED, cod=True)
    old = OrderFactory(created_at=timezone.now() - timedelta(days=40))

    shipped = staff_client.get(ORDERS, {"status__exact": "shipped"}).content.decode()
    cod = staff_client.get(ORDERS, {"payment_method__exact": "cod"}).content.decode()
    this_week = staff_client.get(filter_link(staff_client.get(ORDERS).content.decode(), "Past 7 days"))
    this_week = this_week.content.decode()

    assert cell(shipped, "order_number") == [shipped_cod.order_number]
    assert cell(cod, "order_number") == [shipped_cod.order_number]
    assert sorted(cell(this_week, "order_number")) == sorted(
        [pending_card.order_number, shipped_cod.order_number]
    )
    assert old.order_number not in this_week


def test_order_changelist_offers_the_five_actions_and_no_delete(staff_client):
    OrderFactory()

    html = staff_client.get(ORDERS).content.decode()

    for action, label in (
        ("mark_processing", "Mark processing"),
        ("mark_shipped", "Mark shipped"),
        ("mark_delivered", "Mark delivered"),
        ("mark_completed", "Mark completed"),
        ("cancel_orders", "Cancel"),
    ):
        assert f'<option value="{action}">{label}</option>' in html
    assert "delete_selected" not in html


# --- detail: read-only ------------------------------------------------------------------------------


def test_order_page_shows_items_payments_and_history_read_only(staff_client, admin_user):
    order = OrderFactory(status=S.PROCESSING, lines=(("12.50", 2, 5),), paid=True)
    OrderEventFactory(order=order, from_status=None, to_status=S.PENDING)
    OrderEventFactory(order=order, from_status=S.PENDING, to_status=S.PROCESSING, actor=admin_user, note="ok")
    item = order.items.get()
    payment = order.payments.get()

    response = staff_client.get(f"{ORDERS}{order.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert item.product_sku in html and "25.00" in html
    assert payment.transaction_id in html
    assert admin_user.email in html and "system" in html
    assert 'name="status"' not in html  # status shown, never a form field
    assert 'name="_save"' not in html


def test_posting_the_order_change_form_cannot_change_its_status(staff_client):
    order = OrderFactory(status=S.PENDING)

    response = staff_client.post(f"{ORDERS}{order.pk}/change/", {"status": "delivered", "_save": "Save"})

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == S.PENDING
    assert not OrderEvent.objects.filter(order=order).exists()


def test_orders_cannot_be_added_or_deleted_in_the_admin(staff_client):
    order = OrderFactory()

    assert staff_client.get(f"{ORDERS}add/").status_code == 403
    assert staff_client.post(f"{ORDERS}{order.pk}/delete/", {"post": "yes"}).status_code == 403
    response = run_action(staff_client, "delete_selected", order, post="yes")
    assert Order.objects.filter(pk=order.pk).exists()
    assert response.status_code == 302  # Django: "No action selected", nothing done


def test_a_customer_cannot_run_order_actions(client, customer):
    order = OrderFactory()
    client.force_login(customer)

    response = run_action(client, "mark_processing", order)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    order.refresh_from_db()
    assert order.status == S.PENDING


# --- mark actions -----------------------------------------------------------------------------------


def test_mark_processing_moves_a_pending_order_with_the_staff_user_as_actor(staff_client, admin_user):
    order = OrderFactory(status=S.PENDING)

    response = run_action(staff_client, "mark_processing", order)

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.PROCESSING
    event = OrderEvent.objects.get(order=order)
    assert (event.from_status, event.to_status, event.actor) == (S.PENDING, S.PROCESSING, admin_user)
    assert texts(response) == [("success", "Marked 1 order as processing.")]


def test_mark_shipped_moves_every_selected_processing_order(staff_client, admin_user):
    first, second = OrderFactory(status=S.PROCESSING), OrderFactory(status=S.PROCESSING)

    response = run_action(staff_client, "mark_shipped", first, second)

    assert set(Order.objects.values_list("status", flat=True)) == {S.SHIPPED}
    assert OrderEvent.objects.filter(to_status=S.SHIPPED, actor=admin_user).count() == 2
    assert texts(response) == [("success", "Marked 2 orders as shipped.")]


def test_mark_delivered_sets_delivered_at_and_creates_the_cod_payment(staff_client, admin_user):
    order = OrderFactory(status=S.SHIPPED, cod=True, lines=LINE)

    response = run_action(staff_client, "mark_delivered", order)

    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert order.delivered_at is not None
    payment = Payment.objects.get(order=order)
    assert (payment.payment_method, payment.status, payment.amount) == ("cod", "completed", Decimal("20.00"))
    assert OrderEvent.objects.get(order=order).actor == admin_user
    assert texts(response) == [("success", "Marked 1 order as delivered.")]


def test_mark_completed_from_processing_creates_the_cod_payment_without_delivered_at(staff_client):
    order = OrderFactory(status=S.PROCESSING, cod=True, lines=LINE)

    response = run_action(staff_client, "mark_completed", order)

    order.refresh_from_db()
    assert order.status == S.COMPLETED
    assert order.delivered_at is None
    assert Payment.objects.get(order=order).status == PaymentStatus.COMPLETED
    assert texts(response) == [("success", "Marked 1 order as completed.")]


def test_a_refused_order_reports_its_transition_error_and_stays_while_the_others_move(staff_client):
    pending = OrderFactory(status=S.PENDING)
    processing = OrderFactory(status=S.PROCESSING)

    response = run_action(staff_client, "mark_delivered", pending, processing)

    pending.refresh_from_db()
    processing.refresh_from_db()
    assert pending.status == S.PENDING
    assert not OrderEvent.objects.filter(order=pending).exists()
    assert processing.status == S.DELIVERED
    assert ("error", f"{pending.order_number}: invalid status transition from pending to delivered") in texts(
        response
    )
    assert ("success", "Marked 1 order as delivered.") in texts(response)


def test_completed_orders_accept_no_admin_move(staff_client):
    order = OrderFactory(status=S.COMPLETED)

    response = run_action(staff_client, "mark_shipped", order)

    order.refresh_from_db()
    assert order.status == S.COMPLETED
    assert texts(response) == [
        ("error", f"{order.order_number}: invalid status transition from completed to shipped")
    ]


def test_marking_an_order_with_its_current_status_is_a_no_op_warning(staff_client):
    order = OrderFactory(status=S.SHIPPED)

    response = run_action(staff_client, "mark_shipped", order)

    assert not OrderEvent.objects.filter(order=order).exists()
    assert texts(response) == [("warning", f"{order.order_number}: already shipped, nothing changed")]


# --- cancel: confirmation first ---------------------------------------------------------------------


def test_cancel_first_shows_the_restock_and_refund_and_changes_nothing(staff_client):
    order = OrderFactory(status=S.PROCESSING, lines=(("10.00", 2, 5), ("4.25", 1, 3)), paid=True)
    shipped = OrderFactory(status=S.SHIPPED)
    payment = order.payments.get()
    skus = list(order.items.order_by("created_at").values_list("product_sku", flat=True))

    response = run_action(staff_client, "cancel_orders", order, shipped)

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Restore stock: 2 &times; {skus[0]}" in html
    assert f"Restore stock: 1 &times; {skus[1]}" in html
    assert f"Refund 24.25 of payment {payment.transaction_id}" in html
    assert f"{shipped.order_number}" in html and "invalid status transition from shipped to cancelled" in html
    assert 'name="post" value="yes"' in html and 'name="action" value="cancel_orders"' in html
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == S.PROCESSING
    assert stock(order) == [5, 3]
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.COMPLETED, Decimal("0.00"))
    assert not OrderEvent.objects.exists()


def test_confirmed_cancel_restocks_once_and_refunds_the_payment(staff_client, admin_user):
    order = OrderFactory(status=S.PROCESSING, lines=(("10.00", 2, 5), ("4.25", 1, 3)), paid=True)
    payment = order.payments.get()

    response = run_action(staff_client, "cancel_orders", order, post="yes")
    again = run_action(staff_client, "cancel_orders", order, post="yes")

    assert response.status_code == 302
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == S.CANCELLED
    assert stock(order) == [7, 4]  # restored once, not again by the second confirmation
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("24.25"))
    event = OrderEvent.objects.get(order=order)
    assert (event.from_status, event.to_status, event.actor) == (S.PROCESSING, S.CANCELLED, admin_user)
    assert texts(response) == [("success", "Cancelled 1 order.")]
    new_messages = texts(again)[1:]  # the first answer's message is still unread in the cookie
    assert new_messages == [("warning", f"{order.order_number}: already cancelled, nothing changed")]


def test_confirmed_cancel_reports_the_refused_orders_and_cancels_the_others(staff_client):
    pending = OrderFactory(status=S.PENDING, lines=LINE)
    delivered = OrderFactory(status=S.DELIVERED, lines=LINE, paid=True)

    response = run_action(staff_client, "cancel_orders", pending, delivered, post="yes")

    pending.refresh_from_db()
    delivered.refresh_from_db()
    assert pending.status == S.CANCELLED
    assert stock(pending) == [7]
    assert delivered.status == S.DELIVERED
    assert stock(delivered) == [5]
    assert delivered.payments.get().status == PaymentStatus.COMPLETED
    assert texts(response) == [
        ("error", f"{delivered.order_number}: invalid status transition from delivered to cancelled"),
        ("success", "Cancelled 1 order."),
    ]


def test_cancel_confirmation_says_when_nothing_is_refunded(staff_client):
    order = OrderFactory(status=S.PENDING, lines=LINE)

    html = run_action(staff_client, "cancel_orders", order).content.decode()

    assert "No captured payment: nothing to refund" in html
    assert "Amount refunded: 0.00" in html
