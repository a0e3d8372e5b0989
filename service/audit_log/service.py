"""Reading the audit trail: filtered by object, account and time, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditRecord
from service.http.pagination import fetch_page
from service.http.problems import Invalid, field_problem


@dataclass(frozen=True, slots=True)
class AuditFilters:
    object_type: str | None = None
    object_id: str | None = None
    actor_account_id: str | None = None
    actor_user_id: str | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A time without an offset is read as UTC, the trail's own clock."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def list_page(
    *, session: Session, filters: AuditFilters, limit: int, cursor: str | None
) -> tuple[Sequence[AuditRecord], str | None]:
    since, until = as_utc(filters.since), as_utc(filters.until)
    if since is not None and until is not None and since >= until:
        message = "since must be earlier than until"
        raise Invalid(
            message,
            errors=[
                field_problem("since", "time_range", message, location="query"),
                field_problem("until", "time_range", message, location="query"),
            ],
        )
    statement = select(AuditRecord)
    if filters.object_type is not None:
        statement = statement.where(AuditRecord.object_type == filters.object_type)
    if filters.object_id is not None:
        statement = statement.where(AuditRecord.object_id == filters.object_id)
    if filters.actor_account_id is not None:
        statement = statement.where(AuditRecord.actor_account_id == filters.actor_account_id)
    if filters.actor_user_id is not None:
        statement = statement.where(AuditRecord.actor_user_id == filters.actor_user_id)
    if since is not None:
        statement = statement.where(AuditRecord.occurred_at >= since)
    if until is not None:
        statement = statement.where(AuditRecord.occurred_at < until)
    return fetch_page(
        session=session,
        statement=statement,
        created_at_column=AuditRecord.occurred_at,
        id_column=AuditRecord.id,
        limit=limit,
        cursor=cursor,
    )


def histories_of(
    *, session: Session, object_type: str, object_ids: Sequence[str], limit_each: int
) -> dict[str, list[AuditRecord]]:
    """Each object's records, newest first, at most ``limit_each`` each: one query for a
    page of objects (a startup's requests), not one per object."""
    histories: dict[str, list[AuditRecord]] = {object_id: [] for object_id in object_ids}
    if not object_ids:
        return histories
    # The cap is applied in SQL (a window per object), so a request edited a thousand times
    # costs the page the same as one edited twice.
    position = (
        func.row_number()
        .over(
            partition_by=AuditRecord.object_id,
            order_by=(AuditRecord.occurred_at.desc(), AuditRecord.id.desc()),
        )
        .label("position")
    )
    ranked = (
        select(AuditRecord.id.label("record_id"), position)
        .where(AuditRecord.object_type == object_type, AuditRecord.object_id.in_(object_ids))
        .subquery()
    )
    records = session.scalars(
        select(AuditRecord)
        .join(ranked, ranked.c.record_id == AuditRecord.id)
        .where(ranked.c.position <= limit_each)
        .order_by(AuditRecord.occurred_at.desc(), AuditRecord.id.desc())
    )
    for record in records:
        histories[record.object_id].append(record)
    return histories
