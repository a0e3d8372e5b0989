"""``--update``: stored objects changed to a file's values through the services' own update.

Updates are few next to inserts, and an edit carries rules that a bulk write would have to
copy: the merged ticket range, which request states may be edited, the event's existence,
re-hashed text features, a revision bump, one audit record listing each field's old and new
value. So each row goes through ``investors.update`` / ``financing_requests.update``, in the
import's one transaction, and its audit record names the import, the file and the row, as
the records of imported creates do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import AuditRecord, FinancingRequest, InvestorProfile
from service.financing_requests import service as financing_requests
from service.financing_requests.schemas import FinancingRequestCreate, FinancingRequestUpdate
from service.http.problems import ServiceError
from service.imports.existing import PlannedUpdate
from service.imports.writing import ImportRun, import_reference
from service.investors import service as investors
from service.investors.schemas import InvestorCreate, InvestorUpdate

# Keeps each IN list well under SQLite's and PostgreSQL's limits on bound parameters.
_LOAD_BATCH = 500


class ImportAborted(RuntimeError):
    """A stored object changed between the check of the file and its write: nothing of the
    import is written (the transaction rolls back); running it again checks afresh."""


def _batches(updates: Sequence[PlannedUpdate[Any]]) -> list[Sequence[PlannedUpdate[Any]]]:
    return [updates[start : start + _LOAD_BATCH] for start in range(0, len(updates), _LOAD_BATCH)]


def _name_the_import(session: Session, run: ImportRun, planned: PlannedUpdate[Any]) -> None:
    """Add the import's reference to the audit record the service's update has just added
    (pending until the next flush, so its ``changes`` are still being written)."""
    for record in session.new:
        if isinstance(record, AuditRecord) and record.object_id == planned.object_id:
            record.changes = {**record.changes, "import": import_reference(run, planned.row)}


def _deleted(planned: PlannedUpdate[Any]) -> ImportAborted:
    return ImportAborted(
        f"row {planned.row.row}: {planned.object_id} was deleted while the file was being "
        "imported; nothing was written: import the file again"
    )


@contextmanager
def _one_row(session: Session, run: ImportRun, planned: PlannedUpdate[Any]) -> Iterator[None]:
    """Around one service update: its refusal aborts the import, its audit names the row."""
    try:
        yield
    except ServiceError as error:
        raise ImportAborted(
            f"row {planned.row.row}: {error.detail or error} ({planned.object_id} changed "
            "while the file was being imported); nothing was written: import the file again"
        ) from error
    _name_the_import(session, run, planned)


def update_investor_profiles(
    *,
    session: Session,
    run: ImportRun,
    updates: Sequence[PlannedUpdate[InvestorCreate]],
    on_progress: Callable[[int], None],
) -> list[str]:
    """Change the planned profiles; return their ids."""
    for batch in _batches(updates):
        statement = (
            select(InvestorProfile)
            .options(
                selectinload(InvestorProfile.sector_links),
                selectinload(InvestorProfile.stage_links),
                selectinload(InvestorProfile.region_links),
            )
            .where(InvestorProfile.id.in_([planned.object_id for planned in batch]))
            .with_for_update(of=InvestorProfile)
        )
        profiles = {profile.id: profile for profile in session.scalars(statement)}
        for planned in batch:
            profile = profiles.get(planned.object_id)
            if profile is None:
                raise _deleted(planned)
            with _one_row(session, run, planned):
                investors.update(
                    session=session,
                    principal=run.principal,
                    profile=profile,
                    data=InvestorUpdate.model_validate(planned.changes),
                )
        on_progress(len(batch))
    return [planned.object_id for planned in updates]


def update_financing_requests(
    *,
    session: Session,
    run: ImportRun,
    updates: Sequence[PlannedUpdate[FinancingRequestCreate]],
    on_progress: Callable[[int], None],
) -> list[str]:
    """Change the planned requests' content (never their status); return their ids."""
    for batch in _batches(updates):
        statement = (
            select(FinancingRequest)
            .options(selectinload(FinancingRequest.sector_links))
            .where(FinancingRequest.id.in_([planned.object_id for planned in batch]))
            .with_for_update(of=FinancingRequest)
        )
        requests = {request.id: request for request in session.scalars(statement)}
        for planned in batch:
            request = requests.get(planned.object_id)
            if request is None:
                raise _deleted(planned)
            with _one_row(session, run, planned):
                financing_requests.update(
                    session=session,
                    principal=run.principal,
                    financing_request=request,
                    data=FinancingRequestUpdate.model_validate(planned.changes),
                )
        on_progress(len(batch))
    return [planned.object_id for planned in updates]
