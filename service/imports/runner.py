"""One import: read the file, validate every row, then write all of it (or the valid rows)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from models import RequestStatus
from service.auth import Principal
from service.db import create_session_factory
from service.imports.columns import ImportKind
from service.imports.reading import read_table
from service.imports.validation import RowError, validate_investors, validate_requests
from service.imports.writing import ImportRun, write_financing_requests, write_investor_profiles


class ImportedStatus(StrEnum):
    """Where imported requests start: the review queue by default, as over the API."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"


class ProgressReporter(Protocol):
    def phase(self, description: str, total: int | None) -> Callable[[int], None]:
        """Start a phase; the callable advances it by a number of rows."""


class NoProgress:
    def phase(self, description: str, total: int | None) -> Callable[[int], None]:
        return lambda _rows: None


@dataclass(slots=True)
class ImportOutcome:
    kind: ImportKind
    source: str
    encoding: str
    rows_read: int
    errors: list[RowError] = field(default_factory=list)
    written_ids: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({error.row for error in self.errors})

    @property
    def written(self) -> int:
        return len(self.written_ids)


def import_file(
    *,
    engine: Engine,
    principal: Principal,
    kind: ImportKind,
    path: Path,
    skip_invalid: bool = False,
    status: ImportedStatus = ImportedStatus.SUBMITTED,
    progress: ProgressReporter | None = None,
) -> ImportOutcome:
    """Import ``path``. With any invalid row nothing is written, unless ``skip_invalid``:
    then exactly the valid rows are. The writes are one transaction either way.

    Raises ``UnreadableFile`` or ``BadHeaders`` when the file as a whole is unusable.
    """
    reporter = progress or NoProgress()
    table = read_table(path, on_rows=reporter.phase("reading", None))
    outcome = ImportOutcome(
        kind=kind, source=path.name, encoding=table.encoding, rows_read=len(table.rows)
    )
    factory = create_session_factory(engine)
    run = ImportRun(principal=principal, source=path.name, import_id=str(uuid.uuid4()))
    validating = reporter.phase("validating", len(table.rows))
    if kind is ImportKind.INVESTORS:
        with factory() as session:
            investors = validate_investors(session=session, table=table, on_progress=validating)
        outcome.errors = investors.errors
        if investors.valid and (skip_invalid or not investors.errors):
            with factory.begin() as session:
                outcome.written_ids = write_investor_profiles(
                    session=session,
                    run=run,
                    rows=investors.valid,
                    on_progress=reporter.phase("writing", len(investors.valid)),
                )
        return outcome
    with factory() as session:
        requests = validate_requests(session=session, table=table, on_progress=validating)
    outcome.errors = requests.errors
    if requests.valid and (skip_invalid or not requests.errors):
        with factory.begin() as session:
            outcome.written_ids = write_financing_requests(
                session=session,
                run=run,
                rows=requests.valid,
                status=RequestStatus(status.value),
                on_progress=reporter.phase("writing", len(requests.valid)),
            )
    return outcome
