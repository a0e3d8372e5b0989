"""What the outcome pages show around the deals: the names of each deal's two sides, and the
pairs a party may open a deal on (its accepted meetings, and the interest shown in its
published requests) that have no deal under way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Feedback,
    FeedbackAction,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeStage,
    RequestStatus,
    Role,
)
from service.financing_requests.titles import title_as_read
from service.http.auth import Principal

INTEREST = (FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED)
SHOWN_PAIRS = 100


@dataclass(frozen=True, slots=True)
class Sides:
    """The names a page shows for a deal's mandate and request."""

    investors: dict[str, str]
    requests: dict[str, tuple[str, str]]  # id: (company, title)

    def investor(self, profile_id: str) -> str:
        return self.investors.get(profile_id, "—")

    def company(self, request_id: str) -> str:
        return self.requests.get(request_id, ("—", ""))[0]

    def title(self, request_id: str) -> str:
        return self.requests.get(request_id, ("", ""))[1]


def sides_of(session: Session, pairs: Iterable[tuple[str, str]]) -> Sides:
    """The names of the (profile id, request id) pairs' sides, in two queries."""
    profile_ids, request_ids = set(), set()
    for profile_id, request_id in pairs:
        profile_ids.add(profile_id)
        request_ids.add(request_id)
    investors: dict[str, str] = {}
    requests: dict[str, tuple[str, str]] = {}
    if profile_ids:
        investors = dict(
            session.execute(
                select(InvestorProfile.id, InvestorProfile.name).where(
                    InvestorProfile.id.in_(profile_ids)
                )
            )
            .tuples()
            .all()
        )
    if request_ids:
        for request_id, company, title in session.execute(
            select(FinancingRequest.id, FinancingRequest.company, title_as_read()).where(
                FinancingRequest.id.in_(request_ids)
            )
        ).tuples():
            requests[request_id] = (company, title)
    return Sides(investors, requests)


@dataclass(frozen=True, slots=True)
class OpenablePair:
    investor_profile_id: str
    investor: str
    financing_request_id: str
    company: str
    title: str
    met: bool  # an accepted meeting (else: interest shown)
    answer: FeedbackAction | None = None
    """The investor's standing answer (interested, met, committed), when it gave one."""
    amount: Decimal | None = None
    currency: str | None = None
    """What it committed, with a commitment."""


def openable_pairs(session: Session, principal: Principal) -> list[OpenablePair]:
    """The pairs the investor or startup is part of with an accepted meeting or shown
    interest, on a published request, and no deal under way: where it may open one."""
    if principal.is_commission:
        return []
    if principal.role is Role.INVESTOR:
        mine = select(InvestorProfile.id).where(
            InvestorProfile.owner_account_id == principal.account_id
        )
        meeting_side, feedback_side = (
            Meeting.investor_profile_id.in_(mine),
            Feedback.investor_profile_id.in_(mine),
        )
    else:
        own = select(FinancingRequest.id).where(
            FinancingRequest.owner_account_id == principal.account_id
        )
        meeting_side, feedback_side = (
            Meeting.financing_request_id.in_(own),
            Feedback.financing_request_id.in_(own),
        )
    published = select(FinancingRequest.id).where(
        FinancingRequest.status == RequestStatus.PUBLISHED
    )
    met = session.execute(
        select(Meeting.investor_profile_id, Meeting.financing_request_id).where(
            meeting_side,
            Meeting.status == MeetingStatus.ACCEPTED,
            Meeting.financing_request_id.in_(published),
        )
    ).tuples()
    interested = session.execute(
        select(
            Feedback.investor_profile_id,
            Feedback.financing_request_id,
            Feedback.action,
            Feedback.amount,
            Feedback.currency,
        ).where(
            feedback_side,
            Feedback.action.in_(INTEREST),
            Feedback.financing_request_id.in_(published),
        )
    ).tuples()
    found: dict[tuple[str, str], bool] = {}
    answers: dict[tuple[str, str], tuple[FeedbackAction, Decimal | None, str | None]] = {}
    for pair in met:
        found[pair] = True
    for profile_id, request_id, action, amount, currency in interested:
        found.setdefault((profile_id, request_id), False)
        answers[(profile_id, request_id)] = (action, amount, currency)
    live = _live_pairs(session, list(found))
    pairs = [(pair, was_met) for pair, was_met in found.items() if pair not in live]
    sides = sides_of(session, [pair for pair, _ in pairs])
    shown = []
    for (profile_id, request_id), was_met in pairs:
        answer, amount, currency = answers.get((profile_id, request_id), (None, None, None))
        shown.append(
            OpenablePair(
                investor_profile_id=profile_id,
                investor=sides.investor(profile_id),
                financing_request_id=request_id,
                company=sides.company(request_id),
                title=sides.title(request_id),
                met=was_met,
                answer=answer,
                amount=amount,
                currency=currency,
            )
        )
    shown.sort(key=lambda p: (not p.met, p.company, p.investor, p.financing_request_id))
    return shown[:SHOWN_PAIRS]


def _live_pairs(session: Session, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    return set(live_deals(session, pairs))


def live_deals(session: Session, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The deal under way (not abandoned) of each (profile id, request id) pair that has one:
    its id (a pair has at most one)."""
    if not pairs:
        return {}
    wanted = set(pairs)
    request_ids = {request_id for _, request_id in wanted}
    found = session.execute(
        select(Outcome.investor_profile_id, Outcome.financing_request_id, Outcome.id).where(
            Outcome.financing_request_id.in_(request_ids),
            Outcome.stage != OutcomeStage.ABANDONED,
        )
    ).tuples()
    return {
        (profile_id, request_id): outcome_id
        for profile_id, request_id, outcome_id in found
        if (profile_id, request_id) in wanted
    }
