"""The webhook endpoints page: registering (errors beside each field, in Chinese, nothing
written on error), the list, an endpoint's delivery log and its disabled state with the way
back; another account's endpoint is not found."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.orm import Session

from models import WebhookEndpoint
from tests.support.factories import Account, ApiClient
from tests.support.people import new_person
from tests.support.web import Browser

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _signed_in(api: ApiClient, role: str) -> tuple[Browser, Account]:
    account = api.create_account(role)
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, signed_in=False))
    return browser, account


def _endpoints(api: ApiClient, account: Account) -> list[str]:
    listed = api.client.get("/v1/webhook-endpoints", headers=account.headers)
    return [endpoint["url"] for endpoint in listed.json()["items"]]


def test_register_with_errors_beside_the_fields_then_see_it_listed(api: ApiClient) -> None:
    browser, account = _signed_in(api, "investor")
    page = browser.get("/webhooks")
    assert page.status_code == 200
    assert "系统对接（Webhook）" in page.text
    assert 'href="/webhooks"' in page.text  # in the navigation
    # The IT staff it speaks to find the API's reference from here, and it is there.
    assert '<a href="/docs" id="api-docs-link">API 参考文档</a>' in page.text
    assert api.client.get("/docs").status_code == 200
    assert re.search(r'name="secret" value="whsec_[A-Za-z0-9+/=]{32}"', page.text)
    # The threshold says what it applies to, and the hint is read out with the field.
    hint = "此分数只用于筛选新匹配事件；其他事件不受其限制，照常推送。"
    assert f'id="min_score-hint">{hint}<' in page.text
    assert re.search(r'id="min_score"[^>]*aria-describedby="min_score-hint"', page.text)

    bad = browser.post(
        "/webhooks",
        {"url": "https://10.0.0.8/in", "min_score": "2", "secret": "not a secret"},
    )
    assert bad.status_code == 422  # the form again, as every page shows it
    # With an error, the field is described by its hint and its error, each attribute once.
    field = re.search(r'<input id="min_score"[^>]*>', bad.text)
    assert field is not None
    assert 'aria-describedby="min_score-hint min_score-error"' in field.group(0)
    assert field.group(0).count("aria-describedby") == 1
    assert 'aria-invalid="true"' in field.group(0)
    secret = re.search(r'<input id="secret"[^>]*>', bad.text)
    assert secret is not None
    assert secret.group(0).count("aria-describedby") == 1
    assert dict(FIELD_ERROR.findall(bad.text)) == {
        "min_score": "请填写 0 到 1 之间的数，例如 0.6。",
        "secret": "请填写 whsec_ 加上 24 至 64 个随机字节的 base64 编码。",
        "event_types": "请至少选择一项。",
    }
    private = browser.post(
        "/webhooks",
        {
            "url": "https://169.254.169.254/latest",
            "min_score": "0.6",
            "secret": SECRET,
            "event_types": "meeting.requested",
        },
    )
    assert dict(FIELD_ERROR.findall(private.text)) == {
        "url": "该地址为内网、链路本地或其他非公网地址：Webhook 只发送到公网地址。"
    }
    assert 'value="https://169.254.169.254/latest"' in private.text  # kept as typed
    assert _endpoints(api, account) == []

    added = browser.post(
        "/webhooks",
        {
            "url": "https://127.0.0.1:9443/in",
            "description": "CRM",
            "min_score": "0.6",
            "secret": SECRET,
            "event_types": ["match.created", "meeting.requested"],
        },
    )
    assert added.status_code == 303
    assert _endpoints(api, account) == ["https://127.0.0.1:9443/in"]
    detail = browser.get(added.headers["location"])
    assert "启用中" in detail.text
    assert "尚未发送任何事件。" in detail.text
    assert SECRET not in detail.text
    listing = browser.get("/webhooks")
    assert "https://127.0.0.1:9443/in" in listing.text
    assert SECRET not in listing.text


def test_a_disabled_endpoint_says_why_and_can_be_enabled_again(
    api: ApiClient, db_session: Session
) -> None:
    browser, account = _signed_in(api, "startup")
    created = api.client.post(
        "/v1/webhook-endpoints",
        json={
            "url": "https://127.0.0.1:9443/in",
            "event_types": ["financing_request.reviewed"],
            "secret": SECRET,
        },
        headers=account.headers,
    ).json()
    db_session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == created["id"])
        .values(
            enabled=False,
            consecutive_failures=15,
            disabled_reason="Disabled after 15 failed attempts in a row; the last: HTTP 500",
        )
    )
    db_session.flush()
    listing = browser.get("/webhooks")
    assert "已停用" in listing.text
    assert "连续 15 次尝试失败后停用；最后一次：HTTP 500" in listing.text
    detail = browser.get(f"/webhooks/{created['id']}")
    assert 'role="alert"' in detail.text
    assert "重新启用" in detail.text
    enabled = browser.post(f"/webhooks/{created['id']}/enable", {})
    assert enabled.status_code == 303
    again = api.client.get(f"/v1/webhook-endpoints/{created['id']}", headers=account.headers)
    assert again.json()["enabled"] is True


def test_another_accounts_endpoint_is_not_found_on_the_pages(api: ApiClient) -> None:
    _, owner = _signed_in(api, "investor")
    created = api.client.post(
        "/v1/webhook-endpoints",
        json={"url": "https://127.0.0.1/", "event_types": ["outcome.step"], "secret": SECRET},
        headers=owner.headers,
    ).json()
    stranger, _ = _signed_in(api, "investor")
    assert stranger.get(f"/webhooks/{created['id']}").status_code == 404
    assert stranger.post(f"/webhooks/{created['id']}/delete", {}).status_code == 404
    assert stranger.post(f"/webhooks/{created['id']}/enable", {}).status_code == 404
    rotation = {"secret": "whsec_" + "A" * 32}
    assert stranger.post(f"/webhooks/{created['id']}/secret", rotation).status_code == 404
    assert _endpoints(api, owner) == ["https://127.0.0.1/"]
    assert Browser(api.client).get("/webhooks").status_code == 303  # signed out: sign in


def test_the_secret_is_changed_on_the_page_with_a_days_overlap(
    api: ApiClient, db_session: Session
) -> None:
    """A new secret is offered on the endpoint's page; a bad one is refused beside the field
    with nothing written; a good one signs from now on, the old beside it for a day."""
    browser, account = _signed_in(api, "investor")
    created = api.client.post(
        "/v1/webhook-endpoints",
        json={"url": "https://127.0.0.1/", "event_types": ["outcome.step"], "secret": SECRET},
        headers=account.headers,
    ).json()
    path = f"/webhooks/{created['id']}"
    page = browser.get(path)
    offered = re.search(r'name="secret" value="(whsec_[A-Za-z0-9+/=]{32})"', page.text)
    assert offered is not None
    assert offered.group(1) != SECRET

    bad = browser.post(f"{path}/secret", {"secret": "not a secret"})
    assert bad.status_code == 422
    assert dict(FIELD_ERROR.findall(bad.text)) == {
        "secret": "请填写 whsec_ 加上 24 至 64 个随机字节的 base64 编码。"
    }
    stored = db_session.get(WebhookEndpoint, created["id"])
    assert stored is not None
    db_session.refresh(stored)
    assert (stored.secret, stored.previous_secret) == (SECRET, None)

    changed = browser.post(f"{path}/secret", {"secret": offered.group(1)})
    assert changed.status_code == 303
    assert changed.headers["location"] == f"{path}?done=rotated"
    db_session.refresh(stored)
    assert (stored.secret, stored.previous_secret) == (offered.group(1), SECRET)
    shown = browser.get(path, done="rotated").text
    assert "新密钥已用于签名每一条推送" in shown
    assert "旧密钥的签名将同时附上，直至" in shown
    assert offered.group(1) not in shown  # the new secret is not shown again
    # A second change while the first's overlap runs is refused beside the field.
    second = browser.post(f"{path}/secret", {"secret": "whsec_" + "B" * 32})
    assert second.status_code == 422
    assert "请在此之后再更换密钥" in dict(FIELD_ERROR.findall(second.text))["secret"]
    db_session.refresh(stored)
    assert stored.secret == offered.group(1)


def test_the_endpoint_is_changed_on_its_page_with_errors_beside_the_fields(
    api: ApiClient,
) -> None:
    """The form shows the endpoint as it is; a private address, no event and a bad threshold
    are named beside their fields with nothing written; a good change is saved."""
    browser, account = _signed_in(api, "investor")
    created = api.client.post(
        "/v1/webhook-endpoints",
        json={
            "url": "https://127.0.0.1/",
            "event_types": ["outcome.step"],
            "secret": SECRET,
            "description": "CRM",
        },
        headers=account.headers,
    ).json()
    path = f"/webhooks/{created['id']}"
    page = browser.get(path).text
    # The delivery log's window.
    assert "每条记录在事件发生后保留 30 天（仍在重试的，保留到重试结束），之后删除。" in page
    assert 'name="url" type="url" value="https://127.0.0.1/"' in page
    assert 'name="description" value="CRM"' in page
    assert 'value="outcome.step" checked' in page

    bad = browser.post(
        f"{path}/edit", {"url": "https://10.0.0.8/hooks", "description": "", "min_score": "2"}
    )
    assert bad.status_code == 422
    assert dict(FIELD_ERROR.findall(bad.text)) == {
        "min_score": "请填写 0 到 1 之间的数，例如 0.6。",
        "event_types": "请至少选择一项。",
    }
    field = re.search(r'<input id="min_score"[^>]*>', bad.text)
    assert field is not None
    assert 'aria-describedby="min_score-hint min_score-error"' in field.group(0)
    assert 'id="min_score-hint">此分数只用于筛选新匹配事件' in bad.text
    refused = browser.post(
        f"{path}/edit",
        {"url": "https://10.0.0.8/hooks", "min_score": "0.5", "event_types": "match.created"},
    )
    assert "url" in dict(FIELD_ERROR.findall(refused.text))
    read = api.client.get(f"/v1/webhook-endpoints/{created['id']}", headers=account.headers)
    assert (read.json()["url"], read.json()["revision"]) == ("https://127.0.0.1/", 1)
    assert (read.json()["min_score"], read.json()["event_types"]) == (0.0, ["outcome.step"])

    saved = browser.post(
        f"{path}/edit",
        {
            "url": "https://127.0.0.1/v2",
            "description": "",
            "min_score": "0.5",
            "event_types": ["match.created", "outcome.step"],
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{path}?done=changed"
    read = api.client.get(f"/v1/webhook-endpoints/{created['id']}", headers=account.headers)
    body = read.json()
    assert (body["url"], body["description"], body["min_score"]) == (
        "https://127.0.0.1/v2",
        None,
        0.5,
    )
    assert body["event_types"] == ["match.created", "outcome.step"]
    assert "已保存" in browser.get(path, done="changed").text


def test_a_startup_is_offered_only_the_events_it_can_be_told_of(api: ApiClient) -> None:
    browser, account = _signed_in(api, "startup")
    page = browser.get("/webhooks").text
    # A new match is a mandate's: a startup has none, so neither the event nor its threshold.
    assert 'value="match.created"' not in page
    assert 'id="min_score"' not in page
    assert 'value="financing_request.reviewed"' in page
    registered = browser.post(
        "/webhooks",
        {
            "url": "https://127.0.0.1:9443/in",
            "secret": SECRET,
            # A hand-made form asking for it anyway gets only what the page offers.
            "event_types": ["match.created", "financing_request.reviewed"],
        },
    )
    assert registered.status_code == 303, registered.text
    listed = api.client.get("/v1/webhook-endpoints", headers=account.headers).json()["items"]
    assert [endpoint["event_types"] for endpoint in listed] == [["financing_request.reviewed"]]
    investor, _ = _signed_in(api, "investor")
    assert 'value="match.created"' in investor.get("/webhooks").text
