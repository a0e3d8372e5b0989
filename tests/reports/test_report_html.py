"""The HTML match report renderer: escaping, exact numbers, empty sections, self-contained."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from pydantic import ValidationError

from service.reports import charts
from service.reports.formatting import format_amount, format_share
from service.reports.html import render_report_html
from service.reports.wording import Wording
from tests.support.report_documents import HOSTILE_NAME, as_document, sample_report

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
ENGLISH = Wording.for_reader("en")


class _PageParser(HTMLParser):
    """Collects tags, attributes and the text a reader sees (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(page)
    parser.close()
    return parser


def svg_charts(page: str) -> dict[str, ET.Element]:
    """Each inline chart parsed as XML (which also proves it is well-formed), by id."""
    found = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    elements = [ET.fromstring(svg) for svg in found]  # noqa: S314 - our own output
    return {element.attrib["id"]: element for element in elements}


def test_user_input_is_escaped_everywhere_it_appears() -> None:
    report = sample_report(title=HOSTILE_NAME)
    report["scope"].update(event_name=HOSTILE_NAME, event_place=HOSTILE_NAME)
    # A sector the reference data no longer knows keeps the name the document stored.
    report["by_sector"][0].update(code="retired_sector", name=HOSTILE_NAME)
    report["unmatched"][0]["company"] = HOSTILE_NAME
    report["requests"][0]["top_investors"][0]["name"] = HOSTILE_NAME
    report["requests"][0]["top_investors"][0]["reasons"] = [
        {"kind": "track_record", "outcome": "follow_on", "values": {"company": HOSTILE_NAME}}
    ]
    report["investors"][0]["top_requests"][0]["title"] = HOSTILE_NAME

    page = render_report_html(as_document(report))

    assert "<script" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    parsed = parse(page)
    assert "script" not in parsed.tags
    # Shown to the reader as typed: title, event, place, sector, company (in the summary and
    # the table), investor, reason, request title.
    assert "".join(parsed.text).count(HOSTILE_NAME) >= 10
    sector_chart = svg_charts(page)["sector-capital-chart"]
    assert HOSTILE_NAME in "".join(sector_chart.itertext())


def test_amounts_and_counts_are_shown_exactly_beside_the_readable_form() -> None:
    report = sample_report()
    report["totals"]["capital_asked"] = "999999999999999.99"
    report["by_sector"][1]["capital_asked"] = "1012345678.91"
    report["funnel"]["committed_amount"] = "1200000000.50"

    page = render_report_html(as_document(report))

    # A float would print 1,000,000,000,000,000 for the first one.
    assert "999,999,999,999,999.99 CNY" in page
    assert "约10.12亿元（1,012,345,678.91 CNY）" in page
    assert "约12亿元（1,200,000,000.50 CNY）" in page
    assert "约1234.57万美元（12,345,678.91 USD）" in page  # an uncovered request's own currency
    assert "3亿元（300,000,000 CNY）" in page
    assert "80亿元（8,000,000,000 CNY）" in page
    assert "占需求的 20.0%" in page  # 1 covered of 5
    assert "7.5%" in page  # 30 interested of 400 matched
    assert "0.959" in page  # scores to three decimals
    assert "版本 default；权重 行业匹配 0.4、投资额度匹配 0.3、阶段匹配 0.3" in page


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("3000000000", "3,000,000,000.00"),
        ("3000000000.00", "3,000,000,000.00"),
        ("0.10", "0.10"),
        ("12345.678", "12,345.678"),
        ("999999999999999.99", "999,999,999,999,999.99"),
    ],
)
def test_amount_formatting_is_exact(amount: str, shown: str) -> None:
    assert format_amount(Decimal(amount)) == shown


def test_shares_are_computed_in_decimals() -> None:
    assert format_share(1, 3) == "33.3%"
    assert format_share(2, 3) == "66.7%"
    assert format_share(0, 0) == "—"


def _empty_report() -> dict[str, Any]:
    report = sample_report(
        unmatched=[], funnel=None, by_sector=[], by_stage=[], requests=[], investors=[]
    )
    report["coverage"].update(covered=0, uncovered=0, buckets=[])
    report["totals"].update(requests=0, investors=0, capital_asked="0.00")
    return report


@pytest.mark.parametrize(
    ("words", "sentences", "no_data"),
    [
        (
            None,
            (
                "范围内没有已发布的融资需求。",
                "范围内尚无反馈记录。",
                "范围内没有需求。",
                "范围内没有投资方。",
            ),
            "暂无数据",
        ),
        (
            ENGLISH,
            (
                "No published request is in scope.",
                "No feedback recorded in scope yet.",
                "No requests in scope.",
                "No investors in scope.",
            ),
            "No data",
        ),
    ],
)
def test_empty_sections_render_with_a_sentence_instead(
    words: Wording | None, sentences: tuple[str, ...], no_data: str
) -> None:
    page = render_report_html(as_document(_empty_report()), words)

    for sentence in sentences:
        assert sentence in page
    # With no request, none is said to be covered: the sections say there is none.
    assert page.count(sentences[0]) >= 3
    assert "范围内每个需求都有至少" not in page
    assert "Every request in scope has" not in page
    assert "funnel-chart" not in page
    assert set(svg_charts(page)) == {"coverage-chart"}
    assert no_data in "".join(svg_charts(page)["coverage-chart"].itertext())


def test_a_funnel_absent_from_the_document_is_treated_as_no_feedback() -> None:
    report: dict[str, Any] = sample_report()
    del report["funnel"]
    assert "范围内尚无反馈记录。" in render_report_html(as_document(report))


def test_every_chart_is_present_and_well_formed() -> None:
    page = render_report_html(as_document(sample_report()))

    found = svg_charts(page)

    assert set(found) == {
        "coverage-chart",
        "sector-capital-chart",
        "stage-capital-chart",
        "funnel-chart",
    }
    for chart in found.values():
        assert float(chart.attrib["width"]) > 0
        assert float(chart.attrib["height"]) > 0
        assert chart.find(f"{SVG_NAMESPACE}title") is not None
        assert "Noto Sans CJK SC" in chart.attrib["font-family"]
    coverage_bars = found["coverage-chart"].findall(f".//{SVG_NAMESPACE}rect")
    assert [bar.attrib["fill"] for bar in coverage_bars] == [
        charts.TONES["bad"],
        charts.TONES["warning"],
        charts.TONES["warning"],
        charts.TONES["good"],
    ]
    # Labels are names in the reader's language, values the short readable amounts.
    sector_text = "".join(found["sector-capital-chart"].itertext())
    assert "人工智能" in sector_text
    assert "36亿元" in sector_text
    assert "资金需求" in sector_text
    assert "C轮" in "".join(found["stage-capital-chart"].itertext())
    assert "已承诺投资" in "".join(found["funnel-chart"].itertext())


def test_the_page_is_self_contained() -> None:
    page = render_report_html(as_document(sample_report()))
    parsed = parse(page)

    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert '<meta charset="utf-8">' in page
    assert not {"script", "link", "img", "iframe", "object"} & set(parsed.tags)
    assert not [name for name, _ in parsed.attributes if name == "src"]
    links = [value or "" for name, value in parsed.attributes if name == "href"]
    assert links  # the table of contents
    assert all(link.startswith("#") for link in links), links  # in-page only
    ids = {value for name, value in parsed.attributes if name == "id"}
    assert {link[1:] for link in links} <= ids
    assert "url(" not in page
    assert "@import" not in page
    assert "default-src 'none'" in page
    assert "@media print" in page
    assert "Noto Sans CJK SC" in page


def test_bars_are_drawn_to_scale_and_labelled_with_the_value() -> None:
    chart = ET.fromstring(  # noqa: S314 - our own output
        charts.grouped_bar_chart(
            "capital",
            "Capital",
            (charts.Series("asked", "neutral"), charts.Series("available", "secondary")),
            [
                charts.BarGroup(
                    "人工智能",
                    (Decimal("3600000000.00"), Decimal("8000000000.00")),
                    ("36亿元", "80亿元"),
                ),
                charts.BarGroup("Quantum", (Decimal("300000000.00"), Decimal(0)), ("a", "0")),
            ],
        )
    )

    bars = [rect for rect in chart.iter(f"{SVG_NAMESPACE}rect") if rect.get("class") == "bar"]
    widths = [float(bar.attrib["width"]) for bar in bars]

    assert widths[1] == pytest.approx(420.0)
    assert widths[0] == pytest.approx(420.0 * 3.6 / 8, abs=0.1)
    assert widths[3] == 0.0
    assert "36亿元" in "".join(chart.itertext())


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("Quantum", 200.0, "Quantum"),
        ("人工智能与工业软件", 60.0, "人工智能…"),
        ("Artificial intelligence", 60.0, "Artific…"),
    ],
)
def test_long_chart_labels_are_cut_to_fit(text: str, width: float, expected: str) -> None:
    assert charts.fit_text(text, width) == expected
    assert charts.text_width(charts.fit_text(text, width)) <= width


def test_a_float_amount_is_refused_rather_than_printed() -> None:
    report = sample_report()
    report["totals"]["capital_asked"] = 4912345678.91

    with pytest.raises(ValidationError, match="never floats"):
        render_report_html(as_document(report))


def test_capped_lists_say_how_many_they_show() -> None:
    report = sample_report(listed={"limit": 2, "requests": 2, "unmatched": 1, "investors": 2})
    report["unmatched"] = report["unmatched"][:1]

    page = render_report_html(as_document(report), ENGLISH)

    # Not covered: r-0001 and r-0002 from the requests, r-0004 from the unmatched list; 4 in all.
    assert "Listed: 3 of 4 (a report lists at most 2)." in page
    assert "Listed: 2 of 5 (a report lists at most 2)." in page  # requests
    assert "Listed: 2 of 3 (a report lists at most 2)." in page  # investors
    assert "Not covered (4)" in page  # the total, from the coverage


def test_complete_lists_carry_no_listing_note() -> None:
    report = sample_report()
    report["totals"]["requests"] = len(report["requests"])
    report["totals"]["investors"] = len(report["investors"])

    assert "Listed:" not in render_report_html(as_document(report), ENGLISH)


def test_the_model_is_named_as_the_pages_name_it_with_a_learned_versions_weights_apart() -> None:
    """The walk read "版本 learned-v1；权重 行业匹配 0.0159318、…" (17 weights) at the head
    of a report: the head names the model as every page does, and a learned version's many
    weights are kept for the record at the end."""
    report = sample_report()
    report["model"] = {"version": "default-v1", "weights": {"sector": 0.4, "ticket": 0.3}}
    default = render_report_html(as_document(report))
    assert "默认权重，各项权重为行业匹配 0.4、投资额度匹配 0.3" in default
    assert "排序模型的权重" not in default

    report["model"] = {"version": "learned-v2", "weights": {"sector": 0.0159, "ticket": -0.2}}
    learned = render_report_html(as_document(report))
    head = learned.split("<dt>模型</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert head == "学习版本2"
    assert "learned-v2" not in learned
    appendix = learned.split('id="model-weights"', 1)[1].split("</section>", 1)[0]
    assert "行业匹配 0.0159" in appendix
    assert "模型：学习版本2" in learned.split("<footer>", 1)[1]


@pytest.mark.parametrize("counted_by", [None, "firm"])
def test_a_report_says_how_it_counted_investors_as_it_was_made(counted_by: str | None) -> None:
    """Reports made before investors were counted as firms counted each mandate: read again,
    they say what they counted then, not what a report counts now."""
    report = sample_report()
    if counted_by is not None:
        report["coverage"]["counted_by"] = counted_by
    document = as_document(report)
    html = render_report_html(document, ENGLISH)
    firm_sentences = (
        "a firm counted once however many of its profiles match",
        "the matching investors are counted as firms, each once",
    )
    for sentence in firm_sentences:
        assert (sentence in html) is (counted_by == "firm"), sentence
    # Stored without the marker, read back without it: the document is what was stored.
    assert ("counted_by" in document.model_dump(mode="json")["coverage"]) is (counted_by == "firm")
