"""One import: read the file, validate every row, then write all of it (or the valid rows)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models import RequestStatus
from service.core.database import create_session_factory
from service.http.auth import Principal
from service.imports.columns import ImportKind
from service.imports.reading import read_table
from service.imports.validation import (
    RowError,
    Validated,
    validate_investors,
    validate_requests,
)
from service.imports.writing import ImportRun, write_financing_requests, write_investor_profiles

SchemaT = TypeVar("SchemaT", bound=BaseModel)


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
    run = ImportRun(principal=principal, source=path.name, import_id=str(uuid.uuid4()))
    steps = _Steps(create_session_factory(engine), reporter, skip_invalid)
    if kind is ImportKind.INVESTORS:
        steps.validate_then_write(
            outcome,
            validate=partial(validate_investors, table=table),
            write=partial(write_investor_profiles, run=run),
        )
    else:
        steps.validate_then_write(
            outcome,
            validate=partial(validate_requests, table=table),
            write=partial(write_financing_requests, run=run, status=RequestStatus(status.value)),
        )
    return outcome


@dataclass(frozen=True, slots=True)
class _Steps:
    factory: sessionmaker[Session]
    reporter: ProgressReporter
    skip_invalid: bool

    def validate_then_write(
        self,
        outcome: ImportOutcome,
        *,
        validate: Callable[..., Validated[SchemaT]],
        write: Callable[..., list[str]],
    ) -> None:
        """Validate in a read-only session; write in one transaction, if anything is to be."""
        with self.factory() as session:
            validated = validate(
                session=session, on_progress=self.reporter.phase("validating", outcome.rows_read)
            )
        outcome.errors = validated.errors
        if not validated.valid or (validated.errors and not self.skip_invalid):
            return
        with self.factory.begin() as session:
            outcome.written_ids = write(
                session=session,
                rows=validated.valid,
                on_progress=self.reporter.phase("writing", len(validated.valid)),
            )
