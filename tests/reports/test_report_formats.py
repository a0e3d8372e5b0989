"""A stored report served for people: HTML in the reader's language, a PDF with pages whose text
is the report's (Chinese names included), an Excel workbook with a sheet per table, CSV with
readable columns; against the world of ``tests/support/report_world.py``."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from service.demo.loader import load_demo
from service.reports import pdf
from tests.support.factories import ApiClient
from tests.support.report_world import build_fixture

PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS_ZH = [
    "摘要",
    "覆盖情况",
    "按行业",
    "按阶段",
    "未覆盖的需求",
    "各需求的首选投资方",
    "各投资方的首选需求",
    "反馈漏斗",
    "曝光情况",
    "各项目曝光",
    "项目落地",
]
SHEETS_EN = [
    "Summary",
    "Coverage",
    "By sector",
    "By stage",
    "Requests not covered",
    "Top investors per request",
    "Top requests per investor",
    "Feedback funnel",
    "Exposure",
    "Seen by investors",
    "Outcomes",
]


def _report(api: ApiClient, **overrides: dict[str, Any]) -> str:
    fx = build_fixture(api, **overrides)
    created = api.client.post(
        "/v1/reports", json={"event_id": fx.event_id, "min_score": 0.8}, headers=api.admin
    )
    assert created.status_code == 201, created.text
    report_id: str = created.json()["id"]
    return report_id


def _get(api: ApiClient, report_id: str, output_format: str, language: str | None = None) -> Any:
    headers = dict(api.admin)
    if language is not None:
        headers["Accept-Language"] = language
    return api.client.get(
        f"/v1/reports/{report_id}", params={"format": output_format}, headers=headers
    )


def test_html_is_in_chinese_unless_english_comes_first(api: ApiClient) -> None:
    report_id = _report(api)

    chinese = _get(api, report_id, "html")
    assert chinese.status_code == 200
    assert chinese.headers["content-language"] == "zh"
    page = chinese.text
    assert "<title>匹配报告：2026 上海投资促进大会</title>" in page
    assert "日期</dt><dd>2026年11月5日" in page
    assert "地点</dt><dd>Shanghai" in page
    # Made at 2026 UTC, printed in Asia/Shanghai.
    assert "（北京时间，UTC+08:00）" in page
    assert "需人工跟进的需求（匹配投资方少于 3 家）：3 个，其中 1 个没有任何匹配。" in page
    # The requests not covered, named: QBoson (none), Cixtech and 阶跃星辰 (two each).
    for named in ("QBoson「R3 round」", "阶跃星辰「R1 round」", "Cixtech「R2 round」"):
        assert named in page
    assert "量子科技" in page

    english = _get(api, report_id, "html", "en-GB,en;q=0.9,zh;q=0.5")
    assert english.headers["content-language"] == "en"
    assert "<title>Match report: 2026 上海投资促进大会</title>" in english.text
    assert "Requests not covered (3)" in english.text
    assert "Quantum technology" in english.text
    assert "需人工跟进" not in english.text


def _pdftotext(content: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (Debian's poppler-utils; scripts/install-browser.sh)")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def test_pdf_has_pages_whose_text_names_requests_investors_and_sectors(
    api: ApiClient, tmp_path: Path
) -> None:
    report_id = _report(api, R3={"company": "玻色量子"})

    response = _get(api, report_id, "pdf")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    ascii_name, readable = response.headers["content-disposition"].split("; filename*=UTF-8''")
    assert ascii_name == f'inline; filename="report-{report_id}.pdf"'
    # The name a Chinese reader saves: the report, its event and the day it was computed.
    assert re.fullmatch(r"匹配报告-2026 上海投资促进大会-\d{4}-\d{2}-\d{2}\.pdf", unquote(readable))
    english = api.client.get(
        f"/v1/reports/{report_id}",
        params={"format": "pdf"},
        headers={**api.admin, "Accept-Language": "en"},
    )
    # An English reader's name too, not only the id (the event has no English name here).
    ascii_name, readable = english.headers["content-disposition"].split("; filename*=UTF-8''")
    assert ascii_name == f'inline; filename="report-{report_id}.pdf"'
    assert re.fullmatch(
        r"Match report-2026 上海投资促进大会-\d{4}-\d{2}-\d{2}\.pdf", unquote(readable)
    )
    assert response.content.startswith(b"%PDF-")
    text = _pdftotext(response.content, tmp_path)
    pages = text.split("\f")
    assert len([page for page in pages if page.strip()]) >= 2
    assert "匹配报告：2026 上海投资促进大会" in pages[0]
    assert "摘要" in pages[0]
    for name in ("阶跃星辰", "玻色量子", "人工智能", "集成电路", "量子科技", "I1", "I5"):
        assert name in text, name
    assert re.search(r"\b1\s*/\s*\d+\s*$", pages[0]), "no page number on the first page"


def test_pdf_without_a_chinese_font_is_a_problem_naming_the_package(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    report_id = _report(api)
    monkeypatch.setattr(pdf, "chinese_font_files", list)

    response = _get(api, report_id, "pdf")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert "fonts-noto-cjk" in response.json()["detail"]


def _rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def test_xlsx_has_a_sheet_per_table_in_the_readers_language(api: ApiClient) -> None:
    report_id = _report(api, R3={"company": '=HYPERLINK("http://evil")'})

    response = _get(api, report_id, "xlsx")

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == SHEETS_ZH
    summary = {row[0]: row[1:] for row in _rows(workbook["摘要"])}
    assert summary["标题"][0] == "匹配报告：2026 上海投资促进大会"
    assert summary["日期"][0] == "2026年11月5日"
    assert summary["资金需求"] == (1355000000, "13.55亿元（1,355,000,000 CNY）")
    by_sector = _rows(workbook["按行业"])
    assert by_sector[0][:4] == ("行业", "需求", "资金需求", "资金需求（易读）")
    assert by_sector[1][:4] == ("人工智能", 2, 700000000, "7亿元（700,000,000 CNY）")
    # The gap is worded as a surplus or a shortfall, never as a minus sign before 约.
    assert by_sector[1][7:] == (-1310000000, "富余13.1亿元（1,310,000,000 CNY）")
    assert by_sector[3][7:] == (300000000, "缺口3亿元（300,000,000 CNY）")
    uncovered = _rows(workbook["未覆盖的需求"])
    assert uncovered[0][:7] == ("公司", "需求", "行业", "阶段", "金额", "币种", "金额（易读）")
    # QBoson first (no match), its name kept as text, never run as a formula.
    assert uncovered[1][:8] == (
        '=HYPERLINK("http://evil")',
        "R3 round",
        "量子科技",
        "A轮",
        300000000,
        "人民币",
        "3亿元（300,000,000 CNY）",
        0,
    )
    assert workbook["未覆盖的需求"]["A2"].data_type == "s"
    assert workbook["未覆盖的需求"]["E2"].number_format == "#,##0.00"
    assert len(uncovered) == 4  # the header and three requests not covered

    english = load_workbook(io.BytesIO(_get(api, report_id, "xlsx", "en").content))
    assert english.sheetnames == SHEETS_EN
    assert _rows(english["By sector"])[1][:4] == (
        "Artificial intelligence",
        2,
        700000000,
        "CNY 700 million (700,000,000 CNY)",
    )
    assert _rows(english["By sector"])[3][8] == "short by CNY 300 million (300,000,000 CNY)"


def test_csv_keeps_its_exact_columns_and_adds_readable_ones(api: ApiClient) -> None:
    report_id = _report(api)

    raw = _get(api, report_id, "csv").content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))

    created = next(row for row in rows if row[:1] == ["created_at"])
    assert created[1].endswith("Z")  # the JSON form, for programs
    assert created[2].endswith("（北京时间，UTC+08:00）")
    assert next(row for row in rows if row[:1] == ["event_date"]) == [
        "event_date",
        "2026-11-05",
        "2026年11月5日",
    ]
    ai = next(row for row in rows if row[:1] == ["ai"])
    assert ai[:6] == ["ai", "Artificial intelligence", "2", "700000000.00", "3", "2010000000.00"]
    assert ai[6:] == ["人工智能", "7亿元（700,000,000 CNY）", "20.1亿元（2,010,000,000 CNY）"]
    not_covered = rows.index(
        ["# Requests not covered (fewer than 3 investors at or above min_score)"]
    )
    assert rows[not_covered + 2][1:3] == ["QBoson", "R3 round"]


def test_an_english_reader_reads_the_english_names_the_event_and_requests_have(
    api: ApiClient,
) -> None:
    """The walk read "Match report: 上海城市推介大会" and Chinese titles in quotes in the
    English report, though the event and the requests had English names: every form of the
    report now reads them in English (and as written in Chinese)."""
    fx = build_fixture(
        api, R1={"title_en": "Foundation model round"}, R3={"title_en": "Quantum chip round"}
    )
    path = f"/v1/events/{fx.event_id}"
    named = api.client.patch(
        path,
        json={"name_en": "2026 Shanghai Investment Forum", "place_en": "Shanghai, China"},
        headers={**api.admin, **api.if_match(path)},
    )
    assert named.status_code == 200, named.text
    created = api.client.post(
        "/v1/reports", json={"event_id": fx.event_id, "min_score": 0.8}, headers=api.admin
    )
    report_id = created.json()["id"]
    scope = created.json()["scope"]
    assert (scope["event_name_en"], scope["event_place_en"]) == (
        "2026 Shanghai Investment Forum",
        "Shanghai, China",
    )

    english = _get(api, report_id, "html", "en").text
    assert "<title>Match report: 2026 Shanghai Investment Forum</title>" in english
    assert "Place</dt><dd>Shanghai, China" in english
    assert "QBoson, “Quantum chip round”" in english
    assert "R3 round" not in english
    chinese = _get(api, report_id, "html").text
    assert "<title>匹配报告：2026 上海投资促进大会</title>" in chinese
    assert "QBoson「R3 round」" in chinese
    assert "Quantum chip round" not in chinese

    workbook = load_workbook(io.BytesIO(_get(api, report_id, "xlsx", "en").content))
    summary = {row[0]: row[1:] for row in _rows(workbook["Summary"])}
    assert summary["Event"][0] == "2026 Shanghai Investment Forum"
    assert _rows(workbook["Requests not covered"])[1][:2] == ("QBoson", "Quantum chip round")

    rows = list(csv.reader(io.StringIO(_get(api, report_id, "csv", "en").text.lstrip("\ufeff"))))
    assert next(row for row in rows if row[:1] == ["event"])[1:] == [
        "2026 上海投资促进大会",  # as stored, for programs
        "2026 Shanghai Investment Forum",
    ]
    not_covered = next(
        i for i, row in enumerate(rows) if row[:1] and row[0].startswith("# Requests not covered")
    )
    header, first = rows[not_covered + 1], rows[not_covered + 2]
    assert (first[header.index("title")], first[header.index("title_readable")]) == (
        "R3 round",
        "Quantum chip round",
    )
    download = _get(api, report_id, "pdf", "en").headers["content-disposition"]
    assert re.fullmatch(
        r"Match report-2026 Shanghai Investment Forum-\d{4}-\d{2}-\d{2}\.pdf",
        unquote(download.split("filename*=UTF-8''")[1]),
    )


def test_the_english_pdfs_tables_fit_the_page(
    api: ApiClient, db_session: Session, tmp_path: Path
) -> None:
    """A walk's English PDF of the demo's conference cut its tables at the page's edge:
    "Best s" for "Best score", the capital available lost, as each English amount (twice as
    long as the Chinese) was kept on one line. Every table's last column is whole now."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (Debian's poppler-utils; scripts/install-browser.sh)")
    load_demo(db_session)
    db_session.flush()
    events = api.client.get("/v1/events", headers=api.admin).json()["items"]
    conference = next(e["id"] for e in events if "CIIE" in e["name"])
    created = api.client.post("/v1/reports", json={"event_id": conference}, headers=api.admin)
    path = tmp_path / "english.pdf"
    path.write_bytes(_get(api, created.json()["id"], "pdf", "en").content)

    # In reading order, each cell whole: a cell cut at the page's edge reads "Best s".
    words = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout.split()
    assert "Best" in words
    assert words[words.index("Best") + 1] == "score"
    assert "(10,800,000,000" in words
