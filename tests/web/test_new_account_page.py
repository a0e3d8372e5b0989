"""The commission makes an account in the web application: a firm or a company with its
first person invited, errors beside the fields with nothing written, no key nobody saw, and
the one-time link shown once after a redirect (a planted or foreign code shows nothing)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from service.web.pages.invitation_handover import HANDOVER_COOKIE
from tests.support.factories import ApiClient
from tests.support.web import commission_browser, signed_in_browser

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')
LINK = re.compile(r"/invitation\?code=([^<]+)</code>")


def _accounts(api: ApiClient) -> list[dict[str, Any]]:
    listed = api.client.get("/v1/accounts", params={"limit": 100}, headers=api.admin)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def test_mistakes_are_shown_beside_their_fields_and_nothing_is_written(api: ApiClient) -> None:
    browser = commission_browser(api)
    before = _accounts(api)

    page = browser.post("/commission/people/accounts", {"name": " ", "person_name": "张伟"})

    assert page.status_code == 422
    assert dict(FIELD_ERROR.findall(page.text)) == {
        "name": "此项为必填。",
        "role": "请从列表中选择。",
    }
    assert 'value="张伟"' in page.text  # what was typed comes back
    # Only investors and startups: another commission is not made from a page.
    refused = browser.post(
        "/commission/people/accounts", {"name": "浦东投促", "role": "commission"}
    )
    assert dict(FIELD_ERROR.findall(refused.text)) == {"role": "请从列表中选择。"}
    assert _accounts(api) == before


def test_an_account_is_made_with_its_first_person_invited_once(api: ApiClient) -> None:
    browser = commission_browser(api)

    made = browser.post(
        "/commission/people/accounts",
        {"name": "星河智算", "role": "startup", "person_name": "李娜", "admin": "on"},
    )

    assert made.status_code == 303
    [account] = [a for a in _accounts(api) if a["name"] == "星河智算"]
    assert account["role"] == "startup"
    location = made.headers["location"]
    assert location.startswith(f"/commission/people?done=created&account={account['id']}&invited=")
    assert location.endswith(f"#account-{account['id']}")
    page = browser.follow(made).text
    card = page.split(f'id="account-{account["id"]}"')[1].split("</article>")[0]
    assert "账户已创建。" in card
    assert "已为李娜生成加入“星河智算”的邀请" in card
    link = LINK.search(card)
    assert link is not None
    assert "无密钥。" in card  # no account key that nobody was shown
    keys = api.client.get("/v1/api-keys", params={"limit": 100}, headers=api.admin).json()
    assert [k for k in keys["items"] if k["account_id"] == account["id"]] == []
    # Reloading shows no code again, says so as a warning in the card, and makes nothing.
    again = browser.follow(made).text
    assert LINK.search(again) is None
    card = again.split(f'id="account-{account["id"]}"')[1].split("</article>")[0]
    assert '<p class="conflict" role="status">邀请链接只显示一次，此前已经显示过' in card
    assert len([a for a in _accounts(api) if a["name"] == "星河智算"]) == 1

    accepted = api.client.post(
        "/v1/invitations/accept",
        json={"code": unquote(link.group(1)), "username": "li.na", "password": "a long pass 2026"},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["account_id"] == account["id"]
    users = api.client.get("/v1/users", params={"limit": 100}, headers=api.admin).json()
    [person] = [u for u in users["items"] if u["username"] == "li.na"]
    assert person["admin"] is True
    audit = api.client.get(
        "/v1/audit", params={"object_id": account["id"]}, headers=api.admin
    ).json()["items"]
    assert [(e["action"], e["changes"]) for e in audit] == [
        ("account.create", {"role": "startup", "name": "星河智算"})
    ]


def test_the_same_firm_is_not_made_twice(api: ApiClient) -> None:
    browser = commission_browser(api)
    browser.post("/commission/people/accounts", {"name": "Sequoia China", "role": "investor"})

    twice = browser.post(
        "/commission/people/accounts", {"name": " sequoia\u3000 CHINA ", "role": "investor"}
    )

    assert dict(FIELD_ERROR.findall(twice.text)) == {"name": "已有同名的同类账户。"}
    assert len([a for a in _accounts(api) if a["name"].lower() == "sequoia china"]) == 1
    # A company of the same name is another kind of account.
    other = browser.post(
        "/commission/people/accounts", {"name": "Sequoia China", "role": "startup"}
    )
    assert other.status_code == 303


def test_only_the_commission_with_the_page_s_token_makes_accounts(api: ApiClient) -> None:
    browser = commission_browser(api)
    before = _accounts(api)
    forged = browser.post(
        "/commission/people/accounts", {"name": "伪造", "role": "investor"}, csrf="forged"
    )
    assert forged.status_code == 403
    investor = api.create_account("investor")
    outsider = signed_in_browser(api, investor, admin=True)
    tried = outsider.post("/commission/people/accounts", {"name": "越权", "role": "investor"})
    assert tried.status_code == 403
    names = sorted(a["name"] for a in _accounts(api))
    assert names == sorted([a["name"] for a in before] + ["investor account"])


def test_a_planted_or_foreign_code_shows_nothing(api: ApiClient) -> None:
    browser = commission_browser(api)
    startup = api.create_account("startup", name="种植测试企业")
    made = browser.post("/commission/people/invite", {"account_id": startup.id, "name": "王五"})
    handed = browser.cookies[HANDOVER_COOKIE]
    invitation_id, _, code = handed.partition(".")

    # A wrong code for the invitation the address names: nothing shown, the cookie cleared.
    browser.cookies[HANDOVER_COOKIE] = f"{invitation_id}.{'x' * len(code)}"
    planted = browser.follow(made)
    assert LINK.search(planted.text) is None
    assert HANDOVER_COOKIE not in browser.cookies
    # The genuine code, but the address names another invitation: nothing shown.
    browser.cookies[HANDOVER_COOKIE] = handed
    other = browser.get("/commission/people", invited="another-invitation")
    assert LINK.search(other.text) is None
    # Another account's admin handed the commission's code sees nothing on its team page.
    admin = signed_in_browser(api, api.create_account("investor"), admin=True)
    admin.cookies[HANDOVER_COOKIE] = handed
    assert LINK.search(admin.get("/team", invited=invitation_id).text) is None
    # The commission's own, genuine: shown once.
    browser.cookies[HANDOVER_COOKIE] = handed
    assert LINK.search(browser.follow(made).text) is not None
    assert LINK.search(browser.get("/commission/people").text) is None


def test_a_withdrawn_invitation_s_code_is_not_shown_and_signing_out_forgets_it(
    api: ApiClient,
) -> None:
    browser = commission_browser(api)
    startup = api.create_account("startup", name="撤回测试企业")
    made = browser.post("/commission/people/invite", {"account_id": startup.id, "name": "赵六"})
    handed = browser.cookies[HANDOVER_COOKIE]
    invitation_id = handed.partition(".")[0]
    withdrawn = api.client.post(f"/v1/invitations/{invitation_id}/withdraw", headers=api.admin)
    assert withdrawn.is_success, withdrawn.text

    assert LINK.search(browser.follow(made).text) is None

    again = browser.post("/commission/people/invite", {"account_id": startup.id, "name": "赵六"})
    assert HANDOVER_COOKIE in browser.cookies
    browser.post("/sign-out", {})
    assert HANDOVER_COOKIE not in browser.cookies
    assert again.status_code == 303
