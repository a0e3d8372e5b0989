"""Syndicates as responses: who leads, who follows, with which ticket, and why."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from service.http.fields import Money, with_examples
from service.i18n.languages import DISPLAY_DESCRIPTION
from service.matches.schemas import (
    RANKING_MODEL_EXAMPLE,
    REASON_EXAMPLE,
    RankingModelOut,
    ReasonOut,
)
from service.syndicates.composer import MemberRole, Obstacle

Fit = Annotated[float, Field(ge=0, le=1)]
Ratio = Annotated[float, Field(ge=0)]
Basis = Literal["matches", "interest"]

MEMBER_DISPLAY_EXAMPLE = {"role": "领投", "ticket": "10亿元（1,000,000,000 CNY）"}
LEAD_EXAMPLE = {
    "investor_id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
    "name": "Hillhouse Capital",
    "role": "lead",
    "ticket": "1000000000.00",
    "currency": "CNY",
    "share_of_ask": 0.3333,
    "score": 0.94,
    "committed": False,
    "reasons": [
        {
            **REASON_EXAMPLE,
            "kind": "stage",
            "outcome": "same",
            "text": "阶段：C轮属于Hillhouse Capital的投资阶段",
            "values": {"request_codes": ["series_c"], "mandate_codes": ["series_c"]},
        }
    ],
    "display": MEMBER_DISPLAY_EXAMPLE,
}
FOLLOWER_EXAMPLE = {
    **LEAD_EXAMPLE,
    "investor_id": "9a2f6c41-7b3e-4d58-a1c9-2e8b5f0d7a16",
    "name": "Sequoia Capital China",
    "role": "follower",
    "score": 0.9,
    "reasons": None,
    "display": {"role": "跟投", "ticket": "10亿元（1,000,000,000 CNY）"},
}
SYNDICATE_DISPLAY_EXAMPLE = {"total": "30亿元（3,000,000,000 CNY）", "coverage": "100%"}
SYNDICATE_EXAMPLE = {
    "lead_investor_id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
    "members": [
        LEAD_EXAMPLE,
        FOLLOWER_EXAMPLE,
        {
            **FOLLOWER_EXAMPLE,
            "investor_id": "c4e81b27-0f6d-4a93-b5e2-7d1a9c3f8e05",
            "name": "Shanghai AI Guidance Fund",
            "score": 0.86,
        },
    ],
    "total": "3000000000.00",
    "currency": "CNY",
    "coverage": 1.0,
    "combined_fit": 0.9,
    "lead_rounds": 1,
    "explanation": (
        "Hillhouse Capital领投10亿元（1,000,000,000 CNY），占所需金额的33.3%。"
        "2家跟投方使合计金额达到30亿元（3,000,000,000 CNY），为所需金额的100%。"
        "投资记录：Hillhouse Capital参与过1轮金额不低于6亿元（600,000,000 CNY）的C轮融资。"
    ),
    "display": SYNDICATE_DISPLAY_EXAMPLE,
}
RULES_EXAMPLE = {
    "coverage_low": 0.9,
    "coverage_high": 1.1,
    "lead_min_share": 0.2,
    "max_members": 8,
}


class MemberDisplayOut(BaseModel):
    """The member's role and ticket as a person reads them, in the caller's language."""

    model_config = with_examples(MEMBER_DISPLAY_EXAMPLE)

    role: str
    ticket: str


class SyndicateMemberOut(BaseModel):
    """One seat of a syndicate: an investor mandate, its role and its ticket."""

    model_config = with_examples(LEAD_EXAMPLE, FOLLOWER_EXAMPLE)

    investor_id: str = Field(description="The investor profile (mandate) taking the seat")
    name: str
    role: MemberRole = Field(description="lead (carries the largest ticket) or follower")
    ticket: Money = Field(
        description="What the member puts in, in the request's currency, within its range"
    )
    currency: str
    share_of_ask: Ratio = Field(description="ticket / ask, to four decimals")
    score: Fit = Field(description="The serving ranker's score of the pair")
    committed: bool = Field(
        description="Seated at the amount it committed to this request (its ticket is fixed)"
    )
    reasons: list[ReasonOut] | None = Field(
        description=(
            "Why the mandate fits the request, as the request's matches explain it, in the "
            "caller's language; null for the startup, which never sees an investor's mandate"
        )
    )
    display: MemberDisplayOut = Field(description=DISPLAY_DESCRIPTION)


class SyndicateDisplayOut(BaseModel):
    model_config = with_examples(SYNDICATE_DISPLAY_EXAMPLE)

    total: str
    coverage: str


class SyndicateOut(BaseModel):
    """A lead and its followers whose tickets together cover the ask within the rules."""

    model_config = with_examples(SYNDICATE_EXAMPLE)

    lead_investor_id: str
    members: list[SyndicateMemberOut] = Field(
        description="The lead first, then the followers, largest ticket first"
    )
    total: Money = Field(description="The tickets' sum, exact, in the request's currency")
    currency: str
    coverage: Ratio = Field(description="total / ask, to four decimals (between the rules')")
    combined_fit: Fit = Field(
        description=("The members' scores weighted by their tickets; syndicates are ranked by it")
    )
    lead_rounds: int = Field(
        ge=0,
        description=(
            "The lead's history of leading: recorded rounds at the request's stage at least as "
            "large as a lead's minimum ticket for this ask, and its commitments of that size "
            "to other requests at that stage (deals record no role, so this is what is known)"
        ),
    )
    explanation: str = Field(description="Who leads, what the followers add, the lead's record")
    display: SyndicateDisplayOut = Field(description=DISPLAY_DESCRIPTION)


class SyndicateRulesOut(BaseModel):
    """What every syndicate keeps to."""

    model_config = with_examples(RULES_EXAMPLE)

    coverage_low: Ratio = Field(description="The total is at least this share of the ask")
    coverage_high: Ratio = Field(
        description="and at most this share (minimum tickets may force it)"
    )
    lead_min_share: Ratio = Field(
        description="The lead invests at the request's stage and puts in at least this share"
    )
    max_members: int = Field(ge=2, description="A lead and at most this many minus one followers")


class SyndicateList(BaseModel):
    """The best syndicates for a financing request, best first; when there is none, why."""

    model_config = with_examples(
        {
            "financing_request_id": "7d4c2b19-5e3f-4a6b-8c1d-9f0e2a4b6c54",
            "ask": "3000000000.00",
            "currency": "CNY",
            "basis": "matches",
            "candidates": 12,
            "syndicates": [SYNDICATE_EXAMPLE],
            "obstacle": None,
            "note": None,
            "rules": RULES_EXAMPLE,
            "model": RANKING_MODEL_EXAMPLE,
        },
        {
            "financing_request_id": "7d4c2b19-5e3f-4a6b-8c1d-9f0e2a4b6c54",
            "ask": "3000000000.00",
            "currency": "CNY",
            "basis": "interest",
            "candidates": 2,
            "syndicates": [],
            "obstacle": "cannot_cover",
            "note": (
                "候选投资方的单笔金额无法覆盖所需金额："
                "全部按上限合计为15亿元（1,500,000,000 CNY），"
                "低于所需金额的90%，即27亿元（2,700,000,000 CNY）。"
            ),
            "rules": RULES_EXAMPLE,
            "model": RANKING_MODEL_EXAMPLE,
        },
    )

    financing_request_id: str
    ask: Money
    currency: str
    basis: Basis = Field(
        description=(
            "Who was considered: the request's matches (the commission), or only the matching "
            "investors that showed interest in it (the startup)"
        )
    )
    candidates: int = Field(ge=0, description="How many investor mandates were considered")
    syndicates: list[SyndicateOut]
    obstacle: Obstacle | None = Field(
        description=(
            "Why there is no syndicate: no_candidates, no_lead, cannot_cover (the tickets do "
            "not reach the lowest total), no_combination; null when there are syndicates"
        )
    )
    note: str | None = Field(description="The obstacle in a sentence, in the caller's language")
    rules: SyndicateRulesOut
    model: RankingModelOut
