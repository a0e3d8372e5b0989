"""Many rows into one table, as fast as each database takes them.

PostgreSQL takes ``COPY ... FROM STDIN``: one stream instead of a statement per row
(psycopg's pipelined ``executemany`` spends most of a large import waiting on them).
SQLite runs in-process, where SQLAlchemy's ``executemany`` is already close to the
driver's speed, so it keeps SQLAlchemy's type handling.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Enum, Table, insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    values_of = itemgetter(*names)
    conversions = [
        (position, convert)
        for position, name in enumerate(names)
        if (convert := _copy_conversion(table.c[name].type)) is not None
    ]
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    driver = connection.connection.driver_connection
    assert driver is not None, "a live psycopg connection"
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = list(values_of(row)) if len(names) > 1 else [row[names[0]]]
            for position, convert in conversions:
                values[position] = convert(values[position])
            copy.write_row(values)


def _copy_conversion(column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """How a value reaches COPY as SQLAlchemy would bind it on PostgreSQL; None: as it is.

    ``ExactMoney`` and ``UTCDateTime`` bind Decimals and aware datetimes unchanged there
    (``models/types.py``); enums bind their value, JSON columns JSON text.
    """
    if isinstance(column_type, Enum):
        return _enum_value
    if isinstance(column_type, JSON):
        return _json_text
    return None


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
