"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Dialect,
    Float,
    Numeric,
    SQLColumnExpression,
    cast,
    type_coerce,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_SCALE = 2
HUNDREDTHS = 10**MONEY_SCALE  # minor units in one unit of an amount
_MINOR_UNITS = Decimal(HUNDREDTHS)


class ExactMoney(TypeDecorator[Decimal]):
    """An exact decimal amount with two places.

    PostgreSQL keeps it as ``NUMERIC(20, 2)``. SQLite has no exact decimal type (its
    NUMERIC affinity turns large values into floats), so there the amount is stored as an
    integer count of hundredths: exact, and still ordered correctly by SQL.
    """

    impl = Numeric(20, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(20, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        quantized = Decimal(value).quantize(Decimal(1) / _MINOR_UNITS)
        if dialect.name == "sqlite":
            return int(quantized * _MINOR_UNITS)
        return quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / _MINOR_UNITS).quantize(Decimal(1) / _MINOR_UNITS)
        return Decimal(value)


def amount_in_hundredths(
    column: SQLColumnExpression[Decimal], dialect: Dialect
) -> ColumnElement[int]:
    """An ``ExactMoney`` column read as whole hundredths (integers), in SQL.

    Exact, and far cheaper to read than a Decimal per row. SQLite stores the amount so
    already; PostgreSQL scales its NUMERIC.
    """
    if dialect.name == "sqlite":
        return type_coerce(column, BigInteger)
    return cast(column * HUNDREDTHS, BigInteger)


def amount_as_float(column: SQLColumnExpression[Decimal], dialect: Dialect) -> ColumnElement[float]:
    """An ``ExactMoney`` column read as a float, in SQL: for ranking, which compares floats.

    Not exact (no money is shown from it); skips the Decimal per row that the column type
    would build.
    """
    if dialect.name == "sqlite":
        as_float = amount_in_hundredths(column, dialect) / float(HUNDREDTHS)
        return typing.cast(ColumnElement[float], as_float)
    return cast(column, Float)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
