"""``matchmaker import investors|requests FILE``: bulk import from CSV or Excel."""

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
from service.imports.reading import UnreadableFile
from service.imports.runner import ImportedStatus, ImportOutcome, ProgressReporter, import_file

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
                status=status,
                progress=reporter,
            )
    except (UnreadableFile, BadHeaders) as error:
        typer.echo(f"Cannot import {file}: {error}", err=True)
        raise typer.Exit(code=EXIT_UNUSABLE_FILE) from error
    finally:
        engine.dispose()
    _report(outcome, skip_invalid=skip_invalid, status=status)
    if outcome.errors and not skip_invalid:
        raise typer.Exit(code=EXIT_REJECTED)


def _report(outcome: ImportOutcome, *, skip_invalid: bool, status: ImportedStatus) -> None:
    """The row-by-row error report, then one line saying what was written."""
    valid_codes: dict[str, tuple[str, ...]] = {}
    for error in outcome.errors:
        typer.echo(str(error))
        if error.allowed:
            valid_codes[error.column] = error.allowed
    for column, codes in valid_codes.items():
        typer.echo(f"Valid codes for column {column}: {', '.join(codes)}")
    noun = "investor profiles" if outcome.kind is ImportKind.INVESTORS else "financing requests"
    read = f"{_rows(outcome.rows_read)} read from {outcome.source} ({outcome.encoding})"
    rejected = outcome.rejected_rows
    if rejected and not skip_invalid:
        typer.echo(
            f"{read}; {_rows(len(rejected))} rejected. Nothing was written: "
            "fix the rows above, or pass --skip-invalid to write only the valid rows."
        )
        return
    state = f" (status {status.value})" if outcome.kind is ImportKind.REQUESTS else ""
    skipped = f"; skipped {_rows(len(rejected))} listed above" if rejected else ""
    typer.echo(f"{read}; imported {outcome.written} {noun}{state}{skipped}.")


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


@import_app.command(
    "investors",
    help=f"Import investor profiles. Columns: {describe_columns(ImportKind.INVESTORS)}.",
)
def import_investors(
    file: FileArgument,
    skip_invalid: SkipInvalidOption = False,
    progress: ProgressOption = True,
) -> None:
    _run(ImportKind.INVESTORS, file, skip_invalid=skip_invalid, progress=progress)


@import_app.command(
    "requests",
    help=f"Import financing requests. Columns: {describe_columns(ImportKind.REQUESTS)}.",
)
def import_requests(
    file: FileArgument,
    skip_invalid: SkipInvalidOption = False,
    status: Annotated[
        ImportedStatus,
        typer.Option(
            help="Status of the imported requests: 'published' puts them straight into "
            "the matches (the commission publishes them by importing them)"
        ),
    ] = ImportedStatus.SUBMITTED,
    progress: ProgressOption = True,
) -> None:
    _run(ImportKind.REQUESTS, file, skip_invalid=skip_invalid, progress=progress, status=status)
