"""An investor creates a mandate in the web application: errors beside each field in
Chinese with nothing written, the typed values kept, amounts as people write them, and the
new mandate's matches straight after."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.factories import Account, ApiClient
from tests.support.web import Browser, signed_in_browser

TEMPLATES = Path(__file__).resolve().parents[2] / "service" / "web" / "templates"

# The message beside an amount the form cannot read.
UNREADABLE_AMOUNT = (
    "无法识别该金额：请写成 30亿、5000万、五千万、伍亿元整 或 3,000,000,000 这样的数额；"
    "“三十多亿”这类约数无法识别。"
)

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')
GOOD_MANDATE = {
    "name": "高瓴 早期人工智能基金",
    "kind": "government_fund",
    "origin": "foreign",
    "ticket_min": "5000万",
    "ticket_max": "3亿",
    "currency": "CNY",
    "sectors": ["ai.foundation_models", "semiconductors"],
    "stages": ["series_a", "series_b"],
    "regions": ["pudong"],
    "thesis": "大模型与芯片",
}


def _investor(api: ApiClient) -> tuple[Account, Browser]:
    account = api.create_account("investor")
    return account, signed_in_browser(api, account)


def _mandates_of(api: ApiClient, account: Account) -> list[dict[str, Any]]:
    listed = api.client.get("/v1/investors", params={"limit": 100}, headers=account.headers)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def test_a_new_investor_is_offered_a_mandate_form(api: ApiClient) -> None:
    _, browser = _investor(api)
    start = browser.get("/investor").text
    assert "尚无投资要求。创建一项后" in start
    assert 'href="/investor/mandates/new"' in start

    form = browser.get("/investor/mandates/new")
    assert form.status_code == 200
    assert "<h1>新建投资要求</h1>" in form.text
    # Kind and origin are chosen by name, starting from a domestic venture fund.
    assert '<option value="vc" selected>风险投资</option>' in form.text
    assert '<option value="domestic" selected>境内</option>' in form.text
    assert 'name="revision"' not in form.text  # nothing to be stale against yet


def test_a_firms_next_mandate_starts_as_the_firms_kind_and_origin(api: ApiClient) -> None:
    """A foreign private-equity firm's second fund starts foreign and private equity (the
    negative lists read the origin); its currency starts as it does for anyone."""
    account, browser = _investor(api)
    api.create_investor(account, name="Blackstone USD", kind="pe", origin="foreign", currency="USD")
    form = browser.get("/investor/mandates/new").text
    assert '<option value="pe" selected>' in form
    assert '<option value="foreign" selected>境外</option>' in form
    assert '<option value="domestic" selected>' not in form
    assert '<option value="CNY" selected>' in form


def test_mistakes_are_shown_beside_their_fields_and_nothing_is_written(api: ApiClient) -> None:
    account, browser = _investor(api)
    typed = {
        **GOOD_MANDATE,
        "name": "",
        "kind": "pirate",
        "ticket_min": "abc",
        "ticket_max": "-5",
        "sectors": [],
        "stages": [],
    }

    page = browser.post("/investor/mandates/new", typed)

    assert page.status_code == 422
    errors = dict(FIELD_ERROR.findall(page.text))
    assert errors == {
        "name": "此项为必填。",
        "kind": "请从列表中选择类型。",
        "ticket_min": UNREADABLE_AMOUNT,
        "ticket_max": "金额必须大于零。",
        "sectors": "请至少选择一项。",
        "stages": "请至少选择一项。",
    }
    assert 'value="abc"' in page.text  # what was typed comes back
    assert "未保存任何内容；请更正下方标出的栏目。" in page.text
    # The first field to correct is focused, and only that one.
    assert 'aria-describedby="name-error" autofocus' in page.text
    assert page.text.count(" autofocus") == 1
    assert '<input type="checkbox" name="regions" value="pudong" checked>' in page.text
    assert _mandates_of(api, account) == []


def test_a_thesis_and_a_currency_refused_are_said_beside_their_fields(api: ApiClient) -> None:
    # The textarea's maxlength stops a person typing more; a script or an old browser may not.
    account, browser = _investor(api)

    page = browser.post(
        "/investor/mandates/new", {**GOOD_MANDATE, "thesis": "长" * 10_001, "currency": "XYZ"}
    )

    assert page.status_code == 422
    errors = dict(FIELD_ERROR.findall(page.text))
    assert set(errors) == {"thesis", "currency"}, errors
    assert errors == {"thesis": "内容过长：最多10000个字符。", "currency": "请从列表中选择币种。"}
    assert _mandates_of(api, account) == []


def test_every_field_marked_invalid_has_its_message_beside_it() -> None:
    # A field pointing at a message that is not on the page (aria-describedby="x-error")
    # leaves its person with an outline and no words.
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        marked = set(re.findall(r'invalid\("([^"]+)"', text))
        said = set(re.findall(r'with name="([^"]+)"', text)) | set(
            re.findall(r'id="([^"{]+)-error"', text)
        )
        assert marked <= said, f"{template.name}: {sorted(marked - said)}"


def test_a_minimum_above_the_maximum_is_refused_once_beside_the_maximum(api: ApiClient) -> None:
    account, browser = _investor(api)

    page = browser.post("/investor/mandates/new", {**GOOD_MANDATE, "ticket_min": "5亿"})

    errors = dict(FIELD_ERROR.findall(page.text))
    assert errors == {"ticket_max": "单笔上限不能低于单笔下限。"}
    assert _mandates_of(api, account) == []


def test_a_created_mandate_is_stored_exactly_and_opens_on_its_matches(api: ApiClient) -> None:
    startup = api.create_account("startup")
    fitting = api.create_request(startup, company="阶跃星辰", amount="100000000", stage="series_b")
    api.publish(fitting["id"])
    account, browser = _investor(api)

    created = browser.post("/investor/mandates/new", GOOD_MANDATE)

    assert created.status_code == 303, created.text[:400]
    [stored] = _mandates_of(api, account)
    assert created.headers["location"] == f"/investor/mandates/{stored['id']}/matches?done=created"
    assert (stored["name"], stored["kind"], stored["origin"]) == (
        "高瓴 早期人工智能基金",
        "government_fund",
        "foreign",
    )
    assert (stored["ticket_min"], stored["ticket_max"]) == ("50000000.00", "300000000.00")
    assert (stored["sectors"], stored["stages"], stored["regions"]) == (
        ["ai.foundation_models", "semiconductors"],
        ["series_a", "series_b"],
        ["pudong"],
    )
    matches = browser.get(f"/investor/mandates/{stored['id']}/matches", done="created").text
    assert "投资要求已创建。以下是与之最契合的融资需求。" in matches
    assert "阶跃星辰" in matches
    audit = api.client.get(
        "/v1/audit", params={"object_id": stored["id"]}, headers=api.admin
    ).json()["items"]
    assert [entry["action"] for entry in audit] == ["investor_profile.create"]


def test_only_an_investor_with_the_page_s_token_creates_a_mandate(api: ApiClient) -> None:
    account, browser = _investor(api)
    forged = browser.post("/investor/mandates/new", GOOD_MANDATE, csrf="forged")
    assert forged.status_code == 403
    assert _mandates_of(api, account) == []

    startup_browser = signed_in_browser(api, api.create_account("startup"))
    assert startup_browser.get("/investor/mandates/new").status_code == 403
    assert startup_browser.post("/investor/mandates/new", GOOD_MANDATE).status_code == 403
    listed = api.client.get("/v1/investors", params={"limit": 100}, headers=api.admin)
    assert listed.json()["items"] == []
