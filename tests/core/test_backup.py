"""Backup and restore: every row of every table comes back, bad files are refused."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import column, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.sql.expression import ColumnClause
from typer.testing import CliRunner

from service.cli.main import app as cli
from service.core import backup as backups
from service.core.database import create_db_engine
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.main import create_app
from tests.support.environment import ADMIN_KEY, TEST_DATABASE_URL
from tests.support.factories import ApiClient

runner = CliRunner()
Rows = dict[str, list[tuple[object, ...]]]


def _rows_at(url: str) -> Rows:
    """Every table's rows, sorted, read through SQLAlchemy like the service reads them."""
    engine = create_db_engine(url)
    rows: Rows = {}
    try:
        inspector = inspect(engine)
        with engine.connect() as connection:
            for name in inspector.get_table_names():
                columns: list[ColumnClause[Any]] = [
                    column(c["name"]) for c in inspector.get_columns(name)
                ]
                result = connection.execute(select(table(name, *columns)))
                rows[name] = sorted((tuple(row) for row in result), key=repr)
    finally:
        engine.dispose()
    return rows


def _every_row(database: Path) -> Rows:
    return _rows_at(f"sqlite:///{database}")


def _fill(url: str) -> None:
    """Accounts, a mandate, published and draft requests, feedback: every kind of row."""
    upgrade(url)
    engine = create_db_engine(url)
    try:
        with TestClient(create_app(get_settings(), engine=engine)) as client:
            api = ApiClient(client=client, admin_key=ADMIN_KEY)
            investor, startup = api.create_account("investor"), api.create_account("startup")
            profile = api.create_investor(investor, regions=["pudong"])
            for n in range(3):
                request = api.create_request(
                    startup, company=f"量子科技 {n}", amount=f"{n + 1}50000000.55"
                )
                api.publish(request["id"])
            api.create_request(startup, company="Draft only")
            feedback = client.put(
                f"/v1/investors/{profile['id']}/feedback/{request['id']}",
                json={"action": "committed", "amount": "12345678.90", "currency": "CNY"},
                headers=investor.headers,
            )
            assert feedback.status_code in {200, 201}, feedback.text
    finally:
        engine.dispose()


@pytest.fixture
def live_database(tmp_path: Path) -> Path:
    """A SQLite database filled through the API."""
    database = tmp_path / "live.db"
    _fill(f"sqlite:///{database}")
    return database


def test_a_restored_backup_has_every_row_of_every_table(
    live_database: Path, tmp_path: Path
) -> None:
    original = _every_row(live_database)
    summary = backups.backup(live_database, tmp_path / "copy.backup")
    assert summary.row_counts == {name: len(rows) for name, rows in original.items()}
    populated = {name for name, rows in original.items() if rows}
    assert {"accounts", "investor_profiles", "financing_requests", "feedback"} <= populated
    assert {"audit_records", "feedback_events", "alembic_version"} <= populated

    restored = tmp_path / "restored" / "matchmaker.db"
    backups.restore(tmp_path / "copy.backup", restored)
    assert _every_row(restored) == original
    assert sum(len(rows) for rows in original.values()) == summary.rows > 20


def test_a_backup_is_private_from_its_first_byte(
    live_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: SQLite created the file with its default mode (0644, less the umask), so every
    key hash in it was readable by other users; under umask 0 that is 0644 from the start."""
    connect = sqlite3.connect
    modes: dict[str, int] = {}

    def watched_connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(database, *args, **kwargs)
        if str(database).endswith(".partial"):  # the backup being written
            modes["when SQLite opened it"] = os.stat(database).st_mode & 0o777
        return connection

    monkeypatch.setattr(sqlite3, "connect", watched_connect)  # what service.core.backup calls
    previous = os.umask(0)
    try:
        backups.backup(live_database, tmp_path / "private.backup")
    finally:
        os.umask(previous)
    assert modes == {"when SQLite opened it": 0o600}
    assert (tmp_path / "private.backup").stat().st_mode & 0o777 == 0o600


def test_restore_replaces_what_the_database_held(live_database: Path, tmp_path: Path) -> None:
    backups.backup(live_database, tmp_path / "before.backup")
    expected = _every_row(live_database)
    with sqlite3.connect(live_database) as connection:
        connection.execute("DELETE FROM feedback_events")
        connection.execute("UPDATE financing_requests SET company = 'changed after the backup'")
    assert _every_row(live_database) != expected
    backups.restore(tmp_path / "before.backup", live_database)
    assert _every_row(live_database) == expected


def test_backup_is_online_and_takes_only_committed_rows(
    live_database: Path, tmp_path: Path
) -> None:
    """A writer in the middle of a transaction neither blocks the backup nor leaks into it."""
    committed = _every_row(live_database)
    writer = sqlite3.connect(live_database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE accounts SET name = 'uncommitted'")
        backups.backup(live_database, tmp_path / "online.backup")
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    backups.restore(tmp_path / "online.backup", tmp_path / "check.db")
    assert _every_row(tmp_path / "check.db") == committed


def test_a_damaged_backup_is_refused_and_the_database_left_alone(
    live_database: Path, tmp_path: Path
) -> None:
    backups.backup(live_database, tmp_path / "good.backup")
    damaged = tmp_path / "damaged.backup"
    data = bytearray((tmp_path / "good.backup").read_bytes())
    data[4096 : 4096 * 3] = b"\x00\xff" * 4096  # two pages of the schema and data
    damaged.write_bytes(bytes(data))
    before = _every_row(live_database)
    with pytest.raises(backups.BackupError):
        backups.restore(damaged, live_database)
    (tmp_path / "not-ours.db").write_bytes(b"")
    sqlite3.connect(tmp_path / "not-ours.db").execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(backups.BackupError, match="not a matchmaker database"):
        backups.restore(tmp_path / "not-ours.db", live_database)
    assert _every_row(live_database) == before


def test_the_commands_back_up_and_restore(
    live_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHMAKER_DATABASE_URL", f"sqlite:///{live_database}")
    get_settings.cache_clear()
    try:
        expected = _every_row(live_database)
        target = tmp_path / "cli.backup"
        made = runner.invoke(cli, ["backup", str(target)])
        assert made.exit_code == 0, made.output
        assert "integrity ok" in made.stdout
        again = runner.invoke(cli, ["backup", str(target)])
        assert again.exit_code == 1
        assert "exists" in again.output
        live_database.unlink()
        restored = runner.invoke(cli, ["restore", str(target), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert _every_row(live_database) == expected
    finally:
        get_settings.cache_clear()


def test_postgresql_is_pointed_to_pg_dump(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MATCHMAKER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nowhere")
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["backup", str(tmp_path / "x.backup")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert not (tmp_path / "x.backup").exists()


@pytest.mark.skipif(
    make_url(TEST_DATABASE_URL).get_backend_name() != "postgresql" or not shutil.which("pg_dump"),
    reason="the documented pg_dump/pg_restore steps run when the suite runs on PostgreSQL",
)
def test_the_documented_pg_dump_and_pg_restore_steps_bring_every_row_back(
    scratch_database_url: str, tmp_path: Path
) -> None:
    """docs/reliability.md's PostgreSQL commands, on a scratch schema of the test database."""
    _fill(scratch_database_url)
    expected = _rows_at(scratch_database_url)
    schema = str(make_url(scratch_database_url).query["options"]).removeprefix("-csearch_path=")
    libpq_url = make_url(TEST_DATABASE_URL).set(drivername="postgresql", query={})
    dsn = libpq_url.render_as_string(hide_password=False)
    dump = tmp_path / "matchmaker.dump"
    run = partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run(["pg_dump", "--format=custom", "--no-owner", f"--schema={schema}", f"--file={dump}", dsn])
    run(["pg_restore", "--list", str(dump)])
    engine = create_db_engine(scratch_database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM feedback_events"))
        connection.execute(text("UPDATE financing_requests SET company = 'changed'"))
    engine.dispose()
    assert _rows_at(scratch_database_url) != expected
    run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={dsn}",
            str(dump),
        ]
    )
    restored = _rows_at(scratch_database_url)
    assert restored == expected
    assert sum(len(rows) for rows in restored.values()) > 20
