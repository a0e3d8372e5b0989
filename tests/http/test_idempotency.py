"""Idempotency-Key on every POST: a retry replays the first response and creates nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import IdempotencyKey, InvestorProfile
from service.http.idempotency import (
    IDEMPOTENCY_HEADER,
    KEY_LIFETIME,
    NEVER_STORED_FIELDS,
    REPLAYED_HEADER,
    Claim,
)
from tests.support.database import row_counts
from tests.support.factories import (
    COMING_DAY,
    Account,
    ApiClient,
    investor_payload,
    request_payload,
)
from tests.support.feedback_worlds import contrarian_world

PROBLEM = "application/problem+json"


def post(
    api: ApiClient, path: str, body: Any, headers: dict[str, str], key: str | None
) -> Response:
    extra = {IDEMPOTENCY_HEADER: key} if key is not None else {}
    response: Response = api.client.post(path, json=body, headers={**headers, **extra})
    return response


def test_a_retry_replays_the_first_response_and_creates_nothing(
    api: ApiClient, db_session: Session
) -> None:
    investor = api.create_account("investor")
    first = post(api, "/v1/investors", investor_payload(), investor.headers, "retry-0001")
    assert first.status_code == 201, first.text
    counts = row_counts(db_session)

    retry = post(api, "/v1/investors", investor_payload(), investor.headers, "retry-0001")

    assert retry.status_code == 201
    assert retry.content == first.content
    assert retry.headers["content-type"] == first.headers["content-type"]
    assert retry.headers[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER.lower() not in first.headers
    assert retry.headers["x-request-id"] != first.headers["x-request-id"]
    assert row_counts(db_session) == counts


def test_without_a_key_every_post_creates(api: ApiClient, db_session: Session) -> None:
    investor = api.create_account("investor")
    for _ in range(2):
        assert post(api, "/v1/investors", investor_payload(), investor.headers, None).is_success
    assert db_session.scalar(select(func.count()).select_from(InvestorProfile)) == 2


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/v1/investors", investor_payload(name="Another fund"), id="other-body"),
        pytest.param("/v1/investors", {**investor_payload(), "thesis": "x"}, id="one-field"),
        pytest.param("/v1/financing-requests", request_payload(), id="other-path"),
    ],
)
def test_the_same_key_for_another_request_is_refused(
    api: ApiClient, db_session: Session, path: str, body: dict[str, Any]
) -> None:
    owner = api.create_account("commission")
    assert post(api, "/v1/investors", investor_payload(), owner.headers, "reused-key").is_success
    counts = row_counts(db_session)

    refused = post(api, path, body, owner.headers, "reused-key")

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert [(e["field"], e["location"], e["code"]) for e in problem["errors"]] == [
        (IDEMPOTENCY_HEADER, "header", "idempotency_key_reused")
    ]
    assert row_counts(db_session) == counts


def test_keys_belong_to_the_account_that_sent_them(api: ApiClient, db_session: Session) -> None:
    first, second = api.create_account("investor"), api.create_account("investor")
    for owner in (first, second):
        response = post(api, "/v1/investors", investor_payload(), owner.headers, "shared-key")
        assert response.status_code == 201
        assert REPLAYED_HEADER.lower() not in response.headers
    assert db_session.scalar(select(func.count()).select_from(InvestorProfile)) == 2


@pytest.mark.parametrize(
    "key",
    ["short", "x" * 129, "has space-here", "ключ-идемпотентности", "semi;colon-key", "a/b/c/d/e/f"],
)
def test_a_malformed_key_is_refused(api: ApiClient, db_session: Session, key: str) -> None:
    investor = api.create_account("investor")
    counts = row_counts(db_session)
    headers = {**investor.headers, IDEMPOTENCY_HEADER: key}
    # httpx refuses non-ASCII header values as str; send the UTF-8 bytes a client would.
    response = api.client.post(
        "/v1/investors",
        json=investor_payload(),
        headers={k: v.encode() for k, v in headers.items()},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        (IDEMPOTENCY_HEADER, "invalid_idempotency_key")
    ]
    assert row_counts(db_session) == counts


def test_a_failed_request_keeps_no_key(api: ApiClient, db_session: Session) -> None:
    """An error writes nothing, key included, so the corrected retry runs."""
    investor = api.create_account("investor")
    bad = investor_payload(ticket_min="5000000000", ticket_max="1")
    assert post(api, "/v1/investors", bad, investor.headers, "fix-and-retry").status_code == 422
    assert db_session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0

    fixed = post(api, "/v1/investors", investor_payload(), investor.headers, "fix-and-retry")
    assert fixed.status_code == 201
    assert REPLAYED_HEADER.lower() not in fixed.headers


def test_keys_expire_and_are_cleaned_lazily(api: ApiClient, db_session: Session) -> None:
    investor = api.create_account("investor")
    created = post(api, "/v1/investors", investor_payload(), investor.headers, "old-key-001")
    post(api, "/v1/investors", investor_payload(name="B"), investor.headers, "old-key-002")
    long_ago = dt.datetime.now(dt.UTC) - KEY_LIFETIME - dt.timedelta(minutes=1)
    db_session.execute(update(IdempotencyKey).values(created_at=long_ago))

    again = post(api, "/v1/investors", investor_payload(), investor.headers, "old-key-001")

    assert again.status_code == 201
    assert REPLAYED_HEADER.lower() not in again.headers
    assert again.json()["id"] != created.json()["id"]
    keys = db_session.scalars(select(IdempotencyKey.key)).all()
    assert keys == ["old-key-001"]  # the other expired key went with this claim


def test_an_account_replay_never_stores_the_api_key(api: ApiClient, db_session: Session) -> None:
    body = {"role": "investor", "name": "Sequoia Capital"}
    first = post(api, "/v1/accounts", body, api.admin, "new-account-1")
    assert first.status_code == 201
    api_key = first.json()["api_key"]
    assert api_key.startswith("mk_")

    retry = post(api, "/v1/accounts", body, api.admin, "new-account-1")

    assert retry.status_code == 201
    assert retry.json() == {**first.json(), "api_key": None}
    stored = db_session.scalars(select(IdempotencyKey.response_body)).one()
    assert stored is not None
    assert api_key not in stored


# --- Every POST of the OpenAPI document honours the key --------------------------------


@dataclass
class World:
    """Accounts and objects the POST recipes need, made through the API when first asked."""

    api: ApiClient
    made: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self.made:
            self.made[name] = make()
        return self.made[name]

    def admin_of(self) -> dict[str, str]:
        """An account's own key: it acts as the account's admin."""
        account: Account = self.once("admin", lambda: self.api.create_account("investor"))
        return account.headers

    def startup(self) -> Account:
        account: Account = self.once("startup", lambda: self.api.create_account("startup"))
        return account

    def profile_id(self) -> str:
        def make() -> str:
            investor = self.api.create_account("investor")
            profile_id: str = self.api.create_investor(investor)["id"]
            return profile_id

        profile_id: str = self.once("profile", make)
        return profile_id

    def submitted_request(self) -> str:
        request_id: str = self.once(
            "request", lambda: self.api.create_request(self.startup())["id"]
        )
        return request_id

    def trained_world(self) -> Account:
        investor: Account = self.once(
            "trained", lambda: contrarian_world(self.api, likes_the_mandate=False)[0]
        )
        return investor

    def _train(self) -> str:
        self.trained_world()
        response = self.api.client.post("/v1/ranking-models/train", headers=self.api.admin)
        assert response.status_code == 201, response.text
        model_id: str = response.json()["model"]["id"]
        return model_id

    def model_id(self) -> str:
        model_id: str = self.once("model", self._train)
        return model_id

    def candidate_id(self) -> str:
        """A version that never serves (the one above is activated by another recipe, and
        the serving version is not compared again: 409)."""
        self.model_id()
        candidate: str = self.once("candidate", self._train)
        return candidate


@dataclass(frozen=True)
class ConferenceDay:
    """An event with a programme and a published request presented there, its startup, and
    investors each with a mandate (one per meeting a recipe needs: a pair meets once)."""

    event_id: str
    request_id: str
    startup: Account
    investors: list[tuple[Account, str]]

    def ask(self, api: ApiClient, which: int) -> str:
        investor, profile_id = self.investors[which]
        asked = api.client.post(
            f"/v1/events/{self.event_id}/meetings",
            json={"financing_request_id": self.request_id, "investor_profile_id": profile_id},
            headers=investor.headers,
        )
        assert asked.status_code == 201, asked.text
        meeting_id: str = asked.json()["id"]
        return meeting_id


def _conference_day(w: World) -> ConferenceDay:
    def make() -> ConferenceDay:
        event_id = w.api.create_event("Recipe conference day", date=COMING_DAY)
        programme = w.api.client.put(
            f"/v1/events/{event_id}/programme",
            json={
                "days": ["2037-11-05"],
                "slots": [{"start": "09:00", "minutes": 30}],
                "tables": 2,
            },
            headers=w.api.admin,
        )
        assert programme.status_code == 200, programme.text
        startup = w.api.create_account("startup")
        request_id: str = w.api.create_request(startup, event_id=event_id)["id"]
        w.api.publish(request_id)
        investors = []
        for _ in range(4):
            investor = w.api.create_account("investor")
            investors.append((investor, w.api.create_investor(investor)["id"]))
        return ConferenceDay(event_id, request_id, startup, investors)

    conference: ConferenceDay = w.once("conference day", make)
    return conference


def _accepted_meeting(w: World) -> str:
    conference = _conference_day(w)
    meeting_id = conference.ask(w.api, 2)
    accepted = w.api.client.post(
        f"/v1/meetings/{meeting_id}/answer",
        json={"answer": "accepted"},
        headers=conference.startup.headers,
    )
    assert accepted.status_code == 200, accepted.text
    return meeting_id


def _opened_outcome(w: World) -> str:
    def make() -> str:
        conference = _conference_day(w)
        opened = w.api.client.post(
            "/v1/outcomes",
            json={
                "investor_profile_id": conference.investors[1][1],
                "financing_request_id": conference.request_id,
            },
            headers=w.api.admin,
        )
        assert opened.status_code == 201, opened.text
        outcome_id: str = opened.json()["id"]
        return outcome_id

    outcome_id: str = w.once("outcome", make)
    return outcome_id


def _open_invitation(w: World) -> str:
    def make() -> str:
        invited = w.api.client.post(
            "/v1/invitations", json={"name": "Recipe withdrawn"}, headers=w.admin_of()
        )
        assert invited.status_code == 201, invited.text
        invitation_id: str = invited.json()["id"]
        return invitation_id

    invitation_id: str = w.once("open invitation", make)
    return invitation_id


def _webhook_endpoint(w: World) -> str:
    def make() -> str:
        registered = w.api.client.post("/v1/webhook-endpoints", **_webhook_body(w))
        assert registered.status_code == 201, registered.text
        endpoint_id: str = registered.json()["id"]
        return endpoint_id

    endpoint_id: str = w.once("webhook endpoint", make)
    return endpoint_id


def _webhook_body(w: World) -> dict[str, Any]:
    return {
        "json": {
            "url": "https://127.0.0.1:9443/in",
            "event_types": ["financing_request.reviewed"],
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
        "headers": w.startup().headers,
    }


# Method and path template -> (path, body, headers) of one valid request.
Recipe = Callable[[World], tuple[str, Any, dict[str, str]]]
RECIPES: dict[str, Recipe] = {
    "/v1/accounts": lambda w: (
        "/v1/accounts",
        {"role": "startup", "name": "Recipe startup"},
        w.api.admin,
    ),
    "/v1/events": lambda w: (
        "/v1/events",
        {"name": "Recipe conference", "date": "2037-11-05", "place": "Pudong"},
        w.api.admin,
    ),
    "/v1/reports": lambda w: (
        "/v1/reports",
        {"top_k": 2, "min_score": 0.5, "title": "Recipe report"},
        w.api.admin,
    ),
    "/v1/investors/{investor_id}/deals": lambda w: (
        f"/v1/investors/{w.profile_id()}/deals",
        {
            "company": "Unitree Robotics",
            "sector": "ai.embodied",
            "stage": "series_b",
            "closed_on": "2025-03-31",
        },
        w.api.admin,
    ),
    "/v1/investors": lambda w: (
        "/v1/investors",
        investor_payload(),
        w.once("investor", lambda: w.api.create_account("investor")).headers,
    ),
    "/v1/financing-requests": lambda w: (
        "/v1/financing-requests",
        request_payload(),
        w.startup().headers,
    ),
    "/v1/financing-requests/{financing_request_id}/review": lambda w: _review_recipe(w),
    "/v1/ranking-models/train": lambda w: (
        "/v1/ranking-models/train",
        None,
        w.api.admin if w.trained_world() else {},
    ),
    "/v1/ranking-models/default/activate": lambda w: (
        "/v1/ranking-models/default/activate",
        None,
        w.api.admin,
    ),
    "/v1/ranking-models/{model_id}/activate": lambda w: (
        f"/v1/ranking-models/{w.model_id()}/activate",
        None,
        w.api.admin,
    ),
    "/v1/ranking-models/{model_id}/comparison": lambda w: (
        f"/v1/ranking-models/{w.candidate_id()}/comparison",
        None,
        w.api.admin,
    ),
    "/v1/invitations": lambda w: ("/v1/invitations", {"name": "Recipe person"}, w.admin_of()),
    "/v1/api-keys": lambda w: ("/v1/api-keys", {"name": "recipe key"}, w.startup().headers),
    "/v1/invitations/{invitation_id}/withdraw": lambda w: (
        f"/v1/invitations/{_open_invitation(w)}/withdraw",
        None,
        w.admin_of(),
    ),
    "/v1/events/{event_id}/meetings": lambda w: (
        f"/v1/events/{_conference_day(w).event_id}/meetings",
        {
            "financing_request_id": _conference_day(w).request_id,
            "investor_profile_id": _conference_day(w).investors[0][1],
        },
        _conference_day(w).investors[0][0].headers,
    ),
    "/v1/meetings/{meeting_id}/answer": lambda w: (
        f"/v1/meetings/{_conference_day(w).ask(w.api, 1)}/answer",
        {"answer": "declined", "reason": "Not this year"},
        _conference_day(w).startup.headers,
    ),
    "/v1/meetings/{meeting_id}/cancel": lambda w: (
        f"/v1/meetings/{_conference_day(w).ask(w.api, 3)}/cancel",
        {"reason": "Flight cancelled"},
        w.api.admin,
    ),
    "/v1/events/{event_id}/schedules": lambda w: (
        f"/v1/events/{_conference_day(w).event_id}/schedules" if _accepted_meeting(w) else "",
        {"time_limit_seconds": 5},
        w.api.admin,
    ),
    "/v1/outcomes": lambda w: (
        "/v1/outcomes",
        {
            "investor_profile_id": _conference_day(w).investors[0][1],
            "financing_request_id": _conference_day(w).request_id,
        },
        _conference_day(w).investors[0][0].headers,
    ),
    "/v1/outcomes/{outcome_id}/steps": lambda w: (
        f"/v1/outcomes/{_opened_outcome(w)}/steps",
        {"kind": "sign", "happened_on": "2026-11-06", "amount": "2000000000"},
        _conference_day(w).startup.headers,
    ),
    "/v1/webhook-endpoints": lambda w: (
        "/v1/webhook-endpoints",
        _webhook_body(w)["json"],
        w.startup().headers,
    ),
    "/v1/webhook-endpoints/{endpoint_id}/enable": lambda w: (
        f"/v1/webhook-endpoints/{_webhook_endpoint(w)}/enable",
        None,
        w.startup().headers,
    ),
    "/v1/events/{event_id}/proposals": lambda w: (
        f"/v1/events/{_conference_day(w).event_id}/proposals",
        {"coverage_k": 1, "min_score": 0.0},
        w.api.admin,
    ),
}
# POSTs anyone may send, which take no Idempotency-Key (service.http.idempotency's
# PublicPostRoute says why): keys are kept per account, and these callers have none.
PUBLIC_POSTS = {
    "/v1/sessions": "a sign-in's answer is a new session's cookie, never stored; a retry signs in",
    "/v1/invitations/accept": "the code is used up: a retry creates nobody",
}


def _review_recipe(w: World) -> tuple[str, dict[str, Any], dict[str, str]]:
    path = f"/v1/financing-requests/{w.submitted_request()}"
    return f"{path}/review", {"decision": "publish"}, {**w.api.admin, **w.api.if_match(path)}


def post_paths(app: FastAPI) -> set[str]:
    return {
        path
        for path, operations in app.openapi()["paths"].items()
        if "post" in operations and path not in PUBLIC_POSTS
    }


def test_every_post_declares_the_key_and_has_a_recipe(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in post_paths(app):
        names = {p["name"] for p in paths[path]["post"].get("parameters", [])}
        assert IDEMPOTENCY_HEADER in names, path
    for path in PUBLIC_POSTS:
        names = {p["name"] for p in paths[path]["post"].get("parameters", [])}
        assert IDEMPOTENCY_HEADER not in names, path
    assert post_paths(app) - RECIPES.keys() == set(), "add a recipe for these POST routes"
    assert RECIPES.keys() - post_paths(app) == set(), "these recipes name no POST route"


def test_every_post_replays_its_first_response(
    app: FastAPI, api: ApiClient, db_session: Session
) -> None:
    """Per POST route: a retry is the first response, writes nothing; another body is 422."""
    world = World(api)
    outcomes: list[str] = []
    for template in sorted(post_paths(app)):
        path, body, headers = RECIPES[template](world)
        key = f"every-post-{len(outcomes):03d}"
        first = post(api, path, body, headers, key)
        assert first.is_success, f"{template}: {first.status_code} {first.text}"
        counts = row_counts(db_session)

        retry = post(api, path, body, headers, key)
        other = post(api, path, {"another": "body"}, headers, key)

        assert retry.status_code == first.status_code, template
        assert retry.headers.get(REPLAYED_HEADER) == "true", template
        expected = {
            name: None if name in NEVER_STORED_FIELDS else value
            for name, value in first.json().items()
        }
        assert retry.json() == expected, template
        assert other.status_code == 422, template
        assert other.json()["type"] == "/problems/idempotency-key-reused", template
        assert row_counts(db_session) == counts, f"{template}: a retry wrote rows"
        outcomes.append(f"{template} {first.status_code}")
    print(f"\n{len(outcomes)} POST routes replay their first response: {outcomes}")


def test_a_failure_after_the_response_is_stored_keeps_neither_key_nor_object(
    api: ApiClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key, its response and the object commit together or not at all."""
    investor = api.create_account("investor")
    counts = row_counts(db_session)
    complete = Claim.complete

    def complete_then_fail(self: Claim, response: Any) -> None:
        complete(self, response)  # the response row is written (flushed), then the commit fails
        raise RuntimeError("simulated failure before the commit")

    monkeypatch.setattr(Claim, "complete", complete_then_fail)
    failed = post(api, "/v1/investors", investor_payload(), investor.headers, "fails-at-commit")
    monkeypatch.undo()

    assert failed.status_code == 500
    assert row_counts(db_session) == counts
    retried = post(api, "/v1/investors", investor_payload(), investor.headers, "fails-at-commit")
    assert retried.status_code == 201
    assert REPLAYED_HEADER.lower() not in retried.headers
