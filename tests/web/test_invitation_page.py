"""Accepting an invitation in the browser: the code (typed, or from the link the commission
sent), a username and a password; every problem beside its field, nothing written until all
is right, then the person is signed in on their account's pages."""

from __future__ import annotations

import re

from tests.support.factories import ApiClient
from tests.support.people import PASSWORD, invite, new_person
from tests.support.web import Browser

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')


def _people(api: ApiClient, account_id: str) -> list[str]:
    listed = api.client.get("/v1/users", params={"limit": 100}, headers=api.admin).json()
    return [person["username"] for person in listed["items"] if person["account_id"] == account_id]


def test_an_invited_person_joins_from_the_page_and_is_signed_in(api: ApiClient) -> None:
    account = api.create_account("investor", name="浦东天使基金")
    code = invite(api, account, name="王芳")
    browser = Browser(api.client)
    assert 'href="/invitation"' in browser.get("/sign-in").text
    opened = browser.get("/invitation", code=code)
    assert f'value="{code}"' in opened.text  # the link fills the code in
    assert "王芳，您受邀加入“浦东天使基金”。" in opened.text
    unknown = browser.get("/invitation", code="mi_not-a-code").text
    assert "您受邀加入" not in unknown
    # A code that cannot work is said as the page opens, not after the form is filled in.
    assert dict(FIELD_ERROR.findall(unknown))["code"].startswith("该邀请码无效、已过期")
    assert "未保存任何内容" not in unknown  # nothing was sent
    assert FIELD_ERROR.search(browser.get("/invitation").text) is None  # no code, no warning

    good = {"code": code, "name": "", "username": "wang.fang", "password": PASSWORD}
    mistakes = browser.post(
        "/invitation",
        {**good, "username": "w", "password": "short", "password_again": "shorter"},
    )
    assert mistakes.status_code == 422
    assert dict(FIELD_ERROR.findall(mistakes.text)) == {
        "username": "该用户名不符合上面的规则。",
        "password": "密码至少需要 12 个字符。",
        "password_again": "两次输入的密码不一致。",
    }
    assert 'value="w"' in mistakes.text  # what was typed is kept, never the password
    assert "王芳，您受邀加入“浦东天使基金”。" in mistakes.text  # still saying what they join
    assert "short" not in mistakes.text
    common = browser.post(
        "/invitation", {**good, "password": "password1234", "password_again": "password1234"}
    )
    assert dict(FIELD_ERROR.findall(common.text)) == {"password": "这是常见密码，请换一个。"}
    run = browser.post(
        "/invitation", {**good, "password": "123456789012", "password_again": "123456789012"}
    )
    assert dict(FIELD_ERROR.findall(run.text)) == {
        "password": "密码过于规律（重复，或如 123456、abcdef 的连续字符），请换一个。"
    }
    dressed = browser.post(
        "/invitation", {**good, "password": "sunshine2026!", "password_again": "sunshine2026!"}
    )
    assert dict(FIELD_ERROR.findall(dressed.text)) == {
        "password": "该密码是常见密码加上数字或符号（如 password2026），请换一个。"
    }
    named = browser.post(
        "/invitation", {**good, "password": "wang.fang 2026!", "password_again": "wang.fang 2026!"}
    )
    assert dict(FIELD_ERROR.findall(named.text)) == {"password": "密码中不能包含用户名。"}
    wrong_code = browser.post(
        "/invitation", {**good, "code": "mi_not-a-code", "password_again": PASSWORD}
    )
    assert wrong_code.status_code == 422
    assert dict(FIELD_ERROR.findall(wrong_code.text))["code"].startswith("该邀请码无效、已过期")
    assert _people(api, account.id) == []  # nothing written
    empty = browser.post("/invitation", {**good, "username": "", "password_again": PASSWORD})
    assert dict(FIELD_ERROR.findall(empty.text)) == {"username": "此项为必填。"}

    taken = new_person(api, api.create_account("startup"), signed_in=False).username
    clash = browser.post("/invitation", {**good, "username": taken, "password_again": PASSWORD})
    assert dict(FIELD_ERROR.findall(clash.text)) == {"username": "该用户名已被占用，请换一个。"}
    assert _people(api, account.id) == []  # the code is not used up by a refusal

    joined = browser.post("/invitation", {**good, "password_again": PASSWORD})
    assert joined.status_code == 303, joined.text
    assert joined.headers["location"] == "/investor?welcome=1"
    home = browser.follow(joined)
    assert home.status_code == 200
    assert "王芳" in home.text  # signed in, under the name invited with
    assert "欢迎您，王芳：您已加入“浦东天使基金”。" in home.text
    assert "欢迎您" not in browser.get("/investor").text  # once, on arriving
    assert _people(api, account.id) == ["wang.fang"]

    assert "您受邀加入" not in Browser(api.client).get("/invitation", code=code).text  # used
    again = Browser(api.client).post(
        "/invitation", {**good, "username": "wang.fang2", "password_again": PASSWORD}
    )
    assert dict(FIELD_ERROR.findall(again.text))["code"].startswith("该邀请码无效、已过期")
