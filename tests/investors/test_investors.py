"""Investor profiles over HTTP: CRUD, exact money, audit, paging and filters."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditRecord, InvestorProfileSector
from tests.support.factories import Account, ApiClient, investor_payload

PROBLEM = "application/problem+json"


def audit_ids(session: Session) -> set[str]:
    return set(session.scalars(select(AuditRecord.id)))


def appended_audit(session: Session, before: set[str]) -> list[AuditRecord]:
    return [record for record in session.scalars(select(AuditRecord)) if record.id not in before]


def cursor_of(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def list_all(api: ApiClient, caller: Account, **params: str) -> list[dict[str, Any]]:
    response = api.client.get(
        "/v1/investors", params={"limit": "100", **params}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_create_then_read_one_and_list(api: ApiClient) -> None:
    investor = api.create_account("investor")

    response = api.client.post(
        "/v1/investors",
        json=investor_payload(
            sectors=["semiconductors.design", "ai"],
            stages=["growth", "series_b"],
            regions=["xuhui", "pudong"],
        ),
        headers=investor.headers,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["owner_account_id"] == investor.id
    assert created["name"] == "Hillhouse Capital"
    assert created["kind"] == "pe"
    assert created["origin"] == "domestic"
    assert created["sectors"] == ["ai", "semiconductors.design"]
    assert created["stages"] == ["series_b", "growth"]  # funding-chain order
    assert created["regions"] == ["pudong", "xuhui"]
    assert created["ticket_min"] == "300000000.00"
    assert created["ticket_max"] == "3000000000.00"
    assert created["currency"] == "CNY"
    assert created["revision"] == 1
    one = api.client.get(f"/v1/investors/{created['id']}", headers=investor.headers)
    assert one.status_code == 200
    assert one.json() == created
    assert list_all(api, investor) == [created]


def test_optional_fields_default(api: ApiClient) -> None:
    investor = api.create_account("investor")
    payload = investor_payload()
    for optional in ("thesis", "currency", "regions"):
        del payload[optional]

    response = api.client.post("/v1/investors", json=payload, headers=investor.headers)

    assert response.status_code == 201, response.text
    assert response.json()["thesis"] == ""
    assert response.json()["currency"] == "CNY"
    assert response.json()["regions"] == []


def test_patch_changes_only_the_fields_sent(api: ApiClient) -> None:
    investor = api.create_account("investor")
    created = api.create_investor(investor)

    response = api.patch(
        f"/v1/investors/{created['id']}",
        json={"name": "Hillhouse Investment", "sectors": ["life_science"], "ticket_max": 4e9},
        headers=investor.headers,
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["name"] == "Hillhouse Investment"
    assert updated["sectors"] == ["life_science"]
    assert updated["ticket_max"] == "4000000000.00"
    assert updated["revision"] == created["revision"] + 1
    unchanged = {"name", "sectors", "ticket_max", "revision", "updated_at", "display"}
    assert {k: v for k, v in updated.items() if k not in unchanged} == {
        k: v for k, v in created.items() if k not in unchanged
    }
    reread = api.client.get(f"/v1/investors/{created['id']}", headers=investor.headers)
    assert reread.json() == updated


def test_code_only_change_advances_revision_and_updated_at(api: ApiClient) -> None:
    investor = api.create_account("investor")
    created = api.create_investor(investor)

    response = api.patch(
        f"/v1/investors/{created['id']}", json={"sectors": ["energy"]}, headers=investor.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["sectors"] == ["energy"]
    assert response.json()["revision"] > created["revision"]
    assert response.json()["updated_at"] > created["updated_at"]


def test_delete_answers_204_then_the_profile_is_gone(api: ApiClient, db_session: Session) -> None:
    investor = api.create_account("investor")
    created = api.create_investor(investor)

    response = api.delete(f"/v1/investors/{created['id']}", headers=investor.headers)

    assert response.status_code == 204
    assert response.content == b""
    again = api.client.get(f"/v1/investors/{created['id']}", headers=investor.headers)
    assert again.status_code == 404
    assert again.headers["content-type"] == PROBLEM
    assert list_all(api, investor) == []
    links = db_session.scalar(
        select(func.count())
        .select_from(InvestorProfileSector)
        .where(InvestorProfileSector.investor_profile_id == created["id"])
    )
    assert links == 0
    second = api.delete(f"/v1/investors/{created['id']}", headers=investor.headers)
    assert second.status_code == 404


def test_other_investors_profiles_answer_404_and_startups_403(api: ApiClient) -> None:
    owner = api.create_account("investor")
    other = api.create_account("investor")
    startup = api.create_account("startup")
    created = api.create_investor(owner)
    path = f"/v1/investors/{created['id']}"

    assert api.client.get(path, headers=other.headers).status_code == 404
    assert api.patch(path, json={"name": "x"}, headers=other.headers).status_code == 404
    assert api.delete(path, headers=other.headers).status_code == 404
    assert list_all(api, other) == []
    assert api.client.get(path, headers=startup.headers).status_code == 403
    assert api.client.get(path, headers=api.admin).status_code == 200
    assert api.client.get(path, headers=owner.headers).json() == created


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        ("3000000000.10", "3000000000.10"),
        (3000000000, "3000000000.00"),
        ("3000000000", "3000000000.00"),
        (0.1, "0.10"),
        ("0.01", "0.01"),
        (12.5, "12.50"),
        ("1e3", "1000.00"),
        ("999999999999999.99", "999999999999999.99"),  # the largest amount accepted
        (999999999999999, "999999999999999.00"),
    ],
)
def test_ticket_amounts_round_trip_exactly(
    api: ApiClient, sent: str | float, returned: str
) -> None:
    investor = api.create_account("investor")

    response = api.client.post(
        "/v1/investors",
        json=investor_payload(ticket_min=sent, ticket_max=sent),
        headers=investor.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["ticket_min"] == returned
    assert response.json()["ticket_max"] == returned
    reread = api.client.get(f"/v1/investors/{response.json()['id']}", headers=investor.headers)
    assert reread.json()["ticket_min"] == returned
    assert reread.json()["ticket_max"] == returned


def test_create_update_delete_each_append_one_audit_record(
    api: ApiClient, db_session: Session
) -> None:
    investor = api.create_account("investor")

    before = audit_ids(db_session)
    created = api.create_investor(investor)
    [create_record] = appended_audit(db_session, before)

    before = audit_ids(db_session)
    patched = api.patch(
        f"/v1/investors/{created['id']}", json={"ticket_min": "1000"}, headers=investor.headers
    )
    assert patched.status_code == 200
    [update_record] = appended_audit(db_session, before)

    before = audit_ids(db_session)
    deleted = api.delete(f"/v1/investors/{created['id']}", headers=investor.headers)
    assert deleted.status_code == 204
    [delete_record] = appended_audit(db_session, before)

    for record, action in [
        (create_record, "investor_profile.create"),
        (update_record, "investor_profile.update"),
        (delete_record, "investor_profile.delete"),
    ]:
        assert record.action == action
        assert record.object_type == "investor_profile"
        assert record.object_id == created["id"]
        assert record.actor_account_id == investor.id
        assert record.actor_role == "investor"
    ticket_change = update_record.changes["ticket_min"]
    assert Decimal(ticket_change["from"]) == Decimal("300000000")
    assert Decimal(ticket_change["to"]) == Decimal("1000")


def test_refused_writes_append_no_audit_record(api: ApiClient, db_session: Session) -> None:
    owner = api.create_account("investor")
    other = api.create_account("investor")
    startup = api.create_account("startup")
    created = api.create_investor(owner)
    path = f"/v1/investors/{created['id']}"
    before = audit_ids(db_session)

    responses = [
        api.client.post("/v1/investors", json=investor_payload(), headers=startup.headers),
        api.client.post("/v1/investors", json=investor_payload(kind="x"), headers=owner.headers),
        api.client.post("/v1/investors", json=investor_payload()),
        api.patch(path, json={"name": "taken over"}, headers=other.headers),
        api.patch(path, json={"ticket_min": "9e9"}, headers=owner.headers),
        api.delete(path, headers=other.headers),
        api.delete(path, headers=startup.headers),
    ]

    assert [r.status_code for r in responses] == [403, 422, 401, 404, 422, 404, 403]
    assert appended_audit(db_session, before) == []
    assert api.client.get(path, headers=owner.headers).json() == created


@pytest.mark.parametrize(("count", "page_sizes"), [(7, [3, 3, 1]), (6, [3, 3])])
def test_paging_returns_each_profile_once_newest_first(
    api: ApiClient, count: int, page_sizes: list[int]
) -> None:
    investor = api.create_account("investor")
    created = [api.create_investor(investor, name=f"Fund {n}")["id"] for n in range(count)]

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        response = api.client.get("/v1/investors", params=params, headers=investor.headers)
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"items", "next_cursor"}
        pages.append([item["id"] for item in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None or len(pages) > 5:
            break

    assert [len(page) for page in pages] == page_sizes
    assert [item for page in pages for item in page] == list(reversed(created))
    assert cursor is None


def test_limit_100_is_accepted(api: ApiClient) -> None:
    investor = api.create_account("investor")
    api.create_investor(investor)

    response = api.client.get("/v1/investors", params={"limit": 100}, headers=investor.headers)

    assert response.status_code == 200
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_limit_out_of_range_is_422(api: ApiClient, limit: str) -> None:
    response = api.client.get("/v1/investors", params={"limit": limit}, headers=api.admin)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [(e["field"], e["location"]) for e in response.json()["errors"]] == [("limit", "query")]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "a",
        "!!!!",
        "x" * 201,
        cursor_of({"a": 1}),
        cursor_of(["not a date", "id"]),
        cursor_of(["2025-01-01T00:00:00", "id"]),  # no time zone
        cursor_of(["2025-01-01T00:00:00+00:00", 5]),
        cursor_of([1, 2]),
        cursor_of(None),
        cursor_of(["0001-01-01T00:00:00+01:00", "id"]),
        cursor_of(["9999-12-31T23:59:59-01:00", "id"]),
    ],
    ids=[
        "word",
        "one-char",
        "punctuation",
        "too-long",
        "object",
        "bad-date",
        "naive-date",
        "number-id",
        "numbers",
        "null",
        "before-year-1-in-utc",
        "after-year-9999-in-utc",
    ],
)
def test_garbage_cursor_is_422_naming_cursor(api: ApiClient, cursor: str) -> None:
    investor = api.create_account("investor")
    api.create_investor(investor)

    response = api.client.get("/v1/investors", params={"cursor": cursor}, headers=investor.headers)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


def test_sector_filter_matches_the_code_its_parents_and_children(api: ApiClient) -> None:
    commission = api.create_account("commission")
    owner = api.create_account("investor")
    parent = api.create_investor(owner, name="AI generalist", sectors=["ai"])["id"]
    child = api.create_investor(owner, name="Model fund", sectors=["ai.foundation_models"])["id"]
    sibling = api.create_investor(owner, name="Robot fund", sectors=["ai.embodied"])["id"]
    other = api.create_investor(owner, name="Fusion fund", sectors=["energy.fusion"])["id"]

    def ids(sector: str) -> set[str]:
        return {item["id"] for item in list_all(api, commission, sector=sector)}

    assert ids("ai") == {parent, child, sibling}
    assert ids("ai.foundation_models") == {parent, child}
    assert ids("ai.embodied") == {parent, sibling}
    assert ids("energy") == {other}
    assert ids("quantum") == set()


def test_stage_filter(api: ApiClient) -> None:
    owner = api.create_account("investor")
    early = api.create_investor(owner, stages=["seed", "angel"])["id"]
    late = api.create_investor(owner, stages=["growth"])["id"]

    assert [item["id"] for item in list_all(api, owner, stage="seed")] == [early]
    assert [item["id"] for item in list_all(api, owner, stage="growth")] == [late]
    assert list_all(api, owner, stage="strategic") == []


@pytest.mark.parametrize(
    ("param", "value", "valid_code"),
    [("sector", "crypto", "ai.foundation_models"), ("stage", "series_z", "proof_of_concept")],
)
def test_unknown_filter_code_is_422_listing_valid_codes(
    api: ApiClient, param: str, value: str, valid_code: str
) -> None:
    response = api.client.get("/v1/investors", params={param: value}, headers=api.admin)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert error["field"] == param
    assert error["location"] == "query"
    assert valid_code in error["allowed"]
    assert value not in error["allowed"]
