"""A form typed while the session ended is not lost (``session-keeper.js``), in Debian's
Chromium against a real server: a startup fills in a new request, is signed out in another
tab, and presses "提交审核". Nothing is sent; the page says to sign in again in another tab
and keeps every field as typed. Once signed in there, the same press files the request with
what was typed, once. The pages stay free of console errors and requests off 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from tests.support.browser import launched_chromium
from tests.support.live_server import LiveServer, running_server
from tests.support.web_visit import Visit, call_api, invite_person, open_visit, sign_in

PASSWORD = "a long keeper password 2026"
TITLE = "具身智能机器人A轮（会话过期测试）"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("web-session-keeper")
    with running_server(f"sqlite:///{directory / 'web.db'}", directory, workers=1) as live:
        yield live


def _titles_filed(server: LiveServer, account_id: str) -> list[str]:
    listed = call_api(server, "GET", "/v1/financing-requests", params={"limit": 100}).json()
    return [r["title"] for r in listed["items"] if r["owner_account_id"] == account_id]


def test_a_form_sent_after_signing_out_elsewhere_is_kept_and_sent_after_signing_in(
    browser: Browser, server: LiveServer
) -> None:
    startup = call_api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": "星河机器人"}
    ).json()
    username = invite_person(server, startup["id"], "galaxy.keeper", password=PASSWORD)
    visit: Visit = open_visit(browser, "session-keeper")
    sign_in(visit, server, username, "/startup/requests/new", password=PASSWORD)
    form = visit.page
    notice = form.locator("#session-ended")
    assert notice.is_hidden()
    form.get_by_label("标题").fill(TITLE)
    form.get_by_label("融资金额").fill("2亿")
    form.locator('select[name="stage"]').select_option("series_a")
    form.locator('input[name="sectors"]').first.check()
    form.get_by_label("摘要").fill("人形机器人整机与灵巧手")

    elsewhere = form.context.new_page()
    elsewhere.goto(f"{server.url}/startup")
    with elsewhere.expect_navigation():
        elsewhere.get_by_role("button", name="退出登录").click()
    assert urlsplit(elsewhere.url).path == "/sign-in"

    form.bring_to_front()
    form.get_by_role("button", name="提交审核").click()
    notice.wait_for(state="visible")
    assert "您填写的内容仍保留在本页" in notice.inner_text()
    assert urlsplit(form.url).path == "/startup/requests/new"
    assert form.get_by_label("标题").input_value() == TITLE
    assert form.get_by_label("融资金额").input_value() == "2亿"
    assert _titles_filed(server, startup["id"]) == []
    visit.check("signed-out-notice")

    elsewhere.get_by_label("用户名").fill(username)
    elsewhere.get_by_label("密码").fill(PASSWORD)
    with elsewhere.expect_navigation():
        elsewhere.get_by_role("button", name="登录").click()
    elsewhere.close()

    form.bring_to_front()
    with form.expect_navigation():
        form.get_by_role("button", name="提交审核").click()
    assert urlsplit(form.url).path == "/startup"
    assert _titles_filed(server, startup["id"]) == [TITLE]
    assert visit.problems == []
