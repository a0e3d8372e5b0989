"""SQLite backups with the online backup API, checked with ``PRAGMA integrity_check``.

A backup is a complete SQLite database file, written next to its destination and renamed
into place only after the check passed, so a half-written backup never carries the name. It
holds every key hash and record, so it is created readable by its owner only (0600) before
SQLite writes a page into it (SQLite gives its journal the database file's mode).
PostgreSQL deployments use ``pg_dump``/``pg_restore`` (docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from service.core.database import SQLITE_BUSY_TIMEOUT_MS


class BackupError(Exception):
    """The backup or restore cannot be done; nothing was changed."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    row_counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())


def sqlite_path(database_url: str) -> Path:
    """The file behind a SQLite URL; anything else is refused with the PostgreSQL hint."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"{url.get_backend_name()} databases are backed up with pg_dump and restored "
            "with pg_restore; see docs/reliability.md"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(url.database)


@contextlib.contextmanager
def _open(path: Path, *, read_only: bool) -> Iterator[sqlite3.Connection]:
    mode = "ro" if read_only else "rw"
    try:
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={mode}",
            uri=True,
            timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        )
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from exc
    try:
        yield connection
    finally:
        connection.close()


def _check(connection: sqlite3.Connection, path: Path) -> dict[str, int]:
    """Integrity check, then the row count of every table; refuses a file not ours."""
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{path} fails the integrity check: {'; '.join(problems[:5])}")
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        if "alembic_version" not in tables:
            raise BackupError(f"{path} is not a matchmaker database (no alembic_version)")
        # Table names come from sqlite_master of the file itself, quoted as identifiers.
        return {
            table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
            for table in tables
        }
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _create_private(path: Path) -> None:
    """An empty file of mode 0600 (SQLite takes an empty file for an empty database)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def backup(database: Path, target: Path, *, overwrite: bool = False) -> BackupSummary:
    """Copy a live database to ``target`` while the service keeps serving."""
    if not database.exists():
        raise BackupError(f"{database} does not exist")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; pass --force to replace it")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _create_private(partial)
        with _open(database, read_only=True) as source:
            copy = sqlite3.connect(partial)
            try:
                # One step: a read transaction on a WAL database does not block writers.
                source.backup(copy)
                # A standalone file: no -wal/-shm companions to carry along.
                copy.execute("PRAGMA journal_mode=DELETE")
                counts = _check(copy, target)
            finally:
                copy.close()
        _fsync(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(path=target, row_counts=counts)


def restore(backup_file: Path, database: Path) -> BackupSummary:
    """Replace the database's content with the backup's (stop the service first)."""
    if not backup_file.exists():
        raise BackupError(f"{backup_file} does not exist")
    with _open(backup_file, read_only=True) as source:
        expected = _check(source, backup_file)
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            # The backup API writes every page under an exclusive lock: all or nothing.
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            restored = _check(target, database)
        finally:
            target.close()
    if restored != expected:
        raise BackupError(f"restored row counts {restored} differ from the backup's {expected}")
    return BackupSummary(path=database, row_counts=restored)
