"""Insert many rows at once, for the benchmark-size seed (100,000 worklogs).

`bulk_create` builds a model instance and compiles every value through the field API,
which costs about 15 s for the benchmark's worklogs; writing plain tuples with one
`executemany` per chunk, adapting only the columns whose database form differs from the
Python one, takes a fifth of that. Values go through the backend's own adapters
(`connection.ops`), so SQLite and PostgreSQL both get what they expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from itertools import islice
from typing import Any

from django.db import connections, models, router

CHUNK_SIZE = 5000
# Columns whose Python values the database drivers take as they are.
PLAIN_FIELDS = (models.IntegerField, models.CharField, models.TextField, models.BooleanField)

Adapter = Callable[[Any], Any] | None


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT `rows` (tuples of values for the fields named in `columns`) into `model`'s table.

    No model instances, signals or defaults: every column that has no default in the
    database must be given.
    """
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    # Table and column names come from the model and are quoted; values are parameters.
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
    adapters = [_adapter(field, connection) for field in fields]
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(iterator, CHUNK_SIZE)):
            cursor.executemany(
                sql,
                [
                    [
                        value if adapt is None else adapt(value)
                        for adapt, value in zip(adapters, row, strict=True)
                    ]
                    for row in chunk
                ],
            )


def _adapter(field: models.Field, connection: Any) -> Adapter:
    if isinstance(field, models.ForeignKey):
        return _adapter(field.target_field, connection)
    if isinstance(field, PLAIN_FIELDS):
        return None
    sqlite = connection.vendor == "sqlite"
    if isinstance(field, models.DateTimeField):
        adapt_datetime = connection.ops.adapt_datetimefield_value
        if sqlite:
            # What SQLite's adapter returns for the naive UTC value, without its checks: str()
            # of it, which for a value already in UTC is str() of the value less "+00:00".
            def adapt_sqlite(value):
                if value.tzinfo is UTC:
                    return str(value)[:-6]
                return str(value.astimezone(UTC).replace(tzinfo=None))

            return adapt_sqlite
        # Naive UTC is how both backends store an aware value under USE_TZ (the connection
        # runs in UTC); handing it over naive skips a time zone conversion per value.
        return lambda value: adapt_datetime(value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(field, models.DateField):
        # SQLite's adapters return str() of a date or naive time (500,000 of each at scale).
        return str if sqlite else connection.ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return str if sqlite else connection.ops.adapt_timefield_value
    return _shared_value_adapter(field, connection)


def _shared_value_adapter(field: models.Field, connection: Any) -> Adapter:
    """Adapt through the field, once per distinct object: rows often share one value
    (the demo's worklogs share a handful of attribute lists)."""
    adapted: dict[int, tuple[Any, Any]] = {}

    def adapt(value: Any) -> Any:
        known = adapted.get(id(value))
        if known is None or known[0] is not value:
            known = adapted[id(value)] = (value, field.get_db_prep_save(value, connection))
        return known[1]

    return adapt
