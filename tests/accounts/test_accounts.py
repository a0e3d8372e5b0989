"""Accounts and API keys: POST/GET /v1/accounts and GET /v1/me over HTTP."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Account, ApiKey, AuditRecord, Base
from tests.support.factories import ApiClient, bearer

PROBLEM = "application/problem+json"


def count_rows(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def audit_ids(session: Session) -> set[str]:
    return set(session.scalars(select(AuditRecord.id)))


def appended_audit(session: Session, before: set[str]) -> list[AuditRecord]:
    return [record for record in session.scalars(select(AuditRecord)) if record.id not in before]


def test_create_account_returns_a_key_once_that_authenticates(api: ApiClient) -> None:
    response = api.client.post(
        "/v1/accounts", json={"role": "investor", "name": "Sequoia Capital"}, headers=api.admin
    )

    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["role"] == "investor"
    assert body["name"] == "Sequoia Capital"
    assert body["api_key"].startswith("mk_")
    assert len(body["api_key"]) >= 40
    me = api.client.get("/v1/me", headers=bearer(body["api_key"]))
    assert me.status_code == 200, me.text
    assert me.json() == {"account_id": body["id"], "role": "investor", "name": "Sequoia Capital"}


def test_each_account_gets_its_own_key(api: ApiClient) -> None:
    first = api.create_account("startup", "Stepfun")
    second = api.create_account("startup", "MiniMax")

    assert first.api_key != second.api_key
    assert api.client.get("/v1/me", headers=first.headers).json()["account_id"] == first.id
    assert api.client.get("/v1/me", headers=second.headers).json()["account_id"] == second.id


def test_only_the_hash_of_the_key_is_stored(api: ApiClient, db_session: Session) -> None:
    account = api.create_account("investor")

    stored = db_session.scalars(select(ApiKey).where(ApiKey.account_id == account.id)).one()
    assert stored.user_id is None
    assert stored.name == "account key"
    assert stored.key_hash != account.api_key
    assert len(stored.key_hash) == 64
    assert stored.key_hash == hashlib.sha256(account.api_key.encode()).hexdigest()
    assert stored.prefix == account.api_key[:10]
    for record in db_session.scalars(select(AuditRecord)):
        assert account.api_key not in str(record.changes)


def test_list_accounts_never_shows_keys(api: ApiClient) -> None:
    created = api.create_account("startup", "Cixtech")

    response = api.client.get("/v1/accounts", headers=api.admin)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    listed = [item for item in body["items"] if item["id"] == created.id]
    assert listed == [
        {
            "id": created.id,
            "role": "startup",
            "name": "Cixtech",
            "created_at": listed[0]["created_at"],
        }
    ]
    assert created.api_key not in response.text
    assert "key_hash" not in response.text


def test_list_accounts_filters_by_role(api: ApiClient) -> None:
    investor = api.create_account("investor")
    startup = api.create_account("startup")

    response = api.client.get("/v1/accounts", params={"role": "startup"}, headers=api.admin)

    assert response.status_code == 200, response.text
    ids = [item["id"] for item in response.json()["items"]]
    assert startup.id in ids
    assert investor.id not in ids
    assert {item["role"] for item in response.json()["items"]} == {"startup"}


def test_list_accounts_pages_newest_first(api: ApiClient) -> None:
    created = [api.create_account("startup", f"startup {n}").id for n in range(7)]

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(3):
        params: dict[str, str | int] = {"role": "startup", "limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        page = api.client.get("/v1/accounts", params=params, headers=api.admin).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == list(reversed(created))
    assert cursor is None


def test_me_for_the_bootstrap_admin_key(api: ApiClient) -> None:
    response = api.client.get("/v1/me", headers=api.admin)

    assert response.status_code == 200
    assert response.json()["account_id"] is None
    assert response.json()["role"] == "commission"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("mk_" + "x" * 43),
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
    ids=["no-header", "unknown-key", "basic-scheme", "empty-bearer"],
)
def test_missing_or_bad_key_is_401(api: ApiClient, headers: dict[str, str]) -> None:
    response = api.client.get("/v1/me", headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("role", ["investor", "startup"])
def test_only_the_commission_manages_accounts(
    api: ApiClient, db_session: Session, role: str
) -> None:
    caller = api.create_account(role)
    accounts_before = count_rows(db_session, Account)
    audit_before = count_rows(db_session, AuditRecord)

    create = api.client.post(
        "/v1/accounts", json={"role": "commission", "name": "me"}, headers=caller.headers
    )
    listing = api.client.get("/v1/accounts", headers=caller.headers)

    assert create.status_code == 403
    assert create.headers["content-type"] == PROBLEM
    assert listing.status_code == 403
    assert count_rows(db_session, Account) == accounts_before
    assert count_rows(db_session, AuditRecord) == audit_before


def test_commission_account_key_creates_accounts_and_is_the_audited_actor(
    api: ApiClient, db_session: Session
) -> None:
    commission = api.create_account("commission", "Pudong commission")
    before = audit_ids(db_session)

    response = api.client.post(
        "/v1/accounts", json={"role": "investor", "name": "Blackstone"}, headers=commission.headers
    )

    assert response.status_code == 201, response.text
    [record] = appended_audit(db_session, before)
    assert record.action == "account.create"
    assert record.object_type == "account"
    assert record.object_id == response.json()["id"]
    assert record.actor_account_id == commission.id
    assert record.actor_role == "commission"
    assert record.request_id == response.headers["x-request-id"]


def test_bootstrap_key_account_create_is_audited_without_an_actor_id(
    api: ApiClient, db_session: Session
) -> None:
    before = audit_ids(db_session)

    account = api.create_account("startup", "QBoson")

    [record] = appended_audit(db_session, before)
    assert record.action == "account.create"
    assert record.object_id == account.id
    assert record.actor_account_id is None
    assert record.actor_role == "commission"


def test_unauthenticated_account_create_writes_nothing(api: ApiClient, db_session: Session) -> None:
    accounts_before = count_rows(db_session, Account)
    audit_before = count_rows(db_session, AuditRecord)

    response = api.client.post("/v1/accounts", json={"role": "investor", "name": "Nobody"})

    assert response.status_code == 401
    assert count_rows(db_session, Account) == accounts_before
    assert count_rows(db_session, AuditRecord) == audit_before
