"""Outcomes over HTTP: opening a deal, its steps, and what it looks like now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from models import Outcome, OutcomeStage, OutcomeStep, OutcomeStepKind
from service.financing_requests.schemas import CreditCode
from service.http.fields import (
    CheckedTogether,
    CrossFieldProblem,
    Money,
    MoneyTotal,
    with_examples,
)
from service.outcomes.deadlines import Deadlines, Overdue

EXAMPLE_OUTCOME = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f"
EXAMPLE_STEP = "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b"
EXAMPLE_REQUEST = "0f8e7d6c-5b4a-4938-8271-6a5b4c3d2e1f"
EXAMPLE_INVESTOR = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
EXAMPLE_EVENT = "2b8f6e3d-1a9c-4d7e-b5f2-4c3a1e0d9f65"
EXAMPLE_ACCOUNT = "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10"

Reason = Annotated[str, Field(min_length=1, max_length=500)]

# What each kind of step states, besides the day it happened.
NEEDS: Mapping[OutcomeStepKind, frozenset[str]] = {
    OutcomeStepKind.SIGN: frozenset({"amount"}),
    OutcomeStepKind.REGISTER: frozenset({"credit_code"}),
    OutcomeStepKind.TRANCHE: frozenset({"amount"}),
    OutcomeStepKind.PRODUCE: frozenset(),
    OutcomeStepKind.AMEND: frozenset({"amount", "reason"}),
    OutcomeStepKind.ABANDON: frozenset({"reason"}),
}
STATED = ("amount", "credit_code", "reason")


class OutcomeWrite(BaseModel):
    """Open a deal between a mandate and a published financing request (negotiating)."""

    model_config = with_examples(
        {"investor_profile_id": EXAMPLE_INVESTOR, "financing_request_id": EXAMPLE_REQUEST},
        write=True,
    )

    investor_profile_id: str = Field(min_length=1, max_length=36)
    financing_request_id: str = Field(min_length=1, max_length=36)


class OutcomeStepWrite(CheckedTogether):
    """One step of a deal. ``sign`` states the signed amount; ``register`` the company's
    unified social credit code; ``tranche`` an amount that arrived; ``amend`` a new signed
    amount and why; ``abandon`` why; ``produce`` only the day. Amounts are in the request's
    currency."""

    model_config = with_examples(
        {"kind": "sign", "happened_on": "2026-11-06", "amount": "3000000000"},
        {"kind": "register", "happened_on": "2026-12-01", "credit_code": "91310000MA1FL0ER26"},
        {"kind": "tranche", "happened_on": "2027-01-15", "amount": "1000000000"},
        write=True,
    )

    kind: OutcomeStepKind
    happened_on: dt.date = Field(description="The day it happened (not after today)")
    amount: Money | None = None
    credit_code: CreditCode | None = None
    reason: Reason | None = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        kind = values.get("kind")
        if not isinstance(kind, OutcomeStepKind):
            return
        needed = NEEDS[kind]
        for name in STATED:
            if name in needed and values.get(name) is None:
                yield CrossFieldProblem((name,), "missing", f"A '{kind.value}' step needs {name}")
            elif name not in needed and values.get(name) is not None:
                yield CrossFieldProblem(
                    (name,), "not_used", f"A '{kind.value}' step does not take {name}"
                )


class OutcomeStepOut(BaseModel):
    model_config = with_examples(
        {
            "id": EXAMPLE_STEP,
            "kind": "sign",
            "happened_on": "2026-11-06",
            "amount": "3000000000.00",
            "detail": None,
            "recorded_by_account_id": EXAMPLE_ACCOUNT,
            "created_at": "2026-11-06T10:00:00Z",
        }
    )

    id: str
    kind: OutcomeStepKind
    happened_on: dt.date
    amount: Money | None
    detail: str | None = Field(description="The credit code registered, or the reason given")
    recorded_by_account_id: str | None
    created_at: dt.datetime

    @classmethod
    def from_model(cls, step: OutcomeStep) -> OutcomeStepOut:
        return cls(
            id=step.id,
            kind=step.kind,
            happened_on=step.happened_on,
            amount=step.amount,
            detail=step.detail,
            recorded_by_account_id=step.recorded_by_account_id,
            created_at=step.created_at,
        )


OUTCOME_EXAMPLE: dict[str, Any] = {
    "id": EXAMPLE_OUTCOME,
    "investor_profile_id": EXAMPLE_INVESTOR,
    "financing_request_id": EXAMPLE_REQUEST,
    "event_id": EXAMPLE_EVENT,
    "stage": "signed",
    "currency": "CNY",
    "signed_amount": "3000000000.00",
    "signed_on": "2026-11-06",
    "credit_code": None,
    "registered_on": None,
    "funds_in_place": "0.00",
    "funds_in_place_on": None,
    "producing_on": None,
    "abandoned_on": None,
    "abandoned_reason": None,
    "registration_due_on": "2027-02-06",
    "production_due_on": "2027-11-06",
    "overdue": [],
    "steps": [OutcomeStepOut.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
    "created_at": "2026-11-05T16:00:00Z",
    "updated_at": "2026-11-06T10:00:00Z",
    "revision": 2,
}


class OutcomeOut(BaseModel):
    model_config = with_examples(OUTCOME_EXAMPLE)

    id: str
    investor_profile_id: str
    financing_request_id: str
    event_id: str | None
    stage: OutcomeStage
    currency: str
    signed_amount: Money | None
    signed_on: dt.date | None
    credit_code: str | None
    registered_on: dt.date | None
    funds_in_place: MoneyTotal = Field(description="The tranches that arrived, summed")
    funds_in_place_on: dt.date | None = Field(description="The day the first tranche arrived")
    producing_on: dt.date | None
    abandoned_on: dt.date | None
    abandoned_reason: str | None
    registration_due_on: dt.date | None = Field(
        description="Signed day plus the event's registration months (3 unless it says)"
    )
    production_due_on: dt.date | None = Field(
        description="Signed day plus the event's production months (12 unless it says)"
    )
    overdue: list[Overdue] = Field(
        description="registration: signed, not registered past its day; production: signed, "
        "not producing (nor abandoned) past its day"
    )
    steps: list[OutcomeStepOut] = Field(description="Every step, in the order recorded")
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int

    @classmethod
    def from_model(
        cls, outcome: Outcome, steps: list[OutcomeStep], deadlines: Deadlines
    ) -> OutcomeOut:
        return cls(
            id=outcome.id,
            investor_profile_id=outcome.investor_profile_id,
            financing_request_id=outcome.financing_request_id,
            event_id=outcome.event_id,
            stage=outcome.stage,
            currency=outcome.currency,
            signed_amount=outcome.signed_amount,
            signed_on=outcome.signed_on,
            credit_code=outcome.credit_code,
            registered_on=outcome.registered_on,
            funds_in_place=outcome.funds_in_place,
            funds_in_place_on=outcome.funds_in_place_on,
            producing_on=outcome.producing_on,
            abandoned_on=outcome.abandoned_on,
            abandoned_reason=outcome.abandoned_reason,
            registration_due_on=deadlines.registration_due_on,
            production_due_on=deadlines.production_due_on,
            overdue=list(deadlines.overdue),
            steps=[OutcomeStepOut.from_model(step) for step in steps],
            created_at=outcome.created_at,
            updated_at=outcome.updated_at,
            revision=outcome.revision,
        )


RATE_DESCRIPTION = "Four decimals; null when there is nothing to divide by"


class FigureOut(BaseModel):
    key: str = Field(description="The event id, sector, region or origin code ('none': unknown)")
    name: str = Field(description="The key's name in the caller's language")
    meetings: int = Field(description="Accepted meetings")
    met_and_signed: int = Field(description="Of those, the pairs whose deal was signed")
    deals: int
    signed: int = Field(description="Deals signed (also those abandoned since)")
    signing_rate: Decimal | None = Field(
        description="met_and_signed / meetings. " + RATE_DESCRIPTION
    )
    signed_amount_cny: MoneyTotal
    funds_in_place_cny: MoneyTotal
    funds_in_place_ratio: Decimal | None = Field(
        description="funds in place / signed amount. " + RATE_DESCRIPTION
    )
    overdue_registration: int
    overdue_production: int
    abandoned: int


class DoubleClaimOut(BaseModel):
    credit_code: str
    outcome_ids: list[str]
    regions: list[str]
    event_ids: list[str]


FIGURE_EXAMPLE: dict[str, Any] = {
    "key": EXAMPLE_EVENT,
    "name": "2026 Shanghai Investment Conference",
    "meetings": 40,
    "met_and_signed": 8,
    "deals": 12,
    "signed": 8,
    "signing_rate": "0.2000",
    "signed_amount_cny": "4900000000.00",
    "funds_in_place_cny": "1200000000.00",
    "funds_in_place_ratio": "0.2449",
    "overdue_registration": 1,
    "overdue_production": 0,
    "abandoned": 2,
}


class FiguresOut(BaseModel):
    """What the meetings became, by one dimension, with the whole beside it."""

    model_config = with_examples(
        {
            "by": "event",
            "groups": [FIGURE_EXAMPLE],
            "total": {**FIGURE_EXAMPLE, "key": "all", "name": "All"},
            "double_claims": [],
        }
    )

    by: str
    groups: list[FigureOut]
    total: FigureOut
    double_claims: list[DoubleClaimOut] = Field(
        description="Companies (by credit code) claimed by deals in two regions or events"
    )
