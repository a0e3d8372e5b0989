"""The commission's compliance page in Debian's Chromium against a real server: a foreign
investor's pair with a video platform is blocked by the national negative list, its pair with
a 5G project restricted; the officer finds the page in the navigation, reads the blocked pair
and why, the affected requests and mandates and the lists in force, in Chinese, then in
English. No console errors, no request off 127.0.0.1, no serious axe violation; screenshots
go to ``var/artifacts/web/``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Route

from tests.support.browser import ARTIFACTS, launched_chromium
from tests.support.live_server import LiveServer, running_server

SHOTS = ARTIFACTS / "web"
PASSWORD = "a long compliance password 2026"
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("web-compliance")
    with running_server(f"sqlite:///{directory / 'web.db'}", directory, workers=1) as live:
        yield live


def _api(server: LiveServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.admin_key}", **kwargs.pop("headers", {})}
    response = httpx.request(method, f"{server.url}{path}", headers=headers, **kwargs)
    assert response.status_code < 300, response.text
    return response


def _officer(server: LiveServer) -> str:
    """A commission account and its officer, who signs in with a password."""
    account = _api(
        server, "POST", "/v1/accounts", json={"role": "commission", "name": "上海市商务委员会"}
    ).json()["id"]
    code = _api(server, "POST", "/v1/invitations", json={"account_id": account}).json()
    accepted = httpx.post(
        f"{server.url}/v1/invitations/accept",
        json={"code": code["invitation_code"], "username": "officer.li", "password": PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text
    return "officer.li"


@pytest.fixture(scope="module")
def officer(server: LiveServer) -> str:
    investor = _api(
        server, "POST", "/v1/accounts", json={"role": "investor", "name": "Blackstone"}
    ).json()["id"]
    _api(
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
    startup = _api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": "哔哩哔哩"}
    ).json()["api_key"]
    for company, sector, region in (
        ("哔哩哔哩", "digital_economy.platforms", "yangpu"),
        ("5G 谷", "digital_economy.data", "songjiang"),
    ):
        created = _api(
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
        etag = _api(server, "GET", path).headers["etag"]
        _api(
            server,
            "POST",
            f"{path}/review",
            headers={"If-Match": etag},
            json={"decision": "publish"},
        )
    return _officer(server)


@dataclass
class Visit:
    page: Page
    problems: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.route("**/*", self._only_local)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _only_local(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
            route.continue_()
        else:
            self.problems.append(f"outside request: {url}")
            route.abort()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        results = Axe().run(self.page)
        serious = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])})"
            for v in results.response["violations"]
            if v.get("impact") in SERIOUS
        ]
        assert serious == [], f"{label}: {serious}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"compliance-{label}.png"), full_page=True)


def test_the_officer_reads_blocked_pairs_and_why(
    browser: Browser, server: LiveServer, officer: str
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    visit = Visit(context.new_page())
    visit.watch()
    page = visit.page
    page.goto(f"{server.url}/commission")
    assert urlsplit(page.url).path == "/sign-in"
    page.get_by_label("用户名").fill(officer)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()

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
    lists = page.get_by_role(
        "region", name="自由贸易试验区外商投资准入特别管理措施（负面清单）（2021年版）"
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
    context.close()
