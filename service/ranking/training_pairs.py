"""Labelled (investor, request) pairs to train a ranker on, read from the database.

This module only loads rows: feedback, deals after the meeting (outcomes), impressions,
recorded deals, track records and mandates. The pairs
are built by ``scoring.training_pairs``, the construction the offline evaluation trains with
(positives, seeded negative sampling, each pair's history as of its own date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import (
    Deal,
    Feedback,
    FeedbackAction,
    FinancingRequest,
    Impression,
    InvestorProfile,
    Outcome,
    OutcomeStage,
)
from scoring import InvestorRecord, MatchScorer
from scoring.history import PastDeal
from scoring.training_pairs import (
    OUTCOME_TARGETS,
    POSITIVE_TARGET,
    SHOWN_ONLY_WEIGHT,
    FeedbackOutcome,
    LabelledPairs,
    RecordedDeal,
    funded_target,
    labelled_deal_pairs,
    labelled_feedback_pairs,
)
from service.deals.service import market_deals, past_deals
from service.ranking.records import investor_record, request_record
from service.reference_data.code_links import codes_of

FEEDBACK_GRADES = {
    FeedbackAction.PASS: "passed",
    FeedbackAction.INTERESTED: "interested",
    FeedbackAction.MEETING: "meeting",
    FeedbackAction.COMMITTED: "committed",
}
"""The grade (``OUTCOME_TARGETS``) of each feedback action."""


def _mandates(session: Session, ids: Sequence[str]) -> dict[str, InvestorRecord]:
    profiles = session.scalars(
        select(InvestorProfile)
        .where(InvestorProfile.id.in_(sorted(set(ids))))
        .options(
            selectinload(InvestorProfile.sector_links),
            selectinload(InvestorProfile.stage_links),
            selectinload(InvestorProfile.region_links),
        )
    )
    return {p.id: investor_record(p) for p in profiles}


def outcome_target(outcome: Outcome) -> float:
    """How far a deal went, as a training target: funds in place count most (by the share of
    the signed amount that arrived), a deal signed without money yet counts as signed, talks
    as a meeting, and an abandoned deal as interest that came to nothing."""
    if outcome.stage is OutcomeStage.ABANDONED:
        return OUTCOME_TARGETS["interested"]
    if outcome.stage is OutcomeStage.NEGOTIATING:
        return OUTCOME_TARGETS["meeting"]
    if outcome.stage is OutcomeStage.PRODUCING:
        return OUTCOME_TARGETS["funds_in_place"]
    if not outcome.signed_amount or not outcome.funds_in_place:
        return OUTCOME_TARGETS["signed"]
    return funded_target(float(outcome.funds_in_place / outcome.signed_amount))


def _outcome_day(outcome: Outcome) -> dt.date:
    """The day of the deal's latest step (when it was opened, before any)."""
    days = [
        outcome.signed_on,
        outcome.registered_on,
        outcome.funds_in_place_on,
        outcome.producing_on,
        outcome.abandoned_on,
    ]
    return max([d for d in days if d is not None], default=outcome.created_at.date())


@dataclass(slots=True)
class _Grade:
    """The strongest thing known of one pair so far."""

    target: float
    day: dt.date
    shown: bool
    weight: float = 1.0


def _strongest(grades: dict[tuple[str, str], _Grade], pair: tuple[str, str], new: _Grade) -> None:
    """Keep the higher target of a pair, dated at the later of the two days."""
    known = grades.get(pair)
    if known is None:
        grades[pair] = new
        return
    known.shown = known.shown and new.shown
    known.weight = max(known.weight, new.weight)
    known.day = max(known.day, new.day)
    known.target = max(known.target, new.target)


def _pair_grades(session: Session) -> dict[tuple[str, str], _Grade]:
    """Every (investor, request) pair something is known of, with how far it went: the
    latest feedback, the deal after the meeting (the stronger of the two counts), or, for a
    pair shown on a page of matches and neither answered nor dealt on, that it was shown."""
    grades: dict[tuple[str, str], _Grade] = {}
    for f in session.scalars(
        select(Feedback).order_by(
            Feedback.updated_at, Feedback.investor_profile_id, Feedback.financing_request_id
        )
    ):
        pair = (f.investor_profile_id, f.financing_request_id)
        grade = _Grade(OUTCOME_TARGETS[FEEDBACK_GRADES[f.action]], f.updated_at.date(), f.shown)
        _strongest(grades, pair, grade)
    for outcome in session.scalars(select(Outcome).order_by(Outcome.created_at, Outcome.id)):
        pair = (outcome.investor_profile_id, outcome.financing_request_id)
        _strongest(grades, pair, _Grade(outcome_target(outcome), _outcome_day(outcome), True))
    first_shown = session.execute(
        select(
            Impression.investor_profile_id,
            Impression.financing_request_id,
            func.min(Impression.shown_at),
        ).group_by(Impression.investor_profile_id, Impression.financing_request_id)
    ).tuples()
    for investor, request, shown_at in first_shown:
        if (investor, request) not in grades:
            grades[(investor, request)] = _Grade(
                OUTCOME_TARGETS["shown"], shown_at.date(), True, SHOWN_ONLY_WEIGHT
            )
    return grades


def feedback_pairs(session: Session, scorer: MatchScorer) -> LabelledPairs:
    """Every pair with feedback, a deal (``models.Outcome``) or an impression, graded by how
    far it went (``scoring.training_pairs.OUTCOME_TARGETS``): positive from interest on,
    dated by its latest step, oldest first."""
    grades = _pair_grades(session)
    investors = sorted({investor for investor, _ in grades})
    mandates = _mandates(session, investors)
    requests = {
        request.id: request_record(request, codes_of(request.sector_links))
        for request in session.scalars(
            select(FinancingRequest)
            .where(FinancingRequest.id.in_(sorted({request for _, request in grades})))
            .options(selectinload(FinancingRequest.sector_links))
        )
    }
    known = sorted(
        (grade.day, investor, request)
        for (investor, request), grade in grades.items()
        if investor in mandates and request in requests
    )
    feedback = [
        FeedbackOutcome(
            investor=investor,
            request=requests[request],
            day=day,
            positive=grades[(investor, request)].target >= POSITIVE_TARGET,
            shown=grades[(investor, request)].shown,
            target=grades[(investor, request)].target,
            weight=grades[(investor, request)].weight,
        )
        for day, investor, request in known
    ]
    investors = sorted({f.investor for f in feedback})
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    return labelled_feedback_pairs(
        scorer,
        feedback,
        past_deals(session, investors),
        mandates,
        market=market_deals(session, investors, before=tomorrow),
    )


def deal_pairs(session: Session, scorer: MatchScorer, *, seed: int = 0) -> LabelledPairs:
    """Pairs from recorded deals: those of the last ``TRAINING_WINDOW_DAYS`` before the newest
    are positives, with sampled negatives; histories count only the deals before the window
    (``scoring.training_pairs.labelled_deal_pairs``)."""
    deals = session.execute(select(Deal).order_by(Deal.closed_on, Deal.id)).scalars().all()
    recorded = [
        RecordedDeal(
            investor=d.investor_profile_id,
            deal=PastDeal(d.company, d.sector, d.stage, d.region, d.closed_on),
            amount=d.amount,
            currency=d.currency,
        )
        for d in deals
    ]
    investors = sorted({r.investor for r in recorded})
    return labelled_deal_pairs(
        scorer,
        recorded,
        past_deals(session, investors),
        _mandates(session, investors),
        seed=seed,
    )


def labelled_pairs(session: Session, scorer: MatchScorer) -> LabelledPairs:
    """Feedback and deal pairs together, oldest first."""
    return feedback_pairs(session, scorer) + deal_pairs(session, scorer)
