"""Deployment settings: a replaced taxonomy, SQLite's pragmas, refused placeholder secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import text
from typer.testing import CliRunner

from service.cli.main import app as cli
from service.core import database
from service.core.database import create_db_engine
from service.core.settings import Settings, get_settings
from service.main import create_app
from service.reference_data.catalog import get_reference_data
from tests.support.factories import ApiClient, investor_payload

DOCUMENT_PATHS = ("/docs", "/redoc", "/openapi.json")


@pytest.fixture
def replaced_sectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    sectors = {
        "sectors": [
            {"code": "marine", "name": "Marine economy", "name_zh": "海洋经济"},
            {"code": "marine.shipbuilding", "name": "Shipbuilding", "name_zh": "船舶制造"},
        ]
    }
    path = tmp_path / "sectors.json"
    path.write_text(json.dumps(sectors, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("MATCHMAKER_SECTORS_FILE", str(path))
    get_settings.cache_clear()
    get_reference_data.cache_clear()
    yield
    monkeypatch.delenv("MATCHMAKER_SECTORS_FILE")
    get_settings.cache_clear()
    get_reference_data.cache_clear()


@pytest.mark.usefixtures("replaced_sectors")
def test_a_deployment_replaces_the_sector_taxonomy(api: ApiClient) -> None:
    taxonomy = api.client.get("/v1/taxonomy").json()
    assert [s["code"] for s in taxonomy["sectors"]] == ["marine", "marine.shipbuilding"]
    assert taxonomy["sectors"][1]["parent"] == "marine"
    investor = api.create_account("investor")
    accepted = api.client.post(
        "/v1/investors", json=investor_payload(sectors=["marine"]), headers=investor.headers
    )
    assert accepted.status_code == 201, accepted.text
    refused = api.client.post(
        "/v1/investors", json=investor_payload(sectors=["ai"]), headers=investor.headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["allowed"] == ["marine", "marine.shipbuilding"]


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    finally:
        engine.dispose()


def test_sqlite_cuts_its_write_ahead_log_back_after_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large write grows the log file; once a checkpoint has emptied it, the next write
    cuts the file back to the limit instead of keeping its largest size for good."""
    monkeypatch.setattr(database, "SQLITE_WAL_SIZE_LIMIT_BYTES", 64 * 1024)
    path = tmp_path / "wal.db"
    wal = tmp_path / "wal.db-wal"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE filler (body BLOB)"))
            connection.execute(
                text("INSERT INTO filler VALUES (randomblob(:size))"), {"size": 2 * 1024 * 1024}
            )
        assert wal.stat().st_size > 2 * 1024 * 1024
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO filler VALUES (randomblob(10))"))
        assert wal.stat().st_size <= 64 * 1024
    finally:
        engine.dispose()


@pytest.mark.parametrize("key", ["changeme", "short-key"])
def test_production_refuses_a_placeholder_admin_key(key: str) -> None:
    with pytest.raises(ValidationError, match="MATCHMAKER_ADMIN_KEY"):
        Settings(environment="production", admin_key=SecretStr(key))


def test_development_accepts_any_admin_key() -> None:
    settings = Settings(environment="development", admin_key=SecretStr("changeme"))
    assert settings.admin_key is not None


def test_production_is_the_default_and_refuses_a_short_admin_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Before: the default was development, which accepts any admin key.
    monkeypatch.delenv("MATCHMAKER_ENVIRONMENT")
    monkeypatch.setenv("MATCHMAKER_ADMIN_KEY", "x" * 23)
    with pytest.raises(ValidationError, match="MATCHMAKER_ADMIN_KEY"):
        Settings()
    monkeypatch.setenv("MATCHMAKER_ADMIN_KEY", "x" * 24)
    assert Settings().environment == "production"
    assert Settings.model_fields["environment"].default == "production"


def test_the_suite_runs_in_the_test_environment() -> None:
    assert get_settings().environment == "test"


@pytest.mark.parametrize("value", ["false", "0"])
def test_the_api_documents_can_be_switched_off(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_API_DOCS", value)
    engine = create_db_engine("sqlite://")
    try:
        with TestClient(create_app(Settings(), engine=engine)) as client:
            statuses = [client.get(path).status_code for path in DOCUMENT_PATHS]
            taxonomy = client.get("/v1/taxonomy").status_code
    finally:
        engine.dispose()
    assert statuses == [404, 404, 404]
    assert taxonomy == 200


def test_the_api_documents_are_served_by_default() -> None:
    engine = create_db_engine("sqlite://")
    try:
        with TestClient(create_app(get_settings(), engine=engine)) as client:
            statuses = [client.get(path).status_code for path in DOCUMENT_PATHS]
    finally:
        engine.dispose()
    assert statuses == [200, 200, 200]


def test_the_demo_command_runs_in_development(
    scratch_settings: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the tests (which say test) the demo says development, where any key goes."""
    monkeypatch.delenv("MATCHMAKER_ENVIRONMENT")
    monkeypatch.setenv("MATCHMAKER_ADMIN_KEY", "changeme")
    result = CliRunner().invoke(cli, ["demo", "--keys-file", str(tmp_path / "keys.env")])
    assert result.exit_code == 0, result.output
    assert get_settings().environment == "development"
    get_settings.cache_clear()


def test_the_dockerfile_runs_production_with_the_locked_versions() -> None:
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()
    assert "MATCHMAKER_ENVIRONMENT=production" in dockerfile
    assert "COPY requirements.lock" in dockerfile or "requirements.lock ./" in dockerfile
    assert "--constraint requirements.lock" in dockerfile
