"""matchmaker compliance check on the demo data: the requests and foreign mandates the
negative lists affect, and the blocked pairs, in Chinese by default, English or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli.main import app as cli
from service.core.settings import get_settings

runner = CliRunner()


@pytest.fixture
def demo_database(
    scratch_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    monkeypatch.setenv("MATCHMAKER_DATABASE_URL", scratch_database_url)
    get_settings.cache_clear()
    loaded = runner.invoke(cli, ["demo", "--keys-file", str(tmp_path / "keys.env")])
    assert loaded.exit_code == 0, loaded.output
    yield scratch_database_url
    get_settings.cache_clear()


@pytest.mark.usefixtures("demo_database")
def test_the_check_names_the_affected_requests_mandates_and_blocked_pairs() -> None:
    result = runner.invoke(cli, ["compliance", "check"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "外资准入负面清单：合规检查" in out
    assert "自由贸易试验区外商投资准入特别管理措施（负面清单）（2021年版）：临港新片区" in out
    assert "已发布项目 11 个，外资投资方画像 4 个" in out
    assert "受影响的项目（2 个）：" in out
    prohibited = "禁止：Bilibili，新总部"
    assert f"{prohibited}（杨浦区；互联网新闻、出版、视听和文化经营）" in out
    assert "限制：5G valley" in out
    assert "  Blackstone：受阻 1 对，受限 1 对" in out
    assert "受阻配对（3 对）：不计为匹配" in out
    assert "  Blackstone × Bilibili（匹配度 0.94）：外资准入：Blackstone为外资投资方" in out
    assert "AstraZeneca" not in out  # foreign, but no pair of it is affected

    english = runner.invoke(cli, ["compliance", "check", "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "Blocked pairs (3): not matches" in english.stdout
    assert "prohibited: Bilibili, New headquarters (Yangpu;" in english.stdout

    as_json = runner.invoke(cli, ["compliance", "check", "--json"])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.stdout)
    assert [m["name"] for m in body["mandates"]] == [
        "Allianz Global Investors",
        "Blackstone",
        "Sequoia Capital",
    ]
    assert {(p["investor_name"], p["company"]) for p in body["blocked_pairs"]} == {
        ("Allianz Global Investors", "Bilibili"),
        ("Blackstone", "Bilibili"),
        ("Sequoia Capital", "Bilibili"),
    }
    assert all(p["reason"]["outcome"] == "prohibited" for p in body["blocked_pairs"])
