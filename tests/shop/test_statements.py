"""shop.statements: a queryset compiled once per process answers exactly what the ORM answers, with each
call's own values, and refuses the shapes it cannot keep exact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cart import services as cart_services
from cart.models import Cart, CartItem
from catalog.models import Product
from orders.models import Order, OrderEvent, OrderItem
from shop.statements import (
    MAX_LIST,
    Delete,
    Insert,
    Statement,
    Update,
    _converters_kept,
    attach_prefetched,
    insert_together,
)
from tests.concurrency import run_together
from tests.factories import CartItemFactory, OrderFactory, OrderItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


class Counting:
    """A builder that counts how often it is called (a compiled statement stops calling it)."""

    def __init__(self, build):
        self.build, self.calls = build, 0
        self.__qualname__ = build.__qualname__

    def __call__(self, **params):
        self.calls += 1
        return self.build(**params)


def lines_of(*, cart_id, minimum, now):
    own = Product.objects.filter(pk=OuterRef("product_id"), created_at__lte=now).values("stock_quantity")[:1]
    return (
        CartItem.objects.filter(cart_id=cart_id, quantity__gte=minimum)
        .select_related("product")
        .annotate(stock=Coalesce(Subquery(own), Value(-1)), doubled=F("quantity") * Value(2))
        .order_by("quantity")
    )


def test_a_compiled_select_answers_as_the_orm_with_each_calls_values():
    first, second = CartItemFactory(quantity=1), CartItemFactory(quantity=3)
    CartItemFactory(cart=first.cart, quantity=5)
    build = Counting(lines_of)
    statement = Statement(build)
    now = timezone.now()

    for item, minimum in ((first, 1), (first, 2), (second, 1), (second, 4)):
        expected = list(lines_of(cart_id=item.cart_id, minimum=minimum, now=now))
        got = statement.fetch(cart_id=item.cart_id, minimum=minimum, now=now)
        assert [(r.pk, r.stock, r.doubled, r.product.sku) for r in got] == [
            (r.pk, r.stock, r.doubled, r.product.sku) for r in expected
        ]
    assert [line.quantity for line in statement.fetch(cart_id=first.cart_id, minimum=1, now=now)] == [1, 5]
    # Compiled on first use (once to look, twice to compare stand-ins), never built again.
    assert build.calls == 3


def test_a_compiled_select_runs_one_query_with_the_sql_the_orm_writes():
    item = CartItemFactory()
    now = timezone.now()
    statement = Statement(lines_of)
    statement.fetch(cart_id=item.cart_id, minimum=1, now=now)  # compiles
    with CaptureQueriesContext(connection) as ours:
        statement.fetch(cart_id=item.cart_id, minimum=1, now=now)
    with CaptureQueriesContext(connection) as orm:
        list(lines_of(cart_id=item.cart_id, minimum=1, now=now))
    assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in orm.captured_queries]


def test_a_parameter_derived_inside_the_builder_is_refused_not_frozen():
    def derived(*, now):
        return Product.objects.filter(created_at__gte=now - timedelta(days=1))

    with pytest.raises(ImproperlyConfigured, match="changed"):
        Statement(derived).fetch(now=timezone.now())


def test_a_value_read_inside_the_builder_is_refused_not_frozen():
    def reads_the_clock(*, sku):
        return Product.objects.filter(sku=sku, created_at__lte=timezone.now())

    with pytest.raises(ImproperlyConfigured):
        Statement(reads_the_clock).fetch(sku="A")


def test_booleans_none_and_list_lengths_are_shapes_of_their_own():
    active, inactive = ProductFactory(is_active=True), ProductFactory(is_active=False)

    def products(*, ids, active, category):
        rows = Product.objects.filter(pk__in=ids, is_active=active)
        if category is not None:
            rows = rows.filter(category=category)
        return rows.order_by("sku")

    statement = Statement(products)
    both = [active.pk, inactive.pk]
    assert statement.fetch(ids=both, active=True, category=None) == [active]
    assert statement.fetch(ids=both, active=False, category=None) == [inactive]
    assert statement.fetch(ids=[active.pk], active=False, category=None) == []
    assert statement.fetch(ids=both, active=True, category=active.category) == [active]
    assert statement.fetch(ids=both, active=True, category="no such category") == []
    assert (
        len(statement._compiled) == 4
    )  # (2 ids, True, None), (2, False, None), (1, False, None), (2, True, str)


def test_a_list_longer_than_the_limit_runs_as_the_plain_orm():
    products = ProductFactory.create_batch(3)
    build = Counting(lambda *, ids: Product.objects.filter(pk__in=ids).order_by("pk"))
    statement = Statement(build)
    ids = [p.pk for p in products] + [p.pk for p in ProductFactory.build_batch(MAX_LIST)]
    for _ in range(2):
        assert statement.fetch(ids=ids) == sorted(products, key=lambda p: p.pk)
    assert build.calls == 2 and statement._compiled == {}


@pytest.mark.django_db(transaction=True)  # outside the test's own transaction
def test_select_for_update_refuses_to_run_outside_a_transaction_as_the_orm_does():
    product = ProductFactory()
    statement = Statement(lambda *, pk: Product.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert statement.fetch(pk=product.pk) == [product]
    with pytest.raises(TransactionManagementError):
        statement.fetch(pk=product.pk)


def test_a_compiled_update_changes_what_the_orm_update_changes_and_counts_rows():
    low, high = ProductFactory(stock_quantity=5), ProductFactory(stock_quantity=50)

    def take(*, ids, units, at_least):
        return Update(
            Product.objects.filter(pk__in=ids, stock_quantity__gte=at_least),
            stock_quantity=F("stock_quantity") - Value(units, output_field=IntegerField()),
        )

    statement = Statement(take)
    assert statement.execute(ids=[low.pk, high.pk], units=3, at_least=10) == 1
    assert statement.execute(ids=[low.pk, high.pk], units=2, at_least=1) == 2
    low.refresh_from_db(), high.refresh_from_db()
    assert (low.stock_quantity, high.stock_quantity) == (3, 45)


def lines_at_least(*, cart_id, quantity):
    return Delete(CartItem.objects.filter(cart_id=cart_id, quantity__gte=quantity))


def test_a_compiled_delete_removes_what_the_orm_delete_removes_in_one_statement():
    mine = CartItemFactory(quantity=1)
    big = CartItemFactory(cart=mine.cart, quantity=5)
    other = CartItemFactory(quantity=5)
    build = Counting(lines_at_least)
    statement = Statement(build)
    assert statement.execute(cart_id=mine.cart_id, quantity=3) == 1  # compiles (builds 3 times)
    calls = build.calls
    with CaptureQueriesContext(connection) as queries:
        assert statement.execute(cart_id=mine.cart_id, quantity=1) == 1
        assert statement.execute(cart_id=mine.cart_id, quantity=1) == 0
    assert build.calls == calls  # not built again
    assert len(queries) == 2 and all(q["sql"].startswith("DELETE FROM") for q in queries.captured_queries)
    assert not CartItem.objects.filter(pk__in=[mine.pk, big.pk]).exists()
    assert CartItem.objects.filter(pk=other.pk).exists()


def test_a_compiled_delete_runs_the_orm_delete_when_a_signal_listens():
    from django.db.models.signals import post_delete

    item = CartItemFactory(quantity=4)
    statement = Statement(lines_at_least)
    statement.execute(cart_id=item.cart_id, quantity=100)  # compiled
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_delete.connect(listener, sender=CartItem)
    try:
        assert statement.execute(cart_id=item.cart_id, quantity=1) == 1
    finally:
        post_delete.disconnect(listener, sender=CartItem)
    assert seen == [item.pk]


def test_a_compiled_delete_of_a_model_with_cascades_runs_the_orm_delete():
    item = CartItemFactory()
    statement = Statement(lambda *, pk: Delete(Cart.objects.filter(pk=pk)))
    assert statement.execute(pk=item.cart_id) == 1  # the cart; its line went with it (CASCADE)
    assert not CartItem.objects.filter(pk=item.pk).exists()


new_line = cart_services._new_line  # the cart's own builder of a new line (an Insert)


def test_a_compiled_insert_gives_sql_that_stores_the_row_as_given():
    import uuid

    cart_item = CartItemFactory()
    products = [ProductFactory(), ProductFactory()]
    build = Counting(new_line)
    statement = Statement(build)
    now = timezone.now() - timedelta(days=1)
    ids = []
    for units, product in enumerate(products, start=2):
        ids.append(uuid.uuid4())
        sql, values = statement.sql(
            id=ids[-1],
            cart_id=cart_item.cart_id,
            product_id=product.pk,
            quantity=units,
            unit_price=Decimal("3.25") * units,
            now=now,
        )
        assert sql.startswith('INSERT INTO "cart_cartitem"')
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
    assert build.calls == 3  # compiled once (built 3 times), then the SQL reused with each call's values
    for units, (pk, product) in enumerate(zip(ids, products, strict=True), start=2):
        stored = CartItem.objects.get(pk=pk)
        assert (stored.product_id, stored.quantity, stored.unit_price) == (
            product.pk,
            units,
            Decimal("3.25") * units,
        )
        assert stored.created_at == stored.updated_at == now  # as given: no auto_now


def test_an_insert_without_its_key_returns_the_auto_incremented_one():
    order = OrderFactory()
    statement = Statement(
        lambda *, order_id, note, now: Insert(
            OrderEvent,
            order_id=order_id,
            from_status=None,
            to_status="pending",
            actor_id=None,
            note=note,
            created_at=now,
        )
    )
    keys = []
    for note in ("one", "two"):
        with connection.cursor() as cursor:
            cursor.execute(*statement.sql(order_id=order.pk, note=note, now=timezone.now()))
            keys.append(cursor.fetchone()[0])
    assert keys[1] > keys[0] > 0
    assert list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("pk", "note")) == [
        (keys[0], "one"),
        (keys[1], "two"),
    ]


def test_insert_together_saves_rows_of_several_models_in_one_statement():
    user = OrderFactory().user
    products = [ProductFactory(), ProductFactory()]
    order = Order(
        user=user,
        total_amount=Decimal("7.00"),
        payment_method="cod",
        shipping_address={"city": "x"},
        billing_address={"city": "y"},
    )
    items = [
        OrderItem(
            order=order,
            product=p,
            quantity=2,
            price_at_time=Decimal("1.75"),
            product_name="n",
            product_sku="s",
        )
        for p in products
    ]
    events = [OrderEvent(order=order, to_status="pending"), OrderEvent(order=order, to_status="processing")]

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        insert_together([order], items, events)

    assert len(queries) == 1 and queries.captured_queries[0]["sql"].startswith("WITH insert_0 AS (INSERT")
    assert events[0].pk is not None and events[1].pk == events[0].pk + 1  # keys read back, in order
    assert all(not obj._state.adding for obj in [order, *items, *events])
    stored = Order.objects.get(pk=order.pk)
    assert (stored.order_number, stored.shipping_address) == (order.order_number, {"city": "x"})
    assert stored.updated_at == order.updated_at is not None  # auto_now applied, as save() does
    assert sorted(OrderItem.objects.filter(order=order).values_list("product_id", flat=True)) == sorted(
        p.pk for p in products
    )
    assert list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("pk", "to_status")) == [
        (events[0].pk, "pending"),
        (events[1].pk, "processing"),
    ]


def test_insert_together_sends_an_independent_write_along_first():
    order = OrderFactory(status="pending")
    event = OrderEvent(order=order, from_status="pending", to_status="processing")
    along = ('UPDATE "orders_order" SET "status" = %s WHERE "id" = %s', ["processing", order.pk])

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        insert_together([event], along=along)

    assert len(queries) == 1 and queries.captured_queries[0]["sql"].startswith("WITH along AS (UPDATE")
    assert Order.objects.get(pk=order.pk).status == "processing"
    assert list(OrderEvent.objects.filter(order=order).values_list("pk", "to_status")) == [
        (event.pk, "processing")
    ]


def test_insert_together_sends_several_independent_writes_along_in_the_same_round_trip():
    order = OrderFactory(status="pending")
    other = OrderFactory(status="pending")
    event = OrderEvent(order=order, from_status="pending", to_status="processing")
    along = [
        ('UPDATE "orders_order" SET "status" = %s WHERE "id" = %s', ["processing", order.pk]),
        ('UPDATE "orders_order" SET "status" = %s WHERE "id" = %s', ["cancelled", other.pk]),
    ]

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        insert_together([event], along=along)

    assert len(queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("WITH along AS (UPDATE")
    assert "along_1 AS (UPDATE" in queries.captured_queries[0]["sql"]
    assert Order.objects.get(pk=order.pk).status == "processing"
    assert Order.objects.get(pk=other.pk).status == "cancelled"
    assert list(OrderEvent.objects.filter(order=order).values_list("pk", "to_status")) == [
        (event.pk, "processing")
    ]


def test_insert_together_refuses_what_it_cannot_do_as_save_would():
    from django.db.models.signals import post_save

    order = OrderFactory()
    with pytest.raises(ImproperlyConfigured, match="put it last"):
        insert_together([OrderEvent(order=order, to_status="pending")], [CartItemFactory.build()])

    def listener(**kwargs):
        pass

    post_save.connect(listener, sender=OrderEvent)
    try:
        with pytest.raises(ImproperlyConfigured, match="a save signal listens"):
            insert_together([OrderEvent(order=order, to_status="pending")])
    finally:
        post_save.disconnect(listener, sender=OrderEvent)
    assert not OrderEvent.objects.filter(order=order).exists()  # refused before anything was sent


def test_decimal_and_string_parameters_are_passed_through():
    cheap = ProductFactory(price=Decimal("9.99"), sku="CHEAP-1")
    ProductFactory(price=Decimal("99.00"), sku="DEAR-1")
    statement = Statement(lambda *, most, sku: Product.objects.filter(price__lte=most, sku=sku))
    assert statement.fetch(most=Decimal("10.00"), sku="CHEAP-1") == [cheap]
    assert statement.fetch(most=Decimal("10.00"), sku="DEAR-1") == []
    assert statement.fetch(most=Decimal("100"), sku="DEAR-1")[0].sku == "DEAR-1"


def test_a_lookup_that_rewrites_its_value_is_refused():
    # `startswith` sends "prefix%": the value reaches the SQL changed, so it cannot be a parameter.
    statement = Statement(lambda *, prefix: Product.objects.filter(sku__startswith=prefix))
    with pytest.raises(ImproperlyConfigured):
        statement.fetch(prefix="CHEAP")


def test_attach_prefetched_answers_the_relation_without_a_query():
    order = OrderFactory()
    items = OrderItemFactory.create_batch(2, order=order)
    fresh = Order.objects.get(pk=order.pk)
    attach_prefetched(fresh, "items", items)
    with CaptureQueriesContext(connection) as queries:
        assert list(fresh.items.all()) == items
    assert queries.captured_queries == []


@pytest.mark.django_db(transaction=True)
def test_threads_share_one_compiled_statement_each_on_its_own_connection():
    products = ProductFactory.create_batch(8)
    statement = Statement(lambda *, pk: Product.objects.filter(pk=pk).values_list("sku", flat=True))
    statement.fetch(pk=products[0].pk)

    results = run_together(*(lambda p=p: statement.fetch(pk=p.pk) for p in products))
    assert results == [[p.sku] for p in products]


def test_a_select_follows_the_router_when_it_sends_the_reads_elsewhere(monkeypatch):
    product = ProductFactory()
    build = Counting(lambda *, pk: Product.objects.filter(pk=pk))
    statement = Statement(build)
    assert statement.fetch(pk=product.pk) == [product]  # compiled for "default"
    calls = build.calls

    class Elsewhere:  # as in a replica block: the model's reads go to another database
        @staticmethod
        def db_for_read(model, **hints):
            return "replica"

    monkeypatch.setattr("shop.statements.router", Elsewhere)
    assert statement.fetch(pk=product.pk) == [product]  # the plain ORM ran it (Django's own router)
    assert build.calls == calls + 1


def test_a_compiled_select_works_out_its_columns_converters_once_per_connection(monkeypatch):
    cheap, dear = ProductFactory(price=Decimal("1.10")), ProductFactory(price=Decimal("20.05"))
    statement = Statement(lambda *, pk: Product.objects.filter(pk=pk))
    asked = []
    original = type(connection.ops).get_db_converters

    def counting(ops, expression):
        asked.append(expression)
        return original(ops, expression)

    monkeypatch.setattr(type(connection.ops), "get_db_converters", counting)
    [first] = statement.fetch(pk=cheap.pk)
    columns = len(asked)
    assert columns > 0
    [second] = statement.fetch(pk=dear.pk)
    assert len(asked) == columns  # kept: not asked again
    # Still converted, each call with its own row: exact Decimals, aware datetimes, the row's own values.
    assert (first.pk, first.price, second.pk, second.price) == (
        cheap.pk,
        Decimal("1.10"),
        dear.pk,
        Decimal("20.05"),
    )
    assert second.created_at == Product.objects.get(pk=dear.pk).created_at
    assert second.created_at.utcoffset() == timedelta(0)
    # Another list of expressions on the same compiler is answered afresh, never with the kept converters.
    compiled = next(iter(statement._compiled.values()))
    get_converters = _converters_kept(compiled, compiled.compiler, connection)
    kept_for = [s[0] for s in compiled.compiler.select]
    assert get_converters(kept_for) is get_converters(kept_for)
    assert get_converters(kept_for[:1]) is not get_converters(kept_for)
