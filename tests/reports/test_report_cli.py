"""matchmaker report: the demo conference's report as JSON, CSV, HTML, workbook and PDF files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from models import Report
from service.cli.main import app as cli
from service.core.database import create_db_engine, create_session_factory
from service.core.settings import get_settings
from service.reports import pdf

runner = CliRunner()
CIIE = "上海城市推介大会 (CIIE)"


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


def _reports(url: str) -> int:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Report)) or 0)
    finally:
        engine.dispose()


def test_the_demo_conference_report_in_every_format(demo_database: str, tmp_path: Path) -> None:
    as_json = tmp_path / "report.json"
    result = runner.invoke(
        cli, ["report", "--event", CIIE, "--top-k", "3", "--format", "json", "-o", str(as_json)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(as_json.read_text(encoding="utf-8"))
    assert document["scope"]["event_name"] == CIIE
    assert document["totals"]["requests"] == 6  # the demo's CIIE projects
    assert document["top_k"] == 3
    assert document["model"]["version"] == "default-v1"
    stepfun = next(r for r in document["requests"] if r["company"] == "Stepfun")
    assert stepfun["top_investors"][0]["name"] == "Hillhouse Capital"

    as_csv = tmp_path / "report.csv"
    result = runner.invoke(
        cli, ["report", "--sectors", "ai,quantum", "--format", "csv", "-o", str(as_csv)]
    )
    assert result.exit_code == 0, result.output
    assert as_csv.read_bytes().startswith(b"\xef\xbb\xbf# Report")

    as_html = tmp_path / "report.html"
    result = runner.invoke(cli, ["report", "--event", CIIE, "--format", "html", "-o", str(as_html)])
    assert result.exit_code == 0, result.output
    page = as_html.read_text(encoding="utf-8")
    assert "Stepfun" in page
    assert '<html lang="zh-CN">' in page  # Chinese unless --lang en
    day = dt.date.fromisoformat(document["scope"]["event_date"])
    assert f"{day.year}年{day.month}月{day.day}日" in page  # the conference's date

    in_english = tmp_path / "report-en.html"
    result = runner.invoke(
        cli, ["report", "--event", CIIE, "--format", "html", "--lang", "en", "-o", str(in_english)]
    )
    assert result.exit_code == 0, result.output
    assert f"{day.day} {day:%B} {day.year}" in in_english.read_text(encoding="utf-8")

    as_xlsx = tmp_path / "report.xlsx"
    result = runner.invoke(cli, ["report", "--event", CIIE, "--format", "xlsx", "-o", str(as_xlsx)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(as_xlsx)
    assert workbook.sheetnames[:2] == ["摘要", "覆盖情况"]
    top_investors = workbook["各需求的首选投资方"].iter_rows(values_only=True)
    assert "Stepfun" in [row[0] for row in top_investors]

    as_pdf = tmp_path / "report.pdf"
    result = runner.invoke(cli, ["report", "--event", CIIE, "--format", "pdf", "-o", str(as_pdf)])
    assert result.exit_code == 0, result.output
    assert as_pdf.read_bytes().startswith(b"%PDF-")
    assert _reports(demo_database) == 6


def test_a_pdf_that_cannot_be_drawn_is_refused_before_anything_is_stored(
    demo_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "chinese_font_files", list)
    output = tmp_path / "report.pdf"

    result = runner.invoke(cli, ["report", "--format", "pdf", "-o", str(output)])

    assert result.exit_code == 1
    assert "fonts-noto-cjk" in result.output
    assert not output.exists()
    assert _reports(demo_database) == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--event", "No such fair"], "no event named"),
        (["--top-k", "0"], "top_k"),
        (["--sectors", "crypto"], "sectors.0"),
        (["--min-score", "2"], "min_score"),
    ],
)
def test_bad_report_options_write_nothing(
    demo_database: str, tmp_path: Path, arguments: list[str], message: str
) -> None:
    output = tmp_path / "report.json"
    result = runner.invoke(cli, ["report", *arguments, "-o", str(output)])
    assert result.exit_code != 0
    assert message in result.output
    assert not output.exists()
    assert _reports(demo_database) == 0
