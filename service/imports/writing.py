"""Bulk writes of validated rows through the models' tables, with one audit record each.

The ORM's unit of work costs about a millisecond per object with its code rows; a
conference file of 100,000 requests needs multi-row inserts instead. The rows written
are the ones the service functions write (``service/investors/service.py`` ``create``,
``service/financing_requests/service.py`` ``create`` and ``review``), field for field.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from models import (
    AuditRecord,
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    InvestorProfileRegion,
    InvestorProfileSector,
    InvestorProfileStage,
    RequestStatus,
)
from models.types import utc_now
from service.audit_log.writer import audit_value
from service.financing_requests import service as financing_requests
from service.financing_requests.schemas import FinancingRequestCreate
from service.http.auth import Principal
from service.imports.bulk_insert import insert_rows
from service.imports.text_features import features_by_chunk
from service.imports.validation import ValidRow
from service.investors import service as investors
from service.investors.schemas import InvestorCreate

CHUNK_ROWS = 5000
T = TypeVar("T")
SchemaT = TypeVar("SchemaT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ImportRun:
    """Who imports which file; every audit record of the run names it."""

    principal: Principal
    source: str
    import_id: str


def new_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUID strings, as ``models.base.new_id`` makes one.

    ``uuid.uuid4()`` costs a system call and an object per id; one read of random bytes
    for a whole chunk makes id generation about four times cheaper.
    """
    random = bytearray(os.urandom(16 * count))
    ids = []
    for start in range(0, 16 * count, 16):
        raw = random[start : start + 16]
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        hex_digits = raw.hex()
        ids.append(
            f"{hex_digits[:8]}-{hex_digits[8:12]}-{hex_digits[12:16]}-"
            f"{hex_digits[16:20]}-{hex_digits[20:]}"
        )
    return ids


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK_ROWS):
        yield items[start : start + CHUNK_ROWS]


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    insert_rows(session, _table(model), rows)


def _audit_row(
    run: ImportRun,
    *,
    audit_id: str,
    action: str,
    object_type: str,
    object_id: str,
    row: ValidRow[SchemaT],
    changes: dict[str, Any],
    occurred_at: dt.datetime,
) -> dict[str, Any]:
    return {
        "id": audit_id,
        "occurred_at": occurred_at,
        "actor_account_id": run.principal.account_id,
        "actor_user_id": run.principal.user_id,
        "actor_name": run.principal.display_name,
        "actor_role": run.principal.role.value,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "request_id": None,
        "changes": {
            **changes,
            "import": import_reference(run, row),
        },
    }


def import_reference(run: ImportRun, row: ValidRow[Any]) -> dict[str, Any]:
    """What every audit record of an imported row names: the run, the file and the row."""
    return {"id": run.import_id, "file": run.source, "row": row.row}


def _created_fields(data: BaseModel) -> dict[str, Any]:
    """What an API create records in the audit trail."""
    return {k: audit_value(v) for k, v in data.model_dump(exclude_none=True).items()}


def write_investor_profiles(
    *,
    session: Session,
    run: ImportRun,
    rows: Sequence[ValidRow[InvestorCreate]],
    on_progress: Callable[[int], None],
) -> list[str]:
    """Insert the profiles with their sectors, stages and regions; return their ids."""
    created_at = utc_now()
    ids: list[str] = []
    for chunk in _chunks(rows):
        profiles, sectors, stages, regions, audits = [], [], [], [], []
        chunk_ids = new_ids(len(chunk))
        audit_ids = new_ids(len(chunk))
        ids += chunk_ids
        for row, profile_id, audit_id in zip(chunk, chunk_ids, audit_ids, strict=True):
            data = row.data
            profiles.append(
                {
                    "id": profile_id,
                    "owner_account_id": data.owner_account_id,
                    "name": data.name,
                    "kind": data.kind.value,
                    "origin": data.origin.value,
                    "thesis": data.thesis,
                    "ticket_min": data.ticket_min,
                    "ticket_max": data.ticket_max,
                    "currency": data.currency,
                    "created_at": created_at,
                    "updated_at": created_at,
                    "revision": 1,
                }
            )
            sectors += [{"investor_profile_id": profile_id, "code": c} for c in data.sectors]
            stages += [{"investor_profile_id": profile_id, "code": c} for c in data.stages]
            regions += [{"investor_profile_id": profile_id, "code": c} for c in data.regions]
            audits.append(
                _audit_row(
                    run,
                    audit_id=audit_id,
                    action="investor_profile.import",
                    object_type=investors.OBJECT_TYPE,
                    object_id=profile_id,
                    row=row,
                    changes=_created_fields(data),
                    occurred_at=created_at,
                )
            )
        _insert(session, InvestorProfile, profiles)
        _insert(session, InvestorProfileSector, sectors)
        _insert(session, InvestorProfileStage, stages)
        _insert(session, InvestorProfileRegion, regions)
        _insert(session, AuditRecord, audits)
        on_progress(len(chunk))
    return ids


def write_financing_requests(
    *,
    session: Session,
    run: ImportRun,
    rows: Sequence[ValidRow[FinancingRequestCreate]],
    status: RequestStatus,
    on_progress: Callable[[int], None],
) -> list[str]:
    """Insert the requests with their sectors and stored text features; return their ids.

    Published requests are published by the importing commission: reviewed and first
    published now, like ``review`` with the decision "publish".
    """
    created_at = utc_now()
    chunks = list(_chunks(rows))
    texts_by_chunk = [
        [
            financing_requests.text_to_match(
                row.data.title, row.data.summary, row.data.title_en, row.data.summary_en
            )
            for row in chunk
        ]
        for chunk in chunks
    ]
    ids: list[str] = []
    with features_by_chunk(texts_by_chunk) as features:
        for chunk, text_features in zip(chunks, features, strict=True):
            ids += _write_request_chunk(
                session, run, chunk, text_features, status=status, created_at=created_at
            )
            on_progress(len(chunk))
    if status is RequestStatus.PUBLISHED:
        # Only published requests are indexed; new unpublished ones change no index.
        _mark_written_now(session, written_at=created_at)
    return ids


def _write_request_chunk(
    session: Session,
    run: ImportRun,
    chunk: Sequence[ValidRow[FinancingRequestCreate]],
    text_features: list[bytes],
    *,
    status: RequestStatus,
    created_at: dt.datetime,
) -> list[str]:
    published_at = created_at if status is RequestStatus.PUBLISHED else None
    requests, sectors, audits = [], [], []
    chunk_ids = new_ids(len(chunk))
    audit_ids = new_ids(len(chunk))
    for row, features, request_id, audit_id in zip(
        chunk, text_features, chunk_ids, audit_ids, strict=True
    ):
        data = row.data
        requests.append(
            {
                "id": request_id,
                "owner_account_id": data.owner_account_id,
                "company": data.company,
                "title": data.title,
                "summary": data.summary,
                "title_en": data.title_en,
                "summary_en": data.summary_en,
                "amount": data.amount,
                "currency": data.currency,
                "stage": data.stage,
                "region": data.region,
                "event_id": data.event_id,
                "status": status,
                "review_note": None,
                "reviewed_at": published_at,
                "published_at": published_at,
                "text_features": features,
                "created_at": created_at,
                "updated_at": created_at,
                "revision": 1,
            }
        )
        sectors += [{"financing_request_id": request_id, "code": c} for c in data.sectors]
        audits.append(
            _audit_row(
                run,
                audit_id=audit_id,
                action="financing_request.import",
                object_type=financing_requests.OBJECT_TYPE,
                object_id=request_id,
                row=row,
                changes={**_created_fields(data), "status": status.value},
                occurred_at=created_at,
            )
        )
    _insert(session, FinancingRequest, requests)
    _insert(session, FinancingRequestSector, sectors)
    _insert(session, AuditRecord, audits)
    return chunk_ids


def _mark_written_now(session: Session, *, written_at: dt.datetime) -> None:
    """Move the new rows' ``updated_at`` to just before the commit.

    Running servers pick up changed requests by ``updated_at``, allowing a few seconds
    between a write's timestamp and its commit (``service/ranking/index.py``,
    ``COMMIT_OVERLAP``). A large import takes longer than that; stamped with its start
    time, its rows could fall behind a server's watermark and never be indexed.
    """
    table = _table(FinancingRequest)
    session.execute(
        update(table).where(table.c.updated_at == written_at).values(updated_at=utc_now())
    )
