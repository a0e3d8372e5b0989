"""One import: read the file, validate every row, compare it with what is stored, then write
all of it (or the valid rows), and leave the refused rows beside the file."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models import RequestStatus
from service.core.database import create_session_factory
from service.http.auth import Principal
from service.imports.columns import ImportKind
from service.imports.error_file import error_file_path, remove_error_file, write_error_file
from service.imports.existing import PlannedUpdate, Present, plan_writes
from service.imports.reading import Table, read_table
from service.imports.updating import update_financing_requests, update_investor_profiles
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
    update: bool = False
    errors: list[RowError] = field(default_factory=list)
    written_ids: list[str] = field(default_factory=list)  # new objects
    updated: list[PlannedUpdate[Any]] = field(default_factory=list)
    present: list[Present] = field(default_factory=list)  # stored already; left as they are
    error_file: Path | None = None  # the refused rows, beside the input
    removed_error_file: Path | None = None  # an earlier run's, now out of date
    error_file_problem: str | None = None  # why the error file could not be written
    # A check (``check_only``): what a real import would do, nothing written.
    checked_only: bool = False
    to_write: int = 0
    to_update: int = 0

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
    update: bool = False,
    status: ImportedStatus = ImportedStatus.SUBMITTED,
    progress: ProgressReporter | None = None,
    check_only: bool = False,
    sessions: sessionmaker[Session] | None = None,
) -> ImportOutcome:
    """Import ``path``. With any invalid row nothing is written, unless ``skip_invalid``:
    then exactly the valid rows are. The writes are one transaction either way.

    A row whose natural key (``natural_keys``) is stored already is left as it is, or with
    ``update`` changed to the file's values (``existing``). The refused rows are written
    beside the file (``error_file``).

    ``sessions``: where to read and write (a web request's own binding); by default new
    sessions of ``engine``. ``check_only``: every check, nothing written, no error file; the
    outcome says how many rows a real import would write and update (the web page's step
    before "confirm").

    Raises ``UnreadableFile`` or ``BadHeaders`` when the file as a whole is unusable, and
    ``ImportAborted`` when a stored object changed between the checks and the writes.
    """
    reporter = progress or NoProgress()
    table = read_table(path, on_rows=reporter.phase("reading", None))
    outcome = ImportOutcome(
        kind=kind,
        source=path.name,
        encoding=table.encoding,
        rows_read=len(table.rows),
        update=update,
        checked_only=check_only,
    )
    run = ImportRun(principal=principal, source=path.name, import_id=str(uuid.uuid4()))
    factory = sessions or create_session_factory(engine)
    steps = _Steps(factory, reporter, skip_invalid, update, check_only)
    if kind is ImportKind.INVESTORS:
        steps.validate_then_write(
            outcome,
            validate=partial(validate_investors, table=table),
            write=partial(write_investor_profiles, run=run),
            apply_updates=partial(update_investor_profiles, run=run),
        )
    else:
        steps.validate_then_write(
            outcome,
            validate=partial(validate_requests, table=table),
            write=partial(write_financing_requests, run=run, status=RequestStatus(status.value)),
            apply_updates=partial(update_financing_requests, run=run),
        )
    if not check_only:
        _leave_error_file(outcome, path, table)
    return outcome


def _leave_error_file(outcome: ImportOutcome, path: Path, table: Table) -> None:
    """The refused rows beside the input, or no error file when every row went through."""
    try:
        if outcome.errors:
            outcome.error_file = write_error_file(path, table, outcome.errors)
        else:
            outcome.removed_error_file = remove_error_file(path)
    except OSError as error:
        # The import itself is done (or refused) by now; only its copy of the errors failed.
        outcome.error_file_problem = f"{error_file_path(path)}: {error.strerror or error}"


@dataclass(frozen=True, slots=True)
class _Steps:
    factory: sessionmaker[Session]
    reporter: ProgressReporter
    skip_invalid: bool
    update: bool
    check_only: bool = False

    def validate_then_write(
        self,
        outcome: ImportOutcome,
        *,
        validate: Callable[..., Validated[SchemaT]],
        write: Callable[..., list[str]],
        apply_updates: Callable[..., list[str]],
    ) -> None:
        """Validate and compare with what is stored in a read-only session; write in one
        transaction, if anything is to be."""
        with self.factory() as session:
            validated = validate(
                session=session, on_progress=self.reporter.phase("validating", outcome.rows_read)
            )
            plan = plan_writes(
                session=session,
                kind=outcome.kind,
                rows=validated.valid,
                headers=validated.headers,
                update=self.update,
            )
        # Stable: each row's errors stay in the order they were found.
        outcome.errors = sorted([*validated.errors, *plan.errors], key=lambda e: e.row)
        outcome.present = plan.present
        outcome.to_write, outcome.to_update = len(plan.new), len(plan.updates)
        if self.check_only or (outcome.errors and not self.skip_invalid):
            return
        if not plan.new and not plan.updates:
            return
        with self.factory.begin() as session:
            if plan.new:
                outcome.written_ids = write(
                    session=session,
                    rows=plan.new,
                    on_progress=self.reporter.phase("writing", len(plan.new)),
                )
            if plan.updates:
                apply_updates(
                    session=session,
                    updates=plan.updates,
                    on_progress=self.reporter.phase("updating", len(plan.updates)),
                )
        outcome.updated = plan.updates
