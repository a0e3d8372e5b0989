"""Read published requests as scoring records, in bulk, without the ORM's object overhead."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, String, func, select, type_coerce
from sqlalchemy.orm import Session

from models import FinancingRequest, FinancingRequestSector, RequestStatus
from models.types import amount_as_float
from scoring.records import RequestColumns
from service.financing_requests.service import text_to_match


@dataclass(frozen=True, slots=True)
class LoadedCatalogue:
    columns: RequestColumns
    revisions: list[int]


RowT = TypeVar("RowT", bound=tuple[Any, ...])


@dataclass(frozen=True, slots=True)
class IdRange:
    """Ids after ``after`` up to and including ``until``."""

    after: str
    until: str


def _published(statement: Select[RowT], ids: Sequence[str] | IdRange | None) -> Select[RowT]:
    # By primary key only when ids are given: with "status = ..." as well, SQLite may scan
    # the status index. Callers drop the unpublished rows.
    if isinstance(ids, IdRange):
        return statement.where(FinancingRequest.id > ids.after, FinancingRequest.id <= ids.until)
    if ids is not None:
        return statement.where(FinancingRequest.id.in_(ids))
    return statement.where(FinancingRequest.status == RequestStatus.PUBLISHED)


CHUNK_SIZE = 50_000


def iter_published_chunks(
    session: Session, chunk_size: int = CHUNK_SIZE
) -> Iterator[LoadedCatalogue]:
    """Every published request, in id order, a chunk of ids at a time (bounded memory)."""
    connection = session.connection()
    after = ""
    while True:
        # The chunk's last id: a walk along the primary key, whatever the statuses.
        boundary: str | None = connection.execute(
            select(FinancingRequest.id)
            .where(FinancingRequest.id > after)
            .order_by(FinancingRequest.id)
            .limit(1)
            .offset(chunk_size - 1)
        ).scalar()
        last: str | None = connection.execute(select(func.max(FinancingRequest.id))).scalar()
        until = boundary if boundary is not None else last
        if until is None or until <= after:
            return
        yield load_published(session, IdRange(after=after, until=until))
        after = until


def load_published(session: Session, ids: Sequence[str] | IdRange | None = None) -> LoadedCatalogue:
    """Published requests (all, those of ``ids``, or an id range) with their revisions."""
    connection = session.connection()
    sectors: defaultdict[str, list[str]] = defaultdict(list)
    sector_rows = connection.execute(
        _published(
            select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code).join(
                FinancingRequest,
                FinancingRequest.id == FinancingRequestSector.financing_request_id,
            ),
            ids,
        )
    ).all()  # one fetch: iterating a result fetches row by row
    for request_id, code in sector_rows:
        sectors[request_id].append(code)
    result = connection.execute(
        _published(
            select(
                FinancingRequest.id,
                FinancingRequest.stage,
                # Ranking compares floats; a Decimal per row is the slowest part of a load.
                amount_as_float(FinancingRequest.amount, connection.dialect),
                FinancingRequest.currency,
                FinancingRequest.region,
                FinancingRequest.event_id,
                FinancingRequest.text_features,
                FinancingRequest.revision,
                type_coerce(FinancingRequest.status, String),
                FinancingRequest.company,
            ),
            ids,
        )
    ).all()
    published = RequestStatus.PUBLISHED.value
    rows = [row for row in result if row[8] == published]
    ids_loaded = [row[0] for row in rows]
    text_counts: list[bytes | None] = [row[6] for row in rows]
    texts = [""] * len(rows)
    missing = [i for i, blob in enumerate(text_counts) if blob is None]
    text_by_id: dict[str, str] = {}
    # Rows written before text features were stored; batched under SQLite's variable limit.
    for start in range(0, len(missing), 1000):
        batch = [ids_loaded[i] for i in missing[start : start + 1000]]
        text_rows = connection.execute(
            select(
                FinancingRequest.id,
                FinancingRequest.title,
                FinancingRequest.summary,
                FinancingRequest.title_en,
                FinancingRequest.summary_en,
            ).where(FinancingRequest.id.in_(batch))
        ).tuples()
        text_by_id.update(
            (request_id, text_to_match(title, summary, title_en, summary_en))
            for request_id, title, summary, title_en, summary_en in text_rows
        )
    for i in missing:
        texts[i] = text_by_id[ids_loaded[i]]
    return LoadedCatalogue(
        columns=RequestColumns(
            ids=ids_loaded,
            sectors=[tuple(sorted(sectors[request_id])) for request_id in ids_loaded],
            stages=[row[1] for row in rows],
            amounts=[float(row[2]) for row in rows],
            currencies=[row[3] for row in rows],
            regions=[row[4] for row in rows],
            event_ids=[row[5] for row in rows],
            texts=texts,
            text_counts=text_counts,
            companies=[row[9] for row in rows],
        ),
        revisions=[row[7] for row in rows],
    )


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
