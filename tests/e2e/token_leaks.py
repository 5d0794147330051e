"""Look for a token in the raw database: the SQLite file's bytes, or every text column."""

from __future__ import annotations

from pathlib import Path

from django.db import connection


def assert_token_not_in_database(token: str, expect_ciphertext: str | None = None) -> None:
    if connection.vendor == "sqlite":
        raw = _sqlite_bytes()
        assert token.encode() not in raw, "the token is in the SQLite file in plain text"
        if expect_ciphertext:  # proof that we read the file the app writes to
            assert expect_ciphertext.encode() in raw
    else:
        hits = _postgres_columns_containing(token)
        assert hits == [], f"the token is in plain text in {hits}"
        if expect_ciphertext:
            assert _postgres_columns_containing(expect_ciphertext)


def _sqlite_bytes() -> bytes:
    connection.ensure_connection()
    name = Path(connection.settings_dict["NAME"])
    assert name.exists(), f"expected a file-backed SQLite test database at {name}"
    chunks = []
    for suffix in ("", "-wal", "-journal"):
        path = name.with_name(name.name + suffix)
        if path.exists():
            chunks.append(path.read_bytes())
    return b"".join(chunks)


def _postgres_columns_containing(value: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
            """
        )
        columns = cursor.fetchall()
        hits = []
        for table, column in columns:
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE position(%s in "{column}"::text) > 0 LIMIT 1',  # noqa: S608
                [value],
            )
            if cursor.fetchone():
                hits.append(f"{table}.{column}")
        return hits
