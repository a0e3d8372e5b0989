"""Webhook endpoints over HTTP and the outbox behind them: registering (addresses checked),
events written with their changes, delivered signed (verified with the Standard Webhooks
library), retried with back-off, logged, and endpoints disabled after repeated failures."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from collections.abc import Iterator
from functools import partial
from ipaddress import ip_address
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook, WebhookVerificationError

from models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from service.core.settings import get_settings
from service.webhooks import addresses
from service.webhooks.delivery import DeliveryPolicy, Leased, deliver_due
from tests.support.factories import Account, ApiClient
from tests.webhooks.receiver import receiving

ENDPOINTS = "/v1/webhook-endpoints"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def register(
    api: ApiClient, owner: Account, url: str, event_types: list[str], **extra: Any
) -> httpx.Response:
    body = {"url": url, "event_types": event_types, "secret": new_secret(), **extra}
    response: httpx.Response = api.client.post(ENDPOINTS, json=body, headers=owner.headers)
    return response


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """The worker's sessions, inside the test's transaction."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as http:
        yield http


def policy(**overrides: Any) -> DeliveryPolicy:
    values: dict[str, Any] = {"first_backoff": dt.timedelta(seconds=30), **overrides}
    return DeliveryPolicy(**values)


def publish_one(api: ApiClient, startup: Account, title: str = "webhook request") -> str:
    request_id: str = api.create_request(startup, title=title)["id"]
    api.publish(request_id)
    return request_id


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://10.0.0.8/hooks", "address_refused"),
        ("https://192.168.1.20/hooks", "address_refused"),
        ("https://172.16.5.4/hooks", "address_refused"),
        ("https://169.254.169.254/latest/meta-data", "address_refused"),
        ("https://[fe80::1]/hooks", "address_refused"),
        ("https://[fd00::1]/hooks", "address_refused"),
        ("https://[::ffff:10.0.0.1]/hooks", "address_refused"),
        ("https://100.64.0.1/hooks", "address_refused"),
        ("http://93.184.216.34/hooks", "https_required"),
        ("ftp://93.184.216.34/hooks", "invalid_url"),
        ("https://user:pw@93.184.216.34/hooks", "invalid_url"),
        ("https://no-such-host.invalid/hooks", "unresolvable"),
    ],
)
def test_a_private_or_unfit_address_is_refused_beside_the_url(
    api: ApiClient, url: str, code: str
) -> None:
    investor = api.create_account("investor")
    response = register(api, investor, url, ["meeting.requested"])
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("url", code)]
    listed = api.client.get(ENDPOINTS, headers=investor.headers).json()
    assert listed["items"] == []


def test_a_host_resolving_to_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public, private = (
        ip_address("93.184.216.34"),
        ip_address("10.1.2.3"),
    )
    monkeypatch.setattr(addresses, "resolve", lambda host, port: (public, private))
    with pytest.raises(addresses.RefusedUrl) as refused:
        addresses.check_destination("https://hooks.example.com/in")
    assert refused.value.code == "address_refused"
    assert "10.1.2.3" in refused.value.message


def test_loopback_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addresses, "loopback_allowed", lambda: False)
    for url in ("https://127.0.0.1/hooks", "https://localhost/hooks", "http://[::1]:8080/"):
        with pytest.raises(addresses.RefusedUrl) as refused:
            addresses.check_destination(url)
        assert refused.value.code == "address_refused", url
    assert get_settings().environment == "test"


def test_register_list_read_and_the_secret_never_shown(api: ApiClient) -> None:
    investor = api.create_account("investor")
    created = register(
        api,
        investor,
        "https://127.0.0.1:9443/in",
        ["match.created", "meeting.requested", "match.created"],
        min_score=0.55,
        description="CRM",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["event_types"] == ["match.created", "meeting.requested"]
    assert body["enabled"] is True
    assert body["min_score"] == 0.55
    assert "secret" not in body
    one = api.client.get(f"{ENDPOINTS}/{body['id']}", headers=investor.headers)
    assert one.status_code == 200
    assert one.json() == body
    listed = api.client.get(ENDPOINTS, headers=investor.headers).json()["items"]
    assert [e["id"] for e in listed] == [body["id"]]


def test_a_bad_secret_or_no_event_is_refused(api: ApiClient) -> None:
    investor = api.create_account("investor")
    for body, field in (
        (
            {"url": "https://127.0.0.1/", "event_types": ["outcome.step"], "secret": "short"},
            "secret",
        ),
        (
            {"url": "https://127.0.0.1/", "event_types": ["outcome.step"], "secret": "whsec_!!"},
            "secret",
        ),
        ({"url": "https://127.0.0.1/", "event_types": [], "secret": new_secret()}, "event_types"),
        (
            {"url": "https://127.0.0.1/", "event_types": ["nope"], "secret": new_secret()},
            "event_types",
        ),
    ):
        response = api.client.post(ENDPOINTS, json=body, headers=investor.headers)
        assert response.status_code == 422, response.text
        assert {e["field"].split(".")[0] for e in response.json()["errors"]} == {field}


def test_another_accounts_endpoint_is_a_404_to_everyone_else(api: ApiClient) -> None:
    mine, theirs = api.create_account("investor"), api.create_account("investor")
    endpoint_id = register(api, mine, "https://127.0.0.1/", ["outcome.step"]).json()["id"]
    commission = api.create_account("commission")
    for caller in (theirs.headers, commission.headers, api.admin):
        for method, path in (
            ("GET", f"{ENDPOINTS}/{endpoint_id}"),
            ("GET", f"{ENDPOINTS}/{endpoint_id}/deliveries"),
            ("POST", f"{ENDPOINTS}/{endpoint_id}/enable"),
            ("DELETE", f"{ENDPOINTS}/{endpoint_id}"),
        ):
            assert api.client.request(method, path, headers=caller).status_code == 404
        assert api.client.get(ENDPOINTS, headers=caller).json()["items"] == []
    assert api.client.get(f"{ENDPOINTS}/{endpoint_id}", headers=mine.headers).status_code == 200


def test_a_review_writes_its_event_in_the_same_transaction_and_it_arrives_signed(
    api: ApiClient, factory: sessionmaker[Session], http: httpx.Client, db_session: Session
) -> None:
    startup = api.create_account("startup")
    secret = new_secret()
    with receiving() as receiver:
        created = api.client.post(
            ENDPOINTS,
            json={
                "url": receiver.url,
                "event_types": ["financing_request.reviewed"],
                "secret": secret,
            },
            headers=startup.headers,
        )
        assert created.status_code == 201, created.text
        request_id = publish_one(api, startup)
        # The outbox has the event and one delivery before any worker ran.
        delivery = db_session.scalars(select(WebhookDelivery)).one()
        assert delivery.status is DeliveryStatus.PENDING
        assert deliver_due(factory, http, policy()) == 1
        [got] = receiver.received
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "financing_request.reviewed"
    assert payload["data"]["financing_request_id"] == request_id
    assert payload["data"]["status"] == "published"
    assert got.headers["webhook-id"] == payload["id"] == delivery.event_id
    assert got.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(got.body, got.headers)
    tampered = got.body.replace(b"published", b"rejected!")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, got.headers)
    log = api.client.get(
        f"{ENDPOINTS}/{created.json()['id']}/deliveries", headers=startup.headers
    ).json()["items"]
    assert [(d["status"], d["attempts"], d["event_id"]) for d in log] == [
        ("delivered", 1, got.headers["webhook-id"])
    ]
    assert log[0]["attempt_log"][0]["status_code"] == 204
    assert log[0]["payload"] == json.loads(got.body)


def test_nothing_is_written_for_accounts_without_endpoints_and_a_failed_change_writes_none(
    api: ApiClient, db_session: Session
) -> None:
    startup = api.create_account("startup")
    publish_one(api, startup)
    assert db_session.scalars(select(WebhookEvent)).all() == []
    register(api, startup, "https://127.0.0.1/", ["financing_request.reviewed"])
    request_id = api.create_request(startup)["id"]
    # A rejection without a note fails: no event.
    assert api.review(request_id, "reject").status_code == 422
    assert db_session.scalars(select(WebhookEvent)).all() == []


def test_failures_back_off_exponentially_and_disable_the_endpoint_saying_why(
    api: ApiClient, factory: sessionmaker[Session], http: httpx.Client, db_session: Session
) -> None:
    startup = api.create_account("startup")
    with receiving(status=500) as receiver:
        endpoint_id = register(api, startup, receiver.url, ["financing_request.reviewed"]).json()[
            "id"
        ]
        publish_one(api, startup)
        start = dt.datetime.now(dt.UTC)
        moments = [start + dt.timedelta(seconds=s) for s in (0, 31, 92, 213)]
        waits = []
        for moment in moments:
            assert (
                deliver_due(
                    factory, http, policy(disable_after=4), now=partial(lambda m: m, moment)
                )
                == 1
            )
            delivery = db_session.scalars(select(WebhookDelivery)).one()
            db_session.refresh(delivery)
            waits.append((delivery.next_attempt_at - moment).total_seconds())
        assert len(receiver.received) == 4
        assert len(set(receiver.ids())) == 1  # every retry carries the same webhook-id
    assert waits[:3] == [30, 60, 120]
    endpoint = api.client.get(f"{ENDPOINTS}/{endpoint_id}", headers=startup.headers).json()
    assert endpoint["enabled"] is False
    assert endpoint["disabled_reason"].startswith("Disabled after 4 failed attempts in a row")
    assert "HTTP 500" in endpoint["disabled_reason"]
    # A disabled endpoint is not sent to; enabling it resumes the delivery.
    assert deliver_due(factory, http, policy(), now=lambda: start + dt.timedelta(hours=1)) == 0
    enabled = api.client.post(f"{ENDPOINTS}/{endpoint_id}/enable", headers=startup.headers)
    assert enabled.status_code == 200
    assert enabled.json()["enabled"] is True
    log = api.client.get(f"{ENDPOINTS}/{endpoint_id}/deliveries", headers=startup.headers).json()[
        "items"
    ]
    assert [a["error"] for a in log[0]["attempt_log"]] == ["HTTP 500"] * 4


def test_a_burst_of_events_to_a_failing_endpoint_is_one_failure_per_pass(
    api: ApiClient, factory: sessionmaker[Session], http: httpx.Client, db_session: Session
) -> None:
    """Twenty events queued during a short outage: the pass tries one, gives the other
    nineteen back untried, and the endpoint stays enabled with one failure counted."""
    startup = api.create_account("startup")
    with receiving(status=503) as receiver:
        endpoint_id = register(api, startup, receiver.url, ["financing_request.reviewed"]).json()[
            "id"
        ]
        for number in range(20):
            publish_one(api, startup, title=f"burst {number}")
        start = dt.datetime.now(dt.UTC)
        tried = deliver_due(factory, http, policy(disable_after=3), now=lambda: start)
        assert tried == 1
        assert len(receiver.received) == 1
    endpoint = api.client.get(f"{ENDPOINTS}/{endpoint_id}", headers=startup.headers).json()
    assert endpoint["enabled"] is True
    db_session.expire_all()
    deliveries = db_session.scalars(select(WebhookDelivery)).all()
    assert len(deliveries) == 20
    assert all(d.status == DeliveryStatus.PENDING and d.leased_until is None for d in deliveries)
    assert sorted(d.attempts for d in deliveries) == [0] * 19 + [1]
    assert all(d.next_attempt_at >= start + dt.timedelta(seconds=30) for d in deliveries)


def test_a_delivery_is_given_up_after_24_hours(
    api: ApiClient, factory: sessionmaker[Session], http: httpx.Client, db_session: Session
) -> None:
    startup = api.create_account("startup")
    with receiving(status=503) as receiver:
        register(api, startup, receiver.url, ["financing_request.reviewed"])
        publish_one(api, startup)
        late = dt.datetime.now(dt.UTC) + dt.timedelta(hours=23, minutes=59, seconds=45)
        assert deliver_due(factory, http, policy(), now=lambda: late) == 1
    delivery = db_session.scalars(select(WebhookDelivery)).one()
    db_session.refresh(delivery)
    assert delivery.status is DeliveryStatus.FAILED
    assert "given up after 1 attempts in 24 hours" in (delivery.last_error or "")


def test_the_address_is_checked_again_at_delivery(
    api: ApiClient,
    factory: sessionmaker[Session],
    http: httpx.Client,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    startup = api.create_account("startup")
    with receiving() as receiver:
        register(api, startup, receiver.url, ["financing_request.reviewed"])
        publish_one(api, startup)
        # The host now resolves to a private address (a rebinding DNS, say).
        private = ip_address("10.9.8.7")
        monkeypatch.setattr(addresses, "resolve", lambda host, port: (private,))
        assert deliver_due(factory, http, policy()) == 1
        assert receiver.received == []
    delivery = db_session.scalars(select(WebhookDelivery)).one()
    db_session.refresh(delivery)
    assert delivery.status is DeliveryStatus.PENDING
    assert (delivery.last_error or "").startswith(
        "refused: The host 127.0.0.1 resolves to 10.9.8.7"
    )


def test_deleting_an_endpoint_takes_its_deliveries(api: ApiClient, db_session: Session) -> None:
    startup = api.create_account("startup")
    endpoint_id = register(
        api, startup, "https://127.0.0.1/", ["financing_request.reviewed"]
    ).json()["id"]
    publish_one(api, startup)
    assert len(db_session.scalars(select(WebhookDelivery)).all()) == 1
    path = f"{ENDPOINTS}/{endpoint_id}"
    assert api.client.delete(path, headers=startup.headers).status_code == 428
    deleted = api.delete(path, headers=startup.headers)
    assert deleted.status_code == 204
    assert db_session.scalars(select(WebhookDelivery)).all() == []
    assert db_session.get(WebhookEndpoint, endpoint_id) is None


def test_a_delivery_still_pending_after_24_hours_is_given_up_unsent(
    api: ApiClient, factory: sessionmaker[Session], http: httpx.Client, db_session: Session
) -> None:
    """An endpoint disabled for a day (or a worker down that long): its deliveries are given
    up, never sent late."""
    startup = api.create_account("startup")
    with receiving() as receiver:
        register(api, startup, receiver.url, ["financing_request.reviewed"])
        publish_one(api, startup)
        a_day_later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, seconds=1)
        assert deliver_due(factory, http, policy(), now=lambda: a_day_later) == 0
        assert receiver.received == []
    delivery = db_session.scalars(select(WebhookDelivery)).one()
    db_session.refresh(delivery)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error == "given up: not delivered within 24 hours"


def test_an_endpoint_is_changed_with_if_match_and_a_new_url_is_checked(
    api: ApiClient, db_session: Session
) -> None:
    """PATCH changes only what it is given, needs the ETag read (428 without, 412 when stale),
    checks a new URL as at registration (nothing written when refused) and is audited
    without the secret."""
    investor = api.create_account("investor")
    created = register(api, investor, "https://127.0.0.1:9443/in", ["meeting.requested"])
    assert created.headers["etag"] == '"1"'
    path = f"{ENDPOINTS}/{created.json()['id']}"
    change = {"description": "CRM v2", "min_score": 0.7}
    assert api.client.patch(path, json=change, headers=investor.headers).status_code == 428
    changed = api.client.patch(path, json=change, headers={**investor.headers, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    body = changed.json()
    assert (body["description"], body["min_score"], body["revision"]) == ("CRM v2", 0.7, 2)
    assert body["url"] == "https://127.0.0.1:9443/in"  # not given, kept
    assert body["event_types"] == ["meeting.requested"]
    assert "secret" not in body
    stale = api.client.patch(
        path, json={"description": "x"}, headers={**investor.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"2"'

    refused = api.patch(path, json={"url": "https://10.0.0.8/hooks"}, headers=investor.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "url"
    assert api.client.get(path, headers=investor.headers).json()["url"] == (
        "https://127.0.0.1:9443/in"
    )
    for field in ("event_types", "url", "secret", "min_score"):
        nulled = api.patch(path, json={field: None}, headers=investor.headers)
        assert nulled.status_code == 422, field
    cleared = api.patch(path, json={"description": None}, headers=investor.headers)
    assert cleared.json()["description"] is None
    unchanged = api.patch(path, json={"min_score": 0.7}, headers=investor.headers)
    assert unchanged.json()["revision"] == 3  # nothing new: no new revision

    first_secret = db_session.get(WebhookEndpoint, created.json()["id"])
    assert first_secret is not None
    same = api.patch(path, json={"secret": first_secret.secret}, headers=investor.headers)
    assert (same.json()["revision"], same.json()["previous_secret_until"]) == (3, None)
    rotated = api.patch(path, json={"secret": new_secret()}, headers=investor.headers)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["previous_secret_until"] is not None
    assert rotated.json()["revision"] == 4
    # One rotation at a time: a second would retire the first one's old secret at once.
    again = api.patch(path, json={"secret": new_secret()}, headers=investor.headers)
    assert again.status_code == 409
    assert "under way" in again.json()["detail"]
    stale_delete = api.client.delete(path, headers={**investor.headers, "If-Match": '"3"'})
    assert stale_delete.status_code == 412
    audit = api.client.get(
        "/v1/audit", params={"object_id": created.json()["id"]}, headers=api.admin
    )
    assert audit.status_code == 200, audit.text
    text = audit.text
    assert "webhook_endpoint.update" in text
    assert "rotated" in text
    stored = db_session.get(WebhookEndpoint, created.json()["id"])
    assert stored is not None
    db_session.refresh(stored)
    assert stored.previous_secret is not None
    assert stored.secret not in text
    assert stored.previous_secret not in text


def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(
    api: ApiClient, factory: sessionmaker[Session], http: httpx.Client, db_session: Session
) -> None:
    """After a rotation each delivery verifies with the old secret and with the new one (two
    signatures in one header); once the overlap ends, with the new one only."""
    startup = api.create_account("startup")
    old_secret, new = new_secret(), new_secret()
    with receiving() as receiver:
        created = api.client.post(
            ENDPOINTS,
            json={
                "url": receiver.url,
                "event_types": ["financing_request.reviewed"],
                "secret": old_secret,
            },
            headers=startup.headers,
        )
        path = f"{ENDPOINTS}/{created.json()['id']}"
        rotated = api.patch(path, json={"secret": new}, headers=startup.headers)
        assert rotated.status_code == 200, rotated.text
        until = dt.datetime.fromisoformat(rotated.json()["previous_secret_until"])
        assert dt.timedelta(hours=23) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24)
        publish_one(api, startup, "during the overlap")
        assert deliver_due(factory, http, policy()) == 1
        # The day passes (a delivery pending that long would be given up: move the overlap's
        # end instead of the clock).
        stored = db_session.get(WebhookEndpoint, created.json()["id"])
        assert stored is not None
        stored.previous_secret_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db_session.flush()
        publish_one(api, startup, "after the overlap")
        assert deliver_due(factory, http, policy()) == 1
        during, later = receiver.received
    db_session.refresh(stored)
    assert stored.previous_secret is None  # retired once its overlap ended: not kept
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old_secret, new):
        assert Webhook(secret).verify(during.body, during.headers)["data"]["status"] == (
            "published"
        )
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(later.body, later.headers)["type"] == "financing_request.reviewed"
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(later.body, later.headers)


def test_the_previous_secret_signs_only_until_the_moment_its_overlap_ends() -> None:
    """Decided when a message is signed, not when its delivery was leased (a batch can take
    minutes to send)."""
    until = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    leased = Leased("d", "msg_1", "{}", "https://x/", "new", "e", "old", until)
    second = dt.timedelta(seconds=1)
    assert leased.secrets_at(until - second) == ("new", "old")
    assert leased.secrets_at(until) == ("new", None)
    assert leased.secrets_at(until + second) == ("new", None)
    no_rotation = Leased("d", "msg_1", "{}", "https://x/", "new", "e")
    assert no_rotation.secrets_at(until) == ("new", None)
