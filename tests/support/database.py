"""Looking at the test database directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from models import Base


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table of the service."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


@contextmanager
def undone_afterwards(connection: Connection) -> Iterator[None]:
    """Run the block in a savepoint that is rolled back after it, and then released.

    ``ROLLBACK TO SAVEPOINT`` leaves the savepoint established (in PostgreSQL and SQLite
    alike), so without the release the next savepoint nests inside it, and so on: on
    PostgreSQL every level that saw a write keeps its transaction-id lock until the outer
    transaction ends, and a long run of requests in one test filled the server's shared lock
    table ("out of shared memory": 64 x 100 entries by default)."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {savepoint._savepoint}")
