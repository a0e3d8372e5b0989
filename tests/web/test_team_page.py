"""An investor's or a startup's team page: everyone sees their colleagues; the account's admin
invites one (the link shown once) and withdraws an invitation not yet used; a colleague who is
not the admin is refused, nothing written; another account's invitation is not found."""

from __future__ import annotations

import re
from urllib.parse import unquote

from tests.support.factories import Account, ApiClient
from tests.support.people import new_person
from tests.support.web import Browser


def _browser(api: ApiClient, account: Account, *, admin: bool) -> Browser:
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, admin=admin, signed_in=False))
    return browser


def _open_invitations(api: ApiClient, account: Account) -> list[str | None]:
    listed = api.client.get("/v1/invitations", headers=api.admin).json()["items"]
    return [item["name"] for item in listed if item["account_id"] == account.id]


def test_the_admin_invites_a_colleague_and_withdraws_the_invitation(api: ApiClient) -> None:
    startup = api.create_account("startup", name="团队测试企业")
    admin = _browser(api, startup, admin=True)
    page = admin.get("/team").text
    assert 'href="/team"' in page  # in the navigation
    assert "团队 · 团队测试企业" in page
    assert "本人" in page

    made = admin.post("/team/invite", {"name": "赵磊"})

    # Post, redirect, get: the link is shown once, and reloading invites nobody again.
    assert re.fullmatch(r"/team\?invited=[0-9a-f-]+", made.headers["location"])
    invited = admin.follow(made)
    assert "已为赵磊生成加入“团队测试企业”的邀请" in invited.text
    reloaded = admin.follow(made).text
    assert "/invitation?code=" not in reloaded
    assert "邀请链接只显示一次，此前已经显示过" in reloaded
    link = re.search(r"/invitation\?code=([^<]+)</code>", invited.text)
    assert link is not None
    code = unquote(link.group(1))
    assert _open_invitations(api, startup) == ["赵磊"]
    listed = admin.get("/team").text
    withdraw = re.search(r'action="(/team/invitations/[^/"]+/withdraw)"', listed)
    assert withdraw is not None
    done = admin.post(withdraw.group(1), {})
    assert done.headers["location"] == "/team?done=withdrawn"
    assert _open_invitations(api, startup) == []
    refused = api.client.post(
        "/v1/invitations/accept",
        json={"code": code, "username": "zhao.lei", "password": "a long password 2026"},
    )
    assert refused.status_code == 422


def test_a_colleague_who_is_not_the_admin_sees_the_team_but_invites_nobody(
    api: ApiClient,
) -> None:
    investor = api.create_account("investor", name="同事测试基金")
    colleague = _browser(api, investor, admin=False)
    page = colleague.get("/team").text
    assert "只有本账户的管理员可以邀请同事。" in page
    assert 'action="/team/invite"' not in page

    tried = colleague.post("/team/invite", {"name": "不该邀请"})

    assert tried.status_code == 403
    assert _open_invitations(api, investor) == []


def test_another_accounts_invitation_is_not_found(api: ApiClient) -> None:
    ours, theirs = api.create_account("startup"), api.create_account("startup")
    invited = api.client.post("/v1/invitations", json={"name": "他人"}, headers=theirs.headers)
    assert invited.status_code == 201
    admin = _browser(api, ours, admin=True)

    response = admin.post(f"/team/invitations/{invited.json()['id']}/withdraw", {})

    assert response.status_code == 404
    assert _open_invitations(api, theirs) == ["他人"]


def test_the_commission_is_sent_to_its_own_people_page(api: ApiClient) -> None:
    commission = _browser(api, api.create_account("commission"), admin=False)
    response = commission.get("/team")
    assert response.status_code == 303
    assert response.headers["location"] == "/commission/people"
