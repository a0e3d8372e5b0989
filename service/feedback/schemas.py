from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field

from models import Feedback, FeedbackAction, FeedbackEvent, InvestorProfile, PassReason
from service.http.fields import (
    CheckedTogether,
    CrossFieldProblem,
    CurrencyCode,
    Money,
    with_examples,
)
from service.i18n.amounts import readable_amount
from service.i18n.labels import label
from service.i18n.languages import DISPLAY_DESCRIPTION, current_language
from service.reference_data.catalog import get_reference_data

PassNote = Annotated[str, Field(min_length=1, max_length=500)]


class FeedbackWrite(CheckedTogether):
    """An investor's action on a match; ``pass`` takes a reason, ``committed`` an amount."""

    model_config = with_examples(
        {"action": "interested"},
        {"action": "pass", "reason": "ticket"},
        {"action": "pass", "reason": "other", "note": "Already invested in a competitor"},
        {"action": "committed", "amount": "500000000", "currency": "CNY"},
        write=True,
    )

    action: FeedbackAction
    reason: PassReason | None = Field(default=None, description="Required with pass")
    amount: Money | None = Field(default=None, description="Required with committed")
    currency: CurrencyCode | None = Field(
        default=None, description="Of the amount; the request's currency when omitted"
    )
    note: PassNote | None = Field(
        default=None,
        description=(
            "With pass only: the investor's own words (the commission reads them, the "
            "startup does not)"
        ),
    )

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        """Which fields go with which action (checked with the fields, so one 422 says all)."""
        action = values.get("action")
        passing, committing = action is FeedbackAction.PASS, action is FeedbackAction.COMMITTED
        if action is not None and "reason" in values:
            if passing and values["reason"] is None:
                yield CrossFieldProblem(("reason",), "missing", "A pass needs a reason")
            if not passing and values["reason"] is not None:
                yield CrossFieldProblem(("reason",), "not_allowed", "Only a pass takes a reason")
        if action is not None and "amount" in values:
            if committing and values["amount"] is None:
                yield CrossFieldProblem(("amount",), "missing", "A commitment needs an amount")
            if not committing and values["amount"] is not None:
                message = "Only a commitment takes an amount"
                yield CrossFieldProblem(("amount",), "not_allowed", message)
        if action is not None and not passing and values.get("note") is not None:
            yield CrossFieldProblem(("note",), "not_allowed", "Only a pass takes a note")
        if values.get("amount", 0) is None and values.get("currency") is not None:
            yield CrossFieldProblem(("currency",), "not_allowed", "Currency goes with amount")


class FeedbackEventOut(BaseModel):
    model_config = with_examples(
        {
            "action": "interested",
            "reason": None,
            "amount": None,
            "currency": None,
            "note": None,
            "occurred_at": "2026-11-21T09:30:00Z",
            "taken_back": False,
        }
    )

    action: FeedbackAction
    reason: PassReason | None
    amount: Money | None
    currency: str | None
    note: str | None = Field(description="A pass's own words")
    occurred_at: dt.datetime
    taken_back: bool = Field(
        default=False,
        description=(
            "True: the investor took this answer back here (the answer given before it stands "
            "again, or none); false: the answer was given here"
        ),
    )

    @classmethod
    def from_model(cls, event: FeedbackEvent) -> FeedbackEventOut:
        return cls(
            action=event.action,
            reason=event.reason,
            amount=event.amount,
            currency=event.currency,
            note=event.note,
            occurred_at=event.occurred_at,
            taken_back=event.undoes_event_id is not None,
        )


FEEDBACK_DISPLAY_EXAMPLE = {"action": "已会面洽谈", "reason": None, "amount": None}


class FeedbackDisplayOut(BaseModel):
    """What a person reads of an answer, in the caller's language: the action, the reason
    to pass, the committed amount in 亿/万 beside the exact figure."""

    model_config = with_examples(
        FEEDBACK_DISPLAY_EXAMPLE,
        {"action": "已承诺投资", "reason": None, "amount": "5亿元（500,000,000 CNY）"},
    )

    action: str
    reason: str | None
    amount: str | None

    @classmethod
    def of(cls, feedback: Feedback) -> FeedbackDisplayOut:
        amount = None
        if feedback.amount is not None and feedback.currency is not None:
            amount = readable_amount(feedback.amount, feedback.currency)
        return cls(
            action=label(feedback.action),
            reason=None if feedback.reason is None else label(feedback.reason),
            amount=amount,
        )


class FeedbackOut(BaseModel):
    model_config = with_examples(
        {
            "investor_id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
            "financing_request_id": "7d4c2b19-5e3f-4a6b-8c1d-9f0e2a4b6c54",
            "display": FEEDBACK_DISPLAY_EXAMPLE,
            "action": "meeting",
            "reason": None,
            "amount": None,
            "currency": None,
            "note": None,
            "shown": True,
            "updated_at": "2026-11-24T09:30:00Z",
            "history": [
                {
                    "action": "interested",
                    "reason": None,
                    "amount": None,
                    "currency": None,
                    "note": None,
                    "occurred_at": "2026-11-21T09:30:00Z",
                },
                {
                    "action": "meeting",
                    "reason": None,
                    "amount": None,
                    "currency": None,
                    "note": None,
                    "occurred_at": "2026-11-24T09:30:00Z",
                },
            ],
        }
    )

    investor_id: str
    financing_request_id: str
    display: FeedbackDisplayOut = Field(description=DISPLAY_DESCRIPTION)
    action: FeedbackAction
    reason: PassReason | None
    amount: Money | None
    currency: str | None
    note: str | None = Field(description="A pass's own words")
    shown: bool = Field(
        description=(
            "Whether the investor's pages of matches had shown it this request before its "
            "first answer (an unsolicited answer counts for less in training)"
        )
    )
    updated_at: dt.datetime
    history: list[FeedbackEventOut] = Field(
        description=(
            "Every answer given and every one taken back (taken_back: true, repeating the "
            "answer it took back), oldest first; an undo takes back the latest answer still "
            "standing"
        )
    )

    @classmethod
    def from_model(cls, feedback: Feedback, history: list[FeedbackEvent]) -> FeedbackOut:
        return cls(
            investor_id=feedback.investor_profile_id,
            financing_request_id=feedback.financing_request_id,
            display=FeedbackDisplayOut.of(feedback),
            action=feedback.action,
            reason=feedback.reason,
            amount=feedback.amount,
            currency=feedback.currency,
            note=feedback.note,
            shown=feedback.shown,
            updated_at=feedback.updated_at,
            history=[FeedbackEventOut.from_model(event) for event in history],
        )


INTEREST_DISPLAY_EXAMPLE = {"kind": "私募股权", "origin": "境内", "action": "已会面洽谈"}


class InterestDisplayOut(BaseModel):
    """The investor's kind and origin and how far it went, in the caller's language."""

    model_config = with_examples(INTEREST_DISPLAY_EXAMPLE)

    kind: str
    origin: str
    action: str

    @classmethod
    def of(cls, profile: InvestorProfile, feedback: Feedback) -> InterestDisplayOut:
        reference, language = get_reference_data(), current_language()
        return cls(
            kind=reference.name_of("investor_kind", profile.kind, language),
            origin=reference.name_of("origin", profile.origin, language),
            action=label(feedback.action),
        )


class InterestedInvestorOut(BaseModel):
    """What a startup learns of an investor that showed interest: who, and how far it went."""

    model_config = with_examples(
        {
            "investor_id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
            "name": "Hillhouse Capital",
            "kind": "pe",
            "origin": "domestic",
            "action": "meeting",
            "updated_at": "2026-11-21T09:30:00Z",
            "display": INTEREST_DISPLAY_EXAMPLE,
        }
    )

    investor_id: str
    name: str
    kind: str
    origin: str
    action: FeedbackAction
    updated_at: dt.datetime
    display: InterestDisplayOut = Field(description=DISPLAY_DESCRIPTION)

    @classmethod
    def from_models(cls, profile: InvestorProfile, feedback: Feedback) -> InterestedInvestorOut:
        return cls(
            investor_id=profile.id,
            name=profile.name,
            kind=profile.kind,
            origin=profile.origin,
            action=feedback.action,
            updated_at=feedback.updated_at,
            display=InterestDisplayOut.of(profile, feedback),
        )


class InterestList(BaseModel):
    model_config = with_examples(
        {
            "items": [
                {
                    "investor_id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
                    "name": "Hillhouse Capital",
                    "kind": "pe",
                    "origin": "domestic",
                    "action": "meeting",
                    "updated_at": "2026-11-21T09:30:00Z",
                    "display": INTEREST_DISPLAY_EXAMPLE,
                }
            ]
        }
    )

    items: list[InterestedInvestorOut]
