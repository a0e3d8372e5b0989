"""Financing requests over HTTP: life cycle, review, exact money, audit, paging, filters."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditRecord
from tests.support.factories import Account, ApiClient, request_payload

PROBLEM = "application/problem+json"
BASE = "/v1/financing-requests"


def audit_ids(session: Session) -> set[str]:
    return set(session.scalars(select(AuditRecord.id)))


def appended_audit(session: Session, before: set[str]) -> list[AuditRecord]:
    return [record for record in session.scalars(select(AuditRecord)) if record.id not in before]


def read(api: ApiClient, request_id: str, caller: Account | None = None) -> dict[str, Any]:
    headers = caller.headers if caller else api.admin
    response = api.client.get(f"{BASE}/{request_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def list_ids(api: ApiClient, caller: Account, **params: str) -> list[str]:
    response = api.client.get(BASE, params={"limit": "100", **params}, headers=caller.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_create_is_submitted_by_default_and_readable(api: ApiClient) -> None:
    startup = api.create_account("startup")

    response = api.client.post(BASE, json=request_payload(), headers=startup.headers)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "submitted"
    assert created["owner_account_id"] == startup.id
    assert created["company"] == "Stepfun"
    assert created["sectors"] == ["ai.foundation_models"]
    assert created["amount"] == "3000000000.00"
    assert created["stage"] == "series_c"
    assert created["region"] == "xuhui"
    assert created["review_note"] is None
    assert created["reviewed_at"] is None
    assert read(api, created["id"], startup) == created
    assert list_ids(api, startup) == [created["id"]]


def test_create_as_draft_when_asked(api: ApiClient) -> None:
    startup = api.create_account("startup")

    created = api.create_request(startup, status="draft")

    assert created["status"] == "draft"
    assert read(api, created["id"], startup)["status"] == "draft"


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_owner_edits_before_publication(api: ApiClient, status: str) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup, status=status)

    response = api.patch(
        f"{BASE}/{created['id']}",
        json={"title": "Series C extension", "amount": "3500000000.50", "region": None},
        headers=startup.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Series C extension"
    assert response.json()["amount"] == "3500000000.50"
    assert response.json()["region"] is None
    assert response.json()["status"] == status
    assert response.json()["company"] == created["company"]
    assert read(api, created["id"], startup) == response.json()


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("draft", "submitted"),
        ("submitted", "draft"),
        ("draft", "withdrawn"),
        ("submitted", "withdrawn"),
    ],
)
def test_owner_moves_status(api: ApiClient, start: str, target: str) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup, status=start)

    response = api.patch(
        f"{BASE}/{created['id']}", json={"status": target}, headers=startup.headers
    )

    assert response.status_code == 200, response.text
    assert read(api, created["id"], startup)["status"] == target


def test_withdrawn_request_cannot_come_back(api: ApiClient) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup)
    path = f"{BASE}/{created['id']}"
    api.patch(path, json={"status": "withdrawn"}, headers=startup.headers)

    response = api.patch(path, json={"status": "submitted"}, headers=startup.headers)

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert read(api, created["id"])["status"] == "withdrawn"


def test_code_only_change_advances_revision_and_updated_at(api: ApiClient) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup, status="draft")

    response = api.patch(
        f"{BASE}/{created['id']}", json={"sectors": ["ai", "energy"]}, headers=startup.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["sectors"] == ["ai", "energy"]
    assert response.json()["revision"] > created["revision"]
    assert response.json()["updated_at"] > created["updated_at"]


def test_published_request_cannot_be_edited_but_can_be_withdrawn(
    api: ApiClient, db_session: Session
) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup)
    api.publish(created["id"])
    published = read(api, created["id"], startup)
    path = f"{BASE}/{created['id']}"
    before = audit_ids(db_session)

    edit = api.patch(path, json={"amount": "1"}, headers=startup.headers)
    edit_and_withdraw = api.patch(
        path, json={"title": "x", "status": "withdrawn"}, headers=startup.headers
    )

    assert edit.status_code == 409
    assert edit.headers["content-type"] == PROBLEM
    assert edit_and_withdraw.status_code == 409
    assert read(api, created["id"], startup) == published
    assert appended_audit(db_session, before) == []
    withdraw = api.patch(path, json={"status": "withdrawn"}, headers=startup.headers)
    assert withdraw.status_code == 200, withdraw.text
    assert withdraw.json()["status"] == "withdrawn"


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_never_published_request_can_be_deleted(api: ApiClient, status: str) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup, status=status)

    response = api.delete(f"{BASE}/{created['id']}", headers=startup.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert api.client.get(f"{BASE}/{created['id']}", headers=startup.headers).status_code == 404
    assert list_ids(api, startup) == []


@pytest.mark.parametrize("then", [None, "withdrawn", "closed"])
def test_a_request_once_published_is_kept_on_record(
    api: ApiClient, db_session: Session, then: str | None
) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup)
    api.publish(created["id"])
    if then is not None:
        moved = api.patch(f"{BASE}/{created['id']}", json={"status": then}, headers=startup.headers)
        assert moved.status_code == 200, moved.text
    kept = read(api, created["id"])
    before = audit_ids(db_session)

    response = api.delete(f"{BASE}/{created['id']}", headers=startup.headers)

    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    assert read(api, created["id"]) == kept
    assert appended_audit(db_session, before) == []


def test_publish_makes_the_request_visible_to_investors(api: ApiClient) -> None:
    startup = api.create_account("startup")
    investor = api.create_account("investor")
    created = api.create_request(startup)
    assert api.client.get(f"{BASE}/{created['id']}", headers=investor.headers).status_code == 404
    assert list_ids(api, investor) == []

    response = api.review(created["id"], "publish", "Welcome to the CIIE roster")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "published"
    assert response.json()["reviewed_at"] is not None
    seen_by_investor = read(api, created["id"], investor)
    assert seen_by_investor["status"] == "published"
    assert seen_by_investor["review_note"] is None
    assert seen_by_investor["owner_account_id"] is None
    assert list_ids(api, investor) == [created["id"]]
    assert read(api, created["id"], startup)["review_note"] == "Welcome to the CIIE roster"


def test_reject_needs_a_note_which_goes_back_to_the_startup(
    api: ApiClient, db_session: Session
) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup)
    before = audit_ids(db_session)

    without_note = api.review(created["id"], "reject")
    assert without_note.status_code == 422
    assert without_note.headers["content-type"] == PROBLEM
    assert [e["field"] for e in without_note.json()["errors"]] == ["note"]
    assert read(api, created["id"]) == created
    assert appended_audit(db_session, before) == []

    rejected = api.review(created["id"], "reject", "Add the audited 2024 accounts")

    assert rejected.status_code == 200, rejected.text
    seen_by_owner = read(api, created["id"], startup)
    assert seen_by_owner["status"] == "rejected"
    assert seen_by_owner["review_note"] == "Add the audited 2024 accounts"
    resubmit = api.patch(
        f"{BASE}/{created['id']}",
        json={"summary": "With audited accounts", "status": "submitted"},
        headers=startup.headers,
    )
    assert resubmit.status_code == 200, resubmit.text
    assert resubmit.json()["status"] == "submitted"


@pytest.mark.parametrize("status", ["draft", "published", "rejected"])
def test_reviewing_a_request_that_is_not_submitted_is_409(
    api: ApiClient, db_session: Session, status: str
) -> None:
    startup = api.create_account("startup")
    created = api.create_request(startup, status="draft" if status == "draft" else "submitted")
    if status == "published":
        api.publish(created["id"])
    elif status == "rejected":
        assert api.review(created["id"], "reject", "no").status_code == 200
    current = read(api, created["id"])
    assert current["status"] == status
    before = audit_ids(db_session)

    response = api.review(created["id"], "publish")

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert read(api, created["id"]) == current
    assert appended_audit(db_session, before) == []


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        ("3000000000.10", "3000000000.10"),
        (3000000000, "3000000000.00"),
        (0.1, "0.10"),
        ("0.10", "0.10"),
        (3000000000.1, "3000000000.10"),
        ("999999999999999.99", "999999999999999.99"),  # the largest amount accepted
        (999999999999999, "999999999999999.00"),
    ],
)
def test_amount_round_trips_exactly_as_a_string(
    api: ApiClient, sent: str | float, returned: str
) -> None:
    startup = api.create_account("startup")

    response = api.client.post(BASE, json=request_payload(amount=sent), headers=startup.headers)

    assert response.status_code == 201, response.text
    assert response.json()["amount"] == returned
    assert read(api, response.json()["id"], startup)["amount"] == returned


def test_every_write_appends_one_audit_record(api: ApiClient, db_session: Session) -> None:
    startup = api.create_account("startup")
    touched: list[str] = []

    def write(action: str, actor: Account | None, method: str, path: str, **kw: Any) -> str:
        before = audit_ids(db_session)
        headers = actor.headers if actor else api.admin
        if method in {"PATCH", "DELETE"} or path.endswith("/review"):
            headers = {**headers, **api.if_match(path.removesuffix("/review"))}
        response = api.client.request(method, path, headers=headers, **kw)
        assert response.status_code < 300, response.text
        [record] = appended_audit(db_session, before)
        assert record.action == action
        assert record.object_type == "financing_request"
        assert record.actor_account_id == (actor.id if actor else None)
        assert record.actor_role == (actor.role if actor else "commission")
        touched.append(record.object_id)
        return record.object_id

    first = write("financing_request.create", startup, "POST", BASE, json=request_payload())
    second = write("financing_request.create", startup, "POST", BASE, json=request_payload())
    write("financing_request.update", startup, "PATCH", f"{BASE}/{first}", json={"title": "t"})
    publish = {"decision": "publish"}
    write("financing_request.publish", None, "POST", f"{BASE}/{first}/review", json=publish)
    reject = {"decision": "reject", "note": "incomplete"}
    write("financing_request.reject", None, "POST", f"{BASE}/{second}/review", json=reject)
    withdraw = {"status": "withdrawn"}
    write("financing_request.update", startup, "PATCH", f"{BASE}/{second}", json=withdraw)
    write("financing_request.delete", startup, "DELETE", f"{BASE}/{second}")

    assert touched == [first, second, first, first, second, second, second]


def test_paging_returns_each_request_once_newest_first(api: ApiClient) -> None:
    startup = api.create_account("startup")
    created = [api.create_request(startup, title=f"Round {n}")["id"] for n in range(7)]

    seen: list[str] = []
    cursor: str | None = None
    for expected_size in (3, 3, 1):
        params: dict[str, str | int] = {"limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        page = api.client.get(BASE, params=params, headers=startup.headers).json()
        assert len(page["items"]) == expected_size
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == list(reversed(created))
    assert cursor is None


def test_paging_is_stable_when_requests_arrive_meanwhile(api: ApiClient) -> None:
    startup = api.create_account("startup")
    created = [api.create_request(startup, title=f"Round {n}")["id"] for n in range(5)]
    first = api.client.get(BASE, params={"limit": 2}, headers=startup.headers).json()

    newcomer = api.create_request(startup, title="Late round")["id"]
    rest = api.client.get(
        BASE, params={"limit": 100, "cursor": first["next_cursor"]}, headers=startup.headers
    ).json()

    seen = [item["id"] for item in first["items"] + rest["items"]]
    assert seen == list(reversed(created))
    assert newcomer not in seen
    assert list_ids(api, startup)[0] == newcomer


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"cursor": "garbage"}, "cursor")],
)
def test_bad_paging_parameters_are_422(api: ApiClient, params: dict[str, str], field: str) -> None:
    response = api.client.get(BASE, params=params, headers=api.admin)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_sector_filter_matches_parents_and_children(api: ApiClient) -> None:
    startup = api.create_account("startup")
    model = api.create_request(startup, sectors=["ai.foundation_models"])["id"]
    broad_ai = api.create_request(startup, sectors=["ai"])["id"]
    chips = api.create_request(startup, sectors=["semiconductors.design"])["id"]

    assert set(list_ids(api, startup, sector="ai")) == {model, broad_ai}
    assert set(list_ids(api, startup, sector="ai.foundation_models")) == {model, broad_ai}
    assert set(list_ids(api, startup, sector="ai.embodied")) == {broad_ai}
    assert list_ids(api, startup, sector="semiconductors") == [chips]
    assert list_ids(api, startup, sector="quantum") == []


def test_stage_status_and_event_filters(api: ApiClient) -> None:
    startup = api.create_account("startup")
    ciie = api.create_event("2036 CIIE", date="2036-11-05")
    seed = api.create_request(startup, stage="seed", event_id=ciie, status="draft")["id"]
    growth = api.create_request(startup, stage="growth", event_id=None)["id"]

    assert list_ids(api, startup, stage="seed") == [seed]
    assert list_ids(api, startup, stage="growth") == [growth]
    assert list_ids(api, startup, status="draft") == [seed]
    assert list_ids(api, startup, status="submitted") == [growth]
    assert list_ids(api, startup, status="published") == []
    assert list_ids(api, startup, event_id=ciie) == [seed]
    assert list_ids(api, startup, event_id=api.create_event("another fair")) == []


@pytest.mark.parametrize(
    ("params", "field", "valid"),
    [
        ({"sector": "crypto"}, "sector", "ai.foundation_models"),
        ({"stage": "series_z"}, "stage", "seed"),
        ({"status": "approved"}, "status", None),
    ],
)
def test_unknown_filter_value_is_422(
    api: ApiClient, params: dict[str, str], field: str, valid: str | None
) -> None:
    response = api.client.get(BASE, params=params, headers=api.admin)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert error["field"] == field
    if valid is not None:
        assert valid in error["allowed"]
