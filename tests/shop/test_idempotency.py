"""Idempotency keys (API.md §5.7) on E21 and E26, and the claim rules of `shop.idempotency`."""

import json
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from orders.models import Order
from payments.models import Payment
from shop.exceptions import IdempotencyInProgress, IdempotencyMismatch
from shop.idempotency import (
    IN_PROGRESS_LEASE,
    Replay,
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_release,
    request_fingerprint,
)
from shop.models import IdempotencyKey
from tests.concurrency import run_concurrently
from tests.factories import OrderFactory, PaymentFactory, ProductFactory, UserFactory
from tests.orders.helpers import checkout_body, fill_cart

KEY = "checkout-7f3a"


def post(client, path, body, key=KEY):
    return client.post(path, body, HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_same_key_twice_makes_one_order_and_replays_the_first_answer(customer, customer_api):
    product = ProductFactory(stock_quantity=5)
    fill_cart(customer, (product, 2))

    first = post(customer_api, "/api/v1/orders", checkout_body())
    fill_cart(customer, (ProductFactory(), 1))  # a replay must not check out this
    second = post(customer_api, "/api/v1/orders", checkout_body())

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert second.content == first.content
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 3


@pytest.mark.django_db
def test_body_key_order_and_whitespace_do_not_change_the_fingerprint(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    body = checkout_body()
    post(customer_api, "/api/v1/orders", body)

    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    second = customer_api.generic(
        "POST", "/api/v1/orders", reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_same_key_with_another_body_is_422(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    post(customer_api, "/api/v1/orders", checkout_body("cc"))

    response = post(customer_api, "/api/v1/orders", checkout_body("cod"))

    body = response.json()
    assert response.status_code == 422
    assert (body["code"], body["message"], body["error"]) == (
        "idempotency_conflict",
        "Idempotency conflict",
        "Idempotency-Key already used with a different request",
    )


@pytest.mark.django_db
def test_same_key_on_another_endpoint_is_422(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    order_id = post(customer_api, "/api/v1/orders", checkout_body("cc", payment_token="tok_decline")).json()[
        "data"
    ]["id"]

    response = post(customer_api, "/api/v1/payments", {"order_id": order_id, "payment_method": "cc"})

    assert response.status_code == 422


@pytest.mark.django_db
def test_a_request_still_running_makes_a_repeat_409(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    body = checkout_body()
    idempotency_key_claim(
        user_id=customer.pk, key=KEY, fingerprint=request_fingerprint("POST", "/api/v1/orders", body)
    )

    response = post(customer_api, "/api/v1/orders", body)

    result = response.json()
    assert response.status_code == 409
    assert (result["code"], result["message"], result["error"]) == (
        "idempotency_conflict",
        "Idempotency conflict",
        "a request with this Idempotency-Key is still in progress",
    )
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_an_error_is_not_stored_and_the_key_can_be_used_again(customer, customer_api):
    first = post(customer_api, "/api/v1/orders", checkout_body())
    assert first.status_code == 400  # cart empty
    assert not IdempotencyKey.objects.exists()

    fill_cart(customer, (ProductFactory(), 1))
    second = post(customer_api, "/api/v1/orders", checkout_body())

    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers


@pytest.mark.django_db
def test_a_validation_error_is_not_stored_either(customer_api):
    assert post(customer_api, "/api/v1/orders", {"payment_method": "cash"}).status_code == 400
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_key_older_than_24_hours_is_forgotten(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    post(customer_api, "/api/v1/orders", checkout_body())
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    fill_cart(customer, (ProductFactory(), 1))

    response = post(customer_api, "/api/v1/orders", checkout_body("cod"))

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert Order.objects.count() == 2
    assert IdempotencyKey.objects.get().completed is True


@pytest.mark.django_db
def test_keys_are_scoped_to_the_user(customer, customer_api, make_api):
    other = UserFactory()
    fill_cart(customer, (ProductFactory(), 1))
    fill_cart(other, (ProductFactory(), 1))

    assert post(customer_api, "/api/v1/orders", checkout_body()).status_code == 201
    response = post(make_api(other), "/api/v1/orders", checkout_body())

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_without_a_key_each_request_runs(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    assert customer_api.post("/api/v1/orders", checkout_body()).status_code == 201
    assert customer_api.post("/api/v1/orders", checkout_body()).status_code == 400
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "k" * 256, "clé-é", "tab\tkey", "nul\x7fkey"])
def test_a_malformed_key_is_400_on_the_header(customer_api, key):
    response = post(customer_api, "/api/v1/orders", {}, key=key)

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == ["Idempotency-Key"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["k", "k" * 255, "order 42 / retry #1 ~!"])
def test_keys_of_1_to_255_printable_ascii_are_accepted(customer, customer_api, key):
    fill_cart(customer, (ProductFactory(), 1))
    assert post(customer_api, "/api/v1/orders", checkout_body(), key=key).status_code == 201


@pytest.mark.django_db
def test_malformed_json_wins_over_the_key(customer_api):
    response = customer_api.generic(
        "POST", "/api/v1/orders", "[1,", content_type="application/json", HTTP_IDEMPOTENCY_KEY=""
    )
    assert response.json()["code"] == "invalid_json"


@pytest.mark.django_db
def test_replay_happens_before_validation_of_the_body(customer, customer_api):
    """A finished request is replayed even if the body would now fail (e.g. the cart is empty)."""
    fill_cart(customer, (ProductFactory(), 1))
    post(customer_api, "/api/v1/orders", checkout_body())
    assert post(customer_api, "/api/v1/orders", checkout_body()).status_code == 201


@pytest.mark.django_db
def test_e26_same_key_twice_charges_once(customer, customer_api):
    order = OrderFactory(user=customer)
    PaymentFactory(order=order, failed=True)
    body = {"order_id": str(order.pk), "payment_method": "cc"}

    first = post(customer_api, "/api/v1/payments", body)
    second = post(customer_api, "/api/v1/payments", body)

    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Payment.objects.filter(order=order).count() == 2  # the failed one and one charge


@pytest.mark.django_db
def test_claim_rules():
    user = UserFactory()
    record = idempotency_key_claim(user_id=user.pk, key="k", fingerprint="a")
    with pytest.raises(IdempotencyMismatch):
        idempotency_key_claim(user_id=user.pk, key="k", fingerprint="b")
    with pytest.raises(IdempotencyInProgress):
        idempotency_key_claim(user_id=user.pk, key="k", fingerprint="a")
    IdempotencyKey.objects.filter(pk=record.pk).update(
        completed=True, response_status=201, response_body='{"x":1}'
    )
    assert idempotency_key_claim(user_id=user.pk, key="k", fingerprint="a") == Replay(
        status=201, body={"x": 1}
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_uses_of_a_key_run_once(settings, customer, make_api):
    """Two requests with one key at once: one runs (and waits in the gateway), the other gets 409."""
    settings.PAYMENT_GATEWAY = "tests.orders.gateways.SlowGateway"
    from tests.orders.gateways import SlowGateway

    SlowGateway.release.clear()
    fill_cart(customer, (ProductFactory(stock_quantity=5), 1))
    started = threading.Event()

    def first():
        started.set()
        return post(make_api(customer), "/api/v1/orders", checkout_body()).status_code

    def second():
        assert SlowGateway.entered.acquire(timeout=30)  # the first request is inside its charge
        status = post(make_api(customer), "/api/v1/orders", checkout_body()).status_code
        SlowGateway.release.set()
        return status

    results = run_concurrently([first, second], workers=2)

    assert sorted(results) == [201, 409]
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get().completed is True


# --- abandoned claims: the in-progress lease ------------------------------------------------------


def claim_for(user, body, *, age, path="/api/v1/orders"):
    """An unfinished claim of `body` made `age` ago, as a request that died mid-way leaves it."""
    return idempotency_key_claim(
        user_id=user.pk,
        key=KEY,
        fingerprint=request_fingerprint("POST", path, body),
        now=timezone.now() - age,
    )


@pytest.mark.django_db
def test_an_unfinished_key_past_its_lease_is_taken_over_by_a_retry(customer, customer_api):
    """The first request's process died: its retry runs instead of a 409 for 24 hours."""
    fill_cart(customer, (ProductFactory(), 1))
    body = checkout_body()
    claim_for(customer, body, age=IN_PROGRESS_LEASE + timedelta(seconds=1))

    response = post(customer_api, "/api/v1/orders", body)
    replay = post(customer_api, "/api/v1/orders", body)

    assert response.status_code == 201, response.json()
    assert "Idempotent-Replayed" not in response.headers
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get().completed is True


@pytest.mark.django_db
def test_an_unfinished_key_within_its_lease_is_still_409(customer, customer_api):
    fill_cart(customer, (ProductFactory(), 1))
    body = checkout_body()
    claim_for(customer, body, age=IN_PROGRESS_LEASE - timedelta(seconds=5))

    response = post(customer_api, "/api/v1/orders", body)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_an_abandoned_key_is_taken_over_even_by_another_request(customer, customer_api):
    """An abandoned claim stored no answer, like a failed request: the key is free again (no 422)."""
    fill_cart(customer, (ProductFactory(), 1))
    claim_for(customer, checkout_body("cc"), age=IN_PROGRESS_LEASE * 2)

    response = post(customer_api, "/api/v1/orders", checkout_body("cod"))

    assert response.status_code == 201, response.json()
    assert IdempotencyKey.objects.get().fingerprint == request_fingerprint(
        "POST", "/api/v1/orders", checkout_body("cod")
    )


@pytest.mark.django_db
def test_a_finished_key_past_the_lease_still_replays(customer, customer_api):
    """The lease is for unfinished claims only: a stored answer is replayed for 24 hours."""
    fill_cart(customer, (ProductFactory(), 1))
    first = post(customer_api, "/api/v1/orders", checkout_body())
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=23))

    second = post(customer_api, "/api/v1/orders", checkout_body())

    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_taken_over_request_cannot_finish_or_release_the_new_claim():
    """The presumed-dead first request, if it ever ends, touches only its own claim."""
    user = UserFactory()
    stale = idempotency_key_claim(
        user_id=user.pk, key="k", fingerprint="a", now=timezone.now() - IN_PROGRESS_LEASE * 2
    )
    fresh = idempotency_key_claim(user_id=user.pk, key="k", fingerprint="b")
    assert fresh.pk == stale.pk

    idempotency_key_complete(record=stale, status=201, body={"stale": True})
    idempotency_key_release(record=stale)

    row = IdempotencyKey.objects.get()
    assert (row.fingerprint, row.completed, row.response_body) == ("b", False, None)
    with pytest.raises(IdempotencyInProgress):
        idempotency_key_claim(user_id=user.pk, key="k", fingerprint="b")
    idempotency_key_complete(record=fresh, status=201, body={"fresh": True})
    assert idempotency_key_claim(user_id=user.pk, key="k", fingerprint="b") == Replay(
        status=201, body={"fresh": True}
    )
