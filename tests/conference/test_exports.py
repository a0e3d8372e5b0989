"""The commission's table plan for people: an Excel workbook with a row per placed meeting in
the event's local time, a PDF whose text names the companies and investors, a page listing
every placed meeting; in Chinese or English; only for the commission, only once solved."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from service.conference.exports import table_ranges
from service.reports import pdf
from tests.support.factories import COMING_DAY, Account, ApiClient

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRAMME = {
    "time_zone": "Asia/Shanghai",
    "days": ["2037-11-05", "2037-11-06"],
    "slots": [{"start": "09:00", "minutes": 30}, {"start": "09:30", "minutes": 30}],
    "tables": 3,
    "investor_meeting_cap": 6,
}


@dataclass
class Solved:
    api: ApiClient
    event_id: str
    startup: Account

    def plan(self, output_format: str, language: str | None = None) -> Any:
        headers = dict(self.api.admin)
        if language is not None:
            headers["Accept-Language"] = language
        return self.api.client.get(
            f"/v1/events/{self.event_id}/table-plan",
            params={"format": output_format},
            headers=headers,
        )

    def placed(self) -> set[tuple[dt.date, str, str, int, str, str]]:
        """Every placed meeting from the JSON plan: day, start, end (local), table, names."""
        body = self.plan("json").json()
        found = set()
        for slot in body["slots"]:
            start = dt.datetime.fromisoformat(slot["starts_at"])
            end = dt.datetime.fromisoformat(slot["ends_at"])
            for entry in slot["tables"]:
                if entry is not None:
                    found.add(
                        (
                            start.date(),
                            start.strftime("%H:%M"),
                            end.strftime("%H:%M"),
                            entry["table"],
                            entry["company"],
                            entry["investor_name"],
                        )
                    )
        return found


@pytest.fixture
def solved(api: ApiClient) -> Solved:
    """Two investors each meet two startups (one named like a formula) over two days."""
    event_id = api.create_event("2037 浦东投资促进大会", date=COMING_DAY, place="浦东嘉里中心")
    set_up = api.client.put(f"/v1/events/{event_id}/programme", json=PROGRAMME, headers=api.admin)
    assert set_up.status_code == 200, set_up.text
    startups = [api.create_account("startup", name) for name in ("阶跃星辰", "公式企业")]
    requests = [
        api.create_request(startups[0], company="阶跃星辰", event_id=event_id)["id"],
        api.create_request(startups[1], company="=1+1", title="Robots", event_id=event_id)["id"],
    ]
    for request in requests:
        api.publish(request)
    for name in ("高瓴资本", "启明创投"):
        investor = api.create_account("investor", name)
        mandate = api.create_investor(investor, name=f"{name} AI 基金")["id"]
        for startup, request in zip(startups, requests, strict=True):
            asked = api.client.post(
                f"/v1/events/{event_id}/meetings",
                json={"financing_request_id": request, "investor_profile_id": mandate},
                headers=investor.headers,
            )
            assert asked.status_code == 201, asked.text
            answered = api.client.post(
                f"/v1/meetings/{asked.json()['id']}/answer",
                json={"answer": "accepted"},
                headers=startup.headers,
            )
            assert answered.json()["status"] == "accepted", answered.text
    schedule = api.client.post(
        f"/v1/events/{event_id}/schedules", json={"coverage_k": 2}, headers=api.admin
    )
    assert schedule.status_code == 201, schedule.text
    assert len(schedule.json()["placements"]) == 4
    return Solved(api, event_id, startups[0])


def test_the_workbook_has_a_row_per_placed_meeting_in_local_time(solved: Solved) -> None:
    response = solved.plan("xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    # An ASCII name for every client, and the name a Chinese reader saves (RFC 6266).
    assert response.headers["content-disposition"] == (
        f'attachment; filename="table-plan-2037-11-05-{solved.event_id[:8]}.xlsx"'
        f"; filename*=UTF-8''{quote('桌位表-2037-11-05.xlsx')}"
    )
    workbook = load_workbook(filename=io.BytesIO(response.content))
    assert workbook.sheetnames == ["桌位表", "时段×桌号", "说明"]
    listing = workbook["桌位表"]
    rows = list(listing.iter_rows(values_only=True))
    assert rows[0] == ("日期", "开始", "结束", "桌号", "公司", "融资需求", "投资方")
    found = set()
    for day, start, end, table, company, _, investor in rows[1:]:
        # Real date and time cells (a spreadsheet sorts and filters them), local wall clock.
        assert isinstance(day, dt.datetime)
        assert isinstance(start, dt.time)
        assert isinstance(end, dt.time)
        found.add(
            (day.date(), start.strftime("%H:%M"), end.strftime("%H:%M"), table, company, investor)
        )
    assert len(rows) - 1 == 4
    assert found == solved.placed()
    # Local times of the event (09:00 in Shanghai is 01:00 UTC), never UTC.
    assert {row[1] for row in found} <= {"09:00", "09:30"}
    # A company named like a formula stays text.
    formula = [cell for cell in listing["E"] if cell.value == "=1+1"]
    assert formula
    assert all(cell.data_type == "s" for cell in formula)

    grid = list(workbook["时段×桌号"].iter_rows(values_only=True))
    assert grid[0] == ("日期", "时段", "1号桌", "2号桌", "3号桌")
    assert [row[1] for row in grid[1:]] == ["09:00–09:30", "09:30–10:00"] * 2
    seated = [cell for row in grid[1:] for cell in row[2:] if cell is not None]
    assert len(seated) == 4
    about = {row[0]: row[1] for row in list(workbook["说明"].iter_rows(values_only=True))[1:]}
    assert about["活动"] == "2037 浦东投资促进大会"
    assert about["已安排会面"] == 4
    assert about["时间"] == "活动当地时间（北京时间）"  # as the pages name the zone


def test_the_workbook_speaks_english_when_asked(solved: Solved) -> None:
    response = solved.plan("xlsx", "en")
    workbook = load_workbook(filename=io.BytesIO(response.content))
    assert workbook.sheetnames == ["Table plan", "Slots by table", "About"]
    header = next(workbook["Table plan"].iter_rows(values_only=True))
    assert header == ("Date", "Start", "End", "Table", "Company", "Financing request", "Investor")


def _pdftotext(content: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (Debian's poppler-utils; scripts/install-browser.sh)")
    path = tmp_path / "table-plan.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def test_the_pdf_names_every_company_and_investor_as_text(solved: Solved, tmp_path: Path) -> None:
    if pdf.pdf_unavailable() is not None:
        pytest.skip(str(pdf.pdf_unavailable()))
    response = solved.plan("pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'inline; filename="table-plan-2037-11-05-{solved.event_id[:8]}.pdf"'
        f"; filename*=UTF-8''{quote('桌位表-2037-11-05.pdf')}"
    )
    assert response.content.startswith(b"%PDF-")
    text = _pdftotext(response.content, tmp_path)
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) == 2  # a day per sheet
    assert "桌位表：2037 浦东投资促进大会" in pages[0]
    for name in ("阶跃星辰", "=1+1", "高瓴资本 AI 基金", "启明创投 AI 基金", "09:00–09:30"):
        assert name in text, name


def test_a_pdf_without_a_chinese_font_is_a_problem_naming_the_package(
    solved: Solved, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "chinese_font_files", list)
    response = solved.plan("pdf")
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.json()["detail"]


def test_the_page_lists_every_placed_meeting(solved: Solved) -> None:
    response = solved.plan("html")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="zh-CN">' in page
    assert "2037年11月5日星期四" in page
    for _day, start, end, table, company, investor in solved.placed():
        assert f"{start}–{end}" in page
        assert f'<td class="table-number">{table}</td>' in page
        assert company in page
        assert investor in page
    assert page.count('<td class="table-number">') == 4
    assert "<script" not in page
    english = solved.plan("html", "en").text
    assert "Table plan: 2037 浦东投资促进大会" in english
    assert "Thursday, 5 November 2037" in english
    assert "活动当地时间（北京时间）" in page
    assert "Local time of the event (Beijing time)" in english


def test_only_the_commission_reads_a_solved_plan(solved: Solved, api: ApiClient) -> None:
    for output_format in ("html", "pdf", "xlsx"):
        refused = api.client.get(
            f"/v1/events/{solved.event_id}/table-plan",
            params={"format": output_format},
            headers=solved.startup.headers,
        )
        assert refused.status_code == 403
    unsolved = api.create_event("No schedule yet", date=COMING_DAY)
    missing = api.client.get(
        f"/v1/events/{unsolved}/table-plan", params={"format": "xlsx"}, headers=api.admin
    )
    assert missing.status_code == 404
    unknown = solved.plan("docx")
    assert unknown.status_code == 422


def test_free_tables_read_as_runs() -> None:
    assert table_ranges([9, 2, 4, 5, 6], "zh") == "2、4–6、9"
    assert table_ranges([1, 2, 3], "en") == "1–3"
    assert table_ranges([], "en") == ""


def test_english_readers_read_the_events_english_name_on_the_plan(solved: Solved) -> None:
    """The English PDF was headed "Table plan: 上海城市推介大会 (CIIE)", place 上海, though the
    event has English ones."""
    api = solved.api
    changed = api.patch(
        f"/v1/events/{solved.event_id}",
        json={"name_en": "2037 Pudong Investment Conference", "place_en": "Kerry Centre, Pudong"},
        headers=api.admin,
    )
    assert changed.status_code == 200, changed.text

    page = solved.plan("html", "en").text
    assert "Table plan: 2037 Pudong Investment Conference" in page
    assert "Kerry Centre, Pudong" in page
    workbook = load_workbook(filename=io.BytesIO(solved.plan("xlsx", "en").content))
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert (about["Event"], about["Place"]) == (
        "2037 Pudong Investment Conference",
        "Kerry Centre, Pudong",
    )
    assert "桌位表：2037 浦东投资促进大会" in solved.plan("html", "zh").text


def test_each_reader_gets_their_scripts_face_first(solved: Solved) -> None:
    """English quotes and apostrophes drawn by a CJK face are full-width, which reads as
    gaps; Chinese punctuation drawn by a Latin face is narrow. Each page puts its reader's
    face first."""
    english = solved.plan("html", "en").text
    chinese = solved.plan("html", "zh").text
    assert "body { font-family: 'Noto Sans', 'Noto Sans CJK SC'" in english
    assert "body { font-family: 'Noto Sans CJK SC'" in chinese
