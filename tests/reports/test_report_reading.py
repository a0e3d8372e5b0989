"""The report as a commission reads it: Chinese unless English is asked for, a written summary
first, the requests not covered named, the event's date and place, times in the display time
zone, and names where the document has codes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.core.settings import get_settings
from service.i18n.languages import reading_in
from service.reports.findings import find
from service.reports.html import render_report_html
from service.reports.wording import Wording
from tests.support.report_documents import as_document, sample_report

EVENT = {
    "event_id": "e0000000-0000-4000-8000-000000000005",
    "event_name": "2026 上海投资促进大会",
    "sectors": [],
    "stages": [],
    "event_date": "2026-11-20",
    "event_place": "上海国际会议中心",
}
# The codes of the sample document; a reader sees their names instead. (A currency's code
# stays in the exact figure beside the readable one: 约1234.57万美元（12,345,678.91 USD）.)
CODES = ("ai", "semiconductors", "quantum", "series_a", "series_c", "growth")


class _Sections(HTMLParser):
    """The text a reader sees in each <section> (and the header), by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"section", "header"}:
            self._open.append(dict(attrs).get("id") or tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"section", "header"} and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self.text.setdefault(self._open[-1], []).append(data)


def sections(page: str) -> dict[str, str]:
    parser = _Sections()
    parser.feed(page)
    return {key: " ".join(" ".join(parts).split()) for key, parts in parser.text.items()}


def _event_report(**overrides: Any) -> dict[str, Any]:
    # The title the service gives a report of this event (readers get it in their language).
    title = "Match report: 2026 上海投资促进大会"
    return sample_report(scope=dict(EVENT), title=title, **overrides)


@pytest.fixture
def display_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh, so a test may set MATCHMAKER_DISPLAY_TIME_ZONE."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_report_is_in_chinese_by_default_and_opens_with_its_summary() -> None:
    page = render_report_html(as_document(_event_report()))
    text = sections(page)

    assert '<html lang="zh-CN">' in page
    assert "<title>匹配报告：2026 上海投资促进大会</title>" in page  # the title the service gave
    assert list(text)[:2] == ["report-header", "summary"]  # the summary comes first
    summary = text["summary"]
    assert summary.startswith("摘要 范围内 5 个已发布的融资需求中，3 个至少有一家")
    assert "其中 1 个（20.0%）有至少 3 家此类投资方，视为已覆盖。" in summary
    # Sectors short of capital, the largest gap first, with readable amounts.
    assert "缺口最大的 2 个行业" in summary
    assert summary.index("集成电路：资金需求 约10.12亿元（1,012,345,678.91 CNY）") < summary.index(
        "量子科技：资金需求 3亿元（300,000,000 CNY）"
    )
    assert "缺口 约5.12亿元（512,345,678.91 CNY）" in summary
    # The requests to work on by hand, named: none matched first, then the fewest matches.
    assert "需人工跟进的需求（匹配投资方少于 3 家）：4 个，其中 2 个没有任何匹配。" in summary
    named = [
        summary.index(f"{company}「{title}」")
        for company, title in (
            ("MiniMax", "Multimodal models"),
            ("玻色量子", "相干光量子计算机量产"),
            ("Electronics Materials Park", "Electronic materials park, phase one"),
            ("阶跃星辰", "基础大模型训练融资"),
        )
    ]
    assert named == sorted(named)


def test_the_requests_not_covered_are_named_in_a_table() -> None:
    table = sections(render_report_html(as_document(_event_report())))["uncovered"]

    assert table.startswith("未覆盖的需求（4）")
    for shown in (
        "玻色量子 相干光量子计算机量产 量子科技 A轮 3亿元（300,000,000 CNY） 0 0.410",
        "Electronics Materials Park Electronic materials park, phase one 电子材料 成长期",
        "阶跃星辰 基础大模型训练融资 基础大模型 C轮 30亿元（3,000,000,000 CNY） 2 0.959",
    ):
        assert shown in table


def test_names_stand_where_the_document_has_codes() -> None:
    text = sections(render_report_html(as_document(_event_report())))

    # Reasons are the scorer's own sentences; everything else a person reads names its codes.
    read = " ".join(
        body for key, body in text.items() if key not in {"top-investors", "top-requests"}
    )
    for code in CODES:
        assert not re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", read), code
    assert "人工智能" in read
    assert "约1234.57万美元" in read


def test_english_on_request() -> None:
    page = render_report_html(as_document(_event_report()), Wording.for_reader("en"))
    text = sections(page)

    assert '<html lang="en">' in page
    assert "<title>Match report: 2026 上海投资促进大会</title>" in page
    assert text["summary"].startswith(
        "Summary 3 of 5 published requests in scope have at least one matching investor"
    )
    assert (
        "Integrated circuits asks about CNY 1.01 billion (1,012,345,678.91 CNY)"
        in (text["summary"])
    )
    assert "QBoson" not in page
    assert text["uncovered"].startswith("Requests not covered (4)")
    assert "Quantum technology Series A CNY 300 million (300,000,000 CNY)" in text["uncovered"]
    assert "摘要" not in page


def test_the_language_of_the_reader_is_the_default() -> None:
    with reading_in("en"):
        page = render_report_html(as_document(_event_report()))
    assert "Requests not covered (4)" in page


def test_the_event_is_named_with_its_date_and_place() -> None:
    header = sections(render_report_html(as_document(_event_report())))["report-header"]
    assert "活动 2026 上海投资促进大会 日期 2026年11月20日 地点 上海国际会议中心" in header

    english = sections(render_report_html(as_document(_event_report()), Wording.for_reader("en")))[
        "report-header"
    ]
    assert "Event 2026 上海投资促进大会 Date 20 November 2026 Place 上海国际会议中心" in english


def test_a_report_over_every_event_says_so() -> None:
    header = sections(render_report_html(as_document(sample_report(title="x"))))["report-header"]
    assert "活动 2026 Shanghai Investment Conference 上海投资促进大会 行业" in header
    scope = {"event_id": None, "event_name": None, "sectors": ["ai"], "stages": ["series_a"]}
    page = render_report_html(
        as_document(sample_report(scope=scope, title="Match report: sectors ai; stages series_a"))
    )
    assert "<title>匹配报告：行业：人工智能；阶段：A轮</title>" in page
    assert "活动 全部活动 行业 人工智能 阶段 A轮" in sections(page)["report-header"]


def test_times_are_shown_in_the_display_time_zone(display_zone: pytest.MonkeyPatch) -> None:
    document = as_document(_event_report(created_at="2026-11-21T20:30:00Z"))

    # Asia/Shanghai by default: 8 hours ahead of UTC, the next day here.
    shanghai = render_report_html(document)
    assert "2026-11-22 04:30:00（北京时间，UTC+08:00）" in shanghai
    assert "20:30:00" not in shanghai

    display_zone.setenv("MATCHMAKER_DISPLAY_TIME_ZONE", "Europe/Berlin")
    get_settings.cache_clear()
    berlin = render_report_html(document, Wording.for_reader("en"))
    assert "2026-11-21 21:30:00 (Berlin time, UTC+01:00)" in berlin
    assert "2026-11-21 21:30:00（柏林时间，UTC+01:00）" in render_report_html(document)


def test_an_unknown_display_time_zone_is_refused_at_start(
    display_zone: pytest.MonkeyPatch,
) -> None:
    display_zone.setenv("MATCHMAKER_DISPLAY_TIME_ZONE", "Asia/Atlantis")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="MATCHMAKER_DISPLAY_TIME_ZONE"):
        get_settings()


def test_the_time_zone_can_be_given_to_a_renderer() -> None:
    words = Wording("zh", ZoneInfo("UTC"))
    assert "2026-11-21 08:00:00（UTC，UTC+00:00）" in render_report_html(
        as_document(_event_report()), words
    )


def test_when_no_sector_is_short_the_summary_names_the_tightest() -> None:
    report = _event_report()
    for row in report["by_sector"]:
        row["capital_available"] = str(Decimal(row["capital_asked"]) * 2 + 1)
    report["by_sector"][2]["capital_available"] = "300000001.00"  # quantum: 1 yuan to spare

    summary = sections(render_report_html(as_document(report)))["summary"]

    assert "没有哪个行业的资金需求超过其匹配投资方可提供的资金。" in summary
    assert "余量最小的是量子科技：资金需求 3亿元（300,000,000 CNY），可用资金" in summary


def test_when_every_request_is_covered_nothing_is_left_by_hand() -> None:
    report = _event_report(unmatched=[])
    report["coverage"].update(
        covered=5,
        uncovered=0,
        buckets=[{"label": str(n), "requests": 0} for n in range(3)]
        + [{"label": "3+", "requests": 5}],
    )
    for request in report["requests"]:
        request["investors_above_min_score"] = 3

    page = render_report_html(as_document(report))

    assert "范围内每个需求都有至少 3 家匹配投资方，无需人工跟进。" in sections(page)["summary"]
    assert "未覆盖的需求（0）" in page


def test_findings_take_the_uncovered_from_both_lists_fewest_matches_first() -> None:
    report = _event_report()
    report["requests"][1]["investors_above_min_score"] = 1  # MiniMax: one match

    findings = find(as_document(report))

    assert [(u.company, u.matches) for u in findings.uncovered] == [
        ("玻色量子", 0),  # from the unmatched list, past the capped requests list
        ("Electronics Materials Park", 0),
        ("MiniMax", 1),
        ("阶跃星辰", 2),
    ]
    assert (findings.uncovered_total, findings.without_a_match) == (4, 2)
    assert [s.code for s in findings.short_sectors] == ["semiconductors", "quantum"]
    assert findings.short_sectors[0].gap == Decimal("512345678.91")
    assert findings.tightest_sector is None
    assert findings.with_a_match == 3


@pytest.mark.parametrize(
    ("language", "gap", "expected"),
    [
        ("zh", Decimal("-4765432100"), "富余约47.65亿元（4,765,432,100 CNY）"),
        ("zh", Decimal("300000000"), "缺口3亿元（300,000,000 CNY）"),
        ("zh", Decimal("0"), "持平"),
        ("en", Decimal("-4765432100"), "surplus of about CNY 4.77 billion (4,765,432,100 CNY)"),
        ("en", Decimal("0"), "balanced"),
    ],
)
def test_a_gap_is_a_shortfall_or_a_surplus_never_a_minus_before_about(
    language: str, gap: Decimal, expected: str
) -> None:
    words = Wording("zh" if language == "zh" else "en", ZoneInfo("Asia/Shanghai"))

    assert words.gap(gap, "CNY") == expected
