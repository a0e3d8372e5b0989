"""What each change writes to the outbox, and to whom: meetings requested, accepted,
scheduled (only new or moved seats) and cancelled, outcome steps to both parties and the
commission; a publication expanded by the worker into match.created for the mandates an
endpoint's account owns that score at least its threshold. An account the change does not
concern hears nothing."""

from __future__ import annotations

import base64
import json
import secrets
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import WebhookDelivery, WebhookEvent
from service.cli.worker import expand_publications
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from tests.support.factories import COMING_DAY, Account, ApiClient, investor_payload

ALL = [
    "match.created",
    "meeting.requested",
    "meeting.accepted",
    "meeting.scheduled",
    "meeting.cancelled",
    "financing_request.reviewed",
    "outcome.step",
]


def endpoint(api: ApiClient, owner: Account, types: list[str], **extra: Any) -> str:
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    response = api.client.post(
        "/v1/webhook-endpoints",
        json={"url": "https://127.0.0.1:9443/in", "event_types": types, "secret": secret, **extra},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    endpoint_id: str = response.json()["id"]
    return endpoint_id


def sent(session: Session) -> Counter[tuple[str, str]]:
    """(endpoint, event type) -> deliveries written."""
    session.expire_all()
    return Counter(
        (delivery.endpoint_id, delivery.event_type)
        for delivery in session.scalars(select(WebhookDelivery))
    )


def payloads(session: Session, endpoint_id: str, event_type: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(WebhookEvent.payload)
        .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookEvent.type == event_type)
        .order_by(WebhookEvent.created_at)
    ).scalars()
    return [json.loads(row) for row in rows]


def test_conference_day_and_outcomes_tell_both_parties_and_the_commission(
    api: ApiClient, db_session: Session
) -> None:
    investor, stranger = api.create_account("investor"), api.create_account("investor")
    startup, commission = api.create_account("startup"), api.create_account("commission")
    profile_id = api.create_investor(investor)["id"]
    api.create_investor(stranger)
    event_id = api.create_event("webhook conference", date=COMING_DAY)
    programme = api.client.put(
        f"/v1/events/{event_id}/programme",
        json={"days": ["2037-11-05"], "slots": [{"start": "09:00", "minutes": 30}], "tables": 2},
        headers=api.admin,
    )
    assert programme.status_code == 200, programme.text
    request_id = api.create_request(startup, event_id=event_id)["id"]
    api.publish(request_id)
    hooks = {
        "investor": endpoint(api, investor, ALL),
        "startup": endpoint(api, startup, ALL),
        "commission": endpoint(api, commission, ALL),
        "stranger": endpoint(api, stranger, ALL),
        "investor, outcomes only": endpoint(api, investor, ["outcome.step"]),
    }
    asked = api.client.post(
        f"/v1/events/{event_id}/meetings",
        json={"financing_request_id": request_id, "investor_profile_id": profile_id},
        headers=investor.headers,
    )
    assert asked.status_code == 201, asked.text
    meeting_id = asked.json()["id"]
    accepted = api.client.post(
        f"/v1/meetings/{meeting_id}/answer", json={"answer": "accepted"}, headers=startup.headers
    )
    assert accepted.status_code == 200, accepted.text
    for _ in range(2):  # the second solve keeps the seat: no second meeting.scheduled
        solved = api.client.post(
            f"/v1/events/{event_id}/schedules", json={"time_limit_seconds": 5}, headers=api.admin
        )
        assert solved.status_code == 201, solved.text
    opened = api.client.post(
        "/v1/outcomes",
        json={"investor_profile_id": profile_id, "financing_request_id": request_id},
        headers=investor.headers,
    )
    assert opened.status_code == 201, opened.text
    step = api.client.post(
        f"/v1/outcomes/{opened.json()['id']}/steps",
        json={"kind": "sign", "happened_on": "2026-11-06", "amount": "2000000000.50"},
        headers=startup.headers,
    )
    assert step.status_code == 200, step.text
    cancelled = api.client.post(
        f"/v1/meetings/{meeting_id}/cancel", json={"reason": "Flight cancelled"}, headers=api.admin
    )
    assert cancelled.status_code == 200, cancelled.text

    counts = sent(db_session)
    told = {
        "meeting.requested": 1,
        "meeting.accepted": 1,
        "meeting.scheduled": 1,
        "outcome.step": 1,
        "meeting.cancelled": 1,
    }
    for party in ("investor", "startup", "commission"):
        assert {t: counts[(hooks[party], t)] for t in told} == told, party
    assert not any(endpoint_id == hooks["stranger"] for endpoint_id, _ in counts)
    assert counts[(hooks["investor, outcomes only"], "outcome.step")] == 1
    assert counts[(hooks["investor, outcomes only"], "meeting.requested")] == 0
    [seat] = payloads(db_session, hooks["investor"], "meeting.scheduled")
    assert seat["data"]["meeting_id"] == meeting_id
    assert seat["data"]["starts_at"].endswith("Z")
    assert seat["data"]["table"] in (1, 2)
    [signed] = payloads(db_session, hooks["startup"], "outcome.step")
    assert signed["data"]["kind"] == "sign"
    assert signed["data"]["signed_amount"] == "2000000000.50"  # exact, as a string
    assert signed["data"]["stage"] == "signed"
    assert signed["timestamp"].endswith("Z")
    # Each event is one id, whichever endpoints it goes to.
    ids = {
        party: {p["id"] for p in payloads(db_session, hooks[party], "meeting.requested")}
        for party in ("investor", "startup", "commission")
    }
    assert ids["investor"] == ids["startup"] == ids["commission"]


def test_a_publication_becomes_match_events_for_owned_mandates_above_the_threshold(
    api: ApiClient, db_session: Session
) -> None:
    investor, other = api.create_account("investor"), api.create_account("investor")
    startup = api.create_account("startup")
    mine = api.create_investor(investor, name="My fund")["id"]
    theirs = api.create_investor(other, name="Their fund")["id"]
    anyone = endpoint(api, investor, ["match.created"], min_score=0.0)
    picky = endpoint(api, investor, ["match.created"], min_score=1.0)
    rival = endpoint(api, other, ["match.created"], min_score=0.0)
    startup_hook = endpoint(api, startup, ["match.created", "financing_request.reviewed"])
    request_id = api.create_request(startup)["id"]
    api.publish(request_id)
    publication = db_session.scalars(
        select(WebhookEvent).where(WebhookEvent.expand_pending.is_(True))
    ).one()
    assert publication.subject_id == request_id

    index = MatchIndex(make_default_scorer)
    index.rebuild(db_session)
    assert expand_publications(db_session, index) == 2
    db_session.flush()
    assert expand_publications(db_session, index) == 0  # expanded once, never twice

    [match] = payloads(db_session, anyone, "match.created")
    assert match["data"]["investor_profile_id"] == mine
    assert match["data"]["financing_request_id"] == request_id
    assert (match["data"]["title"], match["data"]["title_en"]) == (
        "Foundation model training round",
        None,
    )
    assert 0.0 < match["data"]["score"] <= 1.0
    assert payloads(db_session, picky, "match.created") == []
    [their_match] = payloads(db_session, rival, "match.created")
    assert their_match["data"]["investor_profile_id"] == theirs
    assert payloads(db_session, startup_hook, "match.created") == []
    assert len(payloads(db_session, startup_hook, "financing_request.reviewed")) == 1


def test_no_publication_is_left_when_no_endpoint_wants_matches(
    api: ApiClient, db_session: Session
) -> None:
    startup = api.create_account("startup")
    api.create_investor(api.create_account("investor"), **investor_payload(name="A fund"))
    endpoint(api, startup, ["financing_request.reviewed"])
    api.publish(api.create_request(startup)["id"])
    assert db_session.scalars(select(WebhookEvent.type)).all() == ["financing_request.reviewed"]


def test_a_mandate_created_or_changed_is_told_of_requests_published_before_once(
    api: ApiClient, db_session: Session
) -> None:
    investor, other = api.create_account("investor"), api.create_account("investor")
    startup = api.create_account("startup")
    earlier = api.create_request(startup)["id"]
    api.publish(earlier)
    hook = endpoint(api, investor, ["match.created"], min_score=0.0)
    index = MatchIndex(make_default_scorer)
    index.rebuild(db_session)
    expand_publications(db_session, index)  # the publication: no mandate of theirs yet
    assert payloads(db_session, hook, "match.created") == []

    mine = api.create_investor(investor, name="My fund")["id"]
    api.create_investor(other, name="Their fund")  # its owner wants no matches: nothing left
    pending = db_session.scalars(
        select(WebhookEvent).where(WebhookEvent.expand_pending.is_(True))
    ).all()
    assert [(p.type, p.subject_id) for p in pending] == [("investor_profile.changed", mine)]
    assert expand_publications(db_session, index) == 1
    [match] = payloads(db_session, hook, "match.created")
    assert (match["data"]["investor_profile_id"], match["data"]["financing_request_id"]) == (
        mine,
        earlier,
    )

    # A change of the mandate: the pair already told of is not told again.
    changed = api.patch(
        f"/v1/investors/{mine}", json={"thesis": "大模型与芯片"}, headers=investor.headers
    )
    assert changed.status_code == 200, changed.text
    assert expand_publications(db_session, index) == 0
    # A request published later is told of once, by its publication.
    later = api.create_request(startup, company="Later Co")["id"]
    api.publish(later)
    assert expand_publications(db_session, index) == 1
    told = [m["data"]["financing_request_id"] for m in payloads(db_session, hook, "match.created")]
    assert sorted(told) == sorted([earlier, later])


def test_a_commission_proposal_tells_both_parties_it_asks(
    api: ApiClient, db_session: Session
) -> None:
    investor, stranger = api.create_account("investor"), api.create_account("investor")
    startup, commission = api.create_account("startup"), api.create_account("commission")
    profile_id = api.create_investor(investor)["id"]
    event_id = api.create_event("proposals conference", date=COMING_DAY)
    programme = api.client.put(
        f"/v1/events/{event_id}/programme",
        json={"days": ["2037-11-05"], "slots": [{"start": "09:00", "minutes": 30}], "tables": 2},
        headers=api.admin,
    )
    assert programme.status_code == 200, programme.text
    request_id = api.create_request(startup, event_id=event_id)["id"]
    api.publish(request_id)
    hooks = {
        "investor": endpoint(api, investor, ["meeting.requested"]),
        "startup": endpoint(api, startup, ["meeting.requested"]),
        "commission": endpoint(api, commission, ["meeting.requested"]),
        "stranger": endpoint(api, stranger, ["meeting.requested"]),
    }
    proposed = api.client.post(
        f"/v1/events/{event_id}/proposals",
        json={"coverage_k": 1, "min_score": 0.0},
        headers=api.admin,
    )
    assert proposed.status_code == 200, proposed.text
    [meeting] = proposed.json()["proposed"]
    assert meeting["investor_profile_id"] == profile_id
    for party in ("investor", "startup", "commission"):
        [told] = payloads(db_session, hooks[party], "meeting.requested")
        assert told["data"]["meeting_id"] == meeting["id"], party
        assert told["data"]["requested_by"] == "commission", party
    assert payloads(db_session, hooks["stranger"], "meeting.requested") == []
