"""Bulk writes for the syncs' hot path: upserts, and temporary tables of ids.

Django's ``bulk_create(update_conflicts=True)`` builds its SQL in Python value by value
(and SQLite's 999-parameter limit cuts a page of 5,000 worklogs into ~50 statements); for
a Tempo page that costs more than the database work itself (see ``make bench``). Here an
``INSERT … ON CONFLICT … DO UPDATE`` takes every row: on SQLite one prepared statement
through ``executemany``; on PostgreSQL the rows are copied (``COPY … FROM STDIN`` in binary:
psycopg's C dumpers write them, the server reads them without parsing text) into a
temporary table and inserted from there in one statement — not passed as parameters,
which Django's psycopg cursor turns into SQL literals in Python (about half a
5,000-worklog page's write time, docs/benchmarks.md). An upsert can also leave unchanged
rows as they are (``compare``), so a re-read of the same data writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction

T = TypeVar("T")


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How the database backend adapts a value of ``field`` for a query (Django's
    ``DatabaseOperations.adapt_*field_value``); None for a field whose values go as they
    are."""
    kind = field.get_internal_type()
    ops = connection.ops
    if kind == "DateTimeField" and connection.vendor == "sqlite" and settings.USE_TZ:
        return _sqlite_datetime(connection.timezone, ops.adapt_datetimefield_value)
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    return None


def _adapted(
    rows: Iterable[tuple], adapters: Sequence[Callable[[Any], Any] | None], tail: Sequence[Any]
) -> list[tuple]:
    """The parameters of one statement per row: each row's values adapted column by column
    (``_adapter``; the columns that need none are not touched value by value), then the
    ``tail`` values, the same for every row. ``rows`` is not empty."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for index, adapt in enumerate(adapters):
        if adapt is not None:
            columns[index] = list(map(adapt, columns[index]))
    return list(zip(*columns, *(repeat(value, len(columns[0])) for value in tail), strict=True))


def _sqlite_datetime(zone: dt.tzinfo, adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Django's SQLite ``adapt_datetimefield_value`` for an aware datetime (with
    ``USE_TZ``: naive in the connection's time zone, as text), without its per-value
    settings look-up (a third of a page's adapting); anything else goes to Django's."""

    def adapted(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.utcoffset() is not None:
            return str(value.astimezone(zone).replace(tzinfo=None))
        return adapt(value)

    return adapted


def upsert(
    model: type[models.Model],
    rows: Iterable[Mapping[str, Any]],
    *,
    unique: str,
    update: Sequence[str] | None = None,
    compare: Sequence[str] | None = None,
    rewrite_stored: Mapping[str, Any] | None = None,
) -> int:
    """Insert ``rows``, updating ``update`` on a ``unique`` clash; returns the rows sent.

    Each row maps a field name of ``model`` to its value (a foreign key by its field name,
    with the related row's pk); every row has the same names, those of the first. ``update``
    defaults to every name but ``unique``. A row with other names raises ValueError (another
    count) or KeyError (another name). Two rows with the same ``unique`` value raise the
    database's error (PostgreSQL: "ON CONFLICT DO UPDATE command cannot affect row a second
    time").

    ``compare`` (names of the rows) makes a clash update the stored row only when one of
    them differs from what is stored (NULL equal to NULL), or when a name of
    ``rewrite_stored`` holds the given value in the stored row: an unchanged row is then not
    rewritten at all — no new row version, no index entries, no row in a statement
    trigger's transition table (PostgreSQL's INSERT documentation: rows for which the ``ON
    CONFLICT DO UPDATE … WHERE`` condition is false are not updated, only locked). Without
    ``compare`` every clashing row is updated.

    On PostgreSQL the rows are copied in binary when every column's type allows
    (``_BINARY_SAFE``): each value must then be of its field's Python type (``int`` for an
    integer, ``str`` for text, ``date``, ``time``, an aware ``datetime``, ``bool``) — a
    string of digits for an integer column is refused instead of parsed.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    columns = tuple(rows[0])
    if update is None:
        update = [name for name in columns if name != unique]
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [meta.get_field(name) for name in columns]

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    column_sql = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(f"{column(n)} = EXCLUDED.{column(n)}" for n in update)
    # Identifiers come from the model's metadata, quoted; every value is a parameter.
    tail = f" ON CONFLICT ({column(unique)}) DO UPDATE SET {updates}"
    tail_params: list[Any] = []
    if compare:
        # SQLite's IS NOT is PostgreSQL's IS DISTINCT FROM (which SQLite has only since 3.39).
        distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        changed = [f"{table}.{column(n)} {distinct} EXCLUDED.{column(n)}" for n in compare]
        for name, value in (rewrite_stored or {}).items():
            changed.append(f"{table}.{column(name)} = %s")
            adapt = _adapter(meta.get_field(name))
            tail_params.append(value if adapt is None else adapt(value))
        tail += f" WHERE {' OR '.join(changed)}"
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    width = len(columns)

    def checked(row: Mapping[str, Any]) -> tuple:
        if len(row) != width:
            raise ValueError(f"Every row needs exactly the columns {columns}, not {tuple(row)}.")
        return values(row)

    if connection.vendor == "postgresql":
        _copy_upsert(table, column_sql, meta.db_table, map(checked, rows), tail, tail_params)
        return len(rows)
    params = _adapted(map(checked, rows), [_adapter(f) for f in fields], tail_params)
    one_row = f"({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        # SQLite runs a prepared statement per row in-process: executemany is fastest.
        cursor.executemany(
            f"INSERT INTO {table} ({column_sql}) VALUES {one_row}{tail}",  # noqa: S608
            params,
        )
    return len(params)


def _copy_upsert(
    table: str, column_sql: str, db_table: str, rows: Iterable[tuple], tail: str, params: list
) -> None:
    """PostgreSQL: ``rows`` copied into a temporary staging table of these columns (one per
    table and column list, made on first use by each connection, emptied by the statement
    that reads it and at every commit), then inserted from it with ``tail``."""
    digest = hashlib.sha256(f"{db_table}({column_sql})".encode()).hexdigest()[:10]
    stage = connection.ops.quote_name(f"upsert_{db_table[:40]}_{digest}")
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS "  # noqa: S608
            f"AS SELECT {column_sql} FROM {table} WITH NO DATA"
        )
        types = _binary_types(cursor, stage)
        if types is None:
            # psycopg formats each row as text; the server parses them as the staging
            # table's column types, the table's own.
            with cursor.cursor.copy(f"COPY {stage} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Binary: each value dumped by psycopg's C dumper of the column's type, and
            # taken as is by the server (no text to format here and parse there): a fifth
            # of the text's cost (5,000 Tempo worklogs copied: 17 ms against 86 ms).
            with cursor.cursor.copy(
                f"COPY {stage} ({column_sql}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        cursor.execute(
            f"WITH staged AS (DELETE FROM {stage} RETURNING {column_sql}) "  # noqa: S608
            f"INSERT INTO {table} ({column_sql}) SELECT {column_sql} FROM staged{tail}",
            params,
        )


# Built-in PostgreSQL types whose binary COPY psycopg dumps from the Python values Django's
# fields hold (bool, int2/4/8, text, varchar, date, time, timestamptz, uuid); a staging
# table with another column type (numeric, float, JSON…) is copied as text.
_BINARY_SAFE = frozenset({16, 20, 21, 23, 25, 1043, 1082, 1083, 1184, 2950})
# The staging tables' column type OIDs, per database and table: the same on every
# connection (built-in types only), looked up once per process.
_stage_types: dict[tuple[str, str], list[int] | None] = {}


def _binary_types(cursor, stage: str) -> list[int] | None:
    """The type OIDs of ``stage``'s columns, in order, when all can be copied in binary;
    None when one cannot."""
    key = (str(connection.settings_dict.get("NAME")), stage)
    if key not in _stage_types:
        cursor.execute(
            "SELECT atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [f"pg_temp.{stage}"],
        )
        oids = [int(oid) for (oid,) in cursor.fetchall()]
        _stage_types[key] = oids if oids and _BINARY_SAFE.issuperset(oids) else None
    return _stage_types[key]


class TemporaryIds:
    """A temporary table of integer ids (``name``, one column ``id``, indexed) on this
    thread's database connection: a set of ids too large to hold in Python that SQL can
    join against (``sql``: ``SELECT id FROM …``).

    ``create()`` makes it empty (replacing one of the same name this connection still has);
    ``add(ids)`` adds ids in bulk (duplicates are harmless); ``drop()`` removes it. It lives
    as long as the connection: a reconnection loses it, and a query that needs it then
    raises the database's error (relation does not exist), never reads a wrong set. Adding
    is transactional: ids added in a transaction that rolls back are not kept.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def _table(self) -> str:
        quoted = connection.ops.quote_name(self.name)
        return f"pg_temp.{quoted}" if connection.vendor == "postgresql" else f"temp.{quoted}"

    @property
    def sql(self) -> str:
        return f"SELECT id FROM {self._table}"  # noqa: S608 - the name is quoted

    def create(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self._table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {quote(self.name)} (id bigint NOT NULL)")
            index = quote(f"{self.name}_id")
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE INDEX {index} ON {self._table} (id)")
            else:
                cursor.execute(f"CREATE INDEX temp.{index} ON {quote(self.name)} (id)")

    def add(self, ids: Iterable[int]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY's text format: one id a line, written in one go.
                lines = "".join(f"{int(i)}\n" for i in ids)
                with cursor.cursor.copy(f"COPY {self._table} (id) FROM STDIN") as copy:
                    copy.write(lines)
            else:
                cursor.executemany(
                    f"INSERT INTO {self._table} (id) VALUES (%s)",  # noqa: S608
                    [(i,) for i in ids],
                )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self._table}")


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
