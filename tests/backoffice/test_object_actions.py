"""Act where you look: an order's and a return's admin page carry buttons for exactly the moves the state
machine allows from the current status, each posting the changelist's own action (and confirmation page)
and coming back to the page."""

import re

import pytest

from orders.models import Order, OrderStatus
from returns.models import Return, ReturnStatus
from tests.admin_pages import changelist_url, texts
from tests.backoffice.test_audit import open_return
from tests.factories import OrderFactory, order_with_item

pytestmark = pytest.mark.django_db

S = OrderStatus


def page(model, obj) -> str:
    return f"{changelist_url(model)}{obj.pk}/change/"


def buttons(client, model, obj) -> dict[str, dict[str, str]]:
    """Button label → the fields its form posts, and where (`_url`), as the object's page offers them."""
    html = client.get(page(model, obj)).content.decode()
    found = {}
    for form in re.findall(r"<form method=\"post\" action=\"([^\"]+)\">(.*?)</form>", html, re.S):
        url, body = form
        label = re.search(r'<button type="submit"[^>]*>([^<]+)</button>', body)
        if label is None:
            continue
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
        fields.pop("csrfmiddlewaretoken", None)
        found[label.group(1)] = {"_url": url, **fields}
    return found


def press(client, model, obj, label: str, **extra):
    form = buttons(client, model, obj)[label]
    url = form.pop("_url")
    return client.post(url, {**form, **extra})


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (S.PENDING, ["Mark processing", "Cancel"]),
        (S.PROCESSING, ["Mark shipped", "Mark delivered", "Mark completed", "Cancel"]),
        (S.SHIPPED, ["Mark delivered", "Mark completed"]),
        (S.DELIVERED, ["Mark completed"]),
        (S.COMPLETED, []),
        (S.CANCELLED, []),
        (S.RETURN_REQUESTED, []),
        (S.REFUNDED, []),
    ],
)
def test_an_order_page_offers_only_the_staff_moves_from_its_status(staff_client, status, offered):
    order = OrderFactory(status=status)

    assert list(buttons(staff_client, Order, order)) == offered


def test_a_button_runs_the_changelist_action_and_comes_back_to_the_order(staff_client):
    order = OrderFactory(status=S.PROCESSING)

    response = press(staff_client, Order, order, "Mark shipped")

    assert response.status_code == 302
    assert response["Location"] == page(Order, order)
    assert texts(response) == [("success", "Marked 1 order as shipped.")]
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    assert list(buttons(staff_client, Order, order)) == ["Mark delivered", "Mark completed"]


def test_a_move_refused_meanwhile_is_reported_on_the_order_page(staff_client):
    order = OrderFactory(status=S.PROCESSING)
    form = buttons(staff_client, Order, order)["Mark shipped"]
    Order.objects.filter(pk=order.pk).update(status=S.CANCELLED)  # cancelled by the customer meanwhile

    response = staff_client.post(form.pop("_url"), form)

    assert response["Location"] == page(Order, order)
    assert texts(response) == [
        ("error", f"{order.order_number}: invalid status transition from cancelled to shipped")
    ]


def test_cancel_from_the_order_page_goes_through_the_confirmation_page(staff_client, customer):
    order, item = order_with_item(customer, quantity=2, stock=5)

    confirmation = press(staff_client, Order, order, "Cancel")
    html = confirmation.content.decode()
    confirm = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    before_confirming = Order.objects.get(pk=order.pk).status
    done = staff_client.post(changelist_url(Order), confirm)

    assert confirmation.status_code == 200
    assert "Restore stock: 2 &times; " in html
    assert before_confirming == S.PENDING
    assert done["Location"] == page(Order, order)
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    item.product.refresh_from_db()
    assert item.product.stock_quantity == 7


def test_a_return_page_offers_approve_and_reject_while_requested_only(staff_client, customer):
    requested = open_return(customer)
    decided = open_return(customer)
    Return.objects.filter(pk=decided.pk).update(status=ReturnStatus.REJECTED)

    assert list(buttons(staff_client, Return, requested)) == ["Approve", "Reject"]
    assert list(buttons(staff_client, Return, decided)) == []


def test_approve_from_the_return_page_confirms_then_comes_back(staff_client, customer):
    ret = open_return(customer)

    confirmation = press(staff_client, Return, ret, "Approve")
    confirm = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirmation.content.decode())
    )
    done = staff_client.post(changelist_url(Return), confirm)

    assert confirmation.status_code == 200
    assert done["Location"] == page(Return, ret)
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.APPROVED
    assert texts(done)[-1] == ("success", "Approved 1 return.")


def test_reject_from_the_return_page_applies_at_once(staff_client, customer):
    ret = open_return(customer)

    response = press(staff_client, Return, ret, "Reject")

    assert response["Location"] == page(Return, ret)
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.REJECTED


def test_the_changelist_actions_still_return_to_the_changelist(staff_client):
    order = OrderFactory(status=S.PROCESSING)

    response = staff_client.post(
        changelist_url(Order), {"action": "mark_shipped", "_selected_action": [str(order.pk)], "index": "0"}
    )

    assert response["Location"] == changelist_url(Order)
