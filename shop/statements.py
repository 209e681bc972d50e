"""Hot-path statements compiled once per process (issue 19).

The ORM builds and compiles a queryset on every call; on the cart and checkout paths that is most of a
request's Python time. A `Statement` wraps a function that builds the queryset from named parameters. On
first use for a parameter shape it builds the queryset with stand-in values, keeps the SQL the ORM wrote
and where each parameter landed in it, and from then on runs that SQL with the real values: the same SQL
from the same expressions (each rule keeps its one home), without the per-call building and compiling.

Rules that keep it exact:
- The stand-ins are fresh unique values of each parameter's own type (UUID, datetime, int, Decimal, str;
  a list gets one per element). The statement is compiled twice with two sets and is refused
  (`ImproperlyConfigured`) unless both give the same SQL and every value that differs between them is a
  stand-in passed straight through, so a builder that derives a value from a parameter (`now - ttl`)
  fails loudly instead of freezing the first value.
- A boolean, `None` or a list's length is part of the shape: each shape is compiled on its own; a list
  longer than `MAX_LIST` is never compiled (the plain ORM runs it).
- Off PostgreSQL (SQLite for `make run`) the builder's queryset runs as the plain ORM would: values are
  adapted per backend there, and nothing is hot.
- `SELECT … FOR UPDATE` still refuses to run outside a transaction, as the ORM does.
- A SELECT runs on the database it was compiled for only while the router still sends its model's
  reads there (a replica block, shop/db.py); otherwise the plain ORM runs it where the router says.
- Writes: `Update` (`.update()`), `Delete` (`.delete()`, run compiled only while Django would
  fast-delete: no cascade, no delete signal) and `Insert` (one row, every value given, embedded only).
  `sql()` gives any of them to embed in a larger statement (`run_along`).
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import DeleteQuery, InsertQuery, UpdateQuery
from django.db.transaction import TransactionManagementError

#: Lists longer than this are run by the plain ORM (one compiled shape per length otherwise).
MAX_LIST = 32


@dataclass(frozen=True)
class Update:
    """What a builder returns for an `UPDATE`: `queryset.update(**values)`, compiled instead of run."""

    queryset: QuerySet
    values: dict[str, Any]

    def __init__(self, queryset: QuerySet, **values: Any) -> None:
        object.__setattr__(self, "queryset", queryset)
        object.__setattr__(self, "values", values)

    def compiler(self):
        # What QuerySet.update() does before it executes (Django 5.2).
        query = self.queryset.query.chain(UpdateQuery)
        query.add_update_values(self.values)
        query.annotations = {}
        return query.get_compiler(self.queryset.db)


@dataclass(frozen=True)
class Delete:
    """What a builder returns for a `DELETE`: `queryset.delete()` as its one statement, compiled instead
    of run. It runs only while Django would "fast-delete" the rows too (nothing cascades from the model and
    no delete signal listens: `Collector.can_fast_delete`, asked on every call); otherwise the ORM's own
    `delete()` runs, with its cascades and signals."""

    queryset: QuerySet

    def compiler(self):
        # What QuerySet._raw_delete() does before it executes (Django 5.2).
        query = self.queryset.query.clone()
        query.__class__ = DeleteQuery
        return query.get_compiler(self.queryset.db)


class Insert:
    """What a builder returns for an `INSERT` of one row, to embed (`Statement.sql`, `run_along`).
    `values` name every column the builder sets, its primary key included: they are stored as given (no
    field default or `auto_now` is applied, and no save signal is sent, as for `bulk_create`); an
    auto-incremented key not given is returned (RETURNING)."""

    def __init__(self, model, **values: Any) -> None:
        self.model, self.values = model, values

    @property
    def db(self) -> str:
        return router.db_for_write(self.model)

    def returning(self) -> list:
        pk = self.model._meta.pk
        return [] if pk.attname in self.values else [pk]

    def compiler(self):
        # What Model._do_insert() and QuerySet._insert() do (Django 5.2), the values stored as given.
        opts = self.model._meta
        query = InsertQuery(self.model)
        query.insert_values(
            [opts.get_field(name) for name in self.values], [self.model(**self.values)], raw=True
        )
        compiler = query.get_compiler(using=self.db)
        compiler.returning_fields = self.returning()
        return compiler


def _save_signalled(model) -> bool:
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def _fast_deletable(model, alias: str) -> bool:
    return Collector(using=alias, origin=None).can_fast_delete(model)


@dataclass(frozen=True)
class _Compiled:
    alias: str
    sql: str
    # Per SQL parameter: (name, list index or None, the type to wrap the value in), or (None, constant, None).
    slots: tuple[tuple[Any, Any, Any], ...]
    queryset: QuerySet | None  # the template of a SELECT
    compiler: Any  # its compiler, set up by as_sql() (select, klass_info, annotations)
    for_update: bool
    deletes: Any = None  # the model a `Delete` removes rows of

    def values(self, params: dict[str, Any]) -> list[Any]:
        out = []
        for name, key, wrap in self.slots:
            if name is None:
                out.append(key)
            else:
                value = params[name] if key is None else params[name][key]
                out.append(value if type(value) is wrap else wrap(value))
        return out


def _standin(value: Any, rng: random.Random) -> Any:
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=rng.getrandbits(128), version=4)
    if isinstance(value, datetime):
        return datetime(2900, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**15))
    if isinstance(value, Decimal):
        return Decimal(rng.randrange(10**9, 10**10)) / 100
    if isinstance(value, int):  # within 32 bits: Django refuses an IntegerField lookup beyond them
        return rng.randrange(10**8, 2 * 10**9)
    if isinstance(value, str):
        return f"standin-{rng.getrandbits(64):016x}"
    raise TypeError(f"Statement: no stand-in for a {type(value).__name__} parameter")


def _shape(params: dict[str, Any]) -> tuple | None:
    """The part of the parameters the SQL depends on; None when it must not be compiled."""
    shape = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIST:
                return None
            shape.append((name, "list", len(value)))
        elif value is None or isinstance(value, bool):
            shape.append((name, "fixed", value))
        else:
            shape.append((name, "value", None))
    return tuple(shape)


class Statement:
    """A queryset shape, compiled once per process and parameter shape; see the module docstring.

    `build(**params)` returns a QuerySet (for `fetch`), an `Update` or a `Delete` (for `execute`), or an
    `Insert`; `sql` gives any of them to embed."""

    def __init__(self, build: Callable[..., QuerySet | Update]) -> None:
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}

    # -- compiling ---------------------------------------------------------------------------------

    def _standins(self, params: dict[str, Any], seed: int) -> dict[str, Any]:
        rng = random.Random(seed)
        out = {}
        for name, value in params.items():
            if isinstance(value, list | tuple):
                out[name] = [_standin(item, rng) for item in value]
            elif value is None or isinstance(value, bool):
                out[name] = value
            else:
                out[name] = _standin(value, rng)
        return out

    def _compile_once(self, standins: dict[str, Any]):
        built = self.build(**standins)
        if isinstance(built, Insert):
            [(sql, params)] = built.compiler().as_sql()
            return built.db, sql, list(params), None, None
        if isinstance(built, Update | Delete):
            compiler = built.compiler()
            sql, params = compiler.as_sql()
            deletes = built.queryset.model if isinstance(built, Delete) else None
            return built.queryset.db, sql, list(params), None, deletes
        compiler = built.query.get_compiler(using=built.db)
        sql, params = compiler.as_sql()
        return built.db, sql, list(params), built, compiler

    def _compile(self, params: dict[str, Any]) -> _Compiled:
        a, b = self._standins(params, 1), self._standins(params, 2)
        alias, sql, params_a, queryset, compiler = self._compile_once(a)  # UPDATE/DELETE: (None, model)
        _, sql_b, params_b, _, _ = self._compile_once(b)
        if sql != sql_b or len(params_a) != len(params_b):
            raise ImproperlyConfigured(f"{self.build.__qualname__}: the SQL depends on parameter values")

        def same(standin: Any, value: Any) -> bool:
            # The backend may wrap a value in a subclass of its type (psycopg's Int4 for an integer).
            return isinstance(value, type(standin)) and not isinstance(value, bool) and standin == value

        def locate(value: Any, standins: dict[str, Any]):
            for name, standin in standins.items():
                if isinstance(standin, list):
                    for index, item in enumerate(standin):
                        if same(item, value):
                            return name, index, type(value)
                elif same(standin, value):
                    return name, None, type(value)
            return None

        slots = []
        for value_a, value_b in zip(params_a, params_b, strict=True):
            where_a, where_b = locate(value_a, a), locate(value_b, b)
            if where_a is not None and where_a == where_b:
                slots.append(where_a)
            elif where_a is None and where_b is None and value_a == value_b:
                slots.append((None, value_a, None))
            else:
                raise ImproperlyConfigured(
                    f"{self.build.__qualname__}: a parameter reaches the SQL changed (derived from another?)"
                )
        for_update = bool(queryset is not None and queryset.query.select_for_update)
        if queryset is None:  # an INSERT, UPDATE or DELETE (`compiler`: a Delete's model, else None)
            return _Compiled(alias, sql, tuple(slots), None, None, False, deletes=compiler)
        return _Compiled(alias, sql, tuple(slots), queryset, compiler, for_update)

    def _get(self, params: dict[str, Any]) -> _Compiled | None:
        shape = _shape(params)
        if shape is None:
            return None
        compiled = self._compiled.get(shape)
        if compiled is None:
            built = self.build(**params)
            db = built.queryset.db if isinstance(built, Update | Delete) else built.db  # an Insert's too
            if connections[db].vendor != "postgresql":
                return None
            compiled = self._compiled[shape] = self._compile(params)
        return compiled

    # -- running ------------------------------------------------------------------------------------

    def sql(self, **params: Any) -> tuple[str, list[Any]]:
        """The SQL and its parameter values (to embed the statement in a larger one, or to run it beside
        another in one round trip). Embedded, an `Insert`, `Update` or `Delete` is its one statement
        only, as the SQL says: no signal is sent and nothing cascades."""
        compiled = self._get(params)
        if compiled is None:
            built = self.build(**params)
            if isinstance(built, Insert):
                [(sql, values)] = built.compiler().as_sql()
            elif isinstance(built, Update | Delete):
                sql, values = built.compiler().as_sql()
            else:
                sql, values = built.query.get_compiler(using=built.db).as_sql()
            return sql, list(values)
        return compiled.sql, compiled.values(params)

    def fetch(self, **params: Any) -> list[Any]:
        """Run a SELECT: what `list(build(**params))` gives (instances, values or tuples, prefetches)."""
        compiled = self._get(params)
        if compiled is None or (
            not compiled.for_update and router.db_for_read(compiled.queryset.model) != compiled.alias
        ):
            return list(self.build(**params))
        connection = connections[compiled.alias]
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        sql, values = compiled.sql, compiled.values(params)
        compiler.as_sql = lambda *args, **kwargs: (sql, values)
        compiler.get_converters = _converters_kept(compiled, compiler, connection)
        queryset = compiled.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def execute(self, **params: Any) -> int:
        """Run an UPDATE or a DELETE (an `Update` or `Delete` builder): the number of rows changed, as
        `.update()` returns (for a `Delete`, the rows of its model that `.delete()` removed)."""
        compiled = self._get(params)
        if compiled is None or (
            compiled.deletes is not None and not _fast_deletable(compiled.deletes, compiled.alias)
        ):
            built = self.build(**params)
            if isinstance(built, Delete):
                return built.queryset.delete()[1].get(built.queryset.model._meta.label, 0)
            return built.queryset.update(**built.values)
        with connections[compiled.alias].cursor() as cursor:
            cursor.execute(compiled.sql, compiled.values(params))
            return cursor.rowcount


def _converters_kept(compiled: _Compiled, compiler, connection) -> Callable:
    """`compiler.get_converters`, asked once per connection for the compiled SELECT's own columns.

    Django works out each column's converters (backend and field) on every execution; for a compiled
    statement the columns are the same objects every time, so the answer is kept on the connection (the
    converters are its backend's methods) beside the columns it was for, and given again only for
    exactly those objects. Any other list of expressions is answered afresh."""
    kept = connection.__dict__.setdefault("_statement_converters", {})
    compute = compiler.get_converters

    def get_converters(expressions):
        found = kept.get(id(compiled))
        if (
            found is not None
            and len(found[0]) == len(expressions)
            and all(a is b for a, b in zip(found[0], expressions, strict=True))
        ):
            return found[1]
        converters = compute(expressions)
        kept[id(compiled)] = (tuple(expressions), converters)
        return converters

    return get_converters


def run_along(
    sql: str, params: list, along: tuple[str, list] | None, *, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Execute the write `sql` and, first, the independent write `along` (SQL and parameters, e.g. a
    `Statement.sql()`): on PostgreSQL in one round trip, `along` in a WITH clause (a data-modifying WITH
    runs exactly once, whether or not it is read); elsewhere as two statements. Returns the row count of
    `sql`. Call inside a transaction: a failure after it rolls both back."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if along is not None and connection.vendor == "postgresql":
            cursor.execute(f"WITH along AS ({along[0]}) {sql}", [*along[1], *params])
        else:
            if along is not None:
                cursor.execute(*along)
            cursor.execute(sql, params)
        return cursor.rowcount


def insert_together(
    *groups: list[Any], along: tuple[str, list] | list[tuple[str, list]] | None = None
) -> None:
    """Save new rows of several models in one round trip: each group (new instances of one model) is
    one INSERT, every group but the last in a data-modifying WITH (on PostgreSQL; elsewhere one statement
    per group, in order). `along` is an independent write, or a list of them, sent with them, first (as in
    `run_along`). What `save()` does to the values happens (defaults, `auto_now`) and the last
    group's auto-incremented keys are read back; no save signal is sent, as for `bulk_create`, so a model a
    save signal listens to is refused. The rows may point at each other: Django's foreign keys on
    PostgreSQL are checked at commit (DEFERRABLE INITIALLY DEFERRED). Call inside a transaction."""
    statements = []
    for position, objs in enumerate(groups):
        model = type(objs[0])
        opts = model._meta
        if _save_signalled(model):
            raise ImproperlyConfigured(f"insert_together: a save signal listens to {opts.label}")
        returning = list(opts.db_returning_fields)
        if returning and position != len(groups) - 1:
            raise ImproperlyConfigured(f"insert_together: {opts.label} reads keys back: put it last")
        alias = router.db_for_write(model)
        fields = [f for f in opts.local_concrete_fields if not f.generated and f is not opts.auto_field]
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="insert_together")
        query = InsertQuery(model)
        query.insert_values(fields, objs)
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = returning
        [(sql, params)] = compiler.as_sql()
        statements.append((alias, sql, list(params), objs, returning))
    alongs = [] if along is None else along if isinstance(along, list) else [along]
    connection = connections[statements[-1][0]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len({alias for alias, *_ in statements}) == 1:
            withs = [f"along{f'_{n}' if n else ''} AS ({sql})" for n, (sql, _) in enumerate(alongs)]
            withs += [f"insert_{n} AS ({sql})" for n, (_, sql, *_rest) in enumerate(statements[:-1])]
            values = [value for _, params in alongs for value in params]
            values += [value for _, _, params, *_ in statements for value in params]
            sql = f"WITH {', '.join(withs)} {statements[-1][1]}" if withs else statements[-1][1]
            cursor.execute(sql, values)
        else:
            for write in alongs:
                cursor.execute(*write)
            for _, sql, params, *_ in statements[:-1]:
                cursor.execute(sql, params)
            cursor.execute(statements[-1][1], statements[-1][2])
        rows = cursor.fetchall() if statements[-1][4] else []
    for alias, _, _, objs, _returning in statements:
        for obj in objs:
            obj._state.adding, obj._state.db = False, alias
    for obj, row in zip(statements[-1][3], rows, strict=True):
        for field, value in zip(statements[-1][4], row, strict=True):
            setattr(obj, field.attname, value)


def attach_prefetched(instance: Any, name: str, rows: list[Any]) -> None:
    """Give `instance` the related rows `rows` as if `prefetch_related(name)` had read them (what
    Django's `prefetch_one_level` stores), so `instance.<name>.all()` answers from them."""
    related = getattr(instance, name).all()
    related._result_cache = list(rows)
    related._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = related
