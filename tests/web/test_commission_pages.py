"""The commission's record pages: events, reports (create, read in the page, downloads)
and the audit trail with its filters."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

from service.web.pages import commission_records
from tests.support.factories import COMING_DAY, ApiClient
from tests.support.people import new_person
from tests.support.web import Browser, commission_browser, signed_in_browser

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')


def test_events_are_listed_and_created_with_errors_beside_the_fields(api: ApiClient) -> None:
    browser = commission_browser(api)
    bad = browser.post("/commission/events", {"name": "", "date": "2026-13-45", "place": ""})
    assert dict(FIELD_ERROR.findall(bad.text)).keys() == {"name", "date"}
    assert (
        dict(FIELD_ERROR.findall(bad.text))["date"] == "请按 2025-06-30 的格式填写日期。"
    )  # 13th month
    no_date = browser.post("/commission/events", {"name": "x", "date": "", "place": ""})
    assert dict(FIELD_ERROR.findall(no_date.text)) == {"date": "此项为必填。"}
    for slip in ("9999-12-31", "0202-11-05"):
        typo = browser.post("/commission/events", {"name": "笔误活动", "date": slip, "place": ""})
        assert dict(FIELD_ERROR.findall(typo.text)) == {
            "date": "请选择 2000 年至 2099 年之间的日期。"
        }
    refused = api.client.post(
        "/v1/events", json={"name": "笔误活动", "date": "9999-12-31"}, headers=api.admin
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "date"
    assert "笔误活动" not in browser.get("/commission/events").text
    made = browser.post(
        "/commission/events",
        {"name": "2026 浦东投资促进大会", "date": "2026-11-05", "place": "浦东"},
    )
    location = made.headers["location"]
    assert location.startswith("/commission/events?created=")
    shown = browser.get("/commission/events", created=location.split("=", 1)[1]).text
    # A day gone by is allowed (a conference held, recorded for its deals), and said so in
    # the warning box, apart from the green confirmation.
    assert (
        '<p class="notice" role="status">'
        "已创建活动“2026 浦东投资促进大会”，日期为2026年11月5日星期四。</p>"
    ) in shown
    assert (
        '<p class="conflict" role="status">该日期已过：此活动记为'
        "已举办，可用于项目落地记录和报告，但不能再约见会面。</p>"
    ) in shown
    assert (
        '<td data-label="日期" class="nowrap">2026年11月5日星期四 <span class="muted">（已举办）'
        "</span></td>"
    ) in shown
    coming = browser.post("/commission/events", {"name": "2037 大会", "date": "2037-11-05"})
    told = browser.get("/commission/events", created=coming.headers["location"].split("=", 1)[1])
    assert "已创建活动“2037 大会”，日期为2037年11月5日星期四。</p>" in told.text
    assert "2037年11月5日星期四</td>" in told.text
    assert "未保存任何内容；请更正下方标出的栏目。" in bad.text
    again = browser.post(
        "/commission/events", {"name": "2026 浦东投资促进大会", "date": "2026-11-06", "place": ""}
    )
    assert dict(FIELD_ERROR.findall(again.text)) == {"name": "已有同名活动。"}
    page = browser.get("/commission/events")
    assert page.text.count('<td data-label="名称">2026 浦东投资促进大会</td>') == 1
    # Each event leads to its meetings and schedule, not only to its form.
    assert page.text.count('">会面与日程</a>') >= 1
    assert page.text.count('">会面与日程</a>') == page.text.count('">修改</a>')
    # Listed by date, whatever the order they were made in: coming events first, soonest
    # first, then those held, latest first.
    for name, day in (("更早的活动", "2026-03-01"), ("下届大会", "2099-03-01")):
        made = browser.post("/commission/events", {"name": name, "date": day, "place": ""})
        assert made.status_code == 303
    by_date = browser.get("/commission/events").text
    positions = [by_date.index(n) for n in ("下届大会", "2026 浦东投资促进大会", "更早的活动")]
    assert positions == sorted(positions)
    listed = api.client.get("/v1/events", headers=api.admin).json()["items"]
    assert [e["name"] for e in listed].count("2026 浦东投资促进大会") == 1


def test_withdrawing_an_invitation_accepted_meanwhile_says_so_in_its_card(
    api: ApiClient,
) -> None:
    investor = api.create_account("investor", name="已接受测试基金")
    browser = commission_browser(api)
    invited = browser.follow(
        browser.post("/commission/people/invite", {"account_id": investor.id, "name": "钱多"})
    )
    link = re.search(r"/invitation\?code=([^<]+)</code>", invited.text)
    assert link is not None
    listed = browser.get("/commission/people").text
    withdraw = re.search(r'action="(/commission/invitations/[^/"]+/withdraw)"', listed)
    assert withdraw is not None
    accepted = api.client.post(
        "/v1/invitations/accept",
        json={
            "code": unquote(link.group(1)),
            "username": "qian.duo",
            "password": "a long password 2026",
        },
    )
    assert accepted.status_code == 201

    late = browser.post(withdraw.group(1), {})

    assert late.headers["location"] == (
        f"/commission/people?done=accepted&account={investor.id}#account-{investor.id}"
    )
    page = browser.get("/commission/people", done="accepted", account=investor.id).text
    card = page.split(f'id="account-{investor.id}"')[1].split("</article>")[0]
    assert "该邀请在此期间已被接受" in card


def test_an_event_is_corrected_on_its_page(api: ApiClient) -> None:
    event_id = api.create_event("2026 临港推介会", date="2020-01-01", place="临港")
    api.create_event("2026 浦东推介会")
    browser = commission_browser(api)
    listed = browser.get("/commission/events").text
    assert f'href="/commission/events/{event_id}/edit"' in listed
    form = browser.get(f"/commission/events/{event_id}/edit").text
    assert 'name="date" type="date" value="2020-01-01"' in form
    revision = re.search(r'name="revision" value="(\d+)"', form)
    assert revision is not None
    path = f"/commission/events/{event_id}/edit"

    taken = browser.post(
        path, {"revision": revision.group(1), "name": "2026 浦东推介会", "date": "2026-12-01"}
    )
    assert taken.status_code == 422
    assert dict(FIELD_ERROR.findall(taken.text)) == {"name": "已有同名活动。"}
    assert 'value="2026 浦东推介会"' in taken.text  # as typed
    saved = browser.post(
        path,
        {"revision": revision.group(1), "name": "2026 临港推介会", "date": "2026-12-01"},
    )
    assert saved.headers["location"] == f"/commission/events?changed={event_id}"
    stored = api.client.get(f"/v1/events/{event_id}", headers=api.admin).json()
    assert (stored["date"], stored["place"]) == ("2026-12-01", None)  # the place emptied
    notice = browser.get("/commission/events", changed=event_id).text
    assert "已保存活动“2026 临港推介会”，日期为2026年12月1日星期二。" in notice
    # A form opened before that change shows the event as it is now, writes nothing.
    stale = browser.post(
        path, {"revision": revision.group(1), "name": "旧的修改", "date": "2026-12-02"}
    )
    assert "此活动已被他人修改" in stale.text
    assert api.client.get(f"/v1/events/{event_id}", headers=api.admin).json()["date"] == (
        "2026-12-01"
    )
    assert browser.get("/commission/events/no-such-event/edit").status_code == 404


def test_a_report_is_created_read_in_the_page_and_downloaded(api: ApiClient) -> None:
    startup = api.create_account("startup")
    request = api.create_request(
        startup, company="孤立科技", title="无人问津的项目", title_en="A project nobody asked for"
    )
    api.publish(request["id"])
    browser = commission_browser(api)
    created = browser.post(
        "/commission/reports", {"event_id": "", "top_k": "3", "min_score": "0.6"}
    )
    assert created.status_code == 303
    location = created.headers["location"]
    page = browser.get(location)
    assert page.status_code == 200
    assert "摘要" in page.text
    assert "孤立科技" in page.text  # named among the requests not covered
    report_id = location.rsplit("/", 1)[1]
    # An officer reading English reads the English title in every table of the page.
    browser.accept_language = "en"
    english = browser.get(location).text
    assert "<td>A project nobody asked for</td>" in english
    assert "无人问津的项目" not in english
    browser.accept_language = None
    # "下载" downloads: the browser saves the file even where it could show it.
    assert f'href="/v1/reports/{report_id}?format=pdf" download>' in page.text
    listed = browser.get("/commission/reports")
    assert location in listed.text
    assert "匹配报告：全部已发布需求" in listed.text  # the service's title, in the reader's words
    assert "Match report" not in listed.text
    bad = browser.post("/commission/reports", {"event_id": "", "top_k": "99", "min_score": "2"})
    assert bad.status_code == 422
    assert dict(FIELD_ERROR.findall(bad.text)) == {
        "top_k": "请填写不大于 20 的数字。",
        "min_score": "请填写不大于 1 的数字。",
    }
    typed = browser.post("/commission/reports", {"event_id": "", "top_k": "三", "min_score": "-1"})
    assert dict(FIELD_ERROR.findall(typed.text)) == {
        "top_k": "请填写整数。",
        "min_score": "请填写不小于 0 的数字。",
    }
    emptied = browser.post("/commission/reports", {"event_id": "", "top_k": "", "min_score": ""})
    assert emptied.status_code == 422
    assert dict(FIELD_ERROR.findall(emptied.text)) == {
        "top_k": "此项为必填。",
        "min_score": "此项为必填。",
    }
    assert 'name="top_k" type="number" min="1" max="20" value=""' in emptied.text
    assert len(api.client.get("/v1/reports", headers=api.admin).json()["items"]) == 1


def test_the_audit_trail_filters_by_object_account_and_day(api: ApiClient) -> None:
    startup = api.create_account("startup", name="审计测试企业")
    answered = api.create_request(startup, company="审计测试公司")
    api.publish(answered["id"])
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    assert (
        api.client.put(
            f"/v1/investors/{profile['id']}/feedback/{answered['id']}",
            json={"action": "interested"},
            headers=investor.headers,
        ).status_code
        == 200
    )
    assert api.client.post("/v1/reports", json={}, headers=api.admin).status_code == 201
    browser = commission_browser(api)
    everything = browser.get("/commission/audit")
    # An answer to a match names the company and request answered, and links to the request
    # (the walk could not tell one startup's requests apart by the company alone).
    assert re.search(
        rf'<a href="/commission/requests/[^"]+">审计测试公司 · {re.escape(answered["title"])}</a> '
        r'<span class="muted">反馈</span>',
        everything.text,
    )
    # A sign-in is said as one, without an id nobody can read (the actor is who signed in).
    assert "<td>登录</td>" in everything.text
    assert not re.search(r'登录 <span class="muted">[0-9a-f]{8}</span>', everything.text)
    # A report by the title the service gave it, in the reader's language.
    assert "匹配报告：全部已发布需求</a> <span" in everything.text
    assert "Match report" not in everything.text
    # Each object by its name, its kind beside it.
    # A request links to its page.
    assert re.search(
        rf'<a href="/commission/requests/[^"]+">审计测试公司 · {re.escape(answered["title"])}</a> '
        r'<span class="muted">融资需求</span>',
        everything.text,
    )
    assert '审计测试企业 <span class="muted">账户</span>' in everything.text
    # Actions and objects in words, never their codes.
    assert "<td>创建融资需求并提交审核</td>" in everything.text
    assert "financing_request.create" not in everything.text
    assert '<option value="meeting">会面</option>' in everything.text
    only_events = browser.get("/commission/audit", object_type="event")
    assert "创建融资需求" not in only_events.text
    by_startup = browser.get("/commission/audit", actor=startup.id)
    assert "<td>创建融资需求并提交审核</td>" in by_startup.text
    assert "<td>创建账户</td>" not in by_startup.text  # the admin created the account
    assert "<td>创建账户</td>" in everything.text
    long_ago = browser.get("/commission/audit", since="2001-01-01", until="2001-01-02")
    assert "没有符合筛选条件的记录" in long_ago.text
    # One day is a range: from and until the same day keeps only that day.
    one_day = browser.get("/commission/audit", since="2001-01-01", until="2001-01-01")
    assert "没有符合筛选条件的记录" in one_day.text
    reversed_range = browser.get("/commission/audit", since="2001-01-02", until="2001-01-01")
    assert dict(FIELD_ERROR.findall(reversed_range.text)) == {"until": "截止日期早于起始日期。"}


def test_a_report_of_an_event_without_requests_says_so(api: ApiClient) -> None:
    """Not "0 of 0 requests were seen" nor "every request is covered": there is none."""
    event_id = api.create_event("空场推介会", date="2026-09-01", place="临港")
    browser = commission_browser(api)
    created = browser.post(
        "/commission/reports", {"event_id": event_id, "top_k": "3", "min_score": "0.6"}
    )
    assert created.status_code == 303
    page = browser.get(created.headers["location"]).text
    assert page.count("范围内没有已发布的融资需求。") >= 3  # the summary, exposure, not covered
    assert "所有需求均已覆盖" not in page
    assert "0 个" not in page.split('id="exposure"', 1)[1].split("</section>", 1)[0]
    report_id = created.headers["location"].rsplit("/", 1)[1]
    html = api.client.get(f"/v1/reports/{report_id}?format=html", headers=api.admin).text
    assert html.count("范围内没有已发布的融资需求。") >= 3
    assert "范围内每个需求都有至少" not in html


def test_the_dashboard_shows_statuses_and_the_latest_reports_coverage(api: ApiClient) -> None:
    startup = api.create_account("startup")
    request = api.create_request(startup, company="看板科技")
    api.publish(request["id"])
    api.create_request(startup, company="待审企业")
    browser = commission_browser(api)
    before = browser.get("/commission")
    assert "尚无报告" in before.text
    # The requests waiting for review lead to the queue.
    assert re.search(
        r'<p class="figure"><a href="/commission/review"[^>]*>\d+</a></p>', before.text
    )
    browser.post("/commission/reports", {"event_id": "", "top_k": "3", "min_score": "0.6"})
    after = browser.get("/commission")
    assert re.search(
        r"覆盖情况（取自最新报告）：<a href=\"/commission/reports/[^\"]+\">匹配报告：", after.text
    )
    assert "看板科技" in after.text  # named among the requests to work on by hand
    # The report's page leads back to the list of reports.
    report_link = re.search(r'<a href="(/commission/reports/[^"]+)">匹配报告：', after.text)
    assert report_link is not None
    report_page = browser.get(report_link.group(1)).text
    assert '<p class="breadcrumb no-print"><a href="/commission/reports">报告</a> › ' in report_page
    assert "人工智能" in after.text  # capital by sector, named


def test_people_are_invited_and_keys_revoked_from_the_page(api: ApiClient) -> None:
    investor = api.create_account("investor", name="邀请测试基金")
    browser = commission_browser(api)
    page = browser.get("/commission/people")
    assert "邀请测试基金" in page.text
    made = browser.post(
        "/commission/people/invite", {"account_id": investor.id, "name": "李伟", "admin": "on"}
    )
    assert re.fullmatch(
        rf"/commission/people\?done=invited&account={investor.id}&invited=[0-9a-f-]+"
        rf"#account-{investor.id}",
        made.headers["location"],
    )
    invited = browser.follow(made)
    # Shown in the account's card, where the page opens; once: a reload shows no code.
    card = invited.text.split(f'id="account-{investor.id}"')[1].split("</article>")[0]
    assert "已为李伟生成加入“邀请测试基金”的邀请" in card
    reloaded = browser.follow(made).text
    assert "/invitation?code=" not in reloaded
    card = reloaded.split(f'id="account-{investor.id}"')[1].split("</article>")[0]
    assert "邀请链接只显示一次，此前已经显示过" in card
    link = re.search(
        r'<code class="figure">http://testserver/invitation\?code=([^<]+)</code>', invited.text
    )
    assert link is not None
    code = unquote(link.group(1))
    assert f"<code>{code}</code>" in invited.text  # the code alone, to type
    accepted = api.client.post(
        "/v1/invitations/accept",
        json={"code": code, "username": "li.wei", "password": "a long password 2026"},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["account_id"] == investor.id

    keys = api.client.get("/v1/api-keys", params={"limit": 100}, headers=api.admin)
    (key,) = [k for k in keys.json()["items"] if k["account_id"] == investor.id]
    assert api.client.get("/v1/me", headers=investor.headers).status_code == 200
    listed = browser.get("/commission/people").text
    # Revoking takes two steps: the button opens a warning with the button that revokes.
    assert '<details class="confirm">' in listed
    assert "吊销后，使用该密钥的程序会立即被拒绝" in listed
    revoked = browser.post(f"/commission/keys/{key['id']}/revoke", {})
    assert revoked.headers["location"] == (
        f"/commission/people?done=revoked&account={investor.id}#account-{investor.id}"
    )
    in_card = browser.get("/commission/people", done="revoked", account=investor.id).text
    card = in_card.split(f'id="account-{investor.id}"')[1].split("</article>")[0]
    assert "密钥已吊销" in card  # said where the page opens, in the account's card
    assert api.client.get("/v1/me", headers=investor.headers).status_code == 401
    after = browser.get("/commission/people", done="revoked").text
    assert "密钥已吊销：使用该密钥的程序从现在起将被拒绝。" in after
    assert browser.post("/commission/keys/no-such-key/revoke", {}).status_code == 404


def test_an_open_invitation_is_listed_and_withdrawn_from_the_page(api: ApiClient) -> None:
    investor = api.create_account("investor", name="撤回测试基金")
    browser = commission_browser(api)
    invited = browser.follow(
        browser.post("/commission/people/invite", {"account_id": investor.id, "name": "王芳"})
    )
    link = re.search(r"/invitation\?code=([^<]+)</code>", invited.text)
    assert link is not None
    code = unquote(link.group(1))
    # The page lists it, and reloading the page would show a second one made by mistake.
    listed = browser.get("/commission/people").text
    assert "尚未接受的邀请" in listed
    assert "王芳" in listed
    withdraw = re.search(r'action="(/commission/invitations/[^/"]+/withdraw)"', listed)
    assert withdraw is not None
    assert browser.get("/invitation", code=code).text.count("王芳") >= 1

    withdrawn = browser.post(withdraw.group(1), {})

    assert withdrawn.headers["location"] == (
        f"/commission/people?done=withdrawn&account={investor.id}#account-{investor.id}"
    )
    after = browser.get("/commission/people", done="withdrawn").text
    assert "邀请已撤回：其链接和邀请码已失效。" in after
    assert "尚未接受的邀请" not in after
    # The link no longer opens the form for the person, and the code is refused.
    assert "王芳" not in browser.get("/invitation", code=code).text
    refused = api.client.post(
        "/v1/invitations/accept",
        json={"code": code, "username": "wang.fang", "password": "a long password 2026"},
    )
    assert refused.status_code == 422
    assert (
        browser.post("/commission/invitations/no-such-invitation/withdraw", {}).status_code == 404
    )


def test_an_audit_day_filter_is_the_day_on_beijing_clocks() -> None:
    start = commission_records._moment("2026-12-06")

    assert start == dt.datetime(2026, 12, 5, 16, tzinfo=dt.UTC)


def test_an_events_new_date_moves_its_programme_or_is_refused_once_scheduled(
    api: ApiClient,
) -> None:
    event_id = api.create_event("2037 张江推介会", date=COMING_DAY)
    api.client.put(
        f"/v1/events/{event_id}/programme",
        json={
            "time_zone": "Asia/Shanghai",
            "days": [COMING_DAY],
            "slots": [{"start": "13:30", "minutes": 30}],
            "tables": 2,
            "investor_meeting_cap": 4,
        },
        headers=api.admin,
    ).raise_for_status()
    browser = commission_browser(api)
    path = f"/commission/events/{event_id}/edit"
    form = browser.get(path).text
    assert "修改日期后，会面日期随之顺延或提前相同天数，各时段的钟点不变。" in form

    def revision() -> str:
        found = re.search(r'name="revision" value="(\d+)"', browser.get(path).text)
        assert found is not None
        return found.group(1)

    def programme_start() -> str:
        read = api.client.get(f"/v1/events/{event_id}/programme", headers=api.admin).json()
        start: str = read["slots"][0]["local_start"]
        return start

    moved = browser.post(
        path, {"revision": revision(), "name": "2037 张江推介会", "date": "2037-11-12"}
    )
    assert moved.status_code == 303
    assert programme_start() == "2037-11-12T13:30:00+08:00"
    past = browser.post(
        path, {"revision": revision(), "name": "2037 张江推介会", "date": "2020-01-02"}
    )
    assert dict(FIELD_ERROR.findall(past.text)) == {
        "date": "请选择今天或之后的日期：会面需提前安排。"
    }
    # Scheduled: the page says the date is fixed, and a new one is refused beside the field.
    investor, startup = api.create_account("investor"), api.create_account("startup")
    mandate = api.create_investor(investor)["id"]
    request_id = api.create_request(startup, event_id=event_id)["id"]
    api.publish(request_id)
    asked = api.client.post(
        f"/v1/events/{event_id}/meetings",
        json={"financing_request_id": request_id, "investor_profile_id": mandate},
        headers=investor.headers,
    ).json()
    api.client.post(
        f"/v1/meetings/{asked['id']}/answer", json={"answer": "accepted"}, headers=startup.headers
    ).raise_for_status()
    api.client.post(
        f"/v1/events/{event_id}/schedules", json={}, headers=api.admin
    ).raise_for_status()
    assert "此活动的会面已排定" in browser.get(path).text
    refused = browser.post(
        path, {"revision": revision(), "name": "2037 张江推介会", "date": "2037-11-19"}
    )
    assert refused.status_code == 422
    assert dict(FIELD_ERROR.findall(refused.text)) == {
        "date": "会面已经排定，日期不能再修改。如需改期，请先取消这些会面，或新建一个活动。"
    }
    stored = api.client.get(f"/v1/events/{event_id}", headers=api.admin).json()
    assert stored["date"] == "2037-11-12"
    assert programme_start() == "2037-11-12T13:30:00+08:00"


def test_a_report_before_any_investor_read_matches_says_why_none_was_seen(
    api: ApiClient,
) -> None:
    """ "Shown to none: 1" alone reads as if investors had looked and passed it by; before
    any list of matches was read, the report says that exposure starts with reading."""
    event_id = api.create_event("首场推介会", date="2037-09-01", place="临港")
    startup = api.create_account("startup", "首发企业")
    request = api.create_request(startup, company="首发企业", title="A轮", event_id=event_id)
    api.publish(request["id"])
    browser = commission_browser(api)
    created = browser.post(
        "/commission/reports", {"event_id": event_id, "top_k": "3", "min_score": "0.6"}
    )
    page = browser.get(created.headers["location"]).text
    section = page.split('id="exposure"', 1)[1].split("</section>", 1)[0]
    said = "范围内尚无项目出现在投资方查看过的匹配列表前 20 名中"
    assert said in section
    report_id = created.headers["location"].rsplit("/", 1)[1]
    html = api.client.get(f"/v1/reports/{report_id}?format=html", headers=api.admin).text
    assert said in html.split('id="exposure"', 1)[1]


def test_an_event_on_a_weekend_is_saved_with_a_word_about_the_day(api: ApiClient) -> None:
    """Saved (some conferences are held at weekends, and adjusted working days make some
    weekends workdays), but a Saturday picked by a slip of the calendar is pointed out."""
    browser = commission_browser(api)
    saturday = browser.post(
        "/commission/events", {"name": "2037 周末推介会", "date": "2037-11-07", "place": "临港"}
    )
    assert saturday.status_code == 303
    page = browser.follow(saturday).text
    # The save is confirmed in the green notice; the day is questioned in the warning box.
    assert '<p class="notice" role="status">已创建活动' in page
    said = "这一天是星期六：如非有意安排在周末，请更正日期。"
    assert f'<p class="conflict" role="status">{said}' in page
    thursday = browser.post(
        "/commission/events", {"name": "2037 工作日推介会", "date": "2037-11-05", "place": "临港"}
    )
    assert "这一天是" not in browser.follow(thursday).text


def test_the_commission_finds_a_request_again_once_it_has_left_the_queue(api: ApiClient) -> None:
    """Published, sent back, withdrawn or closed, a request is listed by its status, linked to
    its page; the dashboard's figures link each list. Nobody else reaches the list."""
    startup = api.create_account("startup", "阶跃星辰")
    published = api.create_request(startup, company="阶跃星辰", title="推理集群扩建")
    api.publish(published["id"])
    waiting = api.create_request(startup, company="阶跃星辰", title="仍在审核")
    browser = commission_browser(api)

    listed = browser.get("/commission/requests").text  # published unless asked otherwise
    assert f'<a href="/commission/requests/{published["id"]}">推理集群扩建</a>' in listed
    assert "仍在审核" not in listed
    assert 'aria-current="page">已发布（1）</a>' in listed
    submitted = browser.get("/commission/requests", status="submitted").text
    assert "仍在审核" in submitted
    assert "推理集群扩建" not in submitted
    assert '<a href="/commission/review">在审核队列中审核</a>' in submitted
    # An address typed by hand (an unknown status, a cursor not issued) reads as the first page.
    assert "推理集群扩建" in browser.get("/commission/requests", status="x", cursor="y").text
    dashboard = browser.get("/commission").text
    assert 'href="/commission/requests?status=published"' in dashboard
    assert f"/commission/requests/{waiting['id']}" not in dashboard

    for role in ("investor", "startup"):
        other = signed_in_browser(api, api.create_account(role))
        assert other.get("/commission/requests").status_code == 403


def test_the_dashboard_and_the_report_name_matching_investors_alike_and_say_when_a_request_counts_twice(  # noqa: E501
    api: ApiClient,
) -> None:
    """The dashboard called the report's "匹配投资方" column "契合的投资方", and neither said
    that a request in two sectors is counted in both rows."""
    startup = api.create_account("startup")
    both = api.create_request(
        startup, company="两栖科技", sectors=["ai.foundation_models", "semiconductors.design"]
    )
    api.publish(both["id"])
    browser = commission_browser(api)
    browser.post("/commission/reports", {"event_id": "", "top_k": "3", "min_score": "0.6"})
    dashboard = browser.get("/commission").text
    assert '<th scope="col">匹配投资方</th>' in dashboard
    assert "契合的投资方" not in dashboard
    assert "属于多个行业的项目在每个所属行业中各计一次" in dashboard
    report_link = re.search(r'<a href="/commission/reports/([^"]+)">匹配报告：', dashboard)
    assert report_link is not None
    document = api.client.get(
        f"/v1/reports/{report_link.group(1)}?format=html", headers=api.admin
    ).text
    assert "属于多个行业的项目在每个所属行业中各计一次" in document
    english = api.client.get(
        f"/v1/reports/{report_link.group(1)}?format=html",
        headers={**api.admin, "Accept-Language": "en"},
    ).text
    assert "so the rows add up to more than the 1 request in scope." in english


def test_a_report_whose_requests_each_have_one_sector_says_nothing_of_counting_twice(
    api: ApiClient,
) -> None:
    startup = api.create_account("startup")
    api.publish(api.create_request(startup, sectors=["ai.foundation_models"])["id"])
    browser = commission_browser(api)
    browser.post("/commission/reports", {"event_id": "", "top_k": "3", "min_score": "0.6"})
    assert "各计一次" not in browser.get("/commission").text


def test_an_english_reader_reads_english_punctuation_and_plain_totals(api: ApiClient) -> None:
    """An English walk read "Draft（0）" with Chinese brackets, and "Nothing yet in place of
    Nothing yet signed" before anything was signed."""
    english = Browser(api.client, accept_language="en")
    english.sign_in(new_person(api, api.create_account("commission"), signed_in=False))

    listed = english.get("/commission/requests").text
    assert re.search(r">Draft \(\d+\)</a>", listed), listed
    assert "（" not in listed
    outcomes = english.get("/commission/outcomes").text
    assert "Nothing signed yet" in outcomes
    assert "in place of" not in outcomes
