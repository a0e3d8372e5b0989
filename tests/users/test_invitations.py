"""Invitations: who may invite whom, the code shown once and valid 72 hours for one use,
the password rules, and who sees which users."""

from __future__ import annotations

import hashlib

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditRecord, Invitation, User
from service.http.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from tests.support.factories import ApiClient
from tests.support.people import PASSWORD, Clock, accept, invite, new_person


def problem_fields(body: dict[str, object]) -> list[tuple[str, str]]:
    errors = body.get("errors")
    assert isinstance(errors, list), body
    return [(error["field"], error["code"]) for error in errors]


def test_the_commission_invites_to_any_account_and_only_the_code_hash_is_kept(
    api: ApiClient, db_session: Session
) -> None:
    startup = api.create_account("startup", "Stepfun")
    response = api.client.post(
        "/v1/invitations",
        json={"account_id": startup.id, "name": "Li Wei", "admin": True},
        headers=api.admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    code = body["invitation_code"]
    assert code.startswith("mi_")
    assert body["account_id"] == startup.id
    assert body["admin"] is True
    stored = db_session.get(Invitation, body["id"])
    assert stored is not None
    assert stored.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert (stored.expires_at - stored.created_at).total_seconds() == 72 * 3600

    accepted = accept(api, code, username="Li.Wei")
    assert accepted.status_code == 201, accepted.text
    user = accepted.json()
    assert user["username"] == "li.wei"  # compared in lower case
    assert user["name"] == "Li Wei"
    assert user["admin"] is True
    assert user["account_id"] == startup.id
    row = db_session.get(User, user["id"])
    assert row is not None
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash


def test_an_account_admin_invites_colleagues_to_its_own_account_only(api: ApiClient) -> None:
    investor, other = api.create_account("investor"), api.create_account("investor")
    admin = new_person(api, investor, admin=True)
    colleague = new_person(api, investor)

    by_admin = api.client.post("/v1/invitations", json={}, headers=admin.headers)
    by_account_key = api.client.post("/v1/invitations", json={}, headers=investor.headers)
    by_colleague = api.client.post("/v1/invitations", json={}, headers=colleague.headers)
    elsewhere = api.client.post(
        "/v1/invitations", json={"account_id": other.id}, headers=admin.headers
    )
    by_bootstrap_key = api.client.post("/v1/invitations", json={}, headers=api.admin)

    assert by_admin.status_code == 201, by_admin.text
    assert by_admin.json()["account_id"] == investor.id
    assert by_account_key.status_code == 201, by_account_key.text
    assert by_colleague.status_code == 403
    assert elsewhere.status_code == 422
    assert problem_fields(elsewhere.json()) == [("account_id", "not_allowed")]
    assert by_bootstrap_key.status_code == 422
    assert problem_fields(by_bootstrap_key.json()) == [("account_id", "missing")]


def test_an_unknown_account_is_named(api: ApiClient) -> None:
    response = api.client.post(
        "/v1/invitations", json={"account_id": "no-such-account"}, headers=api.admin
    )
    assert response.status_code == 422
    assert problem_fields(response.json()) == [("account_id", "unknown_account")]


@pytest.mark.parametrize("admin", [0, 0.0, 1, "true", "yes", None])
def test_admin_must_be_true_or_false_not_something_like_it(api: ApiClient, admin: object) -> None:
    # 0.0 was taken as false (Pydantic's lax booleans): a client's wrong type must be named.
    response = api.client.post("/v1/invitations", json={"admin": admin}, headers=api.admin)
    assert response.status_code == 422, response.text
    assert [field for field, _ in problem_fields(response.json())] == ["admin"]


def test_an_invitation_is_used_once(api: ApiClient) -> None:
    code = invite(api, api.create_account("startup"))
    assert accept(api, code, username="first.person").status_code == 201

    again = accept(api, code, username="second.person")

    assert again.status_code == 422
    assert problem_fields(again.json()) == [("code", "invalid_invitation")]


def test_an_invitation_expires_after_72_hours(app: FastAPI, api: ApiClient) -> None:
    clock = Clock().install(app)
    account = api.create_account("investor")
    in_time, too_late = invite(api, account), invite(api, account)

    clock.advance(hours=71, minutes=59)
    assert accept(api, in_time).status_code == 201
    clock.advance(minutes=1)
    expired = accept(api, too_late)

    assert expired.status_code == 422
    assert problem_fields(expired.json()) == [("code", "invalid_invitation")]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("eleven char", "at least 12 characters"),
        ("password1234", "common passwords"),  # 12 characters, and in the list
        ("QAZWSXEDCRFV", "common passwords"),  # compared in lower case
        ("grace.hopper", "may not be the username"),
        ("123456789012", "is a pattern"),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(
    api: ApiClient, db_session: Session, password: str, reason: str
) -> None:
    code = invite(api, api.create_account("startup"))

    response = accept(api, code, username="grace.hopper", password=password)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert problem_fields(response.json()) == [("password", "weak_password")]
    assert reason in response.json()["errors"][0]["message"]
    assert db_session.scalar(select(User).where(User.username == "grace.hopper")) is None
    # The code was not used up by the refused attempt.
    assert accept(api, code, username="grace.hopper").status_code == 201


def test_passwords_keep_their_spaces(api: ApiClient) -> None:
    person = new_person(api, api.create_account("startup"), password="  spaced out password  ")
    assert person.cookie is not None
    refused = api.client.post(
        "/v1/sessions",
        json={"username": person.username, "password": "spaced out password"},
    )
    assert refused.status_code == 401


def test_a_taken_username_is_a_conflict_naming_it(api: ApiClient) -> None:
    account = api.create_account("startup")
    assert accept(api, invite(api, account), username="taken.name").status_code == 201

    response = accept(api, invite(api, account), username="Taken.Name")

    assert response.status_code == 409
    assert problem_fields(response.json()) == [("username", "username_taken")]


def test_invitations_and_new_users_are_audited(api: ApiClient, db_session: Session) -> None:
    account = api.create_account("investor")
    admin = new_person(api, account, admin=True)
    response = api.client.post(
        "/v1/invitations",
        json={"name": "Zhang Min"},
        headers={**admin.headers, "X-Request-ID": "invite-zhang-1"},
    )
    invitation_id = response.json()["id"]
    accepted = accept(api, response.json()["invitation_code"], username="zhang.min")

    [invited] = db_session.scalars(
        select(AuditRecord).where(AuditRecord.object_id == invitation_id)
    ).all()
    [created] = db_session.scalars(
        select(AuditRecord).where(AuditRecord.object_id == accepted.json()["id"])
    ).all()
    assert (invited.action, invited.actor_user_id) == ("invitation.create", admin.id)
    assert invited.actor_account_id == account.id
    assert invited.client_request_id == "invite-zhang-1"
    assert invited.request_id == response.headers["x-request-id"] != "invite-zhang-1"
    assert (created.action, created.actor_user_id) == ("user.create", accepted.json()["id"])
    assert created.actor_name == "Zhang Min"


def test_a_replayed_invitation_shows_no_code(api: ApiClient) -> None:
    account = api.create_account("startup")
    headers = {**api.admin, IDEMPOTENCY_HEADER: "invite-once-0001"}
    first = api.client.post("/v1/invitations", json={"account_id": account.id}, headers=headers)
    replay = api.client.post("/v1/invitations", json={"account_id": account.id}, headers=headers)

    assert first.json()["invitation_code"]
    assert replay.headers[REPLAYED_HEADER] == "true"
    assert replay.json()["invitation_code"] is None
    assert replay.json()["id"] == first.json()["id"]


def test_users_see_their_own_accounts_people_and_another_accounts_user_is_404(
    api: ApiClient,
) -> None:
    x, y = api.create_account("startup"), api.create_account("startup")
    x_person, y_person = new_person(api, x), new_person(api, y)

    listed = api.client.get("/v1/users", headers=x_person.headers)
    own = api.client.get(f"/v1/users/{x_person.id}", headers=x.headers)
    other = api.client.get(f"/v1/users/{y_person.id}", headers=x_person.headers)
    by_commission = api.client.get(f"/v1/users/{y_person.id}", headers=api.admin)

    assert [user["id"] for user in listed.json()["items"]] == [x_person.id]
    assert own.status_code == 200
    assert own.json()["username"] == x_person.username
    assert other.status_code == 404
    assert by_commission.status_code == 200


def _invitation_id(db_session: Session, code: str) -> str:
    """The id of the invitation a code belongs to (only the code's hash is stored)."""
    code_hash = hashlib.sha256(code.encode()).hexdigest()
    invitation_id = db_session.scalar(
        select(Invitation.id).where(Invitation.code_hash == code_hash)
    )
    assert invitation_id is not None
    return invitation_id


def test_a_withdrawn_invitation_no_longer_works_and_is_no_longer_listed(
    api: ApiClient, db_session: Session
) -> None:
    account = api.create_account("investor")
    admin = new_person(api, account, admin=True)
    kept, withdrawn = invite(api, account, name="Kept"), invite(api, account, name="Withdrawn")
    withdrawn_id = _invitation_id(db_session, withdrawn)

    response = api.client.post(f"/v1/invitations/{withdrawn_id}/withdraw", headers=admin.headers)

    assert response.status_code == 200, response.text
    assert response.json()["withdrawn_at"] is not None
    refused = accept(api, withdrawn)
    assert refused.status_code == 422
    assert problem_fields(refused.json()) == [("code", "invalid_invitation")]
    listed = api.client.get("/v1/invitations", headers=admin.headers).json()["items"]
    assert [item["name"] for item in listed] == ["Kept"]
    assert accept(api, kept).status_code == 201
    assert api.client.get("/v1/invitations", headers=admin.headers).json()["items"] == []
    [record] = db_session.scalars(
        select(AuditRecord).where(
            AuditRecord.object_id == withdrawn_id, AuditRecord.action == "invitation.withdraw"
        )
    ).all()
    assert record.actor_user_id == admin.id


def test_withdrawing_twice_changes_nothing_and_an_accepted_invitation_is_a_conflict(
    api: ApiClient, db_session: Session
) -> None:
    account = api.create_account("startup")
    withdrawn, accepted = invite(api, account), invite(api, account)
    withdrawn_id, accepted_id = (
        _invitation_id(db_session, withdrawn),
        _invitation_id(db_session, accepted),
    )
    assert accept(api, accepted).status_code == 201

    first = api.client.post(f"/v1/invitations/{withdrawn_id}/withdraw", headers=api.admin)
    again = api.client.post(f"/v1/invitations/{withdrawn_id}/withdraw", headers=api.admin)
    too_late = api.client.post(f"/v1/invitations/{accepted_id}/withdraw", headers=api.admin)

    assert again.status_code == 200
    assert again.json()["withdrawn_at"] == first.json()["withdrawn_at"]
    assert too_late.status_code == 409
    assert problem_fields(too_late.json()) == [("id", "invitation_accepted")]
    assert (
        len(
            db_session.scalars(
                select(AuditRecord).where(AuditRecord.action == "invitation.withdraw")
            ).all()
        )
        == 1
    )


def test_only_an_accounts_admin_or_the_commission_sees_and_withdraws_its_invitations(
    api: ApiClient, db_session: Session
) -> None:
    account, other = api.create_account("investor"), api.create_account("investor")
    colleague = new_person(api, account)  # a user, not the account's admin
    outsider = new_person(api, other, admin=True)
    invitation_id = _invitation_id(db_session, invite(api, account))

    assert api.client.get("/v1/invitations", headers=colleague.headers).json()["items"] == []
    assert api.client.get("/v1/invitations", headers=outsider.headers).json()["items"] == []
    for person in (colleague, outsider):
        response = api.client.post(
            f"/v1/invitations/{invitation_id}/withdraw", headers=person.headers
        )
        assert response.status_code == 404, response.text


def test_an_expired_invitation_is_not_listed(app: FastAPI, api: ApiClient) -> None:
    clock = Clock().install(app)
    invite(api, api.create_account("investor"))
    assert len(api.client.get("/v1/invitations", headers=api.admin).json()["items"]) == 1

    clock.advance(hours=72)

    assert api.client.get("/v1/invitations", headers=api.admin).json()["items"] == []
