"""Deals after the handshake in Debian's Chromium against a real server: an investor opens a
deal from its accepted meeting and records its steps through the pages (an invalid tranche
is named beside its field and nothing is written), the startup reads the same deal, and the
commission reads its figures and the overdue deal. On every page: no console errors, no
request off 127.0.0.1, and axe-core finds no serious or critical violation. The deal page and
the commission's figures are photographed into docs/ (the README shows them); every page
goes to ``var/artifacts/web/``.

The fixtures follow ``test_journey_browser.py``'s (a server of its own, people who sign in
with a password)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import launched_chromium
from tests.support.live_server import LiveServer, running_server
from tests.support.web_visit import call_api, invite_person, open_visit, sign_in

PASSWORD = "a long outcomes password 2026"
CREDIT_CODE = "91310000MA1FL0ER26"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("web-outcomes")
    with running_server(f"sqlite:///{directory / 'web.db'}", directory, workers=1) as live:
        yield live


@dataclass
class World:
    investor_user: str
    startup_user: str
    commission_user: str
    older_deal: str


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    """Hillhouse meets Stepfun (Xuhui) and QBoson (Pudong) at a conference next month (both
    meetings accepted); the QBoson deal was signed for 5亿 400 days ago, registered with the
    credit code the Stepfun deal will give too (a company claimed in two districts), and never
    produced (overdue)."""

    def account(role: str, name: str) -> dict[str, Any]:
        body: dict[str, Any] = call_api(
            server, "POST", "/v1/accounts", json={"role": role, "name": name}
        ).json()
        return body

    investor = account("investor", "高瓴资本")
    startup = account("startup", "阶跃星辰")
    commission = account("commission", "上海市商务委员会")
    as_investor = {"Authorization": f"Bearer {investor['api_key']}"}
    as_startup = {"Authorization": f"Bearer {startup['api_key']}"}
    # A conference still to come: one held takes no more meeting requests.
    next_month = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    event_id = call_api(
        server,
        "POST",
        "/v1/events",
        json={"name": "2026 上海投资促进大会", "date": str(next_month), "place": "世博中心"},
    ).json()["id"]
    mandate = call_api(
        server,
        "POST",
        "/v1/investors",
        json={
            "owner_account_id": investor["id"],
            "name": "高瓴资本 AI 基金",
            "kind": "pe",
            "origin": "domestic",
            "sectors": ["ai", "quantum"],
            "stages": ["series_a", "series_b", "series_c"],
            "ticket_min": "100000000",
            "ticket_max": "5000000000",
            "currency": "CNY",
        },
    ).json()["id"]
    requests = {}
    for company, title, sector, region in (
        ("阶跃星辰", "基础大模型C轮融资", "ai.foundation_models", "xuhui"),
        ("玻色量子", "相干光量子计算机A轮融资", "quantum", "pudong"),
    ):
        created = call_api(
            server,
            "POST",
            "/v1/financing-requests",
            json={
                "owner_account_id": startup["id"],
                "company": company,
                "title": title,
                "summary": title,
                "sectors": [sector],
                "amount": "3000000000",
                "currency": "CNY",
                "stage": "series_c" if sector.startswith("ai") else "series_a",
                "region": region,
                "event_id": event_id,
            },
        ).json()
        path = f"/v1/financing-requests/{created['id']}"
        etag = call_api(server, "GET", path).headers["etag"]
        call_api(
            server,
            "POST",
            f"{path}/review",
            headers={"If-Match": etag},
            json={"decision": "publish"},
        )
        requests[company] = created["id"]
        meeting = call_api(
            server,
            "POST",
            f"/v1/events/{event_id}/meetings",
            json={"financing_request_id": created["id"], "investor_profile_id": mandate},
        ).json()
        for side in (as_investor, as_startup):
            call_api(
                server,
                "POST",
                f"/v1/meetings/{meeting['id']}/answer",
                headers=side,
                json={"answer": "accepted"},
            )
    older = call_api(
        server,
        "POST",
        "/v1/outcomes",
        headers=as_investor,
        json={"investor_profile_id": mandate, "financing_request_id": requests["玻色量子"]},
    ).json()["id"]
    long_ago = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=400)
    for step in (
        {"kind": "sign", "happened_on": long_ago.isoformat(), "amount": "500000000"},
        {
            "kind": "register",
            "happened_on": (long_ago + dt.timedelta(days=10)).isoformat(),
            "credit_code": CREDIT_CODE,
        },
    ):
        call_api(server, "POST", f"/v1/outcomes/{older}/steps", headers=as_investor, json=step)
    return World(
        investor_user=invite_person(server, investor["id"], "hillhouse.deals", password=PASSWORD),
        startup_user=invite_person(server, startup["id"], "stepfun.deals", password=PASSWORD),
        commission_user=invite_person(server, commission["id"], "officer.li", password=PASSWORD),
        older_deal=older,
    )


def _record(page: Page, kind: str, **fields: str) -> None:
    page.get_by_label("步骤", exact=True).select_option(kind)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="记录此步骤").click()


def test_an_investor_takes_a_deal_to_funds_in_place_and_the_commission_reads_the_figures(
    browser: Browser, server: LiveServer, world: World
) -> None:
    investor = open_visit(browser, "outcomes-investor")
    sign_in(investor, server, world.investor_user, "/outcomes", password=PASSWORD)
    page = investor.page
    investor.check("deals")
    assert page.get_by_role("link", name="项目落地").get_attribute("aria-current") == "page"
    with page.expect_navigation():
        page.get_by_role("button", name="开始跟进落地：高瓴资本 AI 基金 与 阶跃星辰").click()
    assert urlsplit(page.url).path.startswith("/outcomes/")
    deal_path = urlsplit(page.url).path
    assert page.locator("#deal-stage").inner_text() == "洽谈中"
    investor.check("deal-negotiating")

    _record(page, "sign", **{"金额（人民币）": "30亿"})
    assert "已记录：已签约。" in page.locator(".notice").inner_text()
    assert page.locator("#deal-stage").inner_text() == "已签约"
    assert page.locator("#deal-signed").inner_text().startswith("30亿元")
    _record(page, "register", **{"统一社会信用代码": CREDIT_CODE})
    assert page.locator("#deal-stage").inner_text() == "已注册"

    # 40亿 would pass the signed 30亿: named beside the amount, nothing written.
    _record(page, "tranche", **{"金额（人民币）": "40亿"})
    assert page.locator("#amount-error").inner_text() == (
        "这笔资金会使到位资金超过签约金额：请先记录修改签约金额。"
    )
    assert page.get_by_label("金额（人民币）", exact=True).get_attribute("aria-invalid") == "true"
    assert page.locator("#deal-stage").inner_text() == "已注册"
    assert page.locator("#deal-steps tbody tr").count() == 2
    investor.check("deal-tranche-error", docs="web-outcomes.png")

    _record(page, "tranche", **{"金额（人民币）": "10亿"})
    assert page.locator("#deal-stage").inner_text() == "资金到位"
    assert page.locator("#deal-funds").inner_text().startswith("10亿元")
    assert page.locator("#deal-steps tbody tr").count() == 3
    investor.check("deal-funds-in-place")

    # The startup reads the same deal among its own.
    startup = open_visit(browser, "outcomes-startup")
    sign_in(startup, server, world.startup_user, "/outcomes", password=PASSWORD)
    assert (
        startup.page.locator("tbody tr", has_text="阶跃星辰").locator(".status").first.inner_text()
        == "资金到位"
    )
    startup.check("deals")

    # The commission: the figures, the overdue deal, and its dashboard.
    commission = open_visit(browser, "outcomes-commission")
    sign_in(commission, server, world.commission_user, "/commission/outcomes", password=PASSWORD)
    office = commission.page
    assert office.locator("#figure-signing-rate").inner_text() == "100.0%"  # 2 met, 2 signed
    assert office.locator("#figure-funds-ratio").inner_text() == "28.6%"  # 10亿 of 35亿
    assert office.locator("#figure-overdue").inner_text() == "1"
    total = office.locator("#outcome-figures tr.total")
    assert "2026 上海投资促进大会" in office.locator("#outcome-figures tbody").inner_text()
    assert "35亿元" in total.inner_text()
    claims = office.locator("#double-claims").inner_text()
    assert CREDIT_CODE in claims
    assert "浦东新区、徐汇区" in claims  # the regions by code: pudong, xuhui
    commission.check("figures", docs="web-commission-figures.png")
    with office.expect_navigation():
        office.get_by_role("link", name="逾期（1）").click()
    overdue = office.locator("#commission-deals tbody").inner_text()
    assert "玻色量子" in overdue
    assert "阶跃星辰" not in overdue
    assert "投产逾期" in overdue
    commission.check("overdue")
    with office.expect_navigation():
        office.get_by_role("link", name="按区域").click()
    assert "徐汇区" in office.locator("#outcome-figures").inner_text()
    commission.check("figures-by-region")
    office.goto(f"{server.url}{deal_path}")
    assert office.locator("#deal-stage").inner_text() == "资金到位"
    office.goto(f"{server.url}/commission")
    assert office.locator("#figure-signing-rate").inner_text() == "100.0%"
    commission.check("dashboard")

    for visit in (investor, startup, commission):
        assert visit.problems == [], visit.problems


def test_the_deal_page_fits_a_phone(browser: Browser, server: LiveServer, world: World) -> None:
    phone = open_visit(browser, "outcomes-phone", width=390, height=844)
    sign_in(phone, server, world.investor_user, f"/outcomes/{world.older_deal}", password=PASSWORD)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width} px"
    phone.check("deal-phone")
    assert phone.problems == []
