"""Opaque keyset cursors over (a timestamp such as created_at, id), newest first."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.http.problems import Invalid, field_problem

MAX_PAGE_SIZE = 100
ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None


LimitQuery = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size, at most 100")]
CursorQuery = Annotated[
    str | None, Query(max_length=200, description="The next_cursor of the previous page")
]


def encode_cursor(created_at: dt.datetime, object_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), object_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, object_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        parsed = dt.datetime.fromisoformat(created_at)
        if parsed.tzinfo is None or not isinstance(object_id, str):
            raise ValueError
        parsed = parsed.astimezone(dt.UTC)
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError) as exc:
        raise Invalid(
            "The cursor is not one this service issued.",
            errors=[field_problem("cursor", "invalid_cursor", "Unknown cursor", location="query")],
        ) from exc
    return parsed, object_id


def fetch_page(
    *,
    session: Session,
    statement: Select[tuple[ItemT]],
    created_at_column: InstrumentedAttribute[dt.datetime],
    id_column: InstrumentedAttribute[str],
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[ItemT], str | None]:
    """Run ``statement`` for one page; return its rows and the cursor of the next page."""
    if cursor is not None:
        after_created_at, after_id = decode_cursor(cursor)
        statement = statement.where(
            or_(
                created_at_column < after_created_at,
                and_(created_at_column == after_created_at, id_column < after_id),
            )
        )
    statement = statement.order_by(created_at_column.desc(), id_column.desc()).limit(limit + 1)
    rows = session.scalars(statement).all()
    if len(rows) <= limit:
        return rows, None
    last: Any = rows[limit - 1]
    return rows[:limit], encode_cursor(
        getattr(last, created_at_column.key), getattr(last, id_column.key)
    )


def encode_offset_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def decode_offset_cursor(cursor: str | None) -> int:
    """Offset into a ranking; rankings are recomputed per page, so an offset is the state."""
    if cursor is None:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded.encode()))["offset"]
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, json.JSONDecodeError) as exc:
        raise Invalid(
            "The cursor is not one this service issued.",
            errors=[field_problem("cursor", "invalid_cursor", "Unknown cursor", location="query")],
        ) from exc
    return offset
