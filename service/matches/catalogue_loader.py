"""Read published requests as scoring records, in bulk, without the ORM's object overhead."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import FinancingRequest, FinancingRequestSector, RequestStatus
from scoring import RequestRecord


@dataclass(frozen=True, slots=True)
class LoadedRequest:
    record: RequestRecord
    revision: int


RowT = TypeVar("RowT", bound=tuple[Any, ...])


def _published(statement: Select[RowT], ids: Sequence[str] | None) -> Select[RowT]:
    statement = statement.where(FinancingRequest.status == RequestStatus.PUBLISHED)
    if ids is not None:
        statement = statement.where(FinancingRequest.id.in_(ids))
    return statement


def load_published(session: Session, ids: Sequence[str] | None = None) -> list[LoadedRequest]:
    """Published requests (all, or those of ``ids``) with their sectors and text features."""
    sectors: defaultdict[str, list[str]] = defaultdict(list)
    sector_rows = session.execute(
        _published(
            select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code).join(
                FinancingRequest,
                FinancingRequest.id == FinancingRequestSector.financing_request_id,
            ),
            ids,
        )
    )
    for request_id, code in sector_rows:
        sectors[request_id].append(code)
    rows = session.execute(
        _published(
            select(
                FinancingRequest.id,
                FinancingRequest.stage,
                FinancingRequest.amount,
                FinancingRequest.currency,
                FinancingRequest.region,
                FinancingRequest.event,
                FinancingRequest.title,
                FinancingRequest.summary,
                FinancingRequest.text_features,
                FinancingRequest.revision,
            ),
            ids,
        )
    )
    return [
        LoadedRequest(
            record=RequestRecord(
                id=row.id,
                sectors=tuple(sorted(sectors[row.id])),
                stage=row.stage,
                amount=row.amount,
                currency=row.currency,
                region=row.region,
                event=row.event,
                text=f"{row.title}\n{row.summary}",
                text_counts=row.text_features,
            ),
            revision=row.revision,
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class Change:
    id: str
    revision: int
    published: bool
    updated_at: dt.datetime


def changes_since(session: Session, since: dt.datetime) -> list[Change]:
    """Every request written at or after ``since``, published or not."""
    rows = session.execute(
        select(
            FinancingRequest.id,
            FinancingRequest.revision,
            FinancingRequest.status,
            FinancingRequest.updated_at,
        ).where(FinancingRequest.updated_at >= since)
    )
    return [
        Change(
            id=row.id,
            revision=row.revision,
            published=row.status == RequestStatus.PUBLISHED,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


Probe = tuple[int, dt.datetime | None]


def probe_changes(session: Session, since: dt.datetime) -> Probe:
    """How many requests were written since ``since``, and the latest write: cheap to ask."""
    row = session.execute(
        select(func.count(), func.max(FinancingRequest.updated_at)).where(
            FinancingRequest.updated_at >= since
        )
    ).one()
    latest = row[1]
    if isinstance(latest, str):  # SQLite aggregates skip the column type
        latest = dt.datetime.fromisoformat(latest)
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=dt.UTC)
    return int(row[0]), latest


def probe_of(changes: list[Change], since: dt.datetime) -> Probe:
    recent = [c.updated_at for c in changes if c.updated_at >= since]
    return len(recent), max(recent, default=None)
