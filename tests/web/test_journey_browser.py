"""The web application in Debian's Chromium against a real server, as its people use it.

One whole journey across the three kinds of user: a startup files a request (with the
keyboard alone), the commission publishes it, an investor finds it among its matches with
reasons and marks interest, the startup sees the interest, and the commission's report
counts it. On every page: no console errors, no request off 127.0.0.1, and axe-core finds no
serious or critical violation. Screenshots of every page go to ``var/artifacts/web/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser

from tests.support.browser import launched_chromium
from tests.support.live_server import LiveServer, running_server
from tests.support.web_visit import (
    SHOTS,
    call_api,
    invite_person,
    open_visit,
    publish_request,
    sign_in,
)

PASSWORD = "a long journey password 2026"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("web-journey")
    with running_server(f"sqlite:///{directory / 'web.db'}", directory, workers=1) as live:
        yield live


def _trained_candidate(server: LiveServer) -> str:
    """Three investor accounts answer 16 published requests (interested in the AI ones); the
    commission trains a candidate on them."""

    def key_of(role: str, name: str) -> dict[str, str]:
        body = call_api(server, "POST", "/v1/accounts", json={"role": role, "name": name}).json()
        return {"Authorization": f"Bearer {body['api_key']}"}

    startup = key_of("startup", "训练数据企业")
    investors = [key_of("investor", f"训练投资者 {n}") for n in range(3)]
    mandates = [
        call_api(
            server,
            "POST",
            "/v1/investors",
            headers=who,
            json={
                "name": f"训练基金 {n}",
                "kind": "vc",
                "origin": "domestic",
                "sectors": ["ai"],
                "stages": ["series_b", "series_c"],
                "ticket_min": "100000000",
                "ticket_max": "5000000000",
                "currency": "CNY",
            },
        ).json()["id"]
        for n, who in enumerate(investors)
    ]
    for n in range(16):
        ai = n % 2 == 0
        request_id = publish_request(
            server,
            {
                "company": f"训练企业 {n}",
                "title": "融资",
                "summary": "",
                "sectors": ["ai.foundation_models" if ai else "life_science.drugs"],
                "amount": "1000000000" if ai else "5000000",
                "currency": "CNY",
                "stage": "series_c" if ai else "seed",
            },
            headers=startup,
        )
        for who, mandate in zip(investors, mandates, strict=True):
            body = {"action": "interested"} if ai else {"action": "pass", "reason": "sector"}
            call_api(
                server,
                "PUT",
                f"/v1/investors/{mandate}/feedback/{request_id}",
                headers=who,
                json=body,
            )
    trained = call_api(server, "POST", "/v1/ranking-models/train").json()
    model_id: str = trained["model"]["id"]
    return model_id


@dataclass
class World:
    startup_user: str
    commission_user: str
    investor_user: str
    mandate_id: str
    startup_id: str
    investor_id: str


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    def account(role: str, name: str) -> str:
        body = call_api(server, "POST", "/v1/accounts", json={"role": role, "name": name}).json()
        return str(body["id"])

    startup = account("startup", "阶跃星辰")
    commission = account("commission", "上海市商务委员会")
    investor = account("investor", "高瓴资本")
    mandate = call_api(
        server,
        "POST",
        "/v1/investors",
        json={
            "owner_account_id": investor,
            "name": "高瓴资本 AI 基金",
            "kind": "pe",
            "origin": "domestic",
            "sectors": ["ai"],
            "stages": ["series_b", "series_c"],
            "ticket_min": "500000000",
            "ticket_max": "5000000000",
            "currency": "CNY",
            "thesis": "基础大模型与算力",
        },
    ).json()
    return World(
        startup_user=invite_person(server, startup, "stepfun.cfo", password=PASSWORD),
        commission_user=invite_person(server, commission, "officer.wang", password=PASSWORD),
        investor_user=invite_person(server, investor, "hillhouse.partner", password=PASSWORD),
        mandate_id=mandate["id"],
        startup_id=startup,
        investor_id=investor,
    )


def test_a_request_travels_from_the_startup_to_an_investor_and_back(
    browser: Browser, server: LiveServer, world: World
) -> None:
    # The startup files a request, with the keyboard alone.
    startup = open_visit(browser, "startup")
    sign_in(
        startup,
        server,
        world.startup_user,
        "/startup/requests/new",
        password=PASSWORD,
        check_page=True,
    )
    page = startup.page
    startup.check("request-form")
    page.get_by_label("公司", exact=True).focus()
    page.keyboard.type("阶跃星辰")
    page.keyboard.press("Tab")
    page.keyboard.type("基础大模型C轮融资")
    page.keyboard.press("Tab")
    page.keyboard.type("三十多亿")  # "over 3 billion" is no amount: said beside the field
    with page.expect_navigation():
        page.get_by_role("button", name="提交审核").press("Enter")
    startup.check("request-form-errors")
    assert page.locator("#amount-error").inner_text().startswith("无法识别该金额")
    assert page.locator("#stage-error").is_visible()

    page.get_by_label("融资金额").fill("")
    page.get_by_label("融资金额").focus()
    page.keyboard.type("30亿")
    page.get_by_label("阶段", exact=True).focus()
    page.keyboard.press("ArrowDown")  # a closed select moves its choice with the arrows
    page.get_by_label("阶段", exact=True).select_option("series_c")
    page.get_by_label("基础大模型").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="提交审核").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/startup", page.locator(".field-error").all_inner_texts()
    startup.check("requests")
    assert "30亿元（3,000,000,000 CNY）" in page.content()

    # The commission publishes it from the review queue.
    commission = open_visit(browser, "commission")
    sign_in(
        commission,
        server,
        world.commission_user,
        "/commission/review",
        password=PASSWORD,
        check_page=True,
    )
    queue = commission.page
    commission.check("review-queue")
    queue.get_by_label("选择“基础大模型C轮融资”").check()
    with queue.expect_navigation():
        queue.get_by_role("button", name="发布所选项目").click()
    assert "已发布 1 项" in queue.content()

    # The investor finds it among its matches, with reasons, and marks interest.
    investor = open_visit(browser, "investor")
    matches_path = f"/investor/mandates/{world.mandate_id}/matches"
    sign_in(investor, server, world.investor_user, matches_path, password=PASSWORD, check_page=True)
    found = investor.page
    investor.check("matches")
    card = found.locator("article.match", has_text="基础大模型C轮融资")
    request_id = card.get_attribute("id")
    assert "行业：基础大模型属于您的投资行业“人工智能”" in card.inner_text()
    with found.expect_navigation():
        card.get_by_role("button", name="有意向").click()
    assert "您的答复" in found.locator("article.match", has_text="基础大模型C轮融资").inner_text()
    found.goto(f"{server.url}/investor")
    investor.check("mandates")

    # The startup sees the interest.
    page.goto(f"{server.url}/startup")
    assert "高瓴资本 AI 基金" in page.locator("article.match").first.inner_text()

    # The commission's report counts it; the dashboard shows its coverage.
    report = call_api(server, "POST", "/v1/reports", json={}).json()
    assert report["funnel"]["interested"] == 1
    queue.goto(f"{server.url}/commission")
    commission.check("dashboard")
    assert "覆盖情况（取自最新报告）" in queue.content()

    # Every other page, checked and photographed.
    for label, path in (
        ("request", f"/commission/requests/{(request_id or '').removeprefix('request-')}"),
        ("events", "/commission/events"),
        ("reports", "/commission/reports"),
        ("report", f"/commission/reports/{report['id']}"),
        ("people", "/commission/people"),
        ("audit", "/commission/audit"),
        ("imports", "/commission/imports"),
    ):
        queue.goto(f"{server.url}{path}")
        commission.check(label)
    # The ranking-model pages, with a candidate trained on three accounts answers.
    model_id = _trained_candidate(server)
    for label, path in (
        ("ranking-models", "/commission/ranking-models"),
        ("ranking-model", f"/commission/ranking-models/{model_id}"),
        ("ranking-model-default", "/commission/ranking-models/default"),
    ):
        queue.goto(f"{server.url}{path}")
        commission.check(label)
    for label, path in (
        ("mandate-form", f"/investor/mandates/{world.mandate_id}/edit"),
        ("mandate-new", "/investor/mandates/new"),
        ("deals", f"/investor/mandates/{world.mandate_id}/deals"),
    ):
        found.goto(f"{server.url}{path}")
        investor.check(label)

    for visit in (startup, commission, investor):
        assert visit.problems == [], visit.problems


def test_pages_fit_a_phone(browser: Browser, server: LiveServer, world: World) -> None:
    phone = open_visit(browser, "phone", width=390, height=844)
    sign_in(
        phone,
        server,
        world.investor_user,
        f"/investor/mandates/{world.mandate_id}/matches",
        password=PASSWORD,
        check_page=True,
    )
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width} px"
    phone.check("matches-phone")
    # The folded menu opens, and closes with Escape, the focus back on its button.
    menu = phone.page.locator("details.nav-menu")
    menu.locator("summary").click()
    assert menu.evaluate("(element) => element.open")
    phone.page.keyboard.press("Escape")
    assert not menu.evaluate("(element) => element.open")
    assert phone.page.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert phone.problems == []


def test_matches_fit_a_phone_in_english(browser: Browser, server: LiveServer, world: World) -> None:
    """English labels are longer ("Amount (Chinese yuan)"): a walk saw the Committed button
    stand out of its card and the page scroll sideways."""
    founder = call_api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": "MiniMax"}
    ).json()
    publish_request(
        server,
        {
            "owner_account_id": founder["id"],
            "company": "MiniMax",
            "title": "多模态大模型B轮融资",
            "title_en": "Multimodal foundation models, Series B",
            "summary": "",
            "sectors": ["ai.foundation_models"],
            "amount": "1000000000",
            "currency": "CNY",
            "stage": "series_b",
        },
    )
    phone = open_visit(browser, "phone-en", width=390, height=844, locale="en-US")
    sign_in(
        phone,
        server,
        world.investor_user,
        f"/investor/mandates/{world.mandate_id}/matches",
        password=PASSWORD,
    )
    assert phone.page.locator("button[value=committed]").count() > 0
    # Each button within its card (the page's padding would hide a button standing out).
    outside = phone.page.evaluate(
        """() => [...document.querySelectorAll('article.match button')]
            .filter((button) => button.getBoundingClientRect().right
                > button.closest('article').getBoundingClientRect().right + 0.5)
            .map((button) => button.innerText)"""
    )
    assert outside == [], f"buttons standing out of their card: {outside}"
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width} px"
    assert phone.problems == []


# The narrowest a column's name may be squeezed on a phone: under two Chinese characters' width
# it reads one character a line ("已/确/认/洽/谈"), which nobody can read.
SQUEEZED_COLUMN_PX = 40


def test_table_columns_keep_their_names_readable_on_a_phone(
    browser: Browser, server: LiveServer, world: World
) -> None:
    """A wide table (the commission's figures by event: eleven columns) scrolls sideways in its
    box on a phone rather than squeezing each column to one character a line."""
    phone = open_visit(browser, "table-phone", width=390, height=844)
    sign_in(phone, server, world.commission_user, "/commission/outcomes", password=PASSWORD)
    squeezed = phone.page.evaluate(
        """(narrowest) => [...document.querySelectorAll('.table-wrap th')]
            .filter((th) => th.innerText.trim().length >= 3)
            .filter((th) => th.getBoundingClientRect().width < narrowest)
            .map((th) => th.innerText.trim())""",
        SQUEEZED_COLUMN_PX,
    )
    assert squeezed == [], f"columns squeezed to one character a line: {squeezed}"
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width} px"
    # A table that scrolls sideways can be scrolled from the keyboard too (axe:
    # scrollable-region-focusable), also where it holds no link to tab to.
    for path, label in (
        ("/commission/ranking-models", "ranking-models-phone"),
        ("/commission/compliance", "compliance-phone"),
    ):
        phone.page.goto(f"{server.url}{path}")
        phone.check(label)
    assert phone.problems == []


def _investor_asks_to_meet(
    server: LiveServer, event_id: str, request_id: str, name: str
) -> dict[str, str]:
    """An investor account named ``name`` with a mandate that fits the request asks to meet
    it through the API; its key's headers."""
    account = call_api(
        server, "POST", "/v1/accounts", json={"role": "investor", "name": name}
    ).json()
    key = {"Authorization": f"Bearer {account['api_key']}"}
    mandate = call_api(
        server,
        "POST",
        "/v1/investors",
        headers=key,
        json={
            "name": f"{name} 基金",
            "kind": "vc",
            "origin": "domestic",
            "sectors": ["ai"],
            "stages": ["series_c"],
            "ticket_min": "100000000",
            "ticket_max": "5000000000",
            "currency": "CNY",
        },
    ).json()["id"]
    call_api(
        server,
        "POST",
        f"/v1/events/{event_id}/meetings",
        headers=key,
        json={"financing_request_id": request_id, "investor_profile_id": mandate},
    )
    return key


def test_conference_day_from_the_programme_to_the_table_plan(
    browser: Browser, server: LiveServer, world: World
) -> None:
    """The commission sets an event's slots and tables (a mistake named beside its field), the
    investor asks a presented company to meet from its matches and says when it is free, the
    startup declines one investor (its reason asked for beside the field) and agrees to two, the
    commission solves the schedule and reads the table plan (also as
    printed), both sides read their agendas; the schedule once more in English."""
    event_id = call_api(
        server,
        "POST",
        "/v1/events",
        json={"name": "2037 浦东投资促进大会", "date": "2037-11-05", "place": "浦东嘉里中心"},
    ).json()["id"]
    request = call_api(
        server,
        "POST",
        "/v1/financing-requests",
        json={
            "owner_account_id": world.startup_id,
            "company": "阶跃星辰",
            "title": "多模态大模型D轮融资",
            "summary": "多模态基础大模型研发",
            "sectors": ["ai.foundation_models"],
            "amount": "3000000000",
            "currency": "CNY",
            "stage": "series_c",
            "event_id": event_id,
        },
    ).json()
    path = f"/v1/financing-requests/{request['id']}"
    etag = call_api(server, "GET", path).headers["etag"]
    call_api(
        server, "POST", f"{path}/review", headers={"If-Match": etag}, json={"decision": "publish"}
    )

    # The commission sets the slots and tables; a missing table count is named beside it.
    commission = open_visit(browser, "conference-commission")
    sign_in(
        commission,
        server,
        world.commission_user,
        "/commission/conference",
        password=PASSWORD,
        check_page=True,
    )
    office = commission.page
    commission.check("overview")
    with office.expect_navigation():
        office.locator("tr", has_text="2037 浦东投资促进大会").get_by_role(
            "link", name="设置时段与桌位"
        ).click()
    office.get_by_label("会面第一天").fill("2037-11-05")
    office.get_by_label("天数").fill("1")
    office.get_by_label("每天的会面时间段").fill("09:00-10:30, 14:00-15:00")
    office.get_by_label("每场会面时长（分钟）").fill("30")
    office.get_by_label("桌数（可同时进行的会面数）").fill("")
    with office.expect_navigation():
        office.get_by_role("button", name="保存时段与桌位").click()
    assert office.locator("#tables-error").inner_text() == "此项为必填。"
    commission.check("programme-errors")
    office.get_by_label("桌数（可同时进行的会面数）").fill("3")
    office.get_by_label("每位投资方最多会面数（选填）").fill("4")
    with office.expect_navigation():
        office.get_by_role("button", name="保存时段与桌位").click()
    assert "时段与桌位已保存" in office.content()
    assert office.locator(".chips li").count() == 5
    commission.check("programme")

    # The investor asks to meet from its matches and says when it is free.
    investor = open_visit(browser, "conference-investor")
    matches = f"/investor/mandates/{world.mandate_id}/matches?event_id={event_id}"
    sign_in(
        investor,
        server,
        world.investor_user,
        matches.split("?")[0],
        password=PASSWORD,
        check_page=True,
    )
    fund = investor.page
    fund.goto(f"{server.url}{matches}")
    card = fund.locator("article.match", has_text="多模态大模型D轮融资")
    with fund.expect_navigation():
        card.get_by_role("button", name="在会上约见").click()
    assert "会面请求已发出" in fund.content()
    investor.check("matches")
    fund.goto(f"{server.url}/investor/events/{event_id}/availability")
    fund.get_by_label("14:30–15:00").uncheck()
    with fund.expect_navigation():
        fund.get_by_role("button", name="保存可会面时段").click()
    assert "您的可会面时段已保存" in fund.content()
    investor.check("availability")

    # A second investor asks through the API.
    _investor_asks_to_meet(server, event_id, request["id"], "启明创投")

    # A third asks too; the startup declines it, and must say why (beside the field).
    third_key = _investor_asks_to_meet(server, event_id, request["id"], "红杉中国")
    startup = open_visit(browser, "conference-startup")
    sign_in(
        startup, server, world.startup_user, "/startup/meetings", password=PASSWORD, check_page=True
    )
    company = startup.page
    assert "待您答复 (3)" in company.content()
    asked_by_third = company.locator("article", has_text="红杉中国")
    with company.expect_navigation():
        asked_by_third.get_by_role("button", name="谢绝").click()
    asked_by_third = company.locator("article", has_text="红杉中国")
    assert "请说明谢绝的原因：对方会看到。" in asked_by_third.inner_text()
    startup.check("meetings-decline-error")
    asked_by_third.get_by_label("谢绝原因").fill("本轮只接受战略投资方")
    with company.expect_navigation():
        asked_by_third.get_by_role("button", name="谢绝").click()
    assert "您已谢绝，对方会看到您的原因。" in company.content()
    third_meetings = call_api(server, "GET", f"/v1/events/{event_id}/meetings", headers=third_key)
    declined = third_meetings.json()["items"]
    assert [(m["status"], m["reason"]) for m in declined] == [("declined", "本轮只接受战略投资方")]

    # The startup agrees to the other two (the keyboard alone) and can meet only at 09:00.
    assert "待您答复 (2)" in company.content()
    startup.check("meetings-waiting")
    for _ in range(2):
        company.get_by_role("button", name="同意会面").first.focus()
        with company.expect_navigation():
            company.keyboard.press("Enter")
        assert "会面已确认" in company.content()
    startup.check("meetings-confirmed")
    company.goto(f"{server.url}/startup/events/{event_id}/availability")
    for slot in ("09:30–10:00", "10:00–10:30", "14:00–14:30", "14:30–15:00"):
        company.get_by_label(slot).uncheck()
    with company.expect_navigation():
        company.get_by_role("button", name="保存可会面时段").click()

    # The commission reads the meetings, solves the schedule and reads the table plan.
    office.goto(f"{server.url}/commission/events/{event_id}/meetings")
    commission.check("meetings")
    office.goto(f"{server.url}/commission/events/{event_id}/schedule")
    office.get_by_label("每个项目的目标会面数").fill("2")
    office.get_by_label("最长计算时间（秒）").fill("5")
    with office.expect_navigation():
        office.get_by_role("button", name="生成", exact=True).click()
    assert "日程方案已生成" in office.content()
    # First what was placed, then how far each request got.
    figures = office.locator(".figure")
    assert figures.nth(0).inner_text() == "1"
    assert "0 / 1" in figures.nth(1).inner_text()
    # The startup is free only at 09:00: one meeting sits there, the other is left out.
    assert "其中一方已有其他会面" in office.content()
    commission.check("schedule")
    with office.expect_navigation():
        office.get_by_role("link", name="桌位表").first.click()
    assert office.locator("table.table-plan td strong", has_text="阶跃星辰").count() == 1
    # Three tables fit a desktop: the hint to swipe is for phones only.
    hint = office.get_by_text("左右滑动桌位表")
    assert hint.count() == 1
    assert hint.first.is_hidden()
    commission.check("table-plan")
    office.emulate_media(media="print")
    printed = SHOTS / "conference-commission-table-plan-print.png"
    office.screenshot(path=str(printed), full_page=True)
    office.emulate_media(media="screen")
    xlsx = httpx.get(
        f"{server.url}/v1/events/{event_id}/table-plan",
        params={"format": "xlsx"},
        headers={"Authorization": f"Bearer {server.admin_key}"},
    )
    assert xlsx.status_code == 200
    (SHOTS / "conference-table-plan.xlsx").write_bytes(xlsx.content)

    # Proposals for coverage: the ranking's next investors, and who stays below the aim.
    office.goto(f"{server.url}/commission/events/{event_id}/meetings")
    office.get_by_label("每个项目的目标会面数").fill("4")
    office.get_by_label("推荐的最低匹配度").fill("0.5")
    with office.expect_navigation():
        office.get_by_role("button", name="生成推荐").click()
    assert "仍未达到目标：需人工对接" in office.content()
    commission.check("proposals")

    # Both sides read their agendas.
    company.goto(f"{server.url}/startup/agenda")
    assert company.locator("table.agenda-table tbody tr").count() == 1
    assert "09:00–09:30" in company.locator("table.agenda-table").inner_text()
    startup.check("agenda")
    fund.goto(f"{server.url}/investor/agenda")
    assert "阶跃星辰" in fund.content() or "日程方案中没有您的会面" in fund.content()
    investor.check("agenda")
    fund.goto(f"{server.url}/investor/meetings")
    investor.check("meetings")

    # The schedule in English.
    office.goto(f"{server.url}/commission/events/{event_id}/schedule")
    with office.expect_navigation():
        office.get_by_role("button", name="English").click()
    assert "The current schedule" in office.content()
    commission.check("schedule-en")
    with office.expect_navigation():
        office.get_by_role("button", name="中文").click()

    # The startup's meetings and agenda on a phone.
    phone = open_visit(browser, "conference-phone", width=390, height=844)
    sign_in(
        phone, server, world.startup_user, "/startup/meetings", password=PASSWORD, check_page=True
    )
    for label, target in (("meetings", "/startup/meetings"), ("agenda", "/startup/agenda")):
        phone.page.goto(f"{server.url}{target}")
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{target} scrolls sideways on a phone: {width} px"
        phone.check(label)

    # The commission's table of meetings reads as one card per meeting on a phone: nothing in
    # it scrolls sideways, and each cell says which column it is.
    office_phone = open_visit(browser, "conference-commission-phone", width=390, height=844)
    meetings_path = f"/commission/events/{event_id}/meetings"
    sign_in(
        office_phone,
        server,
        world.commission_user,
        meetings_path,
        password=PASSWORD,
        check_page=True,
    )
    office_phone.page.goto(f"{server.url}{meetings_path}")
    table = office_phone.page.locator(".table-wrap").first
    overflow = table.evaluate("wrap => wrap.scrollWidth - wrap.clientWidth")
    assert overflow <= 0, f"the meetings table scrolls sideways on a phone by {overflow} px"
    assert office_phone.page.locator("td[data-label='投资方']").count() >= 1
    office_phone.check("meetings")
    # The table plan is wider than a phone: it scrolls in its frame, and says so.
    office_phone.page.goto(f"{server.url}/commission/events/{event_id}/table-plan")
    assert office_phone.page.get_by_text("左右滑动桌位表，可查看全部 3 张桌子。").first.is_visible()
    office_phone.check("table-plan")

    for visit in (commission, investor, startup, phone, office_phone):
        assert visit.problems == [], visit.problems


def test_english_pages_draw_quotes_in_a_latin_face(browser: Browser, server: LiveServer) -> None:
    """An English walk read wide gaps around “quoted” words: the pages' first face was a CJK
    one, which draws quotes full-width. Chinese pages keep it (their quotes are full-width)."""
    widths = {}
    for locale in ("en-US", "zh-CN"):
        context = browser.new_context(locale=locale)
        page = context.new_page()
        page.goto(f"{server.url}/sign-in")
        widths[locale] = page.evaluate(
            """() => {
                const probe = document.createElement('span');
                probe.textContent = '\\u201c';
                document.querySelector('main').appendChild(probe);
                const size = parseFloat(getComputedStyle(probe).fontSize);
                return probe.getBoundingClientRect().width / size;
            }"""
        )
        context.close()
    assert widths["en-US"] < 0.6, widths  # a Latin quote, about half an em or less
    assert widths["zh-CN"] > 0.8, widths  # a full-width quote, as Chinese sets it
