"""``matchmaker import investors|requests FILE``: bulk import from CSV or Excel.

Importing a file again adds nothing twice: each row is found by its natural key
(``service/imports/natural_keys.py``: a profile by owner and name, a request by company
and stage) and left as stored, or changed to the file's values with ``--update``. The
refused rows go to ``<file>.errors.csv`` (or ``.xlsx``) beside the file, to be corrected
there and imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from models import Role
from service.core import migrations
from service.core.database import create_db_engine
from service.core.settings import get_settings
from service.http.auth import Principal
from service.imports.columns import BadHeaders, ImportKind, describe_columns
from service.imports.natural_keys import KEYS
from service.imports.reading import UnreadableFile
from service.imports.runner import ImportedStatus, ImportOutcome, ProgressReporter, import_file
from service.imports.updating import ImportAborted

import_app = typer.Typer(
    help="Import investor profiles or financing requests from a CSV or Excel (.xlsx) file.",
    no_args_is_help=True,
)

# Below this many rows a file imports in a blink; a bar would only be noise.
PROGRESS_MIN_ROWS = 1000
EXIT_REJECTED = 1
EXIT_UNUSABLE_FILE = 2

FileArgument = Annotated[
    Path,
    typer.Argument(
        help="A .csv file (UTF-8, UTF-8 with BOM or GB18030) or an .xlsx workbook; "
        "row 1 names the columns",
        dir_okay=False,
    ),
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Write the valid rows and list the rest (default: all or nothing)"
    ),
]
UpdateOption = Annotated[
    bool,
    typer.Option(
        "--update",
        help="Change the stored objects the file's rows name (by natural key) to the file's "
        "values, through the same rules as an edit over the API: only draft, submitted or "
        "rejected requests are edited, a request's status and owner never change. Without "
        "it, stored objects are left as they are and the rows that differ are listed",
    ),
]
ProgressOption = Annotated[
    bool,
    typer.Option("--progress/--no-progress", help="Progress bars on stderr for long files"),
]


class BarsOnStderr:
    """Rich progress bars on stderr, one per phase, only for phases of many rows."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def phase(self, description: str, total: int | None) -> Callable[[int], None]:
        if total is not None and total < PROGRESS_MIN_ROWS:
            return lambda _rows: None
        task: TaskID | None = None

        def advance(rows: int) -> None:
            nonlocal task
            if task is None:  # added at the first rows, so short reads show nothing
                task = self._progress.add_task(description, total=total)
            self._progress.advance(task, rows)

        return advance


@contextmanager
def _progress_bars(enabled: bool) -> Iterator[ProgressReporter | None]:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as progress:
        yield BarsOnStderr(progress)


def _run(
    kind: ImportKind,
    file: Path,
    *,
    skip_invalid: bool,
    update: bool,
    progress: bool,
    status: ImportedStatus = ImportedStatus.SUBMITTED,
) -> None:
    settings = get_settings()
    migrations.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    principal = Principal(None, Role.COMMISSION, "command line import")
    try:
        with _progress_bars(progress) as reporter:
            outcome = import_file(
                engine=engine,
                principal=principal,
                kind=kind,
                path=file,
                skip_invalid=skip_invalid,
                update=update,
                status=status,
                progress=reporter,
            )
    except (UnreadableFile, BadHeaders) as error:
        typer.echo(f"Cannot import {file}: {error}", err=True)
        raise typer.Exit(code=EXIT_UNUSABLE_FILE) from error
    except ImportAborted as error:
        typer.echo(f"Import of {file} stopped: {error}", err=True)
        raise typer.Exit(code=EXIT_REJECTED) from error
    finally:
        engine.dispose()
    _report(outcome, file, skip_invalid=skip_invalid, status=status)
    if outcome.errors and not skip_invalid:
        raise typer.Exit(code=EXIT_REJECTED)


def _report(
    outcome: ImportOutcome, file: Path, *, skip_invalid: bool, status: ImportedStatus
) -> None:
    """The row-by-row report (errors, stored rows that differ, updates), where the refused
    rows went, then one line saying what was written."""
    valid_codes: dict[str, tuple[str, ...]] = {}
    for error in outcome.errors:
        typer.echo(str(error))
        if error.allowed:
            valid_codes[error.column] = error.allowed
    for column, codes in valid_codes.items():
        typer.echo(
            f"Valid codes for column {column} (a code, or its Chinese or English name): "
            f"{', '.join(codes)}"
        )
    noun = KEYS[outcome.kind].noun
    differing = [present for present in outcome.present if present.differences]
    for present in differing:
        typer.echo(
            f"row {present.row}: already stored as {noun} {', '.join(present.object_ids)}; "
            f"left as it is, though the file differs in {', '.join(present.differences)} "
            "(--update changes it)"
        )
    for planned in outcome.updated:
        typer.echo(
            f"row {planned.row.row}: updated {noun} {planned.object_id}: "
            f"{', '.join(planned.columns)}"
        )
    _report_error_file(outcome, skip_invalid=skip_invalid)
    read = f"{_rows(outcome.rows_read)} read from {outcome.source} ({outcome.encoding})"
    rejected = outcome.rejected_rows
    if rejected and not skip_invalid:
        then = (
            f" now, then correct {outcome.error_file} and import it"
            if outcome.error_file is not None
            else ""
        )
        typer.echo(
            f"{read}; {_rows(len(rejected))} rejected. Nothing was written: correct them in "
            f"{file} and import it again, or pass --skip-invalid to write only the valid "
            f"rows{then}."
        )
        return
    state = f" (status {status.value})" if outcome.kind is ImportKind.REQUESTS else ""
    done = [f"imported {_count(outcome.written, noun)}{state}"]
    if outcome.update:
        done.append(f"updated {len(outcome.updated)}")
    if outcome.present:
        left = "left as it was" if len(outcome.present) == 1 else "left as they were"
        stored = f"{_rows(len(outcome.present))} already stored, {left}"
        if differing:
            stored += f" ({len(differing)} differing from the file, listed above)"
        done.append(stored)
    if rejected:
        done.append(f"skipped {_rows(len(rejected))} listed above")
    typer.echo(f"{read}; {'; '.join(done)}.")


def _report_error_file(outcome: ImportOutcome, *, skip_invalid: bool) -> None:
    if outcome.error_file is not None and skip_invalid:
        typer.echo(
            f"The skipped rows, each with its errors, are in {outcome.error_file}: "
            "correct them there and import that file."
        )
    elif outcome.error_file is not None:
        # Not "import that file": the valid rows were not written either.
        typer.echo(f"The rejected rows, each with its errors, are in {outcome.error_file}.")
    if outcome.removed_error_file is not None:
        typer.echo(f"Removed {outcome.removed_error_file}: it listed an earlier run's errors.")
    if outcome.error_file_problem is not None:
        typer.echo(f"Could not write the rows' errors to {outcome.error_file_problem}", err=True)


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _rows(count: int) -> str:
    return _count(count, "row")


def _command_help(kind: ImportKind, noun: str, key: str) -> str:
    # Typer shows a blank line as a paragraph break.
    return (
        f"Import {noun}. Columns: {describe_columns(kind)}. Coded columns (sectors, stages, "
        "regions, currency, kind, origin) take a code or its Chinese or English name (B轮, "
        "Series B or series_b); a list cell separates them with ; , 、 or spaces.\n\n"
        f"Natural key: {key}; names match whatever their letter case, full-width forms or "
        "extra spaces. A row whose key is stored already is not imported twice: the "
        "stored one is left as it is (counted, and listed if the file differs) or, "
        "with --update, changed to the file's values. Two rows of one file with the same "
        "key are both refused.\n\n"
        "Refused rows are written, exactly as read and with their errors in a first column, "
        "to FILE's name with .errors.csv (.errors.xlsx for a workbook) beside it: correct "
        "them there and import that file. A run without refused rows removes that file."
    )


@import_app.command(
    "investors",
    help=_command_help(
        ImportKind.INVESTORS,
        "investor profiles",
        "owner + name (a mandate is named within its investor's account; profiles "
        "without an owner share one space of names)",
    ),
)
def import_investors(
    file: FileArgument,
    skip_invalid: SkipInvalidOption = False,
    update: UpdateOption = False,
    progress: ProgressOption = True,
) -> None:
    _run(ImportKind.INVESTORS, file, skip_invalid=skip_invalid, update=update, progress=progress)


@import_app.command(
    "requests",
    help=_command_help(
        ImportKind.REQUESTS,
        "financing requests",
        "financing request of its company at its stage (the owner account is not part of the key)",
    ),
)
def import_requests(
    file: FileArgument,
    skip_invalid: SkipInvalidOption = False,
    update: UpdateOption = False,
    status: Annotated[
        ImportedStatus,
        typer.Option(
            help="Status of the newly imported requests: 'published' puts them straight into "
            "the matches (the commission publishes them by importing them); stored requests "
            "keep theirs"
        ),
    ] = ImportedStatus.SUBMITTED,
    progress: ProgressOption = True,
) -> None:
    _run(
        ImportKind.REQUESTS,
        file,
        skip_invalid=skip_invalid,
        update=update,
        progress=progress,
        status=status,
    )
