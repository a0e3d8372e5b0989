"""The matchmaker command: accounts, demo data and migrations on a scratch database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from models import FinancingRequest, InvestorProfile, RequestStatus
from service.cli.main import app as cli
from service.core.database import create_db_engine, create_session_factory
from tests.support.factories import bearer

runner = CliRunner()


def _count(url: str, model: type[InvestorProfile] | type[FinancingRequest]) -> int:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def test_accounts_create_prints_a_working_key(
    scratch_settings: str, scratch_client: TestClient
) -> None:
    """The printed key authenticates as the new account with its role."""
    result = runner.invoke(cli, ["accounts", "create", "--role", "startup", "--name", "QBoson"])
    assert result.exit_code == 0, result.output
    api_key = result.stdout.strip().splitlines()[-1]
    me = scratch_client.get("/v1/me", headers=bearer(api_key))
    assert me.status_code == 200
    assert me.json()["role"] == "startup"
    assert me.json()["name"] == "QBoson"


def test_accounts_create_rejects_an_unknown_role(scratch_settings: str) -> None:
    result = runner.invoke(cli, ["accounts", "create", "--role", "banker", "--name", "X"])
    assert result.exit_code != 0


def test_demo_loads_seed_data_once(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    """The demo publishes the seed projects, and a second run adds nothing."""
    keys_file = tmp_path / "keys.env"
    first = runner.invoke(cli, ["demo", "--keys-file", str(keys_file)])
    assert first.exit_code == 0, first.output
    first_keys = dict(
        line.removeprefix("export ").split("=", 1) for line in keys_file.read_text().splitlines()
    )
    assert keys_file.stat().st_mode & 0o077 == 0
    profiles = _count(scratch_settings, InvestorProfile)
    requests = _count(scratch_settings, FinancingRequest)
    assert profiles >= 6
    assert requests >= 11

    investor = bearer(first_keys["INVESTOR_KEY"])
    listed = scratch_client.get("/v1/financing-requests?limit=100", headers=investor).json()
    companies = {item["company"] for item in listed["items"]}
    assert {"Stepfun", "MiniMax", "Cixtech Technology", "Bilibili"} <= companies
    assert {item["status"] for item in listed["items"]} == {RequestStatus.PUBLISHED.value}
    stepfun = next(item for item in listed["items"] if item["company"] == "Stepfun")
    assert stepfun["amount"] == "3000000000.00"
    own = scratch_client.get("/v1/investors", headers=investor).json()["items"]
    assert [p["id"] for p in own] == [first_keys["INVESTOR_PROFILE_ID"]]
    assert "[示意 Illustrative" in own[0]["thesis"]

    second = runner.invoke(cli, ["demo", "--keys-file", str(keys_file)])
    assert second.exit_code == 0, second.output
    assert _count(scratch_settings, InvestorProfile) == profiles
    assert _count(scratch_settings, FinancingRequest) == requests
    second_keys = dict(
        line.removeprefix("export ").split("=", 1) for line in keys_file.read_text().splitlines()
    )
    assert second_keys == first_keys  # the demo's keys stay until `demo --reset`
    assert scratch_client.get("/v1/me", headers=investor).status_code == 200
    commission = bearer(second_keys["COMMISSION_KEY"])
    assert scratch_client.get("/v1/me", headers=commission).json()["role"] == "commission"


@contextmanager
def _watched_modes(monkeypatch: pytest.MonkeyPatch, name: str) -> Iterator[list[int]]:
    """Under umask 0: the mode of every file named like ``name`` at each chmod or rename.

    Before: the keys file was written with the umask's mode (0666 here, 0644 usually) and
    narrowed by a chmod afterwards, so it was readable by everyone for a moment.
    """
    modes: list[int] = []
    chmod, replace = os.chmod, os.replace

    def watched_chmod(path: Any, mode: int, *args: Any, **kwargs: Any) -> None:
        if name in str(path):
            modes.append(os.stat(path).st_mode & 0o777)
        chmod(path, mode, *args, **kwargs)

    def watched_replace(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        if name in str(source):
            modes.append(os.stat(source).st_mode & 0o777)
        replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", watched_chmod)
    monkeypatch.setattr(os, "replace", watched_replace)
    previous = os.umask(0)
    try:
        yield modes
    finally:
        os.umask(previous)


def test_the_demo_keys_file_is_private_from_the_start(
    scratch_settings: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "keys").mkdir()
    keys_file = tmp_path / "keys" / "keys.env"
    keys_file.write_text("export OLD=1\n")
    keys_file.chmod(0o644)  # an old file that others could read
    with _watched_modes(monkeypatch, "keys.env") as modes:
        result = runner.invoke(cli, ["demo", "--keys-file", str(keys_file)])
    assert result.exit_code == 0, result.output
    assert keys_file.stat().st_mode & 0o777 == 0o600
    assert modes, "the keys file was neither narrowed nor renamed into place"
    assert all(mode & 0o077 == 0 for mode in modes), [oct(m) for m in modes]
    assert "COMMISSION_KEY=" in keys_file.read_text()
    assert [p.name for p in keys_file.parent.iterdir()] == ["keys.env"]  # no temporary left


def test_migrate_down_and_up(scratch_settings: str) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["migrate", "base", "--down"]).exit_code == 0
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert _count(scratch_settings, InvestorProfile) == 0
