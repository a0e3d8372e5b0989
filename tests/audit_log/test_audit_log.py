"""The review queue and its notes, and the audit trail the commission reads at /v1/audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support.factories import ApiClient

PROBLEM = "application/problem+json"


def _audit(api: ApiClient, **params: Any) -> dict[str, Any]:
    response = api.client.get("/v1/audit", params=params, headers=api.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_rejection_goes_back_to_the_startup_with_its_note(api: ApiClient) -> None:
    startup, investor = api.create_account("startup"), api.create_account("investor")
    request_id = api.create_request(startup)["id"]
    queue = api.client.get(
        "/v1/financing-requests", params={"status": "submitted"}, headers=api.admin
    ).json()
    assert [r["id"] for r in queue["items"]] == [request_id]

    rejected = api.review(request_id, "reject", "补充财务报表 / add audited accounts")
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    own = api.client.get(f"/v1/financing-requests/{request_id}", headers=startup.headers).json()
    assert own["status"] == "rejected"
    assert own["review_note"] == "补充财务报表 / add audited accounts"
    assert own["reviewed_at"] is not None
    hidden = api.client.get(f"/v1/financing-requests/{request_id}", headers=investor.headers)
    assert hidden.status_code == 404

    # Resubmitted, it is back in the queue, where the commission sees the earlier note.
    resubmitted = api.patch(
        f"/v1/financing-requests/{request_id}",
        json={"status": "submitted", "summary": "With audited accounts"},
        headers=startup.headers,
    )
    assert resubmitted.status_code == 200
    queue = api.client.get(
        "/v1/financing-requests", params={"status": "submitted"}, headers=api.admin
    ).json()
    assert [(r["id"], r["review_note"]) for r in queue["items"]] == [
        (request_id, "补充财务报表 / add audited accounts")
    ]
    published = api.review(request_id, "publish", "Welcome to the roster")
    assert published.json()["review_note"] == "Welcome to the roster"
    seen = api.client.get(f"/v1/financing-requests/{request_id}", headers=investor.headers).json()
    assert seen["review_note"] is None  # notes are between the commission and the startup


def test_every_review_decision_is_in_the_audit_log(api: ApiClient) -> None:
    commission = api.create_account("commission")
    startup = api.create_account("startup")
    first = api.create_request(startup, title="first")["id"]
    second = api.create_request(startup, title="second")["id"]
    assert api.client.post(
        f"/v1/financing-requests/{first}/review",
        json={"decision": "reject", "note": "Too early"},
        headers={**commission.headers, **api.if_match(f"/v1/financing-requests/{first}")},
    ).is_success
    assert api.review(second, "publish").is_success

    trail = _audit(api, object_type="financing_request", object_id=first)["items"]
    assert [r["action"] for r in trail] == [
        "financing_request.reject",
        "financing_request.create",
    ]
    decision = trail[0]
    assert decision["actor_account_id"] == commission.id
    assert decision["actor_role"] == "commission"
    assert decision["changes"] == {"status": "rejected", "note": "Too early"}
    assert decision["request_id"]

    by_commission = _audit(api, actor_account_id=commission.id)["items"]
    assert [(r["action"], r["object_id"]) for r in by_commission] == [
        ("financing_request.reject", first)
    ]
    decisions = [
        (r["action"], r["object_id"])
        for r in _audit(api, object_type="financing_request")["items"]
        if r["action"] in {"financing_request.publish", "financing_request.reject"}
    ]
    assert decisions == [("financing_request.publish", second), ("financing_request.reject", first)]


def test_the_audit_log_filters_by_time_and_pages_newest_first(api: ApiClient) -> None:
    before = dt.datetime.now(dt.UTC)
    names = [f"Fair {n}" for n in range(5)]
    ids = [api.create_event(name) for name in names]
    after = dt.datetime.now(dt.UTC)
    window = {"since": before.isoformat(), "until": after.isoformat()}
    seen: list[str] = []
    page = _audit(api, object_type="event", limit=2, **window)
    while True:
        seen += [r["object_id"] for r in page["items"]]
        assert len(page["items"]) <= 2
        if page["next_cursor"] is None:
            break
        page = _audit(api, object_type="event", limit=2, cursor=page["next_cursor"], **window)
    assert seen == list(reversed(ids))
    assert _audit(api, object_type="event", until=before.isoformat())["items"] == []
    assert _audit(api, object_type="event", since=after.isoformat())["items"] == []
    # A time without an offset is UTC.
    naive = before.replace(tzinfo=None).isoformat()
    assert len(_audit(api, object_type="event", since=naive)["items"]) == 5


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"since": "2026-11-21T10:00:00Z", "until": "2026-11-21T09:00:00Z"}, {"since", "until"}),
        ({"since": "yesterday"}, {"since"}),
        ({"until": "2026-13-01T00:00:00Z"}, {"until"}),
        ({"cursor": "not-a-cursor"}, {"cursor"}),
        ({"limit": 0}, {"limit"}),
        ({"object_id": "x" * 37}, {"object_id"}),
        ({"actor_account_id": ""}, {"actor_account_id"}),
    ],
)
def test_bad_audit_queries_name_the_parameter(
    api: ApiClient, params: dict[str, Any], fields: set[str]
) -> None:
    response = api.client.get("/v1/audit", params=params, headers=api.admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert {e["field"] for e in response.json()["errors"]} == fields
