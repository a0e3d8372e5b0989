"""Pages read as their reader reads them: an English-only investor, a founder with a draft.
Found by walking the web application as those people (2026-12-07)."""

from __future__ import annotations

import re

from tests.support.factories import ApiClient
from tests.support.people import new_person
from tests.support.web import Browser

STARTUP_FORM = {
    "company": "阶跃星辰",
    "title": "基础大模型C轮",
    "summary": "基础大模型研发与训练算力",
    "amount": "30亿",
    "currency": "CNY",
    "stage": "series_c",
    "region": "xuhui",
    "event_id": "",
    "sectors": ["ai.foundation_models"],
}


def _browser(api: ApiClient, role: str, language: str = "zh") -> tuple[dict[str, str], Browser]:
    account = api.create_account(role)
    browser = Browser(api.client, accept_language=language)
    browser.sign_in(new_person(api, account, signed_in=False))
    return {"id": account.id}, browser


def test_an_english_investor_tells_answering_a_match_from_recording_that_they_met(
    api: ApiClient,
) -> None:
    """The walk read a button "Meeting" beside "Interested" as the way to ask for a meeting;
    it records a meeting already held. It is called "Met" and sits apart, among the steps
    that record how a match went on."""
    startup = api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    investor = api.create_account("investor")
    mandate = api.create_investor(investor, ticket_min="100000000", ticket_max="1200000000")
    browser = Browser(api.client, accept_language="en")
    browser.sign_in(new_person(api, investor, signed_in=False))
    chinese = Browser(api.client)
    chinese.sign_in(new_person(api, investor, signed_in=False))

    # Chinese first: a label the template fixed when first compiled would stay Chinese.
    first = chinese.get(f"/investor/mandates/{mandate['id']}/matches").text
    assert re.search(r'value="meeting"[^>]*>已会面洽谈</button>', first)
    page = browser.get(f"/investor/mandates/{mandate['id']}/matches").text
    card = page.split(f'id="request-{request["id"]}"')[1].split("</article>")[0]
    answer, progress = card.split('role="group"')[1:3]
    assert "Answer:" in answer
    assert 'value="interested"' in answer
    assert 'value="pass"' in answer
    assert "Record progress:" in progress
    assert re.search(r'value="meeting"[^>]*>Met</button>', progress), progress
    assert 'value="committed"' in progress
    assert ">Meeting</button>" not in page
    # 3 billion against a maximum of 1.2 billion: 2.5 times the maximum, not "2.5x above" it.
    assert "is 2.5 times your maximum of CNY 1.2 billion" in card, card


def test_a_mandate_lists_its_stages_along_the_funding_chain(api: ApiClient) -> None:
    """Stored by code, the stages read 成长期、B轮、C轮 (alphabetical by code); the page lists
    them as the funding chain runs, and sectors as the taxonomy lists them."""
    account = api.create_account("investor")
    api.create_investor(
        account,
        stages=["growth", "series_c", "series_b"],
        sectors=["semiconductors.design", "ai"],
    )
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, signed_in=False))
    page = browser.get("/investor").text
    assert "B轮、C轮、成长期" in page, page
    assert page.index("人工智能") < page.index("芯片设计"), page


def test_a_draft_says_who_sees_it_and_how_it_reaches_review(api: ApiClient) -> None:
    _, founder = _browser(api, "startup")
    saved = founder.post("/startup/requests/new", {**STARTUP_FORM, "action": "save"})
    assert saved.status_code == 303, saved.text
    page = founder.get("/startup").text
    assert "草稿仅您自己可见。准备好后，点“编辑”，再点“提交审核”" in page

    other = {**STARTUP_FORM, "title": "算力扩容", "action": "submit"}
    submitted = founder.post("/startup/requests/new", other)
    assert submitted.status_code == 303, submitted.text
    assert founder.get("/startup").text.count("草稿仅您自己可见") == 1


def test_amount_hints_in_english_give_english_examples_first(api: ApiClient) -> None:
    account = api.create_account("investor")
    browser = Browser(api.client, accept_language="en")
    browser.sign_in(new_person(api, account, signed_in=False))
    form = browser.get("/investor/mandates/new").text
    assert "Write amounts as you say them: 50m or 3.5 billion (Chinese units" in form


def test_the_address_people_type_to_sign_in_leads_there(api: ApiClient) -> None:
    answer = api.client.get("/login", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (301, "/sign-in")


def test_the_report_page_names_its_downloads_by_what_opens_them_and_the_score_range(
    api: ApiClient,
) -> None:
    _, officer = _browser(api, "commission")
    form = officer.get("/commission/reports").text
    assert "匹配度从 0 到 1" in form
    assert 'aria-describedby="min_score-hint"' in form
    created = officer.post(
        "/commission/reports", {"event_id": "", "top_k": "5", "min_score": "0.6"}
    )
    assert created.status_code == 303, created.text
    page = officer.get(created.headers["location"]).text
    for name in ("下载网页版（HTML）", "下载 PDF", "下载 Excel", "下载 CSV（供其他系统导入）"):
        assert name in page
    assert "下载 XLSX" not in page


def test_an_english_reader_sees_the_events_english_name_and_a_chinese_reader_its_own(
    api: ApiClient,
) -> None:
    """The walk read "Presented at 上海城市推介大会 (CIIE)" in the English pages: the
    commission may name an event (and its place) in English too, and English readers see
    that; left empty, everyone reads the name as written."""
    _, officer = _browser(api, "commission")
    created = officer.post(
        "/commission/events",
        {
            "name": "2037上海城市推介大会",
            "name_en": "2037 Shanghai City Investment Promotion Conference",
            "date": "2037-11-05",
            "place": "上海",
            "place_en": "Shanghai",
        },
    )
    assert created.status_code == 303, created.text
    listed = api.client.get("/v1/events", headers=api.admin).json()["items"]
    event = next(e for e in listed if e["name"] == "2037上海城市推介大会")
    assert (event["name_en"], event["place_en"]) == (
        "2037 Shanghai City Investment Promotion Conference",
        "Shanghai",
    )
    startup = api.create_account("startup")
    request = api.record_request(startup, event_id=event["id"])
    api.publish(request["id"])
    investor = api.create_account("investor")
    mandate = api.create_investor(investor)
    english = Browser(api.client, accept_language="en")
    english.sign_in(new_person(api, investor, signed_in=False))
    chinese = Browser(api.client)
    chinese.sign_in(new_person(api, investor, signed_in=False))
    matches = f"/investor/mandates/{mandate['id']}/matches"
    english_page = english.get(matches).text
    assert "2037 Shanghai City Investment Promotion Conference" in english_page
    assert "2037上海城市推介大会" not in english_page
    chinese_page = chinese.get(matches).text
    assert "2037上海城市推介大会" in chinese_page
    assert "2037 Shanghai City Investment Promotion Conference" not in chinese_page

    # Emptied again on the form: English readers read the name as written.
    edited = officer.post(
        f"/commission/events/{event['id']}/edit",
        {
            "revision": str(event["revision"]),
            "name": "2037上海城市推介大会",
            "name_en": "",
            "date": "2037-11-05",
            "place": "上海",
            "place_en": "",
        },
    )
    assert edited.status_code == 303, edited.text
    assert "2037上海城市推介大会" in english.get(matches).text


def test_the_report_page_names_the_model_that_ranked_it(api: ApiClient) -> None:
    _, officer = _browser(api, "commission")
    created = officer.post(
        "/commission/reports", {"event_id": "", "top_k": "5", "min_score": "0.6"}
    )
    page = officer.get(created.headers["location"]).text
    assert "排序模型：默认权重" in page


def test_an_officer_reading_english_sees_the_events_english_name_on_conference_pages(
    api: ApiClient,
) -> None:
    """The walk read "上海城市推介大会 (CIIE)" on an English officer's pages while investors
    read the English name the commission itself had given."""
    created = api.client.post(
        "/v1/events",
        json={
            "name": "2037上海城市推介大会",
            "name_en": "2037 Shanghai City Investment Promotion Conference",
            "date": "2037-11-05",
            "place": "上海",
            "place_en": "Shanghai",
        },
        headers=api.admin,
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    _, english = _browser(api, "commission", "en")
    for path in ("/commission/conference", f"/commission/events/{event_id}/meetings"):
        page = english.get(path).text
        assert "2037 Shanghai City Investment Promotion Conference" in page, path
        assert "2037上海城市推介大会" not in page, path
    _, chinese = _browser(api, "commission")
    assert "2037上海城市推介大会" in chinese.get(f"/commission/events/{event_id}/meetings").text
