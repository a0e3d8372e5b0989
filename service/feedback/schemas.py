from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from models import Feedback, FeedbackAction, FeedbackEvent, InvestorProfile, PassReason
from service.http.fields import WRITE_MODEL_CONFIG, CurrencyCode, Money


class FeedbackWrite(BaseModel):
    """An investor's action on a match; ``pass`` takes a reason, ``committed`` an amount."""

    model_config = WRITE_MODEL_CONFIG

    action: FeedbackAction
    reason: PassReason | None = Field(default=None, description="Required with pass")
    amount: Money | None = Field(default=None, description="Required with committed")
    currency: CurrencyCode | None = Field(
        default=None, description="Of the amount; the request's currency when omitted"
    )


class FeedbackEventOut(BaseModel):
    action: FeedbackAction
    reason: PassReason | None
    amount: Money | None
    currency: str | None
    occurred_at: dt.datetime

    @classmethod
    def from_model(cls, event: FeedbackEvent) -> FeedbackEventOut:
        return cls(
            action=event.action,
            reason=event.reason,
            amount=event.amount,
            currency=event.currency,
            occurred_at=event.occurred_at,
        )


class FeedbackOut(BaseModel):
    investor_id: str
    financing_request_id: str
    action: FeedbackAction
    reason: PassReason | None
    amount: Money | None
    currency: str | None
    updated_at: dt.datetime
    history: list[FeedbackEventOut] = Field(description="Every action given, oldest first")

    @classmethod
    def from_model(cls, feedback: Feedback, history: list[FeedbackEvent]) -> FeedbackOut:
        return cls(
            investor_id=feedback.investor_profile_id,
            financing_request_id=feedback.financing_request_id,
            action=feedback.action,
            reason=feedback.reason,
            amount=feedback.amount,
            currency=feedback.currency,
            updated_at=feedback.updated_at,
            history=[FeedbackEventOut.from_model(event) for event in history],
        )


class InterestedInvestorOut(BaseModel):
    """What a startup learns of an investor that showed interest: who, and how far it went."""

    investor_id: str
    name: str
    kind: str
    origin: str
    action: FeedbackAction
    updated_at: dt.datetime

    @classmethod
    def from_models(cls, profile: InvestorProfile, feedback: Feedback) -> InterestedInvestorOut:
        return cls(
            investor_id=profile.id,
            name=profile.name,
            kind=profile.kind,
            origin=profile.origin,
            action=feedback.action,
            updated_at=feedback.updated_at,
        )


class InterestList(BaseModel):
    items: list[InterestedInvestorOut]
