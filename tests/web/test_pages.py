"""The web pages over HTTP: signing in and back, CSRF and headers, the startup's form with
errors beside each field, stale edits, the commission's review queue, the investor's matches
and feedback, and other accounts' objects."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.requests import Request

from service.core.settings import get_settings
from service.financing_requests import service as requests_service
from service.http.problems import Invalid, field_problem
from service.web.csrf import CSRF_COOKIE
from service.web.responses import CONTENT_SECURITY_POLICY, return_path
from tests.support.factories import Account, ApiClient
from tests.support.people import Person, new_person
from tests.support.web import Browser

# The message beside an amount the form cannot read.
UNREADABLE_AMOUNT = (
    "无法识别该金额：请写成 30亿、5000万、五千万、伍亿元整 或 3,000,000,000 这样的数额；"
    "“三十多亿”这类约数无法识别。"
)

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')
GOOD_FORM = {
    "company": "阶跃星辰",
    "title": "基础大模型C轮",
    "summary": "基础大模型研发与训练算力",
    "amount": "30亿",
    "currency": "CNY",
    "stage": "series_c",
    "region": "xuhui",
    "event_id": "",
    "sectors": ["ai.foundation_models"],
    "action": "submit",
}


def _signed_in(api: ApiClient, role: str) -> tuple[Account, Person, Browser]:
    account = api.create_account(role)
    person = new_person(api, account, signed_in=False)
    browser = Browser(api.client)
    browser.sign_in(person)
    return account, person, browser


def _count_requests(api: ApiClient) -> int:
    listed = api.client.get("/v1/financing-requests", params={"limit": 100}, headers=api.admin)
    return len(listed.json()["items"])


def _filings_audited(api: ApiClient) -> int:
    trail = api.client.get("/v1/audit", params={"limit": 100}, headers=api.admin).json()
    return sum(1 for record in trail["items"] if record["action"] == "financing_request.create")


def _answering_investor(
    api: ApiClient,
) -> tuple[dict[str, Any], Account, Browser, dict[str, Any], str]:
    """A published request, a signed-in investor with a mandate, and the address its answers
    on that request are posted to."""
    startup = api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    account, _, investor = _signed_in(api, "investor")
    mandate = api.create_investor(account)
    return (
        request,
        account,
        investor,
        mandate,
        (f"/investor/mandates/{mandate['id']}/feedback/{request['id']}"),
    )


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(api: ApiClient) -> None:
    account = api.create_account("startup")
    person = new_person(api, account, signed_in=False)
    browser = Browser(api.client)

    first = browser.get("/startup/requests/new")
    assert first.status_code == 303
    assert first.headers["location"] == "/sign-in?next=%2Fstartup%2Frequests%2Fnew"
    page = browser.get("/sign-in", next="/startup/requests/new")
    assert 'name="next" value="/startup/requests/new"' in page.text
    signed_in = browser.post(
        "/sign-in",
        {"username": person.username, "password": person.password, "next": "/startup/requests/new"},
    )
    assert signed_in.headers["location"] == "/startup/requests/new"
    assert browser.get("/startup/requests/new").status_code == 200


def test_sign_in_refuses_wrong_passwords_and_foreign_next_addresses(api: ApiClient) -> None:
    account = api.create_account("startup")
    person = new_person(api, account, signed_in=False)
    browser = Browser(api.client)
    wrong = browser.post("/sign-in", {"username": person.username, "password": "nope", "next": ""})
    assert wrong.status_code == 200
    assert "用户名或密码错误" in wrong.text
    away = browser.post(
        "/sign-in",
        {"username": person.username, "password": person.password, "next": "//evil.example/"},
    )
    assert away.headers["location"] == "/startup"


def test_pages_forbid_framing_and_inline_scripts(api: ApiClient) -> None:
    response = Browser(api.client).get("/sign-in")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script" not in response.text
    assert " style=" not in response.text


def test_a_signed_in_page_loads_its_scripts_from_the_application(api: ApiClient) -> None:
    """session-keeper.js, typing-keeper.js and menu-closer.js, served here (never inline,
    never a CDN), and the state the first asks for: signed in while the session lasts, signed
    out (still 200) once it has ended."""
    _, _, browser = _signed_in(api, "startup")

    page = browser.get("/startup/requests/new")

    assert re.findall(r"<script[^>]*>", page.text) == [
        '<script src="/static/session-keeper.js" defer>',
        '<script src="/static/typing-keeper.js" defer>',
        '<script src="/static/menu-closer.js" defer>',
    ]
    for script in ("session-keeper.js", "typing-keeper.js", "menu-closer.js"):
        assert api.client.get(f"/static/{script}").status_code == 200
    assert browser.get("/session/state").json() == {"signed_in": True}
    browser.post("/sign-out", {})
    ended = browser.get("/session/state")
    assert ended.status_code == 200
    assert ended.json() == {"signed_in": False}
    assert ended.headers["cache-control"] == "no-store"


def test_a_form_without_the_csrf_token_writes_nothing(api: ApiClient) -> None:
    _, _, browser = _signed_in(api, "startup")
    before = _count_requests(api)
    forged = browser.post("/startup/requests/new", GOOD_FORM, csrf="forged-token-" + "x" * 40)
    assert forged.status_code == 403
    assert _count_requests(api) == before
    assert CSRF_COOKIE in browser.cookies


def test_bad_input_is_named_beside_each_field_in_chinese_and_nothing_is_written(
    api: ApiClient,
) -> None:
    _, _, browser = _signed_in(api, "startup")
    before = _count_requests(api)
    response = browser.post(
        "/startup/requests/new",
        {**GOOD_FORM, "company": "", "amount": "三十多亿", "stage": "", "sectors": []},
    )
    assert response.status_code == 422
    errors = dict(FIELD_ERROR.findall(response.text))
    assert errors == {
        "company": "此项为必填。",
        "amount": UNREADABLE_AMOUNT,
        "stage": "请从列表中选择融资阶段。",
        "sectors": "请至少选择一项。",
    }
    assert 'id="company" name="company" value="" maxlength="200" required aria-invalid="true"' in (
        response.text
    )
    assert 'value="基础大模型C轮"' in response.text  # what was typed is kept
    assert _count_requests(api) == before


def test_the_language_choice_is_remembered(api: ApiClient) -> None:
    _, _, browser = _signed_in(api, "startup")
    switched = browser.post("/language", {"language": "en", "next": "/startup/requests/new"})
    assert switched.headers["location"] == "/startup/requests/new"
    response = browser.post("/startup/requests/new", {**GOOD_FORM, "company": ""})
    assert dict(FIELD_ERROR.findall(response.text)) == {"company": "Fill this in."}
    assert '<html lang="en">' in response.text
    # A page shown in answer to a form cannot be asked for again: the switch on it goes back
    # to the page the form came from (here no Referer was sent: the home page), never to the
    # form's address, which only takes a POST.
    assert 'name="next" value="/"' in response.text
    # A page asked for with a query comes back with it.
    filtered = browser.get("/startup/requests/new", event_id="x")
    assert 'name="next" value="/startup/requests/new?event_id=x"' in filtered.text


def test_after_a_form_the_language_switch_returns_to_the_page_it_came_from() -> None:
    def request(method: str, referer: str | None) -> Request:
        headers = [(b"host", b"testserver")]
        if referer is not None:
            headers.append((b"referer", referer.encode()))
        return Request(
            {
                "type": "http",
                "method": method,
                "scheme": "http",
                "server": ("testserver", 80),
                "path": "/team/invite",
                "query_string": b"",
                "headers": headers,
            }
        )

    assert return_path(request("POST", "http://testserver/team?tab=people")) == "/team?tab=people"
    # Behind the proxy the service sees no port; the browser's Referer has one.
    assert return_path(request("POST", "http://testserver:8000/team")) == "/team"
    # Never another site, whatever the Referer's path looks like.
    assert return_path(request("POST", "http://testserver//evil.example/x")) == "/"
    assert return_path(request("POST", "http://testserver/\\evil.example")) == "/"
    assert return_path(request("POST", "http://elsewhere.example/team")) == "/"
    assert return_path(request("POST", None)) == "/"
    assert return_path(request("GET", None)) == "/team/invite"


def test_a_request_filed_in_the_form_is_stored_exactly(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "startup")
    created = browser.post("/startup/requests/new", GOOD_FORM)
    assert created.headers["location"] == "/startup?done=submitted"
    listed = api.client.get("/v1/financing-requests", headers=account.headers).json()["items"]
    assert [(r["amount"], r["status"], r["stage"]) for r in listed] == [
        ("3000000000.00", "submitted", "series_c")
    ]
    page = browser.get("/startup")
    assert "30亿元（3,000,000,000 CNY）" in page.text
    assert "待审核" in page.text


def test_a_startup_reads_each_requests_history_the_commission_unnamed(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "startup")
    created = browser.post("/startup/requests/new", GOOD_FORM)
    assert created.status_code == 303
    (request_id,) = [
        r["id"]
        for r in api.client.get("/v1/financing-requests", headers=account.headers).json()["items"]
    ]
    assert api.review(request_id, "reject", "请补充财务报表").status_code == 200
    other = api.create_account("startup")
    api.create_request(other, title="Not ours")

    page = browser.get("/startup").text

    history = page.split("<summary>历史记录</summary>")[1].split("</details>")[0]
    steps = re.findall(r"<li>[^·]+ · ([^·]+) · ([^<]+)</li>", history)
    # Newest first: the commission sent it back with its note, after this person created it.
    assert steps[0] == ("商务委", "退回融资需求 · 请补充财务报表")
    # The startup's own person by name.
    assert steps[-1][1] == "创建融资需求并提交审核"
    assert steps[-1][0] not in {"商务委", "—"}
    assert "Not ours" not in page
    # In English its status is what the card says happened: sent back, not "rejected".
    browser.accept_language = "en"
    assert ">Sent back</span>" in browser.get("/startup").text
    browser.accept_language = None
    # The edit form shows what the commission asked for (a walk edited without it).
    form = browser.get(f"/startup/requests/{request_id}/edit").text
    assert "商务委退回了该需求，审核意见如下：" in form
    assert "<blockquote>请补充财务报表</blockquote>" in form
    # What to do next: the walk found a returned request's card said nothing of it.
    assert (
        "商务委已退回该需求，投资方看不到它。请按审核意见修改，再点“编辑”，然后点“提交审核”重新提交。"
        in page
    )
    # Sent again, its card names the note as the last review's, not as a standing refusal.
    sent = browser.post(
        f"/startup/requests/{request_id}/edit",
        {**_open_edit_form(browser, request_id), "action": "submit"},
    )
    assert sent.status_code == 303
    again = browser.get("/startup").text
    assert "<dt>上次审核意见</dt><dd>请补充财务报表</dd>" in again


def test_a_draft_sent_for_review_says_so_in_its_history_and_its_form(api: ApiClient) -> None:
    """The walk's founder found no 'submitted' step in the history (it read 'changed'), and
    a 'save as draft' button on a request waiting for review that kept it waiting."""
    account, _, browser = _signed_in(api, "startup")
    assert browser.post("/startup/requests/new", {**GOOD_FORM, "action": "save"}).status_code == 303
    (request_id,) = [
        r["id"]
        for r in api.client.get("/v1/financing-requests", headers=account.headers).json()["items"]
    ]
    draft_form = browser.get(f"/startup/requests/{request_id}/edit").text
    assert "保存草稿" in draft_form
    sent = browser.post(
        f"/startup/requests/{request_id}/edit",
        {**_open_edit_form(browser, request_id), "action": "submit"},
    )
    assert sent.status_code == 303
    history = browser.get("/startup").text.split("<summary>历史记录</summary>")[1]
    steps = re.findall(r"<li>[^·]+ · [^·]+ · ([^<]+)</li>", history.split("</details>")[0])
    assert steps[:2] == ["提交融资需求审核", "创建融资需求"]
    waiting_form = browser.get(f"/startup/requests/{request_id}/edit").text
    assert "保存草稿" not in waiting_form
    assert "保存修改（仍为待审核）" in waiting_form
    # The commission reads the same step on the request's page.
    _, _, officer = _signed_in(api, "commission")
    assert "提交融资需求审核" in officer.get(f"/commission/requests/{request_id}").text


def _open_edit_form(browser: Browser, request_id: str) -> dict[str, Any]:
    page = browser.get(f"/startup/requests/{request_id}/edit")
    assert page.status_code == 200
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert revision is not None
    return {**GOOD_FORM, "revision": revision.group(1), "action": "save"}


def test_a_stale_edit_shows_the_conflict_instead_of_overwriting(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "startup")
    created = api.create_request(account, status="draft")
    form = _open_edit_form(browser, created["id"])
    changed = api.client.patch(
        f"/v1/financing-requests/{created['id']}",
        json={"title": "Changed meanwhile"},
        headers={**account.headers, "If-Match": f'"{created["revision"]}"'},
    )
    assert changed.status_code == 200, changed.text

    stale = browser.post(
        f"/startup/requests/{created['id']}/edit", {**form, "title": "My older edit"}
    )
    assert stale.status_code == 200
    assert "该需求已被他人修改" in stale.text
    assert 'value="Changed meanwhile"' in stale.text
    stored = api.client.get(f"/v1/financing-requests/{created['id']}", headers=account.headers)
    assert stored.json()["title"] == "Changed meanwhile"


def test_another_startups_request_is_not_found(api: ApiClient) -> None:
    other = api.create_account("startup")
    theirs = api.create_request(other, status="draft")
    _, _, browser = _signed_in(api, "startup")
    assert browser.get(f"/startup/requests/{theirs['id']}/edit").status_code == 404
    posted = browser.post(f"/startup/requests/{theirs['id']}/edit", {**GOOD_FORM, "revision": "1"})
    assert posted.status_code == 404


def test_a_page_that_does_not_exist_is_a_page_in_a_browser_and_a_problem_in_the_api(
    api: ApiClient,
) -> None:
    page = api.client.get("/investor/matches", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>未找到</h1>" in page.text
    for path, accept in (
        ("/investor/matches", "application/json"),
        ("/v1/no-such-thing", "text/html"),  # the API's paths answer as the API does
    ):
        answer = api.client.get(path, headers={"Accept": accept})
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"].endswith("/not-found")


def test_a_signed_in_visitor_keeps_the_navigation_on_the_not_found_page(api: ApiClient) -> None:
    _, _, browser = _signed_in(api, "investor")
    cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    page = api.client.get(
        "/investor/no-such-page", headers={"Accept": "text/html", "Cookie": cookies}
    )
    assert page.status_code == 404
    assert "<h1>未找到</h1>" in page.text
    assert 'href="/investor/agenda"' in page.text  # the investor's own pages
    assert 'class="who"' in page.text  # and who is signed in
    signed_out = api.client.get("/investor/no-such-page", headers={"Accept": "text/html"})
    assert 'href="/investor/agenda"' not in signed_out.text


def test_every_page_has_an_icon_and_says_which_clock_its_times_are_on(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = Browser(api.client).get("/sign-in")
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
    assert "页面时间均为北京时间（UTC+08:00）；会议日程按会场当地时间显示。" in page.text
    classic = api.client.get("/favicon.ico", follow_redirects=False)
    assert (classic.status_code, classic.headers["location"]) == (301, "/static/favicon.svg")
    icon = api.client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")

    # Zones without summer time. A clock people name is named; another keeps its exact name.
    for zone, named in (("Asia/Tokyo", "Tokyo time"), ("Asia/Kolkata", "Asia/Kolkata")):
        monkeypatch.setenv("MATCHMAKER_DISPLAY_TIME_ZONE", zone)
        get_settings.cache_clear()
        try:
            english = Browser(api.client, accept_language="en").get("/sign-in")
            chinese = Browser(api.client).get("/sign-in")
        finally:
            monkeypatch.delenv("MATCHMAKER_DISPLAY_TIME_ZONE")
            get_settings.cache_clear()
        offset = "UTC+09:00" if zone == "Asia/Tokyo" else "UTC+05:30"
        assert f"Times are {named} ({offset}); conference schedules are in the venue" in (
            english.text
        )
        named_in_chinese = "东京时间" if zone == "Asia/Tokyo" else zone
        assert f"页面时间均为{named_in_chinese}（{offset}）" in chinese.text


def test_opening_the_address_a_form_posts_to_is_a_page_too(api: ApiClient) -> None:
    startup = api.create_account("startup")
    request = api.create_request(startup)
    mandate = api.create_investor(api.create_account("investor"))
    opened = api.client.get(
        f"/investor/mandates/{mandate['id']}/feedback/{request['id']}",
        headers={"Accept": "text/html"},
    )
    assert opened.status_code == 405
    assert opened.headers["allow"] == "POST"
    # It exists: the page says what it is for rather than "not found".
    assert "<h1>此地址只用于提交表单</h1>" in opened.text
    assert "未找到" not in opened.text


def test_a_page_of_another_role_is_refused(api: ApiClient) -> None:
    account = api.create_account("investor", name="红杉中国")
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, signed_in=False))
    assert browser.get("/commission/review").status_code == 403
    refused = browser.get("/startup")
    assert refused.status_code == 403
    # It says whose page it is and as whom the reader is signed in.
    assert "此页面仅供融资企业账户使用；您当前以“红杉中国”的身份登录。" in refused.text


def test_the_commission_reviews_several_requests_at_once(api: ApiClient) -> None:
    startup = api.create_account("startup")
    first = api.create_request(startup, title="First")
    second = api.create_request(startup, title="Second")
    _, _, browser = _signed_in(api, "commission")
    queue = browser.get("/commission/review")
    chosen = re.findall(r'name="chosen" value="([^"]+)"', queue.text)
    ours = [c for c in chosen if c.split(":")[0] in {first["id"], second["id"]}]
    assert len(ours) == 2

    no_note = browser.post(
        "/commission/review", {"chosen": ours, "decision": "reject", "note": "  "}
    )
    # Said beside the note, the ticked rows still ticked, nothing reviewed.
    assert no_note.status_code == 422
    assert dict(FIELD_ERROR.findall(no_note.text)) == {"note": "退回时需要给企业留言说明。"}
    for value in ours:
        assert f'value="{value}" id="choose-{value.split(":")[0]}" checked' in no_note.text
    # Sent back from the request's own page without a note: the problem is shown there,
    # the request still in view (the walk was taken to the queue instead).
    own_page = browser.get(f"/commission/requests/{first['id']}")
    from_page = re.search(r'name="chosen" value="([^"]+)"', own_page.text)
    assert from_page is not None
    on_page = browser.post(
        "/commission/review",
        {"chosen": [from_page.group(1)], "from_request": first["id"], "decision": "reject"},
    )
    assert on_page.status_code == 422
    assert dict(FIELD_ERROR.findall(on_page.text)) == {"note": "退回时需要给企业留言说明。"}
    assert "<title>First" in on_page.text
    assert 'id="note" name="note" maxlength="10000" aria-invalid="true"' in on_page.text
    nothing = browser.post("/commission/review", {"decision": "publish"})
    assert dict(FIELD_ERROR.findall(nothing.text)) == {"chosen": "请至少选择一个项目。"}
    published = browser.post("/commission/review", {"chosen": ours, "decision": "publish"})
    assert published.headers["location"] == "/commission/review?done=2&skipped=0&decision=publish"
    shown = browser.get("/commission/review", done="2", skipped="0", decision="publish")
    assert "已发布 2 项。" in shown.text
    statuses = {
        api.client.get(f"/v1/financing-requests/{r['id']}", headers=api.admin).json()["status"]
        for r in (first, second)
    }
    assert statuses == {"published"}
    again = browser.post("/commission/review", {"chosen": ours, "decision": "publish"})
    assert again.headers["location"] == "/commission/review?done=0&skipped=2&decision=publish"


def test_a_request_reviewed_meanwhile_says_so_on_its_page(api: ApiClient) -> None:
    """Another officer published it while this one pressed 退回 without a note on its page:
    the page, which has no review form any more, says so (it showed nothing at all)."""
    startup = api.create_account("startup")
    created = api.create_request(startup, title="Reviewed meanwhile")
    _, _, browser = _signed_in(api, "commission")
    own_page = browser.get(f"/commission/requests/{created['id']}")
    chosen = re.search(r'name="chosen" value="([^"]+)"', own_page.text)
    assert chosen is not None
    api.publish(created["id"])
    late = browser.post(
        "/commission/review",
        {"chosen": [chosen.group(1)], "from_request": created["id"], "decision": "reject"},
    )
    assert late.status_code == 409
    assert "未作任何改动：此项目已在此期间被审核，当前状态为“已发布”。" in late.text
    assert "<title>Reviewed meanwhile" in late.text


def test_the_investor_reads_its_matches_and_its_interest_reaches_the_startup(
    api: ApiClient,
) -> None:
    startup = api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    investor_account, _, investor = _signed_in(api, "investor")
    mandate = api.create_investor(investor_account)

    matches = investor.get(f"/investor/mandates/{mandate['id']}/matches", sector="ai")
    assert matches.status_code == 200
    assert f'id="request-{request["id"]}"' in matches.text
    assert "行业：基础大模型属于您的投资行业“人工智能”" in matches.text
    assert "30亿元（3,000,000,000 CNY）" in matches.text

    given = investor.post(
        f"/investor/mandates/{mandate['id']}/feedback/{request['id']}", {"action": "interested"}
    )
    assert given.status_code == 303
    stored = api.client.get(
        f"/v1/investors/{mandate['id']}/feedback", headers=investor_account.headers
    ).json()["items"]
    assert [(f["financing_request_id"], f["action"]) for f in stored] == [
        (request["id"], "interested")
    ]
    # The answer given is shown pressed, not offered again; the next step still is.
    answered = investor.get(f"/investor/mandates/{mandate['id']}/matches", sector="ai").text
    assert re.search(r'value="interested" class="primary" disabled aria-pressed="true">', answered)
    assert re.search(r'value="meeting">', answered)

    startup_person = new_person(api, startup, signed_in=False)
    startup_browser = Browser(api.client)
    startup_browser.sign_in(startup_person)
    assert "Hillhouse Capital" in startup_browser.get("/startup").text

    other_mandate = api.create_investor(api.create_account("investor"))
    assert investor.get(f"/investor/mandates/{other_mandate['id']}/matches").status_code == 404


def test_the_credit_code_is_checked_beside_its_field(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "startup")
    response = browser.post(
        "/startup/requests/new",
        {**GOOD_FORM, "credit_code": "91330100799655058C", "contact_phone": "call me"},
    )
    errors = dict(FIELD_ERROR.findall(response.text))
    assert errors["credit_code"].startswith("这不是有效的统一社会信用代码")
    assert errors["contact_phone"].startswith("请填写数字")
    short = browser.post(
        "/startup/requests/new", {**GOOD_FORM, "contact_phone": "abc", "amount": "-5000万"}
    )
    errors = dict(FIELD_ERROR.findall(short.text))
    assert errors["contact_phone"].startswith("请填写数字")  # not "fill this in": it was
    assert errors["amount"] == "金额必须大于零。"
    slip = browser.post("/startup/requests/new", {**GOOD_FORM, "contact_phone": "12345"})
    assert dict(FIELD_ERROR.findall(slip.text))["contact_phone"] == (
        "电话号码应有 7 到 15 位数字，例如 021-5555 0100 或 138 0013 8000。"
    )
    fixed = browser.post(
        "/startup/requests/new",
        {
            **GOOD_FORM,
            "credit_code": "91330100799655058B",
            "contact_name": "张敏",
            "contact_phone": "（０２１）５５５５－０１００",  # as a Chinese keyboard types it
            "amount": "12亿5000万",
        },
    )
    assert fixed.status_code == 303
    (stored,) = api.client.get("/v1/financing-requests", headers=account.headers).json()["items"]
    assert (stored["credit_code"], stored["contact_name"]) == ("91330100799655058B", "张敏")
    assert stored["amount"] == "1250000000.00"
    assert stored["contact_phone"] == "(021)5555-0100"


def test_feedback_can_be_undone(api: ApiClient) -> None:
    request, account, investor, mandate, base = _answering_investor(api)
    interested = investor.post(base, {"action": "interested"})
    # The notice says what the answer did: who sees it now.
    assert "该企业现在可以在“有意向的投资方”中看到贵基金。" in investor.follow(interested).text
    passed = investor.post(base, {"action": "pass", "reason": "valuation"})
    # Back where the pass now is, with the notice there rather than at the top of the page.
    assert passed.headers["location"].endswith(f"?done=pass&answered={request['id']}#passed")
    told = investor.get(
        f"/investor/mandates/{mandate['id']}/matches", done="pass", answered=request["id"]
    )
    notice = '<p class="notice" role="status">已保存：不考虑。该项目已移入“已不考虑”列表。</p>'
    assert told.text.count(notice) == 1
    assert told.text.index(notice) > told.text.index('id="passed"')

    def latest() -> list[tuple[str, str]]:
        items = api.client.get(
            f"/v1/investors/{mandate['id']}/feedback", headers=account.headers
        ).json()["items"]
        return [(f["financing_request_id"], f["action"]) for f in items]

    assert latest() == [(request["id"], "pass")]
    passed_page = investor.get(f"/investor/mandates/{mandate['id']}/matches").text
    assert f'id="request-{request["id"]}"' not in passed_page  # no longer among the matches
    listed = passed_page.split('id="passed"', 1)[1]
    assert "已不考虑（1 个）" in listed
    assert f'<tr id="passed-{request["id"]}">' in listed
    assert "<td>估值</td>" in listed  # the reason given
    assert f'action="{base}/undo"' in listed
    undone = investor.post(f"{base}/undo", {})
    assert undone.status_code == 303
    assert latest() == [(request["id"], "interested")]
    assert undone.headers["location"].endswith(
        f"/matches?done=undone&answered={request['id']}#request-{request['id']}"
    )
    page = investor.get(
        f"/investor/mandates/{mandate['id']}/matches", done="undone", answered=request["id"]
    )
    card = page.text.split(f'id="request-{request["id"]}"', 1)[1]
    # Inside the card, saying which answer stands now.
    assert card.index("已撤回您的答复。您现在的答复：有意向。") < card.index("</article>")
    assert "您的答复：有意向" in page.text
    assert 'id="passed"' not in page.text  # nothing passed any more
    # Pressed again: one answer further back, to none (it restored the pass, so a walk
    # could never take an answer back whole: interested, pass, interested, pass...).
    to_none = investor.post(f"{base}/undo", {})
    assert latest() == []
    assert "已撤回您的答复。您对这个需求现在没有答复。" in investor.follow(to_none).text
    history = api.client.get(
        f"/v1/investors/{mandate['id']}/feedback", headers=account.headers
    ).json()
    assert history["items"] == []
    # Answered again after that, the undo steps back through the new answers only.
    investor.post(base, {"action": "meeting"})
    investor.post(base, {"action": "pass", "reason": "team"})
    # A pass taken back to the meeting before it: said on the card back among the matches.
    to_meeting = investor.post(f"{base}/undo", {})
    assert "已撤回您的答复。您现在的答复：已会面洽谈。" in investor.follow(to_meeting).text
    investor.post(base, {"action": "committed", "amount": "1亿"})
    investor.post(f"{base}/undo", {})
    assert latest() == [(request["id"], "meeting")]
    (answer,) = api.client.get(
        f"/v1/investors/{mandate['id']}/feedback", headers=account.headers
    ).json()["items"]
    assert [(e["action"], e["taken_back"]) for e in answer["history"]] == [
        ("interested", False),
        ("pass", False),
        ("pass", True),
        ("interested", True),
        ("meeting", False),
        ("pass", False),
        ("pass", True),
        ("committed", False),
        ("committed", True),
    ]
    investor.post(f"{base}/undo", {})
    assert latest() == []

    # An undo is for the answer the page showed: pressed twice (or from a stale tab), the
    # second takes nothing more back, and says so.
    def drawn_undo() -> str:
        page = investor.get(f"/investor/mandates/{mandate['id']}/matches").text
        card = page.split(f'id="request-{request["id"]}"', 1)[1]
        token = re.search(r'name="answer" value="([^"]+)"', card)
        assert token is not None
        return token.group(1)

    stale = "页面打开后您的答复已有变化，因此没有撤回任何答复。"
    investor.post(base, {"action": "interested"})
    investor.post(base, {"action": "committed", "amount": "2亿"})
    token = drawn_undo()
    first = investor.post(f"{base}/undo", {"answer": token})
    assert first.status_code == 303
    assert latest() == [(request["id"], "interested")]
    second = investor.post(f"{base}/undo", {"answer": token})
    assert second.headers["location"].endswith(
        f"?done=undo_stale&answered={request['id']}#request-{request['id']}"
    )
    assert latest() == [(request["id"], "interested")]
    assert stale in investor.follow(second).text
    # A tab drawn while "interested" stood: the answer taken back whole, then given anew
    # (its revision starts again at 1), the old tab's undo still takes nothing back; and
    # with no answer left at all, it says so too, rather than "not found".
    old_tab = drawn_undo()
    investor.post(f"{base}/undo", {"answer": old_tab})
    assert latest() == []
    gone = investor.post(f"{base}/undo", {"answer": old_tab})
    assert gone.status_code == 303
    assert "done=undo_stale" in gone.headers["location"]
    investor.post(base, {"action": "pass", "reason": "team"})
    anew = investor.post(f"{base}/undo", {"answer": old_tab})
    assert "done=undo_stale" in anew.headers["location"]
    assert latest() == [(request["id"], "pass")]


def test_an_answer_comes_back_to_the_matches_as_they_were_filtered(api: ApiClient) -> None:
    """The walk found every answer (and its undo) dropped the page's filters: an investor
    looking at 6 of 8 matches came back to all 8. The forms post with the filters, and an
    answer not saved keeps them too."""
    request, _, investor, mandate, base = _answering_investor(api)
    matches = f"/investor/mandates/{mandate['id']}/matches"
    filtered = investor.get(matches, stage=request["stage"], min_score="0.1").text
    query = f"stage={request['stage']}&min_score=0.1"
    in_html = query.replace("&", "&amp;")
    assert f'action="{base}?{in_html}"' in filtered
    answered = investor.post(f"{base}?{query}", {"action": "interested"})
    assert answered.headers["location"] == (
        f"{matches}?{query}&done=interested&answered={request['id']}#request-{request['id']}"
    )
    assert f'action="{base}/undo?{in_html}"' in investor.follow(answered).text
    undone = investor.post(f"{base}/undo?{query}", {})
    assert undone.headers["location"] == (
        f"{matches}?{query}&done=undone&answered={request['id']}#request-{request['id']}"
    )
    refused = investor.post(f"{base}?{query}", {"action": "pass", "reason": ""})
    assert refused.status_code == 422
    assert f'<option value="{request["stage"]}" selected>' in refused.text
    assert 'name="min_score" type="number" min="0" max="1" step="0.05" value="0.10"' in (
        refused.text
    )
    # A filter the page does not know, a code naming nothing, an overlong value: not carried.
    stray = investor.post(
        f"{base}?next=https://example.com&sector=nonsense&event_id={'x' * 5000}",
        {"action": "interested"},
    )
    assert stray.headers["location"].startswith(f"{matches}?done=interested&")


def test_recording_a_meeting_says_it_was_recorded(api: ApiClient) -> None:
    """'Met' (the answer "meeting") said "your request to meet is sent": the walk read a
    conference ask into a record of a meeting held, on a request at no conference."""
    request, _, investor, _, base = _answering_investor(api)
    met = investor.post(base, {"action": "meeting"})
    at_request = f"answered={request['id']}#request-{request['id']}"
    assert met.headers["location"].endswith(f"?done=meeting&{at_request}")
    card = investor.follow(met).text.split(f'id="request-{request["id"]}"', 1)[1]
    card = card.split("</article>", 1)[0]
    assert re.findall(r'class="notice" role="status">([^<]+)<', card) == ["已保存：已会面洽谈。"]


def test_an_answer_not_saved_is_shown_beside_its_request(api: ApiClient) -> None:
    """A pass needs a reason the investor chose (none is chosen for it) and a commitment an
    amount; either problem is written beside the field of that request, in Chinese, what was
    typed is kept, and nothing is saved."""
    request, account, investor, mandate, base = _answering_investor(api)
    page = investor.get(f"/investor/mandates/{mandate['id']}/matches").text
    assert '<option value="">请选择理由</option>' in page

    no_reason = investor.post(base, {"action": "pass", "reason": ""})
    assert no_reason.status_code == 422
    beside = re.compile(r'class="field-error" id="([a-z0-9-]+)-error">([^<]+)<')
    asked = "请选择不考虑的理由。"
    assert dict(beside.findall(no_reason.text)) == {f"reason-{request['id']}": asked}
    # The banner at the top names the request, whose card may be far down the page.
    about = f"{request['company']} · {request['title']}"
    assert f"您对“{about}”的答复未保存。原因：请选择不考虑的理由。" in no_reason.text
    # The page stands at the answer's address (POST only): its filters still go to the page.
    matches_page = f"/investor/mandates/{mandate['id']}/matches"
    assert f'<form method="get" action="{matches_page}" class="filters card"' in no_reason.text

    too_much = investor.post(base, {"action": "committed", "amount": "999999999999999亿"})
    assert too_much.status_code == 422
    assert dict(beside.findall(too_much.text)) == {
        f"amount-{request['id']}": "金额过大：最多为 999,999,999,999,999.99（约 1000 万亿）。"
    }
    cents = investor.post(base, {"action": "committed", "amount": "5000.001"})
    assert dict(beside.findall(cents.text)) == {
        f"amount-{request['id']}": "最多保留两位小数（精确到分）。"
    }
    assert 'value="999999999999999亿"' in too_much.text  # what was typed is kept
    # The request is in yuan and the card offers no currency: the refusal asks for yuan, not
    # for a currency to choose (the walk's "$5m" read "choose US dollars as the currency").
    dollars = investor.post(base, {"action": "committed", "amount": "5000万美元"})
    assert dict(beside.findall(dollars.text)) == {
        f"amount-{request['id']}": "金额写的是美元，但此处以人民币计：请按人民币填写。"
    }
    # The banner at the top names the field, which is further down, in the request's card.
    empty = investor.post(base, {"action": "committed", "amount": ""})
    assert f"您对“{about}”的答复未保存。承诺金额：此项为必填。" in empty.text
    items = api.client.get(f"/v1/investors/{mandate['id']}/feedback", headers=account.headers)
    assert items.json()["items"] == []


def test_an_answer_given_once_and_undone_leaves_no_answer(api: ApiClient) -> None:
    _, account, investor, mandate, base = _answering_investor(api)
    investor.post(base, {"action": "meeting"})
    investor.post(f"{base}/undo", {})
    items = api.client.get(f"/v1/investors/{mandate['id']}/feedback", headers=account.headers)
    assert items.json()["items"] == []
    assert investor.post(f"{base}/undo", {}).status_code == 404


def _opened_mandate(page: str) -> dict[str, Any]:
    """The mandate form's hidden original_* fields as a browser sends them back."""
    opened = {
        name: re.findall(rf'name="original_{name}" value="([^"]*)"', page)
        for name in (
            "name",
            "kind",
            "origin",
            "thesis",
            "ticket_min",
            "ticket_max",
            "currency",
            "sectors",
            "stages",
            "regions",
        )
    }
    return {f"original_{k}": v if len(v) != 1 else v[0] for k, v in opened.items()}


def test_a_mandate_changed_meanwhile_shows_what_changed(api: ApiClient) -> None:
    account, _, investor = _signed_in(api, "investor")
    mandate = api.create_investor(account)
    page = investor.get(f"/investor/mandates/{mandate['id']}/edit")
    assert page.status_code == 200
    # Amounts are offered for editing as people type them (the factory's 300,000,000).
    assert '<input id="ticket_min" name="ticket_min" value="3亿" inputmode="decimal"' in page.text
    form = _opened_mandate(page.text)
    form.update(
        {
            "revision": "1",
            "name": "My new name",
            "kind": "cvc",
            "origin": "foreign",
            "thesis": "",
            "ticket_min": "3亿",
            "ticket_max": "30亿",
            "currency": "CNY",
            "sectors": ["ai"],
            "stages": ["series_b"],
            "regions": [],
        }
    )
    changed = api.client.patch(
        f"/v1/investors/{mandate['id']}",
        json={"ticket_max": "6000000000", "name": "Renamed by a colleague"},
        headers={**account.headers, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text

    stale = investor.post(f"/investor/mandates/{mandate['id']}/edit", form)
    assert stale.status_code == 200
    assert "该投资要求已被他人修改" in stale.text
    assert "Hillhouse Capital → Renamed by a colleague" in stale.text
    assert "30亿元（3,000,000,000 CNY） → 60亿元（6,000,000,000 CNY）" in stale.text
    stored = api.client.get(f"/v1/investors/{mandate['id']}", headers=account.headers).json()
    assert stored["name"] == "Renamed by a colleague"  # nothing overwritten
    # The form sent back keeps what this investor changed (the name) and shows the colleague's
    # new maximum where this investor had left it alone: sending it again does not undo it.
    assert 'name="name" value="My new name"' in stale.text
    assert re.search(r'name="ticket_max" value="60亿"', stale.text)
    assert "您和对方都改动了以下栏目，已保留您的填写：名称。" in stale.text
    resent = {
        **form,
        "ticket_max": "60亿",
        "revision": "2",
        "original_name": "Renamed by a colleague",
        "original_ticket_max": "60亿",
    }
    again = investor.post(f"/investor/mandates/{mandate['id']}/edit", resent)
    assert again.headers["location"] == "/investor?done=1"
    assert (
        '<p class="notice" role="status">已保存。</p>' in investor.get("/investor", done="1").text
    )
    stored = api.client.get(f"/v1/investors/{mandate['id']}", headers=account.headers).json()
    assert (stored["name"], stored["kind"], stored["origin"]) == ("My new name", "cvc", "foreign")
    assert (stored["ticket_max"], stored["stages"]) == ("6000000000.00", ["series_b"])


def test_a_clash_over_the_ticket_keeps_its_currency_with_its_amounts(api: ApiClient) -> None:
    """A colleague moved the mandate to US dollars while this investor typed a new minimum
    in yuan: the form sent back must not show "1亿" beside US dollars."""
    account, _, investor = _signed_in(api, "investor")
    mandate = api.create_investor(account)
    page = investor.get(f"/investor/mandates/{mandate['id']}/edit").text
    form = _opened_mandate(page)
    typed = {k.removeprefix("original_"): v for k, v in form.items()}
    form.update({**typed, "revision": "1", "ticket_min": "1亿"})
    moved = api.client.patch(
        f"/v1/investors/{mandate['id']}",
        json={"currency": "USD", "ticket_min": "10000000", "ticket_max": "100000000"},
        headers={**account.headers, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    stale = investor.post(f"/investor/mandates/{mandate['id']}/edit", form).text
    assert 'name="ticket_min" value="1亿"' in stale
    assert re.search(r'<option value="CNY"[^>]* selected', stale)
    assert "您和对方都改动了以下栏目，已保留您的填写：" in stale
    assert "币种" in stale.split("已保留您的填写：", 1)[1].split("</p>", 1)[0]


def test_a_request_page_shows_its_history_and_reviews_it(api: ApiClient) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup, contact_name="张敏", credit_code="91330100799655058B")
    _, _, browser = _signed_in(api, "commission")
    page = browser.get(f"/commission/requests/{created['id']}")
    assert "创建融资需求" in page.text
    assert "91330100799655058B" in page.text
    # What the officer approves: the sectors it will be matched on and where it is presented.
    assert "<dt>行业</dt><dd>基础大模型</dd>" in page.text
    assert "<dt>活动</dt><dd>无</dd>" in page.text
    # A phone typed without a contact name is shown all the same.
    phone_only = api.create_request(startup, contact_phone="021 6321 0000")
    phoned = browser.get(f"/commission/requests/{phone_only['id']}").text
    assert '<dt>联系电话</dt><dd><a href="tel:02163210000">021 6321 0000</a></dd>' in phoned
    rejected = browser.post(
        "/commission/review",
        {
            "chosen": f"{created['id']}:{created['revision']}",
            "decision": "reject",
            "note": "请补充财务报表",
        },
    )
    assert rejected.headers["location"] == "/commission/review?done=1&skipped=0&decision=reject"
    page = browser.get(f"/commission/requests/{created['id']}")
    assert "退回融资需求 · 请补充财务报表" in page.text


def test_the_mandates_page_lists_twenty_at_a_time(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "investor")
    for number in range(23):
        api.create_investor(account, name=f"Mandate {number:02d}")
    first = browser.get("/investor")
    assert first.text.count('class="card"') == 20
    more = re.search(r'href="/investor\?cursor=([^"]+)"', first.text)
    assert more is not None
    second = browser.get("/investor", cursor=more.group(1))
    assert second.text.count('class="card"') == 3
    assert "Mandate 00" in second.text  # newest first: the oldest come last
    assert browser.get("/investor", cursor="not-a-cursor").status_code == 200


def test_the_longest_chinese_text_a_form_allows_is_saved(api: ApiClient) -> None:
    """Every text field at its maximum length in Chinese: a form percent-encodes each
    character into 9 bytes, and the body limit must hold the largest valid form."""
    account, _, browser = _signed_in(api, "startup")
    longest = {
        **GOOD_FORM,
        "company": "企" * 200,
        "title": "题" * 300,
        "summary": "算" * 10000,
        "contact_name": "名" * 100,
        "action": "save",
    }
    created = browser.post("/startup/requests/new", longest)
    assert created.status_code == 303, created.text[:300]
    stored = api.client.get("/v1/financing-requests", headers=account.headers).json()["items"]
    assert [len(r["summary"]) for r in stored] == [10000]
    edited = browser.post(
        f"/startup/requests/{stored[0]['id']}/edit",
        {**_open_edit_form(browser, stored[0]["id"]), **longest, "summary": "改" * 10000},
    )
    assert edited.status_code == 303, edited.text[:300]


def test_a_startup_withdraws_closes_or_deletes_its_own_requests(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "startup")
    draft = api.create_request(account, status="draft", title="重复提交的草稿")
    published = api.create_request(account, title="已发布的一轮")
    api.publish(published["id"])
    done = api.create_request(account, title="已完成的一轮")
    api.publish(done["id"])

    def status_of(request_id: str) -> int | str:
        found = api.client.get(f"/v1/financing-requests/{request_id}", headers=account.headers)
        return str(found.json()["status"]) if found.status_code == 200 else found.status_code

    page = browser.get("/startup").text
    # A draft never seen may be deleted; a published request only withdrawn or closed.
    assert f'action="/startup/requests/{draft["id"]}/delete"' in page
    assert f'action="/startup/requests/{draft["id"]}/withdraw"' not in page  # nothing to stop
    assert f'action="/startup/requests/{published["id"]}/delete"' not in page
    assert f'action="/startup/requests/{published["id"]}/withdraw"' in page
    assert f'action="/startup/requests/{published["id"]}/close"' in page
    # Its edit page says why it cannot be edited instead of offering a form that fails.
    locked = browser.get(f"/startup/requests/{published['id']}/edit")
    assert locked.status_code == 409
    assert "该需求已不能修改" in locked.text
    assert 'name="summary"' not in locked.text

    deleted = browser.post(f"/startup/requests/{draft['id']}/delete", {})
    assert deleted.headers["location"] == "/startup?done=deleted"
    assert status_of(draft["id"]) == 404
    withdrawn = browser.post(f"/startup/requests/{published['id']}/withdraw", {})
    assert withdrawn.headers["location"] == "/startup?done=withdrawn"
    assert status_of(published["id"]) == "withdrawn"
    assert "已撤回：投资方不再看到该需求。" in browser.get("/startup", done="withdrawn").text
    closed = browser.post(f"/startup/requests/{done['id']}/close", {})
    assert closed.headers["location"] == "/startup?done=closed"
    assert status_of(done["id"]) == "closed"
    # Each card says where its request now stands, and what is left to do with it.
    cards = browser.get("/startup").text
    assert "已撤回，投资方不再看到它。如需再次寻找投资方，请新建一个融资需求。" in cards
    assert "已关闭：本轮融资已完成，投资方不再看到它；记录会保留。" in cards
    # A request investors saw is kept on record: no deleting it, even once withdrawn.
    refused = browser.post(f"/startup/requests/{published['id']}/delete", {})
    assert refused.status_code == 409
    assert "投资方已看到该需求，因此需保留记录" in refused.text
    ended = browser.get(f"/startup/requests/{published['id']}/edit")
    assert "该需求已撤回或已关闭" in ended.text
    # Each step needs the page's own form: a forged post changes nothing.
    forged = browser.post(f"/startup/requests/{done['id']}/withdraw", {}, csrf="forged")
    assert forged.status_code == 403
    assert status_of(done["id"]) == "closed"
    assert status_of(published["id"]) == "withdrawn"

    # Another startup's request is not found, and nothing changes.
    other = api.create_account("startup")
    theirs = api.create_request(other)
    api.publish(theirs["id"])
    for ending in ("withdraw", "close", "delete"):
        assert browser.post(f"/startup/requests/{theirs['id']}/{ending}", {}).status_code == 404
    assert (
        api.client.get(f"/v1/financing-requests/{theirs['id']}", headers=other.headers).json()[
            "status"
        ]
        == "published"
    )


def test_an_event_gone_from_the_list_is_said_beside_its_field(api: ApiClient) -> None:
    """An event deleted while the form was open (or a forged id): the form again, in
    Chinese beside the field, nothing written; never the API's JSON."""
    _, _, browser = _signed_in(api, "startup")
    before = _count_requests(api)

    page = browser.post("/startup/requests/new", {**GOOD_FORM, "event_id": "no-such-event"})

    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert dict(FIELD_ERROR.findall(page.text)) == {
        "event_id": "该活动已不在列表中：请另选一个，或选择“无”。"
    }
    assert _count_requests(api) == before
    saved = browser.post("/startup/requests/new", {**GOOD_FORM, "action": "save"})
    assert saved.status_code == 303
    [draft] = [
        r
        for r in api.client.get(
            "/v1/financing-requests", params={"limit": 100}, headers=api.admin
        ).json()["items"]
        if r["status"] == "draft"
    ]
    form = _open_edit_form(browser, draft["id"])
    edited = browser.post(
        f"/startup/requests/{draft['id']}/edit", {**form, "event_id": "gone", "title": "改过"}
    )
    assert dict(FIELD_ERROR.findall(edited.text)) == {
        "event_id": "该活动已不在列表中：请另选一个，或选择“无”。"
    }
    stored = api.client.get(f"/v1/financing-requests/{draft['id']}", headers=api.admin).json()
    assert stored["title"] == GOOD_FORM["title"]


def test_a_refusal_after_the_service_wrote_leaves_nothing_written(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's promise ("nothing written on error") holds even for a refusal that comes
    after the service has flushed rows: the request, its sectors and its audit record."""
    _, _, browser = _signed_in(api, "startup")
    browser.get("/startup/requests/new")
    before = _count_requests(api)
    audit_before = _filings_audited(api)
    filing = requests_service.create

    def filed_then_refused(**arguments: Any) -> Any:
        filing(**arguments)
        raise Invalid(
            "refused late", errors=[field_problem("event_id", "not_found", "No such event")]
        )

    monkeypatch.setattr(requests_service, "create", filed_then_refused)

    page = browser.post("/startup/requests/new", GOOD_FORM)

    assert "event_id" in dict(FIELD_ERROR.findall(page.text))
    assert _count_requests(api) == before
    assert _filings_audited(api) == audit_before


def test_a_startup_is_offered_only_events_to_come_and_a_held_one_is_refused(
    api: ApiClient,
) -> None:
    """A startup presents at an event still to come: a held one is not offered, and naming it
    anyway is refused beside the field, in Chinese, with nothing written."""
    held = api.create_event("往届大会", date="2001-05-01")
    api.create_event("下届大会", date="2099-05-01")
    _, _, browser = _signed_in(api, "startup")

    page = browser.get("/startup/requests/new").text
    assert "下届大会 · 2099年5月1日</option>" in page
    assert "往届大会" not in page

    before = _count_requests(api)
    refused = browser.post("/startup/requests/new", {**GOOD_FORM, "event_id": held})
    assert refused.status_code == 422  # the form again, as for every other field's problem
    assert dict(FIELD_ERROR.findall(refused.text)) == {
        "event_id": "该活动已举办过：请选择尚未举办的活动，或选择“无”。"
    }
    assert _count_requests(api) == before
    assert "往届大会" not in refused.text  # not offered back either


def test_a_request_recorded_at_a_held_event_keeps_it_marked_over(api: ApiClient) -> None:
    """The commission's record of a request presented at a held event: its startup's form
    still offers that event (marked over, after those to come) and saving keeps it."""
    held = api.create_event("往届大会", date="2001-05-01")
    api.create_event("下届大会", date="2099-05-01")
    account, _, browser = _signed_in(api, "startup")
    recorded = api.record_request(account, event_id=held, status="draft")

    form = browser.get(f"/startup/requests/{recorded['id']}/edit").text
    assert form.index("下届大会 · 2099年5月1日</option>") < form.index(
        "往届大会 · 2001年5月1日 · 已结束</option>"
    )
    # A problem elsewhere, with no event chosen this time: the form shown again still offers
    # the request's own held event (it is the request's, not what this post chose).
    typo = browser.post(
        f"/startup/requests/{recorded['id']}/edit",
        {**GOOD_FORM, "amount": "三十多亿", "event_id": "", "revision": str(recorded["revision"])},
    )
    assert "往届大会 · 2001年5月1日 · 已结束</option>" in typo.text
    saved = browser.post(
        f"/startup/requests/{recorded['id']}/edit",
        {**GOOD_FORM, "event_id": held, "revision": str(recorded["revision"])},
    )
    assert saved.status_code == 303
    path = f"/v1/financing-requests/{recorded['id']}"
    assert api.client.get(path, headers=account.headers).json()["event_id"] == held


def test_a_new_startup_is_told_what_happens_and_its_name_is_offered(api: ApiClient) -> None:
    startup = api.create_account("startup", name="星河智算")
    browser = Browser(api.client)
    browser.sign_in(new_person(api, startup, signed_in=False))

    first = browser.get("/startup").text
    assert "提交后由商务委审核" in first
    form = browser.get("/startup/requests/new").text
    assert '<input id="company" name="company" value="星河智算"' in form

    created = api.create_request(startup, company="星河智算（上海）科技有限公司")
    # The next request's company as the latest one wrote it, not the account's name (the
    # walk's founder was offered "Stepfun (demo)").
    another = browser.get("/startup/requests/new").text
    assert '<input id="company" name="company" value="星河智算（上海）科技有限公司"' in another
    other = api.create_account("startup", name="别家公司")
    api.create_request(other, company="别家的公司名")
    assert "别家的公司名" not in browser.get("/startup/requests/new").text
    waiting = browser.get("/startup").text
    assert "等待商务委审核" in waiting
    api.publish(created["id"])
    assert "如需更改，请撤回它，再新建一个融资需求" in browser.get("/startup").text


def test_signing_in_with_an_empty_box_asks_to_fill_it_in(api: ApiClient) -> None:
    browser = Browser(api.client)
    browser.get("/sign-in")

    empty = browser.post("/sign-in", {"username": "", "password": ""})

    assert empty.status_code == 422
    assert dict(FIELD_ERROR.findall(empty.text)) == {
        "username": "此项为必填。",
        "password": "此项为必填。",
    }
    assert "用户名或密码错误" not in empty.text
    no_password = browser.post("/sign-in", {"username": "someone", "password": ""})
    assert dict(FIELD_ERROR.findall(no_password.text)) == {"password": "此项为必填。"}
    assert 'value="someone"' in no_password.text


def test_a_text_too_long_is_told_its_limit(api: ApiClient) -> None:
    _, _, browser = _signed_in(api, "startup")

    page = browser.post("/startup/requests/new", {**GOOD_FORM, "title": "题" * 301})

    assert dict(FIELD_ERROR.findall(page.text)) == {"title": "内容过长：最多300个字符。"}


def test_the_same_round_is_not_filed_twice(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "startup")
    first = browser.post("/startup/requests/new", GOOD_FORM)
    assert first.status_code == 303
    before = _count_requests(api)

    twice = browser.post("/startup/requests/new", {**GOOD_FORM, "action": "save"})

    assert twice.status_code == 422
    assert "您已有一份公司、标题、金额和阶段都相同的融资需求（待审核）" in twice.text
    assert _count_requests(api) == before
    # Another amount is another round; a withdrawn one no longer stands in the way.
    other = browser.post("/startup/requests/new", {**GOOD_FORM, "amount": "20亿"})
    assert other.status_code == 303
    [mine] = [
        r
        for r in api.client.get(
            "/v1/financing-requests", params={"limit": 100}, headers=account.headers
        ).json()["items"]
        if r["amount"] == "3000000000.00"
    ]
    api.publish(mine["id"])
    current = api.client.get(f"/v1/financing-requests/{mine['id']}", headers=account.headers)
    withdrawn = api.client.patch(
        f"/v1/financing-requests/{mine['id']}",
        json={"status": "withdrawn"},
        headers={**account.headers, "If-Match": current.headers["etag"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert browser.post("/startup/requests/new", GOOD_FORM).status_code == 303


def test_a_download_opened_signed_out_asks_to_sign_in_and_comes_back(api: ApiClient) -> None:
    """A page's download link (an API address) opened after the session ended: the browser
    is sent to sign in and back to the download; a program still gets the API's 401."""
    path = "/v1/events/some-event/table-plan?format=pdf"
    navigated = api.client.get(
        path, headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False
    )
    program = api.client.get(path)

    assert navigated.status_code == 303
    assert navigated.headers["location"] == (
        "/sign-in?next=%2Fv1%2Fevents%2Fsome-event%2Ftable-plan%3Fformat%3Dpdf"
    )
    assert program.status_code == 401
    assert program.headers["content-type"] == "application/problem+json"


def test_lists_on_an_english_page_are_joined_as_english_writes_them(api: ApiClient) -> None:
    account, _, browser = _signed_in(api, "investor")
    api.create_investor(account, sectors=["ai", "quantum"])
    chinese = browser.get("/investor").text
    browser.post("/language", {"language": "en", "next": "/investor"})

    english = browser.get("/investor").text

    assert "人工智能、量子科技" in chinese
    assert "Artificial intelligence, Quantum technology" in english
    assert "、" not in english


def test_an_api_address_a_browser_may_not_read_is_a_page(api: ApiClient) -> None:
    """A signed-in browser following a link to an API address it may not read (the table
    plan is the commission's) or to nothing it can see gets a page in its language; the
    same requests from a program get the problem documents."""
    _, _, browser = _signed_in(api, "investor")
    event_id = api.create_event("只给商务委看的活动")
    page = {"Accept": "text/html,*/*;q=0.8", **browser._headers()}

    forbidden = api.client.get(f"/v1/events/{event_id}/table-plan", headers=page)
    missing = api.client.get("/v1/financing-requests/nothing-here", headers=page)

    assert forbidden.status_code == 403
    assert "此文件不对您的账户开放" in forbidden.text
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert (
        api.client.get(f"/v1/events/{event_id}/table-plan", headers=browser._headers()).headers[
            "content-type"
        ]
        == "application/problem+json"
    )


def test_an_amount_naming_its_currency_is_taken_in_that_currency_only(api: ApiClient) -> None:
    """人民币5亿元 in a yuan request is 5亿; 5亿美元 there is refused, naming both currencies,
    rather than read as 5亿 yuan; the capital numerals of a contract are read as written."""
    _, _, browser = _signed_in(api, "startup")
    before = _count_requests(api)
    refused = browser.post("/startup/requests/new", {**GOOD_FORM, "amount": "5亿美元"})
    assert dict(FIELD_ERROR.findall(refused.text)) == {
        "amount": "金额写的是美元，而币种选的是人民币：请将币种改为美元，或只写数额。"
    }
    assert _count_requests(api) == before
    for number, typed in enumerate(("人民币5亿元", "伍亿元整")):
        form = {**GOOD_FORM, "amount": typed, "title": f"基础大模型C轮 {number}"}
        saved = browser.post("/startup/requests/new", form)
        assert saved.status_code == 303, dict(FIELD_ERROR.findall(saved.text))
    amounts = [
        r["amount"]
        for r in api.client.get("/v1/financing-requests", headers=api.admin).json()["items"]
    ]
    assert amounts.count("500000000.00") == 2
    dollars = browser.post(
        "/startup/requests/new",
        {**GOOD_FORM, "amount": "US$50m", "currency": "USD", "title": "Series C"},
    )
    assert dollars.status_code == 303, dict(FIELD_ERROR.findall(dollars.text))
    # The yuan's unit alone names the yuan too; ¥ may mean the yuan or the yen.
    for typed, written in (("30亿元", "人民币"), ("¥5亿", "人民币或日元")):
        wrong = browser.post(
            "/startup/requests/new",
            {**GOOD_FORM, "amount": typed, "currency": "USD", "title": "Series D"},
        )
        assert dict(FIELD_ERROR.findall(wrong.text)) == {
            "amount": f"金额写的是{written}，而币种选的是美元：请将币种改为{written}，或只写数额。"
        }


def test_a_firms_funds_that_showed_interest_are_listed_under_the_firm(api: ApiClient) -> None:
    """An English walk saw "Sequoia USD Growth Fund" and "Sequoia China Deep Tech" listed as
    two investors on the founder's page: nothing said they are one firm."""
    startup, _, founder = _signed_in(api, "startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    firm = api.create_account("investor", "红杉中国")
    funds = [api.create_investor(firm, name=name) for name in ("红杉美元成长基金", "红杉深科技")]
    alone = api.create_account("investor", "高瓴资本")
    single = api.create_investor(alone, name="高瓴创投一期")
    for mandate, owner in ((funds[0], firm), (funds[1], firm), (single, alone)):
        answered = api.client.put(
            f"/v1/investors/{mandate['id']}/feedback/{request['id']}",
            json={"action": "interested"},
            headers=owner.headers,
        )
        assert answered.is_success, answered.text

    page = founder.get("/startup").text
    assert "有意向的投资方" in page, page[-3000:]
    shown = page.split("有意向的投资方", 1)[1].split("</h3>", 2)[1]
    assert re.search(r"<li>红杉中国\s*<ul>", shown), shown
    assert shown.count("红杉中国") == 1
    assert "红杉美元成长基金 · 有意向" in shown
    assert "红杉深科技 · 有意向" in shown
    # A firm with one fund answering is listed as before, by that fund.
    assert "<li>高瓴创投一期 · 有意向" in shown
    assert "高瓴资本" not in shown
