"""The commission's compliance page in Debian's Chromium against a real server: a foreign
investor's pair with a video platform is blocked by the national negative list, its pair with
a 5G project restricted; the officer finds the page in the navigation, reads the blocked pair
and why, the affected requests and mandates and the lists in force, in Chinese, then in
English. No console errors, no request off 127.0.0.1, no serious axe violation; screenshots
go to ``var/artifacts/web/``."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from tests.support.browser import launched_chromium
from tests.support.live_server import LiveServer, running_server
from tests.support.web_visit import call_api, invite_person, open_visit, sign_in

PASSWORD = "a long compliance password 2026"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("web-compliance")
    with running_server(f"sqlite:///{directory / 'web.db'}", directory, workers=1) as live:
        yield live


def _officer(server: LiveServer) -> str:
    """A commission account and its officer, who signs in with a password."""
    account = call_api(
        server, "POST", "/v1/accounts", json={"role": "commission", "name": "上海市商务委员会"}
    ).json()["id"]
    return invite_person(server, account, "officer.li", password=PASSWORD)


@pytest.fixture(scope="module")
def officer(server: LiveServer) -> str:
    investor = call_api(
        server, "POST", "/v1/accounts", json={"role": "investor", "name": "Blackstone"}
    ).json()["id"]
    call_api(
        server,
        "POST",
        "/v1/investors",
        json={
            "owner_account_id": investor,
            "name": "Blackstone 成长基金",
            "kind": "pe",
            "origin": "foreign",
            "sectors": ["digital_economy"],
            "stages": ["growth", "strategic"],
            "ticket_min": "100000000",
            "ticket_max": "3000000000",
            "currency": "CNY",
        },
    )
    startup = call_api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": "哔哩哔哩"}
    ).json()["api_key"]
    for company, sector, region in (
        ("哔哩哔哩", "digital_economy.platforms", "yangpu"),
        ("5G 谷", "digital_economy.data", "songjiang"),
    ):
        created = call_api(
            server,
            "POST",
            "/v1/financing-requests",
            headers={"Authorization": f"Bearer {startup}"},
            json={
                "company": company,
                "title": "新总部",
                "summary": "",
                "sectors": [sector],
                "amount": "1500000000",
                "currency": "CNY",
                "stage": "strategic",
                "region": region,
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
    return _officer(server)


def test_the_officer_reads_blocked_pairs_and_why(
    browser: Browser, server: LiveServer, officer: str
) -> None:
    visit = open_visit(browser, "compliance")
    sign_in(visit, server, officer, "/commission", password=PASSWORD)
    page = visit.page

    with page.expect_navigation():
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="外资准入").click()
    assert urlsplit(page.url).path == "/commission/compliance"
    assert page.get_by_role("heading", level=1).inner_text() == "外资准入：匹配中的负面清单"
    blocked = page.get_by_role("table", name="受阻配对 (1)")
    row = blocked.get_by_role("row").filter(has_text="Blackstone 成长基金")
    assert "哔哩哔哩" in row.inner_text()
    assert "互联网新闻、出版、视听和文化经营禁止外商投资" in row.inner_text()
    assert "全国外资准入负面清单（2024年版）" in row.inner_text()
    affected = page.get_by_role("table", name="受影响的项目 (2)")
    assert "杨浦区" in affected.inner_text()
    assert "5G 谷" in affected.get_by_role("row").filter(has_text="限制").inner_text()
    mandates = page.get_by_role("table", name="受影响的外资投资方画像 (1)")
    assert "Blackstone 成长基金" in mandates.inner_text()
    lists = page.locator("section").filter(
        has=page.get_by_role(
            "heading", name="自由贸易试验区外商投资准入特别管理措施（负面清单）（2021年版）"
        )
    )
    assert "适用区域：临港新片区。" in lists.inner_text()
    visit.check("zh")

    # The blocked request's link opens it for the commission.
    with page.expect_navigation():
        row.get_by_role("link", name="哔哩哔哩").click()
    assert urlsplit(page.url).path.startswith("/commission/requests/")
    page.go_back()

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Foreign investment: negative lists in matching"
    )
    english = page.get_by_role("table", name="Blocked pairs (1)").inner_text()
    assert "closed to foreign investors under the national negative list (2024)" in english
    visit.check("en")
    assert visit.problems == []
    visit.page.context.close()
