"""A database that stops answering, for the tests of issue 8's "database briefly unavailable".

While `down`, every query on Django's connection fails the way a lost PostgreSQL connection
does (OperationalError). The connection itself stays healthy, so the test can go on once the
outage ends; tests/integration/test_worker_faults.py takes a real PostgreSQL away instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection


class Outage:
    def __init__(self) -> None:
        self.down = False
        self.refused = 0  # queries that failed while down

    def __call__(self, execute, sql, params, many, context):
        if self.down:
            self.refused += 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


@contextmanager
def database_outage() -> Iterator[Outage]:
    outage = Outage()
    with connection.execute_wrapper(outage):
        yield outage
