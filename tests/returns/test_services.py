"""Return rules against PostgreSQL: E28's checks in order, approval (refund, restock), rejection."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderStatus
from payments.models import PaymentMethod, PaymentStatus
from returns import services
from returns.models import Return, ReturnStatus
from shop.exceptions import InvalidTransition, NotFound, ReturnNotAllowed, ValidationFailed
from tests.factories import (
    OrderItemFactory,
    ReturnFactory,
    ReturnItemFactory,
    UserFactory,
    delivered_order,
)

pytestmark = pytest.mark.django_db


def request_whole(user, order, reason="Does not fit"):
    return services.return_request(user=user, order_id=order.pk, reason=reason)


def stock_of(item):
    item.product.refresh_from_db()
    return item.product.stock_quantity


# --- E28: creation -------------------------------------------------------------------------------


def test_whole_order_return_covers_every_unit_and_moves_the_order(customer):
    order, items, _ = delivered_order(customer)

    created = request_whole(customer, order)

    assert created.status == ReturnStatus.REQUESTED
    assert created.refund_amount == Decimal("25.50")
    assert created.user == customer
    assert sorted((i.order_item_id, i.quantity) for i in created.items.all()) == sorted(
        (item.pk, item.quantity) for item in items
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURN_REQUESTED
    event = OrderEvent.objects.get(order=order, to_status=OrderStatus.RETURN_REQUESTED)
    assert (event.from_status, event.actor_id) == (OrderStatus.DELIVERED, customer.pk)


def test_partial_return_refunds_only_the_listed_units(customer):
    order, (shirt, socks), _ = delivered_order(customer)

    created = services.return_request(
        user=customer,
        order_id=order.pk,
        reason="One too many",
        items=[{"order_item_id": shirt.pk, "quantity": 1}],
    )

    assert created.refund_amount == Decimal("10.00")
    assert [(i.order_item_id, i.quantity) for i in created.items.all()] == [(shirt.pk, 1)]


def test_completed_order_can_be_returned(customer):
    order, _, _ = delivered_order(customer, status=OrderStatus.COMPLETED)

    assert request_whole(customer, order).status == ReturnStatus.REQUESTED


def test_unknown_order_is_not_found(customer):
    with pytest.raises(NotFound) as caught:
        services.return_request(user=customer, order_id="00000000-0000-4000-8000-000000000000", reason="x")
    assert caught.value.message == "Order not found"


def test_another_users_order_is_not_found_even_for_an_admin(customer, admin_user):
    order, _, _ = delivered_order(UserFactory())

    for caller in (customer, admin_user):
        with pytest.raises(NotFound):
            request_whole(caller, order)
    assert not Return.objects.exists()


def test_second_request_while_one_is_open_is_refused(customer):
    order, _, _ = delivered_order(customer)
    request_whole(customer, order)

    with pytest.raises(ReturnNotAllowed) as caught:
        request_whole(customer, order)
    assert caught.value.error == "return already requested for this order"
    assert Return.objects.count() == 1


def test_open_return_check_comes_before_the_status_check(customer):
    order, _, _ = delivered_order(customer, status=OrderStatus.RETURN_REQUESTED)
    ReturnFactory(order=order)

    with pytest.raises(ReturnNotAllowed) as caught:
        request_whole(customer, order)
    assert caught.value.error == "return already requested for this order"


@pytest.mark.parametrize(
    "status",
    [
        OrderStatus.PENDING,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.CANCELLED,
        OrderStatus.REFUNDED,
        OrderStatus.RETURN_REQUESTED,
    ],
)
def test_order_not_delivered_or_completed_cannot_be_returned(customer, status):
    order, _, _ = delivered_order(customer, status=status)

    with pytest.raises(ReturnNotAllowed) as caught:
        request_whole(customer, order)
    assert caught.value.error == "order cannot be returned at this stage"
    order.refresh_from_db()
    assert order.status == status


def test_status_check_comes_before_the_window(customer):
    order, _, _ = delivered_order(customer, status=OrderStatus.SHIPPED, delivered_at=None)
    order.created_at = timezone.now() - timedelta(days=365)
    order.save(update_fields=["created_at"])

    with pytest.raises(ReturnNotAllowed) as caught:
        request_whole(customer, order)
    assert caught.value.error == "order cannot be returned at this stage"


def _order_delivered_at(customer, delivered_at):
    order, _, _ = delivered_order(customer)
    order.delivered_at = delivered_at
    order.save(update_fields=["delivered_at"])
    return order


def test_request_on_the_last_instant_of_the_window_is_accepted(customer):
    now = timezone.now()
    order = _order_delivered_at(customer, now - timedelta(days=settings.RETURN_WINDOW_DAYS))

    with mock.patch("django.utils.timezone.now", return_value=now):
        created = request_whole(customer, order)
    assert created.status == ReturnStatus.REQUESTED


def test_request_just_after_the_window_is_refused(customer):
    now = timezone.now()
    order = _order_delivered_at(customer, now - timedelta(days=settings.RETURN_WINDOW_DAYS, microseconds=1))

    with mock.patch("django.utils.timezone.now", return_value=now), pytest.raises(ReturnNotAllowed) as caught:
        request_whole(customer, order)
    assert caught.value.error == "return period has expired"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_window_follows_the_return_window_setting(customer, settings):
    settings.RETURN_WINDOW_DAYS = 7
    order = _order_delivered_at(customer, timezone.now() - timedelta(days=8))

    with pytest.raises(ReturnNotAllowed) as caught:
        request_whole(customer, order)
    assert caught.value.error == "return period has expired"


@pytest.mark.parametrize(("age_days", "accepted"), [(29, True), (31, False)])
def test_order_completed_without_delivery_counts_the_window_from_creation(customer, age_days, accepted):
    order, _, _ = delivered_order(customer, status=OrderStatus.COMPLETED, delivered_at=None)
    order.created_at = timezone.now() - timedelta(days=age_days)
    order.save(update_fields=["created_at"])

    if accepted:
        assert request_whole(customer, order).status == ReturnStatus.REQUESTED
    else:
        with pytest.raises(ReturnNotAllowed, match="return period has expired"):
            request_whole(customer, order)


def test_item_of_another_order_is_a_validation_error_on_its_index(customer):
    order, (shirt, _), _ = delivered_order(customer)
    stranger = OrderItemFactory()

    with pytest.raises(ValidationFailed) as caught:
        services.return_request(
            user=customer,
            order_id=order.pk,
            reason="x",
            items=[{"order_item_id": shirt.pk, "quantity": 1}, {"order_item_id": stranger.pk, "quantity": 1}],
        )
    assert list(caught.value.errors) == ["items.1.order_item_id"]
    assert not Return.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_item_ids_are_checked_before_quantities(customer):
    order, (shirt, _), _ = delivered_order(customer)

    with pytest.raises(ValidationFailed) as caught:
        services.return_request(
            user=customer,
            order_id=order.pk,
            reason="x",
            items=[
                {"order_item_id": shirt.pk, "quantity": 99},
                {"order_item_id": OrderItemFactory().pk, "quantity": 1},
            ],
        )
    assert list(caught.value.errors) == ["items.1.order_item_id"]


def test_quantity_above_ordered_is_a_validation_error_on_its_index(customer):
    order, (shirt, socks), _ = delivered_order(customer)

    with pytest.raises(ValidationFailed) as caught:
        services.return_request(
            user=customer,
            order_id=order.pk,
            reason="x",
            items=[{"order_item_id": socks.pk, "quantity": 1}, {"order_item_id": shirt.pk, "quantity": 3}],
        )
    assert caught.value.errors == {"items.1.quantity": "Ensure this value is less than or equal to 2."}
    assert not Return.objects.exists()


def test_quantity_counts_units_already_returned_by_approved_returns(customer):
    order, (shirt, socks), _ = delivered_order(customer)
    earlier = ReturnFactory(order=order, status=ReturnStatus.APPROVED, refund_amount=Decimal("10.00"))
    ReturnItemFactory(return_request=earlier, order_item=shirt, quantity=1)
    rejected = ReturnFactory(order=order, status=ReturnStatus.REJECTED)
    ReturnItemFactory(return_request=rejected, order_item=socks, quantity=1)

    with pytest.raises(ValidationFailed) as caught:
        services.return_request(
            user=customer, order_id=order.pk, reason="x", items=[{"order_item_id": shirt.pk, "quantity": 2}]
        )
    assert caught.value.errors == {"items.0.quantity": "Ensure this value is less than or equal to 1."}

    whole = request_whole(customer, order)
    assert sorted((i.order_item_id, i.quantity) for i in whole.items.all()) == sorted(
        [(shirt.pk, 1), (socks.pk, 1)]
    )
    assert whole.refund_amount == Decimal("15.50")


# --- E44: approval ---------------------------------------------------------------------------------


def test_approve_refunds_the_card_payment_through_the_gateway_and_restocks(customer, admin_user, spy_gateway):
    order, (shirt, socks), payment = delivered_order(customer, stock=5)
    ret = request_whole(customer, order)

    approved = services.return_approve(return_id=ret.pk, admin=admin_user, note="Refund issued")

    assert (approved.status, approved.refund_amount) == (ReturnStatus.APPROVED, Decimal("25.50"))
    assert spy_gateway == [(payment.pk, Decimal("25.50"))]
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("25.50"))
    assert (stock_of(shirt), stock_of(socks)) == (7, 6)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    event = OrderEvent.objects.filter(order=order).latest("created_at", "id")
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        OrderStatus.RETURN_REQUESTED,
        OrderStatus.REFUNDED,
        admin_user.pk,
        "Refund issued",
    )


def test_approve_without_restock_leaves_stock_alone(customer, admin_user):
    order, (shirt, socks), _ = delivered_order(customer, stock=5)
    ret = request_whole(customer, order)

    services.return_approve(return_id=ret.pk, admin=admin_user, restock=False)

    assert (stock_of(shirt), stock_of(socks)) == (5, 5)


def test_partial_return_restocks_only_the_returned_units(customer, admin_user):
    order, (shirt, socks), _ = delivered_order(customer, stock=5)
    ret = services.return_request(
        user=customer, order_id=order.pk, reason="x", items=[{"order_item_id": shirt.pk, "quantity": 1}]
    )

    services.return_approve(return_id=ret.pk, admin=admin_user)

    assert (stock_of(shirt), stock_of(socks)) == (6, 5)


def test_approve_with_a_partial_refund_partially_refunds_the_payment(customer, admin_user, spy_gateway):
    order, _, payment = delivered_order(customer)
    ret = request_whole(customer, order)

    approved = services.return_approve(return_id=ret.pk, admin=admin_user, refund_amount=Decimal("12.345"))

    assert approved.refund_amount == Decimal("12.35")
    assert spy_gateway == [(payment.pk, Decimal("12.35"))]
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("12.35"))


def test_approve_with_zero_refund_changes_nothing_on_the_payment(customer, admin_user, spy_gateway):
    order, _, payment = delivered_order(customer)
    ret = request_whole(customer, order)

    approved = services.return_approve(return_id=ret.pk, admin=admin_user, refund_amount=Decimal("0"))

    assert (approved.status, approved.refund_amount) == (ReturnStatus.APPROVED, Decimal("0.00"))
    assert spy_gateway == []
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.COMPLETED, Decimal("0.00"))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_refund_above_the_computed_amount_is_refused_and_changes_nothing(customer, admin_user, spy_gateway):
    order, (shirt, _), payment = delivered_order(customer, stock=5)
    ret = request_whole(customer, order)

    with pytest.raises(ValidationFailed) as caught:
        services.return_approve(return_id=ret.pk, admin=admin_user, refund_amount=Decimal("25.51"))

    assert list(caught.value.errors) == ["refund_amount"]
    assert spy_gateway == []
    ret.refresh_from_db()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (ret.status, order.status, payment.refunded_amount, stock_of(shirt)) == (
        ReturnStatus.REQUESTED,
        OrderStatus.RETURN_REQUESTED,
        Decimal("0.00"),
        5,
    )


def test_cod_order_paid_on_delivery_is_refunded_on_its_cod_payment(customer, admin_user, spy_gateway):
    order, _, payment = delivered_order(customer, method=PaymentMethod.CASH_ON_DELIVERY)
    assert payment.payment_method == PaymentMethod.CASH_ON_DELIVERY
    ret = request_whole(customer, order)

    services.return_approve(return_id=ret.pk, admin=admin_user, refund_amount=Decimal("20.00"))

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("20.00"))
    assert spy_gateway == [(payment.pk, Decimal("20.00"))]


def test_cod_order_without_payment_needs_no_refund_but_records_the_refund_granted(
    customer, admin_user, spy_gateway
):
    order, (shirt, _), _ = delivered_order(
        customer, method=PaymentMethod.CASH_ON_DELIVERY, paid=False, stock=5
    )
    ret = request_whole(customer, order)

    approved = services.return_approve(return_id=ret.pk, admin=admin_user)

    assert (approved.status, approved.refund_amount) == (ReturnStatus.APPROVED, Decimal("25.50"))
    assert spy_gateway == []
    assert stock_of(shirt) == 7
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_unknown_return_is_not_found(admin_user):
    with pytest.raises(NotFound) as caught:
        services.return_approve(return_id="00000000-0000-4000-8000-000000000000", admin=admin_user)
    assert caught.value.message == "Return not found"


@pytest.mark.parametrize("decided", [ReturnStatus.APPROVED, ReturnStatus.REJECTED])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decided_return_cannot_be_decided_again(customer, admin_user, decided, decision, spy_gateway):
    order, (shirt, _), payment = delivered_order(customer, stock=5)
    ret = request_whole(customer, order)
    first = services.return_approve if decided == ReturnStatus.APPROVED else services.return_reject
    first(return_id=ret.pk, admin=admin_user)
    stock_after_first = stock_of(shirt)
    refunds_after_first = list(spy_gateway)

    second = services.return_approve if decision == "approve" else services.return_reject
    with pytest.raises(InvalidTransition) as caught:
        second(return_id=ret.pk, admin=admin_user)

    assert (caught.value.message, caught.value.error) == (
        "Failed to process return",
        "return has already been processed",
    )
    assert stock_of(shirt) == stock_after_first
    assert spy_gateway == refunds_after_first
    ret.refresh_from_db()
    assert ret.status == decided


def test_already_processed_check_comes_before_the_refund_bounds(customer, admin_user):
    order, _, _ = delivered_order(customer)
    ret = request_whole(customer, order)
    services.return_reject(return_id=ret.pk, admin=admin_user)

    with pytest.raises(InvalidTransition):
        services.return_approve(return_id=ret.pk, admin=admin_user, refund_amount=Decimal("999"))


# --- E44: rejection --------------------------------------------------------------------------------


@pytest.mark.parametrize("before", [OrderStatus.DELIVERED, OrderStatus.COMPLETED])
def test_reject_puts_the_order_back_to_its_status_before_the_request(
    customer, admin_user, before, spy_gateway
):
    order, (shirt, _), payment = delivered_order(customer, status=before, stock=5)
    ret = request_whole(customer, order)

    rejected = services.return_reject(return_id=ret.pk, admin=admin_user, note="Worn")

    assert (rejected.status, rejected.refund_amount) == (ReturnStatus.REJECTED, Decimal("25.50"))
    order.refresh_from_db()
    assert order.status == before
    event = OrderEvent.objects.filter(order=order).latest("created_at", "id")
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        OrderStatus.RETURN_REQUESTED,
        before,
        admin_user.pk,
        "Worn",
    )
    assert spy_gateway == []
    assert stock_of(shirt) == 5
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("0.00")


def test_rejected_customer_may_request_again(customer, admin_user):
    order, _, _ = delivered_order(customer)
    first = request_whole(customer, order)
    services.return_reject(return_id=first.pk, admin=admin_user)

    second = request_whole(customer, order, reason="Second try")

    assert second.pk != first.pk
    assert second.status == ReturnStatus.REQUESTED
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURN_REQUESTED


def test_request_again_after_rejection_still_respects_the_window(customer, admin_user):
    order, _, _ = delivered_order(customer)
    first = request_whole(customer, order)
    services.return_reject(return_id=first.pk, admin=admin_user)

    later = timezone.now() + timedelta(days=settings.RETURN_WINDOW_DAYS + 1)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        pytest.raises(ReturnNotAllowed) as caught,
    ):
        request_whole(customer, order)
    assert caught.value.error == "return period has expired"


def test_open_return_index_backs_up_the_lock_as_the_same_409(customer):
    """Were the open-return check ever skipped, the partial unique index refuses the second return."""
    order, _, _ = delivered_order(customer)
    request_whole(customer, order)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)

    with (
        mock.patch("returns.services.has_open_return", return_value=False),
        pytest.raises(ReturnNotAllowed) as caught,
    ):
        request_whole(customer, order)
    assert caught.value.error == "return already requested for this order"
    assert Return.objects.filter(order=order).count() == 1


def test_a_second_open_return_row_is_refused_by_the_database(customer):
    order, _, _ = delivered_order(customer)
    request_whole(customer, order)

    with pytest.raises(IntegrityError, match="return_one_open_per_order"), transaction.atomic():
        Return.objects.create(order=order, user=customer, reason="Second", refund_amount=Decimal("1.00"))
