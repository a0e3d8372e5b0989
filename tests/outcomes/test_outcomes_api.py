"""Outcomes over HTTP: a deal from negotiating to producing, the guards on each step, the cap
tranches never pass without an amendment, who may open and see a deal, and the audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import AuditRecord, Outcome, OutcomeStage
from service.outcomes.service import today
from tests.support.factories import Account, ApiClient

PROBLEM = "application/problem+json"
CREDIT_CODE = "91310000MA1FL0ER26"


@dataclass
class Parties:
    api: ApiClient
    event_id: str
    investor: Account
    other_investor: Account
    startup: Account
    other_startup: Account
    mandate: str
    other_mandate: str
    request: str
    other_request: str

    def open(self, who: Account | None, mandate: str, request: str) -> Any:
        headers = who.headers if who is not None else self.api.admin
        return self.api.client.post(
            "/v1/outcomes",
            json={"investor_profile_id": mandate, "financing_request_id": request},
            headers=headers,
        )

    def step(self, who: Account | None, outcome_id: str, **body: Any) -> Any:
        headers = who.headers if who is not None else self.api.admin
        return self.api.client.post(f"/v1/outcomes/{outcome_id}/steps", json=body, headers=headers)

    def read(self, who: Account | None, outcome_id: str) -> Any:
        headers = who.headers if who is not None else self.api.admin
        return self.api.client.get(f"/v1/outcomes/{outcome_id}", headers=headers)


@pytest.fixture
def parties(api: ApiClient) -> Parties:
    event_id = api.create_event("2026 Shanghai investment promotion conference")
    investor = api.create_account("investor", "Hillhouse")
    other_investor = api.create_account("investor", "Qiming")
    startup = api.create_account("startup", "Stepfun")
    other_startup = api.create_account("startup", "Unitree")
    mandate = api.create_investor(investor)["id"]
    other_mandate = api.create_investor(other_investor, name="Qiming Venture")["id"]
    # The conference is held (2026-11-05): the commission's records of what was presented.
    request = api.record_request(startup, event_id=event_id)["id"]
    other_request = api.record_request(other_startup, company="Unitree", event_id=event_id)["id"]
    api.publish(request)
    api.publish(other_request)
    return Parties(
        api,
        event_id,
        investor,
        other_investor,
        startup,
        other_startup,
        mandate,
        other_mandate,
        request,
        other_request,
    )


def days_ago(days: int) -> str:
    return (today() - dt.timedelta(days=days)).isoformat()


def opened(parties: Parties) -> str:
    response = parties.open(parties.investor, parties.mandate, parties.request)
    assert response.status_code == 201, response.text
    outcome_id: str = response.json()["id"]
    return outcome_id


def test_a_deal_goes_from_negotiating_to_producing_with_every_step_kept(
    parties: Parties,
) -> None:
    response = parties.open(parties.investor, parties.mandate, parties.request)
    assert response.status_code == 201, response.text
    outcome = response.json()
    assert outcome["stage"] == "negotiating"
    assert outcome["event_id"] == parties.event_id
    assert outcome["currency"] == "CNY"
    assert outcome["funds_in_place"] == "0.00"
    outcome_id = outcome["id"]

    steps: list[tuple[Account | None, dict[str, Any], str]] = [
        (
            parties.investor,
            {"kind": "sign", "happened_on": days_ago(60), "amount": "3000000000"},
            "signed",
        ),
        (
            parties.startup,
            {"kind": "register", "happened_on": days_ago(40), "credit_code": CREDIT_CODE},
            "registered",
        ),
        (
            None,
            {"kind": "tranche", "happened_on": days_ago(30), "amount": "1000000000"},
            "funds_in_place",
        ),
        (
            parties.investor,
            {"kind": "tranche", "happened_on": days_ago(20), "amount": "2000000000.00"},
            "funds_in_place",
        ),
        (parties.startup, {"kind": "produce", "happened_on": days_ago(1)}, "producing"),
    ]
    for who, body, stage in steps:
        stepped = parties.step(who, outcome_id, **body)
        assert stepped.status_code == 200, stepped.text
        assert stepped.json()["stage"] == stage
    final = parties.read(parties.startup, outcome_id).json()
    assert final["signed_amount"] == "3000000000.00"
    assert final["funds_in_place"] == "3000000000.00"
    assert final["funds_in_place_on"] == days_ago(30)
    assert final["credit_code"] == CREDIT_CODE
    assert final["producing_on"] == days_ago(1)
    assert [s["kind"] for s in final["steps"]] == [
        "sign",
        "register",
        "tranche",
        "tranche",
        "produce",
    ]
    assert final["steps"][1]["detail"] == CREDIT_CODE
    assert final["revision"] == 6


def test_tranches_never_exceed_the_signed_amount_without_an_amendment(parties: Parties) -> None:
    outcome_id = opened(parties)
    for body in (
        {"kind": "sign", "happened_on": days_ago(10), "amount": "1000000000"},
        {"kind": "register", "happened_on": days_ago(9), "credit_code": CREDIT_CODE},
        {"kind": "tranche", "happened_on": days_ago(8), "amount": "999999999.99"},
    ):
        assert parties.step(parties.investor, outcome_id, **body).status_code == 200
    over = parties.step(
        parties.investor, outcome_id, kind="tranche", happened_on=days_ago(7), amount="0.02"
    )
    assert over.status_code == 409
    assert over.headers["content-type"].startswith(PROBLEM)
    assert "amend" in over.json()["detail"]
    exact = parties.step(
        parties.investor, outcome_id, kind="tranche", happened_on=days_ago(7), amount="0.01"
    )
    assert exact.status_code == 200, exact.text
    assert exact.json()["funds_in_place"] == "1000000000.00"

    # An amendment cannot go below what has arrived, needs a reason, then lets more in.
    below = parties.step(
        None,
        outcome_id,
        kind="amend",
        happened_on=days_ago(6),
        amount="500000000",
        reason="smaller round",
    )
    assert below.status_code == 409
    no_reason = parties.step(
        None, outcome_id, kind="amend", happened_on=days_ago(6), amount="1500000000"
    )
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    amended = parties.step(
        None,
        outcome_id,
        kind="amend",
        happened_on=days_ago(6),
        amount="1500000000",
        reason="second closing",
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["signed_amount"] == "1500000000.00"
    more = parties.step(
        parties.investor, outcome_id, kind="tranche", happened_on=days_ago(5), amount="500000000"
    )
    assert more.status_code == 200, more.text
    assert Decimal(more.json()["funds_in_place"]) == Decimal("1500000000")


def test_steps_out_of_order_are_refused_and_change_nothing(parties: Parties) -> None:
    outcome_id = opened(parties)
    before = parties.read(parties.investor, outcome_id).json()
    early = parties.step(
        parties.investor, outcome_id, kind="tranche", happened_on=days_ago(1), amount="1"
    )
    assert early.status_code == 409
    assert "negotiating" in early.json()["detail"]
    assert "sign" in early.json()["detail"]
    produce = parties.step(parties.investor, outcome_id, kind="produce", happened_on=days_ago(1))
    assert produce.status_code == 409
    assert parties.read(parties.investor, outcome_id).json() == before

    signed = parties.step(
        parties.investor, outcome_id, kind="sign", happened_on=days_ago(5), amount="100"
    )
    assert signed.status_code == 200
    # Registered before it was signed; a step in the future; a field the step does not take.
    too_early = parties.step(
        parties.investor,
        outcome_id,
        kind="register",
        happened_on=days_ago(6),
        credit_code=CREDIT_CODE,
    )
    assert too_early.status_code == 422
    assert [e["field"] for e in too_early.json()["errors"]] == ["happened_on"]
    future = (today() + dt.timedelta(days=1)).isoformat()
    assert (
        parties.step(
            parties.investor,
            outcome_id,
            kind="register",
            happened_on=future,
            credit_code=CREDIT_CODE,
        ).status_code
        == 422
    )
    extra = parties.step(
        parties.investor,
        outcome_id,
        kind="register",
        happened_on=days_ago(1),
        credit_code=CREDIT_CODE,
        amount="5",
    )
    assert extra.status_code == 422
    assert [e["field"] for e in extra.json()["errors"]] == ["amount"]
    bad_code = parties.step(
        parties.investor,
        outcome_id,
        kind="register",
        happened_on=days_ago(1),
        credit_code="91310000MA1FL0ER27",
    )
    assert bad_code.status_code == 422
    assert parties.read(parties.investor, outcome_id).json()["stage"] == "signed"


def test_an_abandoned_deal_takes_no_more_steps_and_the_pair_can_start_again(
    parties: Parties,
) -> None:
    outcome_id = opened(parties)
    assert parties.open(parties.investor, parties.mandate, parties.request).status_code == 409
    abandoned = parties.step(
        parties.startup, outcome_id, kind="abandon", happened_on=days_ago(0), reason="valuation gap"
    )
    assert abandoned.status_code == 200, abandoned.text
    assert abandoned.json()["abandoned_reason"] == "valuation gap"
    again = parties.step(
        parties.startup, outcome_id, kind="sign", happened_on=days_ago(0), amount="1"
    )
    assert again.status_code == 409
    assert "nothing more" in again.json()["detail"]
    assert parties.open(parties.investor, parties.mandate, parties.request).status_code == 201


def test_who_may_open_a_deal(parties: Parties) -> None:
    # Another investor's mandate, another startup's request: not the caller's to see, and
    # said exactly as of an id that names nothing.
    def refused_field(who: Account | None, mandate: str, request: str) -> list[str]:
        response = parties.open(who, mandate, request)
        assert response.status_code == 422, response.text
        return [e["field"] for e in response.json()["errors"]]

    assert refused_field(parties.investor, parties.other_mandate, parties.request) == [
        "investor_profile_id"
    ]
    assert refused_field(parties.investor, "nobody's", parties.request) == ["investor_profile_id"]
    assert refused_field(parties.startup, parties.mandate, parties.other_request) == [
        "financing_request_id"
    ]
    # A startup names only an investor that met it or showed interest.
    assert refused_field(parties.startup, parties.mandate, parties.request) == [
        "investor_profile_id"
    ]
    interest = parties.api.client.put(
        f"/v1/investors/{parties.mandate}/feedback/{parties.request}",
        json={"action": "interested"},
        headers=parties.investor.headers,
    )
    assert interest.status_code == 200, interest.text
    assert parties.open(parties.startup, parties.mandate, parties.request).status_code == 201
    # The commission opens any pair; only on a published request.
    assert parties.open(None, parties.other_mandate, parties.other_request).status_code == 201
    draft = parties.api.create_request(parties.startup, title="draft", status="draft")["id"]
    unpublished = parties.open(None, parties.mandate, draft)
    assert unpublished.status_code == 422
    assert [e["field"] for e in unpublished.json()["errors"]] == ["financing_request_id"]


def test_each_party_sees_only_its_own_deals(parties: Parties) -> None:
    mine = opened(parties)
    theirs = parties.open(None, parties.other_mandate, parties.other_request).json()["id"]
    readers: dict[str, Account | None] = {
        "investor": parties.investor,
        "other investor": parties.other_investor,
        "startup": parties.startup,
        "other startup": parties.other_startup,
        "commission": None,
    }
    listed = {
        label: {
            item["id"]
            for item in parties.api.client.get(
                "/v1/outcomes", headers=who.headers if who else parties.api.admin
            ).json()["items"]
        }
        for label, who in readers.items()
    }
    assert listed == {
        "investor": {mine},
        "other investor": {theirs},
        "startup": {mine},
        "other startup": {theirs},
        "commission": {mine, theirs},
    }
    assert parties.read(parties.other_investor, mine).status_code == 404
    assert parties.read(parties.other_startup, mine).status_code == 404
    refused = parties.step(
        parties.other_startup, mine, kind="abandon", happened_on=days_ago(0), reason="x"
    )
    assert refused.status_code == 404
    assert parties.read(parties.investor, mine).json()["stage"] == "negotiating"
    stage_filter = parties.api.client.get("/v1/outcomes?stage=signed", headers=parties.api.admin)
    assert stage_filter.json()["items"] == []


def test_every_step_is_audited(parties: Parties, db_session: Session) -> None:
    outcome_id = opened(parties)
    parties.step(
        parties.investor, outcome_id, kind="sign", happened_on=days_ago(1), amount="2500000000"
    )
    actions = db_session.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.object_id == outcome_id)
        .order_by(AuditRecord.occurred_at, AuditRecord.id)
    ).all()
    assert actions == ["outcome.open", "outcome.sign"]


def test_closing_steps_are_never_dated_before_the_last_step(parties: Parties) -> None:
    outcome_id = opened(parties)
    for body in (
        {"kind": "sign", "happened_on": days_ago(30), "amount": "100"},
        {"kind": "register", "happened_on": days_ago(29), "credit_code": CREDIT_CODE},
        {"kind": "tranche", "happened_on": days_ago(28), "amount": "40"},
        {"kind": "tranche", "happened_on": days_ago(10), "amount": "40"},
    ):
        assert parties.step(None, outcome_id, **body).status_code == 200
    # Producing before the second tranche arrived, abandoning or amending before it: refused.
    for body in (
        {"kind": "produce", "happened_on": days_ago(20)},
        {"kind": "abandon", "happened_on": days_ago(20), "reason": "x"},
        {"kind": "amend", "happened_on": days_ago(20), "amount": "200", "reason": "x"},
    ):
        refused = parties.step(None, outcome_id, **body)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["happened_on"]
    # A tranche recorded late may be dated before one recorded earlier.
    late = parties.step(None, outcome_id, kind="tranche", happened_on=days_ago(15), amount="20")
    assert late.status_code == 200, late.text
    assert (
        parties.step(None, outcome_id, kind="produce", happened_on=days_ago(10)).status_code == 200
    )


def test_the_database_holds_one_live_deal_per_pair(parties: Parties, db_session: Session) -> None:
    outcome_id = opened(parties)
    pair = {"investor_profile_id": parties.mandate, "financing_request_id": parties.request}
    twin = {**pair, "currency": "CNY", "funds_in_place": Decimal(0)}
    db_session.add(Outcome(stage=OutcomeStage.NEGOTIATING, **twin))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()
    db_session.add(Outcome(stage=OutcomeStage.ABANDONED, **twin))
    db_session.flush()  # an abandoned one beside the live one is allowed
    assert parties.read(parties.investor, outcome_id).status_code == 200
