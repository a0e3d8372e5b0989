"""Feedback on matches: who may give it, what it needs, and what it changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditRecord, FeedbackEvent
from tests.support.factories import Account, ApiClient


def _world(api: ApiClient) -> tuple[Account, dict[str, Any], Account, dict[str, Any]]:
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    startup = api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    return investor, profile, startup, request


def _put(
    api: ApiClient, who: dict[str, str], profile_id: str, request_id: str, body: dict[str, Any]
) -> Any:
    return api.client.put(
        f"/v1/investors/{profile_id}/feedback/{request_id}", json=body, headers=who
    )


def test_latest_action_wins_and_history_is_kept(api: ApiClient, db_session: Session) -> None:
    investor, profile, _, request = _world(api)
    audits_before = db_session.scalar(select(func.count()).select_from(AuditRecord)) or 0
    for body in (
        {"action": "interested"},
        {"action": "meeting"},
        {"action": "committed", "amount": "500000000"},
    ):
        response = _put(api, investor.headers, profile["id"], request["id"], body)
        assert response.status_code == 200, response.text
    body = response.json()
    assert body["action"] == "committed"
    assert body["amount"] == "500000000.00"
    assert body["currency"] == "CNY"
    assert [e["action"] for e in body["history"]] == ["interested", "meeting", "committed"]
    listed = api.client.get(f"/v1/investors/{profile['id']}/feedback", headers=investor.headers)
    assert [item["action"] for item in listed.json()["items"]] == ["committed"]
    assert db_session.scalar(select(func.count()).select_from(FeedbackEvent)) == 3
    assert db_session.scalar(select(func.count()).select_from(AuditRecord)) == audits_before + 3


def test_pass_needs_a_reason_and_commitment_an_amount(api: ApiClient, db_session: Session) -> None:
    investor, profile, _, request = _world(api)
    cases = [
        ({"action": "pass"}, "reason"),
        ({"action": "committed"}, "amount"),
        ({"action": "interested", "reason": "team"}, "reason"),
        ({"action": "meeting", "amount": "5"}, "amount"),
        ({"action": "pass", "reason": "mood"}, "reason"),
        ({"action": "wave"}, "action"),
    ]
    for body, field in cases:
        response = _put(api, investor.headers, profile["id"], request["id"], body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in response.json()["errors"]}, body
    assert db_session.scalar(select(func.count()).select_from(FeedbackEvent)) == 0


def test_only_the_owner_investor_gives_feedback(api: ApiClient) -> None:
    investor, profile, startup, request = _world(api)
    other = api.create_account("investor")
    body = {"action": "interested"}
    assert _put(api, other.headers, profile["id"], request["id"], body).status_code == 404
    assert _put(api, startup.headers, profile["id"], request["id"], body).status_code == 403
    assert _put(api, api.admin, profile["id"], request["id"], body).status_code == 403
    assert _put(api, {}, profile["id"], request["id"], body).status_code == 401
    draft = api.create_request(startup, status="draft")
    assert _put(api, investor.headers, profile["id"], draft["id"], body).status_code == 404
    path = f"/v1/investors/{profile['id']}/feedback"
    assert api.client.get(path, headers=other.headers).status_code == 404
    assert api.client.get(path, headers=startup.headers).status_code == 403
    assert api.client.get(path, headers=api.admin).status_code == 200


def test_passed_requests_leave_the_matches_unless_asked(api: ApiClient) -> None:
    investor, profile, startup, request = _world(api)
    kept = api.create_request(startup, company="MiniMax")
    api.publish(kept["id"])
    path = f"/v1/investors/{profile['id']}/matches"

    def matched(**params: Any) -> set[str]:
        items = api.client.get(path, params=params, headers=investor.headers).json()["items"]
        return {item["financing_request"]["id"] for item in items}

    assert matched() == {request["id"], kept["id"]}
    passed = _put(
        api,
        investor.headers,
        profile["id"],
        request["id"],
        {"action": "pass", "reason": "valuation"},
    )
    assert passed.status_code == 200
    assert matched() == {kept["id"]}
    assert matched(include_passed="true") == {request["id"], kept["id"]}
    _put(api, investor.headers, profile["id"], request["id"], {"action": "interested"})
    assert matched() == {request["id"], kept["id"]}


def test_a_startup_learns_only_of_interest_in_its_own_requests(api: ApiClient) -> None:
    investor, profile, startup, request = _world(api)
    shy = api.create_account("investor")
    shy_profile = api.create_investor(shy, name="Quiet Fund")
    _put(api, investor.headers, profile["id"], request["id"], {"action": "meeting"})
    _put(api, shy.headers, shy_profile["id"], request["id"], {"action": "pass", "reason": "ticket"})
    path = f"/v1/financing-requests/{request['id']}/interest"
    own = api.client.get(path, headers=startup.headers)
    assert own.status_code == 200
    items = own.json()["items"]
    assert [(i["name"], i["action"]) for i in items] == [("Hillhouse Capital", "meeting")]
    assert set(items[0]) == {
        "investor_id",
        "name",
        "kind",
        "origin",
        "action",
        "updated_at",
        "display",
    }
    assert items[0]["display"] == {"kind": "私募股权", "origin": "境内", "action": "已会面洽谈"}
    other_startup = api.create_account("startup")
    assert api.client.get(path, headers=other_startup.headers).status_code == 404
    assert api.client.get(path, headers=investor.headers).status_code == 403
    assert api.client.get(path, headers=api.admin).status_code == 200


def test_a_pass_keeps_its_note_and_only_a_pass_takes_one(
    api: ApiClient, db_session: Session
) -> None:
    """Passing for "other" said nothing of why: a pass may carry the investor's own words,
    kept in its history; the startup never reads them."""
    investor, profile, startup, request = _world(api)
    note = "已投资其竞争对手"
    passed = _put(
        api,
        investor.headers,
        profile["id"],
        request["id"],
        {"action": "pass", "reason": "other", "note": note},
    )
    assert passed.status_code == 200, passed.text
    assert passed.json()["note"] == note
    assert [e["note"] for e in passed.json()["history"]] == [note]

    for body in (
        {"action": "interested", "note": "why not"},
        {"action": "pass", "reason": "other", "note": ""},
        {"action": "pass", "reason": "other", "note": "x" * 501},
    ):
        refused = _put(api, investor.headers, profile["id"], request["id"], body)
        assert refused.status_code == 422, body
        assert [e["field"] for e in refused.json()["errors"]] == ["note"], body
    assert db_session.scalar(select(func.count()).select_from(FeedbackEvent)) == 1

    interested = _put(api, investor.headers, profile["id"], request["id"], {"action": "interested"})
    assert interested.json()["note"] is None
    assert [e["note"] for e in interested.json()["history"]] == [note, None]
    interest = api.client.get(
        f"/v1/financing-requests/{request['id']}/interest", headers=startup.headers
    )
    assert note not in interest.text
