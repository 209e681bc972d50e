"""Cart reservations under real concurrency: threads, each with its own PostgreSQL connection, released
together by a barrier. Nothing may be held beyond what is on hand, and no request may fail with a 500
or a deadlock."""

import random
from collections import Counter

import pytest

from cart.models import CartItem
from catalog.models import Reservation
from tests import concurrency
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = "/api/v1/cart/items"


def run_together(workers):
    """`tests.concurrency.run_together` for requests that must not raise: a deadlocked thread or any
    exception fails the test."""
    results = concurrency.run_together(*workers)
    failures = [result for result in results if isinstance(result, BaseException)]
    assert not failures, failures
    return results


def test_fifty_shoppers_racing_for_ten_units_get_exactly_ten(make_api):
    product = ProductFactory(stock_quantity=10)
    clients = [make_api(UserFactory()) for _ in range(50)]
    body = {"product_id": str(product.pk), "quantity": 1}

    responses = run_together([lambda client=client: client.post(ITEMS, body) for client in clients])

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 10, 409: 40}
    refusals = [response.json() for response in responses if response.status_code == 409]
    assert {(r["code"], r["message"], r["details"]["available"]) for r in refusals} == {
        ("insufficient_stock", "Failed to add item to cart", 0)
    }
    assert Reservation.objects.filter(product=product).count() == 10
    assert sum(Reservation.objects.values_list("quantity", flat=True)) == 10
    assert CartItem.objects.filter(product=product).count() == 10


def test_one_shopper_hammering_one_line_never_holds_more_than_on_hand(make_api):
    on_hand = 7
    product = ProductFactory(stock_quantity=on_hand)
    shopper = UserFactory()
    first = make_api(shopper).post(ITEMS, {"product_id": str(product.pk), "quantity": 1})
    item_id = first.json()["data"]["items"][0]["id"]

    def hammer(seed):
        client = make_api(shopper)
        rng = random.Random(seed)
        seen = []
        for _ in range(15):
            if rng.random() < 0.5:
                response = client.post(ITEMS, {"product_id": str(product.pk), "quantity": rng.randint(1, 3)})
            else:
                response = client.put(f"{ITEMS}/{item_id}", {"quantity": rng.randint(1, on_hand + 2)})
            held = [item["quantity"] for item in response.json().get("data", {}).get("items", [])]
            seen.append((response.status_code, held))
        return seen

    results = run_together([lambda seed=seed: hammer(seed) for seed in range(6)])

    answers = [answer for seen in results for answer in seen]
    assert {status for status, _ in answers} <= {200, 201, 409}
    assert all(quantity <= on_hand for _, held in answers for quantity in held)
    line = CartItem.objects.get(product=product)
    reservation = Reservation.objects.get(product=product)
    assert line.quantity == reservation.quantity <= on_hand
    assert {status for status, _ in answers} & {200, 201}


def test_shoppers_racing_over_two_products_in_opposite_orders_do_not_deadlock(make_api):
    first, second = ProductFactory(stock_quantity=20), ProductFactory(stock_quantity=20)
    clients = [make_api(UserFactory()) for _ in range(10)]

    def shop(client, products):
        return [client.post(ITEMS, {"product_id": str(p.pk), "quantity": 2}).status_code for p in products]

    workers = [
        (lambda c=client, order=(first, second) if i % 2 else (second, first): shop(c, order))
        for i, client in enumerate(clients)
    ]
    results = run_together(workers)

    assert all(status == 201 for statuses in results for status in statuses)
    for product in (first, second):
        assert sum(Reservation.objects.filter(product=product).values_list("quantity", flat=True)) == 20


def test_two_shoppers_hammering_one_product_never_hold_more_than_on_hand_together(make_api):
    on_hand = 6
    product = ProductFactory(stock_quantity=on_hand)
    shoppers = [UserFactory(), UserFactory()]

    def hammer(shopper, seed):
        client = make_api(shopper)
        rng = random.Random(seed)
        statuses = []
        for _ in range(12):
            response = client.post(ITEMS, {"product_id": str(product.pk), "quantity": rng.randint(1, 2)})
            statuses.append(response.status_code)
            if response.status_code == 409 and rng.random() < 0.5:
                client.delete("/api/v1/cart")  # give up and start again: frees the hold for the other
        return statuses

    results = run_together([lambda s=s, seed=i: hammer(s, seed) for i, s in enumerate(shoppers * 3)])

    assert {status for statuses in results for status in statuses} <= {201, 409}
    held = sum(Reservation.objects.filter(product=product).values_list("quantity", flat=True))
    assert held <= on_hand
    for line in CartItem.objects.filter(product=product):
        assert Reservation.objects.get(cart=line.cart, product=product).quantity == line.quantity
