"""Deployment settings: a replaced taxonomy, SQLite's pragmas, refused placeholder secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import text

from service.core.database import create_db_engine
from service.core.settings import Settings, get_settings
from service.reference_data.catalog import get_reference_data
from tests.support.factories import ApiClient, investor_payload


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


@pytest.mark.parametrize("key", ["changeme", "short-key"])
def test_production_refuses_a_placeholder_admin_key(key: str) -> None:
    with pytest.raises(ValidationError, match="MATCHMAKER_ADMIN_KEY"):
        Settings(environment="production", admin_key=SecretStr(key))


def test_development_accepts_any_admin_key() -> None:
    settings = Settings(environment="development", admin_key=SecretStr("changeme"))
    assert settings.admin_key is not None
