"""What each shop's requests look like: our API (API.md) and django-oscar-api, for the same scenarios."""

from __future__ import annotations

import random
import time

from bench.load import Client, Recorder, expect

ADDRESS = {
    "full_name": "Bench Shopper",
    "street": "1 Loop Road",
    "city": "Localhost",
    "country": "GB",
    "postal_code": "SW1A 1AA",
}

#: Read scenarios of our catalogue (E10/E11): name → paths (cycled by wrk). `{detail}` = detail paths.
OUR_READS: dict[str, list[str]] = {
    "list_page_1": ["/api/v1/products?limit=20"],
    "list_page_500": ["/api/v1/products?limit=20&page=500"],
    "detail": [],  # filled with the product ids of the loaded catalogue
    "search": ["/api/v1/products?limit=20&search=lamp"],
    "category_price_sort": ["/api/v1/products?limit=20&category=books&sort=price"],
    "price_range": ["/api/v1/products?limit=20&min_price=100&max_price=200"],
    "in_stock": ["/api/v1/products?limit=20&in_stock=true"],
}
BASELINE_READS: dict[str, list[str]] = {
    "baseline_static": ["/bench/static"],
    "baseline_drf_list": ["/bench/drf-products?page_size=20"],
}
PEER_READS: dict[str, str] = {"list_page_1": "/api/products/", "detail": "detail"}


def our_detail_paths(product_ids: list[str]) -> list[str]:
    return [f"/api/v1/products/{pk}" for pk in product_ids]


def peer_detail_paths(product_ids: list[int]) -> list[str]:
    return [f"/api/products/{pk}/" for pk in product_ids]


class Ours:
    """Our API: bearer tokens; a cart per shopper; checkout is E21."""

    name = "ours"

    def __init__(self, base: str, tokens: list[str], products: list[str]):
        self.base = base
        self.tokens = tokens
        self.products = products

    def clients(self, first: int, count: int) -> list[Client]:
        return [
            Client(self.base, {"Authorization": f"Bearer {t}"}) for t in self.tokens[first : first + count]
        ]

    def clear(self, client: Client) -> None:
        client.call("DELETE", "/api/v1/cart")

    def add(self, client: Client, recorder: Recorder, product: str, step: str = "cart_add") -> bool:
        started = time.perf_counter()
        status, body = client.call("POST", "/api/v1/cart/items", {"product_id": product, "quantity": 1})
        recorder.step(step, started)
        return expect(recorder, status, body, (201,), "cart add")

    def checkout(self, client: Client, recorder: Recorder, method: str) -> bool:
        payload = {"payment_method": method, "shipping_address": ADDRESS}
        if method != "cod":
            payload["payment_token"] = "tok_bench"
        started = time.perf_counter()
        status, body = client.call("POST", "/api/v1/orders", payload)
        recorder.step("checkout", started)
        return expect(recorder, status, body, (201,), "checkout")

    def flash_buy(self, client: Client, recorder: Recorder, product: str) -> bool:
        """Add one unit and check out; a 409 (sold out) is the expected answer for most buyers."""
        status, body = client.call("POST", "/api/v1/cart/items", {"product_id": product, "quantity": 1})
        if status == 409:
            return False
        if not expect(recorder, status, body, (201,), "flash add"):
            return False
        status, body = client.call(
            "POST", "/api/v1/orders", {"payment_method": "cod", "shipping_address": ADDRESS}
        )
        if status == 409:
            return False
        return expect(recorder, status, body, (201,), "flash checkout")


class Oscar:
    """django-oscar-api: a session cookie per shopper (made by the loader); basket add, then checkout."""

    name = "oscar"

    def __init__(self, base: str, sessions: list[str], products: list[int], country: str = "GB"):
        self.base = base
        self.sessions = sessions
        self.products = products
        self.country_url = f"{base}/api/countries/{country}/"
        self.basket_url: dict[int, str] = {}

    def clients(self, first: int, count: int) -> list[Client]:
        return [Client(self.base, {"Cookie": f"sessionid={s}"}) for s in self.sessions[first : first + count]]

    def clear(self, client: Client) -> None:
        status, body = client.call("GET", "/api/basket/")
        if status == 200 and body:
            lines = client.call("GET", f"/api/baskets/{body['id']}/lines/")[1] or []
            for line in lines["results"] if isinstance(lines, dict) else lines:
                client.call("DELETE", line["url"].removeprefix(self.base))

    def add(self, client: Client, recorder: Recorder, product: int, step: str = "cart_add") -> bool:
        started = time.perf_counter()
        status, body = client.call(
            "POST", "/api/basket/add-product/", {"url": f"{self.base}/api/products/{product}/", "quantity": 1}
        )
        recorder.step(step, started)
        if expect(recorder, status, body, (200,), "basket add"):
            self.basket_url[id(client)] = body["url"]
            return True
        return False

    def checkout(self, client: Client, recorder: Recorder, method: str) -> bool:
        payload = {
            "basket": self.basket_url[id(client)],
            "shipping_address": {
                "first_name": "Bench",
                "last_name": "Shopper",
                "line1": "1 Loop Road",
                "line4": "Localhost",
                "postcode": "SW1A 1AA",
                "country": self.country_url,
            },
        }
        started = time.perf_counter()
        status, body = client.call("POST", "/api/checkout/", payload)
        recorder.step("checkout", started)
        return expect(recorder, status, body, (200,), "checkout")

    def flash_buy(self, client: Client, recorder: Recorder, product: int) -> bool:
        status, body = client.call(
            "POST", "/api/basket/add-product/", {"url": f"{self.base}/api/products/{product}/", "quantity": 1}
        )
        if status != 200:
            return False
        self.basket_url[id(client)] = body["url"]
        scratch = Recorder()
        return self.checkout(client, scratch, "cod")


def flow_operation(target, method: str, lines: int = 2):
    """One shopper flow: add `lines` distinct products, then check out (the cart was emptied by it)."""

    def operation(client: Client, recorder: Recorder, rng: random.Random) -> None:
        started = time.perf_counter()
        for product in rng.sample(target.products, lines):
            if not target.add(client, recorder, product):
                target.clear(client)
                return
        if target.checkout(client, recorder, method):
            recorder.step("flow", started)
            recorder.done()
        else:
            target.clear(client)

    return operation


def cart_add_operation(target, lines_before_clear: int = 5):
    counts: dict[int, int] = {}

    def operation(client: Client, recorder: Recorder, rng: random.Random) -> None:
        if target.add(client, recorder, rng.choice(target.products)):
            recorder.done()
        counts[id(client)] = counts.get(id(client), 0) + 1
        if counts[id(client)] % lines_before_clear == 0:
            target.clear(client)  # untimed: keep carts small, as a shopper's is

    return operation
