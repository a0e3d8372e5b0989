"""Labelled (investor, request) pairs to train a ranker on, read from the database.

This module only loads rows: feedback, recorded deals, track records and mandates. The pairs
are built by ``scoring.training_pairs``, the construction the offline evaluation trains with
(positives, seeded negative sampling, each pair's history as of its own date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Deal, Feedback, FeedbackAction, FinancingRequest, InvestorProfile
from scoring import InvestorRecord, MatchScorer
from scoring.history import PastDeal
from scoring.training_pairs import (
    FeedbackOutcome,
    LabelledPairs,
    RecordedDeal,
    labelled_deal_pairs,
    labelled_feedback_pairs,
)
from service.deals.service import market_deals, past_deals
from service.ranking.records import investor_record, request_record
from service.reference_data.code_links import codes_of

POSITIVE = (FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED)


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


def feedback_pairs(session: Session, scorer: MatchScorer) -> LabelledPairs:
    """Every pair with feedback: 1 if the latest action is interest, a meeting or a
    commitment, 0 for a pass; dated when the action was taken."""
    rows = (
        session.execute(
            select(Feedback, FinancingRequest)
            .join(FinancingRequest, FinancingRequest.id == Feedback.financing_request_id)
            .options(selectinload(FinancingRequest.sector_links))
            .order_by(
                Feedback.updated_at, Feedback.investor_profile_id, Feedback.financing_request_id
            )
        )
        .tuples()
        .all()
    )
    feedback = [
        FeedbackOutcome(
            investor=f.investor_profile_id,
            request=request_record(request, codes_of(request.sector_links)),
            day=f.updated_at.date(),
            positive=f.action in POSITIVE,
            shown=f.shown,
        )
        for f, request in rows
    ]
    investors = sorted({f.investor for f in feedback})
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    return labelled_feedback_pairs(
        scorer,
        feedback,
        past_deals(session, investors),
        _mandates(session, investors),
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
