"""API keys of users and of accounts: listing without secrets, making one (shown once),
revoking (who may; another account's key is a 404), and the last use to the minute."""

from __future__ import annotations

import datetime as dt
import hashlib

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiKey, AuditRecord
from service.http.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from tests.support.factories import ApiClient, bearer
from tests.support.people import Clock, new_person


def make_key(api: ApiClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    response = api.client.post("/v1/api-keys", json={"name": "script", **body}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_a_user_makes_a_key_of_their_own_shown_once(api: ApiClient, db_session: Session) -> None:
    account = api.create_account("investor")
    person = new_person(api, account)

    created = make_key(api, person.headers, name="CRM export")
    api_key = str(created["api_key"])
    me = api.client.get("/v1/sessions/current", headers=bearer(api_key))

    assert created["user_id"] == person.id
    assert created["user_name"] == person.username
    assert created["prefix"] == api_key[:10]
    assert api_key.startswith("mk_")
    stored = db_session.get(ApiKey, str(created["id"]))
    assert stored is not None
    assert stored.key_hash == hashlib.sha256(api_key.encode()).hexdigest()
    assert me.status_code == 200
    assert me.json()["user"]["id"] == person.id  # the key acts as its user
    assert me.json()["via"] == "api_key"


def test_keys_are_listed_without_secrets_own_account_only(api: ApiClient) -> None:
    mine, theirs = api.create_account("startup"), api.create_account("startup")
    person = new_person(api, mine)
    key = make_key(api, person.headers)
    make_key(api, theirs.headers)

    listed = api.client.get("/v1/api-keys", headers=person.headers)
    everyone = api.client.get("/v1/api-keys?limit=100", headers=api.admin)

    items = listed.json()["items"]
    assert {item["account_id"] for item in items} == {mine.id}
    assert len(items) == 2  # the account key and the person's
    assert set(items[0]) == {
        "id",
        "name",
        "prefix",
        "account_id",
        "user_id",
        "user_name",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    assert str(key["api_key"]) not in listed.text
    assert mine.api_key not in listed.text
    assert hashlib.sha256(mine.api_key.encode()).hexdigest() not in listed.text
    assert {item["account_id"] for item in everyone.json()["items"]} >= {mine.id, theirs.id}


def test_account_keys_need_the_accounts_admin(api: ApiClient) -> None:
    account = api.create_account("investor")
    admin, member = new_person(api, account, admin=True), new_person(api, account)

    by_admin = make_key(api, admin.headers, account_key=True)
    by_member = api.client.post(
        "/v1/api-keys", json={"name": "x", "account_key": True}, headers=member.headers
    )
    by_account_key = make_key(api, account.headers)
    elsewhere = api.client.post(
        "/v1/api-keys",
        json={"name": "x", "account_id": api.create_account("investor").id},
        headers=admin.headers,
    )
    by_commission = make_key(api, api.admin, account_id=account.id)

    assert by_admin["user_id"] is None
    assert by_member.status_code == 403
    assert by_account_key["user_id"] is None
    assert elsewhere.status_code == 422
    assert by_commission["account_id"] == account.id
    assert by_commission["user_id"] is None


def test_revocation_who_may_and_the_key_stops_working(api: ApiClient) -> None:
    account, other = api.create_account("startup"), api.create_account("startup")
    admin, owner, colleague = (
        new_person(api, account, admin=True),
        new_person(api, account),
        new_person(api, account),
    )
    owners_key, admins_key, third_key = (
        make_key(api, owner.headers),
        make_key(api, owner.headers),
        make_key(api, owner.headers),
    )

    by_colleague = api.client.delete(f"/v1/api-keys/{owners_key['id']}", headers=colleague.headers)
    by_other_account = api.client.delete(f"/v1/api-keys/{owners_key['id']}", headers=other.headers)
    by_owner = api.client.delete(f"/v1/api-keys/{owners_key['id']}", headers=owner.headers)
    by_admin = api.client.delete(f"/v1/api-keys/{admins_key['id']}", headers=admin.headers)
    by_commission = api.client.delete(f"/v1/api-keys/{third_key['id']}", headers=api.admin)
    twice = api.client.delete(f"/v1/api-keys/{third_key['id']}", headers=api.admin)
    missing = api.client.delete("/v1/api-keys/no-such-key", headers=api.admin)

    assert by_colleague.status_code == 403
    assert by_other_account.status_code == 404
    assert (by_owner.status_code, by_admin.status_code, by_commission.status_code) == (
        204,
        204,
        204,
    )
    assert twice.status_code == 204
    assert missing.status_code == 404
    for key in (owners_key, admins_key, third_key):
        refused = api.client.get("/v1/me", headers=bearer(str(key["api_key"])))
        assert refused.status_code == 401
    listed = api.client.get("/v1/api-keys", headers=owner.headers).json()["items"]
    assert all(item["revoked_at"] for item in listed if item["user_id"] == owner.id)


def test_revocations_are_audited_with_the_user(api: ApiClient, db_session: Session) -> None:
    account = api.create_account("startup")
    person = new_person(api, account)
    key = make_key(api, person.headers)

    api.client.delete(
        f"/v1/api-keys/{key['id']}", headers={**person.headers, "X-Request-ID": "revoke-1"}
    )

    records = db_session.scalars(
        select(AuditRecord).where(AuditRecord.object_id == key["id"])
    ).all()
    assert sorted((r.action, r.actor_user_id, r.client_request_id) for r in records) == [
        ("api_key.create", person.id, None),
        ("api_key.revoke", person.id, "revoke-1"),
    ]


def test_last_use_moves_at_most_once_a_minute(
    app: FastAPI, api: ApiClient, db_session: Session
) -> None:
    clock = Clock().install(app)
    account = api.create_account("investor")
    [key] = db_session.scalars(select(ApiKey).where(ApiKey.account_id == account.id)).all()
    assert key.last_used_at is None

    def last_used() -> dt.datetime | None:
        db_session.expire_all()
        stored = db_session.get(ApiKey, key.id)
        assert stored is not None
        return stored.last_used_at

    started = clock.now
    api.client.get("/v1/me", headers=account.headers)
    first = last_used()
    clock.advance(seconds=30)
    api.client.get("/v1/me", headers=account.headers)
    unchanged = last_used()
    clock.advance(seconds=31)
    api.client.get("/v1/me", headers=account.headers)
    moved = last_used()

    assert first == started
    assert unchanged == started
    assert moved == clock.now


def test_a_replayed_key_creation_shows_no_key(api: ApiClient) -> None:
    account = api.create_account("startup")
    headers = {**account.headers, IDEMPOTENCY_HEADER: "new-key-000001"}
    first = api.client.post("/v1/api-keys", json={"name": "ci"}, headers=headers)
    replay = api.client.post("/v1/api-keys", json={"name": "ci"}, headers=headers)

    assert first.json()["api_key"]
    assert replay.headers[REPLAYED_HEADER] == "true"
    assert replay.json()["api_key"] is None
