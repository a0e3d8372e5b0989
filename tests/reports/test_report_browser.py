"""The HTML match report in a real headless browser: Debian's Chromium driven by Playwright.

`scripts/install-browser.sh` installs Chromium and the Noto CJK fonts (`.ci/run` calls it
before the tests; this module calls it too and skips, saying why, when it cannot). The page is
written to `var/artifacts/` with a full-page screenshot and a printed PDF for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page

from service.reports.html import render_report_html
from tests.support.browser import ARTIFACTS, launched_chromium
from tests.support.report_documents import as_document, sample_report

CHART_IDS = ("coverage-chart", "sector-capital-chart", "stage-capital-chart", "funnel-chart")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=True)


@pytest.fixture
def report_page(browser: Browser) -> Iterator[tuple[Page, list[str], list[str]]]:
    """The sample report opened from a file, with the console errors and requests it made."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    html_file = ARTIFACTS / "report.html"
    html_file.write_text(render_report_html(as_document(sample_report())), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(html_file.as_uri(), wait_until="load")
    yield page, problems, requests
    page.close()


def _fonts_drawing(cdp: CDPSession, selector: str) -> list[str]:
    """The font families Chromium really used for the glyphs of the first node matching."""
    root = cdp.send("DOM.getDocument", {"depth": -1})
    found = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    assert found["nodeId"], f"nothing matches {selector}"
    fonts: dict[str, Any] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": found["nodeId"]})
    return [font["familyName"] for font in fonts["fonts"]]


def test_the_report_renders_in_chromium(report_page: tuple[Page, list[str], list[str]]) -> None:
    page, problems, requests = report_page

    assert page.title() == "Match report: 2026 Shanghai Investment Conference"
    assert problems == []
    # Self-contained: the document itself is the only thing the browser fetched.
    assert requests == [(ARTIFACTS / "report.html").as_uri()]

    assert page.locator("svg.chart").count() == len(CHART_IDS)
    for chart_id in CHART_IDS:
        box = page.locator(f"svg#{chart_id}").bounding_box()
        assert box is not None, chart_id
        assert box["width"] > 100, chart_id
        assert box["height"] > 40, chart_id
        assert page.locator(f"svg#{chart_id} rect.bar").count() >= 3, chart_id

    body_text = page.inner_text("body")
    for chinese in ("阶跃星辰", "玻色量子", "上海市天使投资引导基金", "3亿元"):
        assert chinese in body_text

    page.screenshot(path=str(ARTIFACTS / "report-browser.png"), full_page=True)
    assert (ARTIFACTS / "report-browser.png").stat().st_size > 10_000


def test_chinese_is_drawn_with_a_cjk_font_in_text_and_charts(
    report_page: tuple[Page, list[str], list[str]],
) -> None:
    page, _, _ = report_page
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")

    in_table = _fonts_drawing(cdp, "#uncovered tbody tr:nth-child(2) td")  # 玻色量子
    in_chart = _fonts_drawing(cdp, "#sector-capital-chart g text")  # 人工智能 in a label

    assert in_table, "no font drew the cell"
    assert all("CJK" in family for family in in_table), in_table
    assert any("CJK" in family for family in in_chart), in_chart


def test_the_report_prints_on_a4_with_page_breaks(
    report_page: tuple[Page, list[str], list[str]],
) -> None:
    page, problems, _ = report_page
    page.emulate_media(media="print")

    break_before = page.eval_on_selector(
        "#top-investors", "element => getComputedStyle(element).breakBefore"
    )
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)

    assert break_before == "page"
    assert pdf.startswith(b"%PDF")
    assert problems == []
