"""The commission's outcome figures in every format of a report (JSON, HTML, PDF, Excel, CSV),
equal to the hand-computed figures of ``tests/outcomes/test_figures.py``'s world: a report of
event E1 carries E1's figures, a report over every event the whole."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from service.reports.outcome_wording import rate_text
from tests.outcomes.test_figures import CREDIT_CODE, World
from tests.support.factories import ApiClient

# E1 (hand-computed in test_figures): 3 accepted meetings, 2 of them signed; 3 deals, 2
# signed (100 + 50 million yuan), 40 million in place; one registration and one production
# overdue; one abandoned.
E1_TOTAL = {
    "meetings": 3,
    "met_and_signed": 2,
    "deals": 3,
    "signed": 2,
    "signing_rate": "0.6667",
    "signed_amount_cny": "150000000.00",
    "funds_in_place_cny": "40000000.00",
    "funds_in_place_ratio": "0.2667",
    "overdue_registration": 1,
    "overdue_production": 1,
    "abandoned": 1,
}
# Every event: E2's 10 million USD (71 million yuan) signed deal and its meeting added.
ALL_TOTAL = {
    **E1_TOTAL,
    "meetings": 4,
    "met_and_signed": 3,
    "deals": 4,
    "signed": 3,
    "signing_rate": "0.7500",
    "signed_amount_cny": "221000000.00",
    "funds_in_place_ratio": "0.1810",
}


@pytest.fixture
def world(api: ApiClient, db_session: Session) -> World:
    return World(api, db_session)


def _report(world: World, event_id: str | None) -> str:
    body = {"event_id": event_id} if event_id else {}
    created = world.api.client.post("/v1/reports", json=body, headers=world.api.admin)
    assert created.status_code == 201, created.text
    report_id: str = created.json()["id"]
    return report_id


def _get(world: World, report_id: str, output_format: str, language: str = "zh") -> Any:
    response = world.api.client.get(
        f"/v1/reports/{report_id}",
        params={"format": output_format},
        headers={**world.api.admin, "Accept-Language": language},
    )
    assert response.status_code == 200, response.text
    return response


def _numbers(figure: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figure.items() if k not in ("key", "name")}


def test_json_carries_the_events_figures_or_everyones(world: World) -> None:
    e1 = _get(world, _report(world, world.e1), "json").json()["outcomes"]
    assert _numbers(e1["total"]) == E1_TOTAL
    assert [b["by"] for b in e1["breakdowns"]] == ["event", "sector", "region", "origin"]
    by_event = {g["key"]: g for g in e1["breakdowns"][0]["groups"]}
    assert list(by_event) == [world.e1]
    assert _numbers(by_event[world.e1]) == E1_TOTAL
    by_origin = {g["key"]: _numbers(g) for g in e1["breakdowns"][3]["groups"]}
    assert by_origin["domestic"]["signing_rate"] == "0.5000"
    assert by_origin["domestic"]["funds_in_place_ratio"] == "0.4000"
    assert by_origin["foreign"]["signing_rate"] == "1.0000"
    # O1 (E1) shares its company with O3 (E2): flagged in E1's report too.
    assert [c["credit_code"] for c in e1["double_claims"]] == [CREDIT_CODE]

    every = _get(world, _report(world, None), "json").json()["outcomes"]
    assert _numbers(every["total"]) == ALL_TOTAL
    by_event = {g["key"]: g for g in every["breakdowns"][0]["groups"]}
    assert set(by_event) == {world.e1, world.e2}
    assert by_event[world.e2]["signed_amount_cny"] == "71000000.00"
    by_region = {g["key"]: g for g in every["breakdowns"][2]["groups"]}
    assert (by_region["xuhui"]["signing_rate"], by_region["pudong"]["abandoned"]) == ("1.0000", 1)


def test_html_shows_the_figures_in_chinese_and_english(world: World) -> None:
    path = f"/v1/events/{world.e1}"
    named = world.api.client.patch(
        path,
        json={"name_en": "First fair"},
        headers={**world.api.admin, **world.api.if_match(path)},
    )
    assert named.status_code == 200, named.text
    report_id = _report(world, world.e1)
    page = _get(world, report_id, "html").text
    assert "项目落地：洽谈之后的成果" in page
    assert "签约率" in page
    assert "资金到位率" in page
    assert "66.7%" in page  # signing rate 2 / 3
    assert "26.7%" in page  # funds in place ratio 40 / 150 million
    assert "1.5亿元" in page
    assert "4000万元" in page
    assert "注册 1 个，投产 1 个" in page
    assert CREDIT_CODE in page
    for heading in ("按活动", "按行业", "按区域", "按投资方来源"):
        assert heading in page
    assert "境外" in page or "外资" in page  # the foreign origin, named in Chinese

    english = _get(world, report_id, "html", "en").text
    assert "Outcomes: what the meetings became" in english
    # The row of the event by its English name (the walk read the Chinese one there).
    by_event = english.split("By event", 1)[1].split("</table>", 1)[0]
    assert "First fair" in by_event
    assert "E1" not in by_event.replace("First fair", "")
    assert "First fair" not in page
    assert "By investor origin" in english
    assert "66.7%" in english


def test_pdf_text_carries_the_figures(world: World, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (Debian's poppler-utils; scripts/install-browser.sh)")
    content = _get(world, _report(world, world.e1), "pdf").content
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "项目落地" in text
    assert "签约率" in text
    assert "66.7%" in text
    assert "26.7%" in text
    assert CREDIT_CODE in text


def test_xlsx_has_an_outcomes_sheet_with_every_breakdown(world: World) -> None:
    content = _get(world, _report(world, world.e1), "xlsx").content
    workbook = load_workbook(io.BytesIO(content))
    rows = list(workbook["项目落地"].iter_rows(values_only=True))
    assert rows[0][:5] == ("分组方式", "行", "已确认洽谈", "洽谈后签约", "签约率")
    totals = [row for row in rows[1:] if row[1] == "全部"]
    assert len(totals) == 4  # one per breakdown
    for row in totals:
        assert row[2:8] == (3, 2, "66.7%", 3, 2, 150000000)
        assert row[9] == 40000000
        assert row[11:15] == ("26.7%", 1, 1, 1)
    assert {row[0] for row in rows[1:]} >= {"按活动", "按行业", "按区域", "按投资方来源"}
    assert any(row[0] == "重复申报的企业" and row[1] == CREDIT_CODE for row in rows)


def test_csv_has_a_section_per_breakdown_with_exact_figures(world: World) -> None:
    raw = _get(world, _report(world, None), "csv").content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    titles = [row[0] for row in rows if row and row[0].startswith("# Outcomes by ")]
    assert [t.split(" (")[0] for t in titles] == [
        "# Outcomes by event",
        "# Outcomes by sector",
        "# Outcomes by region",
        "# Outcomes by origin",
    ]
    totals = [row for row in rows if row[:1] == ["all"]]
    assert len(totals) == 4
    expected = [str(ALL_TOTAL[k]) for k in ("meetings", "met_and_signed", "deals", "signed")]
    for row in totals:
        assert row[2:6] == expected
        assert row[6:10] == ["0.7500", "221000000.00", "40000000.00", "0.1810"]
        assert row[10:13] == ["1", "1", "1"]
        assert row[13:15] == ["全部", "75.0%"]
    xuhui = next(row for row in rows if row[:1] == ["xuhui"])
    assert xuhui[6] == "1.0000"
    assert xuhui[13] == "徐汇区"
    claim = next(row for row in rows if row[:1] == [CREDIT_CODE])
    assert claim[1] == f"{world.o1}; {world.o3}"


def test_rates_are_written_with_one_place_rounded_half_up() -> None:
    assert rate_text(Decimal("0.5405")) == "54.1%"  # 20 of 37; not 54.0%, the even neighbour
    assert rate_text(Decimal("0.6667")) == "66.7%"
    assert rate_text(Decimal("0.1250")) == "12.5%"
    assert rate_text(None) == "—"
