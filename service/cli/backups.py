"""``matchmaker backup`` and ``matchmaker restore`` (SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.core import backup as backup_files
from service.core.settings import get_settings


def _print_summary(summary: backup_files.BackupSummary, verb: str) -> None:
    typer.echo(f"{verb} {summary.path}: integrity ok, {summary.rows} rows")
    for table, count in summary.row_counts.items():
        typer.echo(f"  {table}: {count}")


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing FILE")] = False,
) -> None:
    """Copy the SQLite database to FILE while the service runs, and check the copy."""
    try:
        database = backup_files.sqlite_path(get_settings().database_url)
        summary = backup_files.backup(database, file, overwrite=force)
    except backup_files.BackupError as error:
        typer.echo(f"backup failed: {error}", err=True)
        raise typer.Exit(code=1) from error
    _print_summary(summary, "backed up to")


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by 'matchmaker backup'")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Replace the SQLite database with FILE (checked first). Stop the service before."""
    try:
        database = backup_files.sqlite_path(get_settings().database_url)
        if not yes:
            typer.confirm(f"Replace everything in {database} with {file}?", abort=True)
        summary = backup_files.restore(file, database)
    except backup_files.BackupError as error:
        typer.echo(f"restore failed: {error}", err=True)
        raise typer.Exit(code=1) from error
    _print_summary(summary, "restored")
