"""A form typed while the session ended is not lost (``session-keeper.js``), in Debian's
Chromium against a real server: a startup fills in a new request, is signed out in another
tab, and presses "提交审核". Nothing is sent; the page says to sign in again in another tab
and keeps every field as typed. Once signed in there, the same press files the request with
what was typed, once. The pages stay free of console errors and requests off 127.0.0.1."""

from __future__ import annotations

import datetime as dt
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


def _filed(server: LiveServer, account_id: str) -> list[tuple[str, str]]:
    """The account's requests: title and status (submitted: the button pressed was sent)."""
    listed = call_api(server, "GET", "/v1/financing-requests", params={"limit": 100}).json()
    return [
        (r["title"], r["status"]) for r in listed["items"] if r["owner_account_id"] == account_id
    ]


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
    form.get_by_label("标题", exact=True).fill(TITLE)
    form.get_by_label("融资金额").fill("2亿")
    form.locator('select[name="stage"]').select_option("series_a")
    form.locator('input[name="sectors"]').first.check()
    form.get_by_label("摘要", exact=True).fill("人形机器人整机与灵巧手")

    elsewhere = form.context.new_page()
    elsewhere.goto(f"{server.url}/startup")
    with elsewhere.expect_navigation():
        elsewhere.get_by_role("button", name="退出登录").click()
    assert urlsplit(elsewhere.url).path == "/sign-in"

    form.bring_to_front()
    form.get_by_role("button", name="提交审核").click()
    notice.wait_for(state="visible")
    assert "本页及您填写的内容都会保留" in notice.inner_text()
    assert urlsplit(form.url).path == "/startup/requests/new"
    assert form.get_by_label("标题", exact=True).input_value() == TITLE
    assert form.get_by_label("融资金额").input_value() == "2亿"
    assert _filed(server, startup["id"]) == []
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
    assert _filed(server, startup["id"]) == [(TITLE, "submitted")]
    assert visit.problems == []


def _scheduled_meeting(server: LiveServer, startup_id: str, startup_key: str) -> None:
    """A conference next month where the startup's published request has a confirmed,
    scheduled meeting: its agenda offers the .ics download."""
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    event = call_api(
        server, "POST", "/v1/events", json={"name": "会话过期测试大会", "date": day}
    ).json()["id"]
    call_api(
        server,
        "PUT",
        f"/v1/events/{event}/programme",
        json={"days": [day], "slots": [{"start": "09:00", "minutes": 30}], "tables": 2},
    )
    investor = call_api(
        server, "POST", "/v1/accounts", json={"role": "investor", "name": "会话资本"}
    ).json()
    mandate = call_api(
        server,
        "POST",
        "/v1/investors",
        json={
            "owner_account_id": investor["id"],
            "name": "会话资本一期",
            "kind": "vc",
            "origin": "domestic",
            "sectors": ["ai"],
            "stages": ["series_a"],
            "ticket_min": "10000000",
            "ticket_max": "1000000000",
            "currency": "CNY",
        },
    ).json()["id"]
    created = call_api(
        server,
        "POST",
        "/v1/financing-requests",
        json={
            "owner_account_id": startup_id,
            "company": "星河机器人",
            "title": "日程测试",
            "summary": "日程测试",
            "sectors": ["ai"],
            "amount": "200000000",
            "currency": "CNY",
            "stage": "series_a",
            "event_id": event,
        },
    ).json()["id"]
    path = f"/v1/financing-requests/{created}"
    etag = call_api(server, "GET", path).headers["etag"]
    call_api(
        server, "POST", f"{path}/review", headers={"If-Match": etag}, json={"decision": "publish"}
    )
    meeting = call_api(
        server,
        "POST",
        f"/v1/events/{event}/meetings",
        json={"financing_request_id": created, "investor_profile_id": mandate},
    ).json()["id"]
    # The commission proposed it (the bootstrap key): each side accepts with its own key.
    for key in (investor["api_key"], startup_key):
        call_api(
            server,
            "POST",
            f"/v1/meetings/{meeting}/answer",
            headers={"Authorization": f"Bearer {key}"},
            json={"answer": "accepted"},
        )
    call_api(server, "POST", f"/v1/events/{event}/schedules", json={})


def test_a_download_after_signing_out_elsewhere_waits_for_signing_in(
    browser: Browser, server: LiveServer
) -> None:
    """A download link saves whatever answers it: after the session ended that would be the
    sign-in page as a file. The link is held with the same notice; once signed in again, the
    same click downloads the agenda."""
    startup = call_api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": "星河日程"}
    ).json()
    _scheduled_meeting(server, startup["id"], startup["api_key"])
    username = invite_person(server, startup["id"], "galaxy.agenda", password=PASSWORD)
    visit: Visit = open_visit(browser, "session-keeper-download")
    sign_in(visit, server, username, "/startup/agenda", password=PASSWORD)
    agenda = visit.page
    link = agenda.get_by_role("link", name="加入我的日历（.ics）")

    elsewhere = agenda.context.new_page()
    elsewhere.goto(f"{server.url}/startup")
    with elsewhere.expect_navigation():
        elsewhere.get_by_role("button", name="退出登录").click()
    agenda.bring_to_front()
    downloads: list[object] = []
    agenda.on("download", lambda download: downloads.append(download))
    link.click()
    agenda.locator("#session-ended").wait_for(state="visible")
    assert downloads == []

    elsewhere.get_by_label("用户名").fill(username)
    elsewhere.get_by_label("密码").fill(PASSWORD)
    with elsewhere.expect_navigation():
        elsewhere.get_by_role("button", name="登录").click()
    elsewhere.close()
    agenda.bring_to_front()
    with agenda.expect_download() as saved:
        link.click()
    # Saved under the name a Chinese reader writes (the header's filename*).
    assert saved.value.suggested_filename.startswith("我的日程-")
    assert saved.value.suggested_filename.endswith(".ics")
    assert visit.problems == []


def test_typing_survives_switching_language_and_is_put_back_only_once(
    browser: Browser, server: LiveServer
) -> None:
    """A walk lost a whole request by pressing "English" to see how its English part reads
    (``typing-keeper.js``): the typed fields come back in the other language, once."""
    startup = call_api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": "双语机器人"}
    ).json()
    username = invite_person(server, startup["id"], "bilingual.keeper", password=PASSWORD)
    visit: Visit = open_visit(browser, "typing-keeper")
    sign_in(visit, server, username, "/startup/requests/new", password=PASSWORD)
    page = visit.page
    page.get_by_label("标题", exact=True).fill(TITLE)
    page.get_by_label("英文标题").fill("Embodied robots, Series A")
    page.locator('select[name="stage"]').select_option("series_a")
    page.locator('input[name="sectors"]').first.check()

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Title", exact=True).input_value() == TITLE
    assert page.get_by_label("Title in English").input_value() == "Embodied robots, Series A"
    assert page.locator('select[name="stage"]').input_value() == "series_a"
    assert page.locator('input[name="sectors"]').first.is_checked()
    visit.check("typed-after-language-switch")

    page.reload()
    assert page.get_by_label("Title", exact=True).input_value() == ""

    # Sent without an amount, the form comes back with its errors and what was typed; the
    # language switch keeps that too (it was typed before sending, not after).
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Title in English").fill("Embodied robots, Series A")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for review").click()
    assert page.locator("#amount-error").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="中文").click()
    assert urlsplit(page.url).path == "/startup/requests/new"
    assert page.get_by_label("标题", exact=True).input_value() == TITLE
    assert page.get_by_label("英文标题").input_value() == "Embodied robots, Series A"
    assert visit.problems == []


def _startup_request(server: LiveServer, company: str, **fields: str) -> tuple[str, str]:
    """A startup account named ``company`` with one AI series A request (submitted unless
    ``fields`` say otherwise): the account's id and the request's."""
    startup: str = call_api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": company}
    ).json()["id"]
    request_id: str = call_api(
        server,
        "POST",
        "/v1/financing-requests",
        json={
            "owner_account_id": startup,
            "company": company,
            "title": f"{company}A轮",
            "sectors": ["ai"],
            "amount": "200000000",
            "currency": "CNY",
            "stage": "series_a",
            **fields,
        },
    ).json()["id"]
    return startup, request_id


def _investor_with_mandate(
    server: LiveServer, name: str, username: str, ticket_min: str
) -> tuple[str, str]:
    """An investor account with one AI series A mandate and a person to sign in: the
    person's username and the mandate's id."""
    investor = call_api(
        server, "POST", "/v1/accounts", json={"role": "investor", "name": name}
    ).json()
    mandate: str = call_api(
        server,
        "POST",
        "/v1/investors",
        json={
            "owner_account_id": investor["id"],
            "name": f"{name}一期",
            "kind": "vc",
            "origin": "domestic",
            "sectors": ["ai"],
            "stages": ["series_a"],
            "ticket_min": ticket_min,
            "ticket_max": "5000000000",
            "currency": "CNY",
        },
    ).json()["id"]
    return invite_person(server, investor["id"], username, password=PASSWORD), mandate


def test_a_cards_pass_and_commitment_typed_before_switching_language_both_come_back(
    browser: Browser, server: LiveServer
) -> None:
    """A card's pass and its commitment post to one address: the walk typed a reason, a note
    and an amount, switched language and found only the amount again."""
    _, request_id = _startup_request(server, "卡片科技")
    revision = call_api(server, "GET", f"/v1/financing-requests/{request_id}").headers["etag"]
    call_api(
        server,
        "POST",
        f"/v1/financing-requests/{request_id}/review",
        json={"decision": "publish"},
        headers={"If-Match": revision},
    )
    username, mandate = _investor_with_mandate(server, "卡片资本", "card.keeper", "10000000")
    visit: Visit = open_visit(browser, "typing-keeper-card")
    matches = f"/investor/mandates/{mandate}/matches"
    sign_in(visit, server, username, matches, password=PASSWORD)
    page = visit.page
    page.locator(f"#reason-{request_id}").select_option("team")
    page.locator(f"#note-{request_id}").fill("团队太薄，暂不考虑")
    page.locator(f"#request-{request_id} input[name='amount']").fill("5000万")

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator(f"#reason-{request_id}").input_value() == "team"
    assert page.locator(f"#note-{request_id}").input_value() == "团队太薄，暂不考虑"
    assert page.locator(f"#request-{request_id} input[name='amount']").input_value() == "5000万"
    assert visit.problems == []


def test_a_switch_puts_back_only_what_was_typed_and_says_when_a_form_was_saved_meanwhile(
    browser: Browser, server: LiveServer
) -> None:
    """Only fields typed into come back (a mandate's tickets are drawn again in the new
    language's words, as its hidden originals are); a form someone saved meanwhile keeps what
    is stored, and the page says the typing was not put back."""
    username, mandate = _investor_with_mandate(server, "切换资本", "switch.keeper", "150000000")
    visit: Visit = open_visit(browser, "typing-keeper-mandate")
    edit = f"/investor/mandates/{mandate}/edit"
    sign_in(visit, server, username, edit, password=PASSWORD)
    page = visit.page
    page.locator("#thesis").fill("具身智能与机器人")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("#thesis").input_value() == "具身智能与机器人"
    drawn_after_switch = page.locator("#ticket_min").input_value()
    page.reload()
    assert page.locator("#ticket_min").input_value() == drawn_after_switch
    assert page.locator("#typing-not-restored").is_hidden()

    page.locator("#thesis").fill("Typed, then saved elsewhere")
    etag = call_api(server, "GET", f"/v1/investors/{mandate}").headers["etag"]
    call_api(
        server,
        "PATCH",
        f"/v1/investors/{mandate}",
        json={"thesis": "A colleague's thesis"},
        headers={"If-Match": etag},
    )
    with page.expect_navigation():
        page.get_by_role("button", name="中文").click()
    assert page.locator("#thesis").input_value() == "A colleague's thesis"
    assert page.locator("#typing-not-restored").is_visible()
    assert "切换语言前填写的内容未恢复" in page.locator("#typing-not-restored").inner_text()
    assert visit.problems == []


def test_an_untouched_form_saved_elsewhere_switches_language_without_a_notice(
    browser: Browser, server: LiveServer
) -> None:
    """A request's edit form without a region or an event: those choices show their first
    option without it being marked, which once read as typing, so a switch after a colleague
    saved said that typing was not put back when nobody had typed anything."""
    startup_id, request_id = _startup_request(server, "未动科技", status="draft")
    username = invite_person(server, startup_id, "untouched.keeper", password=PASSWORD)
    visit: Visit = open_visit(browser, "typing-keeper-untouched")
    sign_in(visit, server, username, f"/startup/requests/{request_id}/edit", password=PASSWORD)
    page = visit.page
    path = f"/v1/financing-requests/{request_id}"
    call_api(
        server,
        "PATCH",
        path,
        json={"summary": "同事保存的摘要"},
        headers={"If-Match": call_api(server, "GET", path).headers["etag"]},
    )
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.get_by_label("Summary", exact=True).input_value() == "同事保存的摘要"
    assert page.locator("#typing-not-restored").is_hidden()
    assert visit.problems == []
