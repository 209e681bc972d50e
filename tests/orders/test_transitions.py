"""The order state machine (API.md §5.4): the whole 8 × 8 table through the staff path, the moves
reserved to returns, the owner and the system, and each move's side effects."""

import uuid
from decimal import Decimal
from itertools import product as pairs

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_status_set
from orders.transitions import ALLOWED_MOVES, Trigger, lock_order, order_transition, transition_locked
from payments.models import Payment, PaymentMethod, PaymentStatus
from shop.exceptions import InvalidTransition, NotFound
from tests.factories import OrderFactory, PaymentFactory

pytestmark = pytest.mark.django_db

S = OrderStatus
STATUSES = list(S.values)
#: What an admin may do (E39, Django admin): §5.4 rows whose trigger is "admin".
STAFF_MOVES = {
    (S.PENDING, S.PROCESSING),
    (S.PENDING, S.CANCELLED),
    (S.PROCESSING, S.SHIPPED),
    (S.PROCESSING, S.DELIVERED),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.CANCELLED),
    (S.SHIPPED, S.DELIVERED),
    (S.SHIPPED, S.COMPLETED),
    (S.DELIVERED, S.COMPLETED),
}
#: Reached only by creating, approving or rejecting a return.
RETURN_MOVES = {
    (S.DELIVERED, S.RETURN_REQUESTED),
    (S.COMPLETED, S.RETURN_REQUESTED),
    (S.RETURN_REQUESTED, S.REFUNDED),
    (S.RETURN_REQUESTED, S.DELIVERED),
    (S.RETURN_REQUESTED, S.COMPLETED),
}
DELIVERED_ONCE = {S.DELIVERED, S.COMPLETED, S.RETURN_REQUESTED, S.REFUNDED}


def order_in(status, *, method=PaymentMethod.CREDIT_CARD, paid=None):
    """An order in `status` with one item of 2 units at 12.00 (product stock 5) and its first event, paid
    (`OrderFactory(paid=True)`) as the state machine would have left it unless `paid` says otherwise: a card
    order once past `pending`, a COD order once delivered."""
    if paid is None:
        paid = status != S.PENDING if method != PaymentMethod.CASH_ON_DELIVERY else status in DELIVERED_ONCE
    return OrderFactory(status=status, payment_method=method, lines=(("12.00", 2),), event=True, paid=paid)


def snapshot(order):
    return (
        Order.objects.filter(pk=order.pk).values().get(),
        list(Product.objects.filter(order_items__order=order).values_list("stock_quantity", flat=True)),
        list(Payment.objects.filter(order=order).order_by("pk").values()),
        OrderEvent.objects.filter(order=order).count(),
    )


def test_the_table_is_the_one_of_the_contract():
    assert {pair for pair, triggers in ALLOWED_MOVES.items() if Trigger.STAFF in triggers} == STAFF_MOVES
    assert {pair for pair, triggers in ALLOWED_MOVES.items() if Trigger.RETURN in triggers} == RETURN_MOVES
    assert {pair for pair, triggers in ALLOWED_MOVES.items() if Trigger.OWNER in triggers} == {
        (S.PENDING, S.CANCELLED),
        (S.PROCESSING, S.CANCELLED),
    }
    assert {pair for pair, triggers in ALLOWED_MOVES.items() if Trigger.SYSTEM in triggers} == {
        (S.PENDING, S.PROCESSING),
        (S.PENDING, S.CANCELLED),
    }


@pytest.mark.parametrize(("from_status", "to_status"), list(pairs(STATUSES, STATUSES)))
def test_every_pair_through_the_staff_path(admin_user, from_status, to_status):
    cod_target = to_status in (S.DELIVERED, S.COMPLETED)
    order = order_in(
        from_status, method=PaymentMethod.CASH_ON_DELIVERY if cod_target else PaymentMethod.CREDIT_CARD
    )
    before = snapshot(order)

    if from_status == to_status:
        result = order_status_set(order_id=order.pk, status=to_status, actor=admin_user, note="same")
        assert result.status == from_status
        assert snapshot(order) == before  # a no-op: no event, nothing saved
        return

    if (from_status, to_status) not in STAFF_MOVES:
        with pytest.raises(InvalidTransition) as raised:
            order_status_set(order_id=order.pk, status=to_status, actor=admin_user, note="nope")
        assert raised.value.status_code == 409
        assert raised.value.code == "invalid_transition"
        assert raised.value.error == f"invalid status transition from {from_status} to {to_status}"
        assert snapshot(order) == before
        return

    order_status_set(order_id=order.pk, status=to_status, actor=admin_user, note="by staff")

    order.refresh_from_db()
    assert order.status == to_status
    event = OrderEvent.objects.filter(order=order).latest("created_at")
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        from_status,
        to_status,
        admin_user.pk,
        "by staff",
    )
    stock = Product.objects.get(order_items__order=order).stock_quantity
    payments = list(Payment.objects.filter(order=order))
    if to_status == S.CANCELLED:
        assert stock == 7  # restocked once
        if from_status == S.PROCESSING:
            assert [(p.status, p.refunded_amount) for p in payments] == [
                (PaymentStatus.REFUNDED, Decimal("24.00"))
            ]
        else:
            assert payments == []
    else:
        assert stock == 5
    if to_status == S.DELIVERED:
        assert order.delivered_at is not None
    if cod_target:
        # a COD order without a payment gets its completed payment of the total, no gateway involved
        assert [(p.status, p.payment_method, p.amount) for p in payments] == [
            (PaymentStatus.COMPLETED, PaymentMethod.CASH_ON_DELIVERY, Decimal("24.00"))
        ]
    if to_status == S.COMPLETED and from_status != S.DELIVERED:
        assert order.delivered_at is None


@pytest.mark.parametrize(("from_status", "to_status"), sorted(RETURN_MOVES))
def test_return_moves_only_through_returns(admin_user, from_status, to_status):
    order = order_in(from_status)
    with pytest.raises(InvalidTransition):
        order_transition(order_id=order.pk, to_status=to_status, trigger=Trigger.STAFF, actor=admin_user)
    assert Order.objects.get(pk=order.pk).status == from_status

    order_transition(order_id=order.pk, to_status=to_status, trigger=Trigger.RETURN, actor=admin_user)

    assert Order.objects.get(pk=order.pk).status == to_status


@pytest.mark.parametrize("to_status", [s for s in STATUSES if s != S.CANCELLED])
def test_owner_may_only_cancel(customer, to_status):
    order = order_in(S.PENDING)
    with pytest.raises(InvalidTransition):
        order_transition(order_id=order.pk, to_status=to_status, trigger=Trigger.OWNER, actor=customer)


def test_system_cannot_cancel_a_processing_order():
    order = order_in(S.PROCESSING)
    with pytest.raises(InvalidTransition):
        order_transition(order_id=order.pk, to_status=S.CANCELLED, trigger=Trigger.SYSTEM)
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING


def test_delivered_at_is_kept_from_the_first_delivery(admin_user):
    order = order_in(S.SHIPPED)
    order_status_set(order_id=order.pk, status=S.DELIVERED, actor=admin_user)
    first = Order.objects.get(pk=order.pk).delivered_at
    order_transition(order_id=order.pk, to_status=S.RETURN_REQUESTED, trigger=Trigger.RETURN)
    order_transition(order_id=order.pk, to_status=S.DELIVERED, trigger=Trigger.RETURN)
    assert Order.objects.get(pk=order.pk).delivered_at == first


def test_cod_order_delivered_then_completed_gets_one_payment(admin_user):
    order = order_in(S.SHIPPED, method=PaymentMethod.CASH_ON_DELIVERY)
    order_status_set(order_id=order.pk, status=S.DELIVERED, actor=admin_user)
    order_status_set(order_id=order.pk, status=S.COMPLETED, actor=admin_user)
    assert Payment.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).status == S.COMPLETED


def test_card_order_delivered_gets_no_extra_payment(admin_user):
    order = order_in(S.PROCESSING)
    order_status_set(order_id=order.pk, status=S.DELIVERED, actor=admin_user)
    assert Payment.objects.filter(order=order).count() == 1


def test_unknown_target_status_is_an_invalid_transition(admin_user):
    order = order_in(S.PENDING)
    with pytest.raises(InvalidTransition):
        order_status_set(order_id=order.pk, status="lost", actor=admin_user)


def test_cancelling_a_partially_refunded_payment_refunds_the_rest(admin_user):
    order = order_in(S.PROCESSING, paid=False)
    payment = PaymentFactory(
        order=order, status=PaymentStatus.PARTIALLY_REFUNDED, refunded_amount=Decimal("4.00")
    )
    order_status_set(order_id=order.pk, status=S.CANCELLED, actor=admin_user)
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("24.00"))


def test_a_move_writes_the_status_and_its_event_in_one_statement(admin_user):
    """The order's update goes along with its event's insert (shop.statements.insert_together)."""
    order = OrderFactory(status=S.PROCESSING)
    with transaction.atomic():
        locked = lock_order(order.pk)
        with CaptureQueriesContext(connection) as queries:
            event = transition_locked(
                order=locked, to_status=S.DELIVERED, trigger=Trigger.STAFF, actor=admin_user
            )
    orders = [q["sql"] for q in queries if '"orders_order' in q["sql"]]  # the audit entry and email aside
    assert len(orders) == 1 and orders[0].startswith('WITH along AS (UPDATE "orders_order"')
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.delivered_at, stored.updated_at) == (
        S.DELIVERED,
        locked.delivered_at,
        locked.updated_at,
    )
    assert stored.delivered_at == event.created_at
    assert list(stored.events.values_list("pk", "from_status", "to_status", "actor")) == [
        (event.pk, S.PROCESSING, S.DELIVERED, admin_user.pk)
    ]


@pytest.mark.parametrize("given", ["as text", "not-a-uuid", "missing"])
def test_lock_order_takes_an_id_as_text_and_an_unknown_or_malformed_one_is_not_found(customer, given):
    order = OrderFactory(user=customer)
    with transaction.atomic():
        if given == "as text":
            assert lock_order(str(order.pk), owner_id=customer.pk).pk == order.pk
        else:
            with pytest.raises(NotFound):
                lock_order("not-a-uuid" if given == "not-a-uuid" else str(uuid.uuid4()))
