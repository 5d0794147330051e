"""Upserts through the DB-API's ``executemany``, for the syncs' hot path.

Django's ``bulk_create(update_conflicts=True)`` builds its SQL in Python value by value
(and SQLite's 999-parameter limit cuts a page of 5,000 worklogs into ~50 statements); for
a Tempo page that costs more than the database work itself (see ``make bench``). Here an
``INSERT … ON CONFLICT … DO UPDATE`` takes every row — one prepared statement through
``executemany`` on SQLite, one ``INSERT … SELECT FROM unnest(arrays)`` on PostgreSQL — with
values adapted once per column type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from django.db import connection, models

T = TypeVar("T")


def _adapter(field: models.Field) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    ops = connection.ops
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    return lambda value: value


def upsert(
    model: type[models.Model],
    rows: Iterable[Mapping[str, Any]],
    *,
    unique: str,
    update: Sequence[str] | None = None,
) -> int:
    """Insert ``rows``, updating ``update`` on a ``unique`` clash; returns the rows sent.

    Each row maps a field name of ``model`` to its value (a foreign key by its field name,
    with the related row's pk); every row has the same names, those of the first. ``update``
    defaults to every name but ``unique``. A row with other names raises ValueError (another
    count) or KeyError (another name).
    """
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    columns = tuple(rows[0])
    if update is None:
        update = [name for name in columns if name != unique]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns]
    column_sql = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(
        f"{quote(meta.get_field(n).column)} = EXCLUDED.{quote(meta.get_field(n).column)}"
        for n in update
    )
    # Identifiers come from the model's metadata, quoted; every value is a parameter.
    insert = f"INSERT INTO {quote(meta.db_table)} ({column_sql}) "  # noqa: S608
    tail = f" ON CONFLICT ({quote(meta.get_field(unique).column)}) DO UPDATE SET {updates}"
    adapters = [_adapter(f) for f in fields]
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    width = len(columns)
    params = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"Every row needs exactly the columns {columns}, not {tuple(row)}.")
        params.append(tuple(adapt(v) for adapt, v in zip(adapters, values(row), strict=True)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One short statement per call whatever the row count: each column travels as one
            # array and unnest() turns them back into rows, so neither psycopg nor the server
            # parses thousands of placeholders (make bench).
            arrays = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in fields)
            cursor.execute(
                f"{insert}SELECT * FROM unnest({arrays}){tail}",  # noqa: S608
                [list(column) for column in zip(*params, strict=True)],
            )
        else:
            # SQLite runs a prepared statement per row in-process: executemany is fastest.
            one_row = f"({', '.join(['%s'] * len(fields))})"
            cursor.executemany(f"{insert}VALUES {one_row}{tail}", params)
    return len(params)


# Ids per query when a list of them filters rows: far below any database's parameter limit.
IN_BATCH = 500


def chunked(values: Iterable[T], size: int = IN_BATCH) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, in order: a long list of ids meets a
    database's limit on query parameters (SQLite's, psycopg's) one chunk at a time."""
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
