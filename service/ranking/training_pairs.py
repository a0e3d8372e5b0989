"""Labelled (investor, request) pairs to train a ranker on: feedback and recorded deals.

Every pair's features are computed as of its own date: the investor's deal history counts
only what closed before, so a pair never sees its own outcome (no follow-on flag for the
very round being predicted). Features come from ``MatchScorer.pair_features``, the code the
matches endpoint ranks with.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Deal, Feedback, FeedbackAction, FinancingRequest, InvestorProfile
from scoring import MatchScorer
from scoring.history import InvestorHistory, company_key
from scoring.learned import NEGATIVES_PER_POSITIVE, RANKING_FEATURES, TRAINING_WINDOW_DAYS
from scoring.records import RequestRecord
from service.deals.service import past_deals
from service.ranking.records import investor_record, request_record
from service.reference_data.code_links import codes_of

POSITIVE = (FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED)


@dataclass(frozen=True, slots=True)
class LabelledPairs:
    """Pairs oldest first: features (``RANKING_FEATURES``), default score, outcome, date."""

    features: npt.NDArray[np.float64]
    default_scores: npt.NDArray[np.float64]
    outcomes: npt.NDArray[np.int64]
    days: npt.NDArray[np.int64]
    """Date of each pair as a proleptic ordinal."""

    @classmethod
    def empty(cls) -> LabelledPairs:
        return cls(
            features=np.zeros((0, len(RANKING_FEATURES)), dtype=np.float64),
            default_scores=np.zeros(0, dtype=np.float64),
            outcomes=np.zeros(0, dtype=np.int64),
            days=np.zeros(0, dtype=np.int64),
        )

    def __add__(self, other: LabelledPairs) -> LabelledPairs:
        """Both sets, oldest first (a stable sort keeps each set's own order within a day)."""
        days = np.concatenate([self.days, other.days])
        order = np.argsort(days, kind="stable")
        return LabelledPairs(
            features=np.vstack([self.features, other.features])[order],
            default_scores=np.concatenate([self.default_scores, other.default_scores])[order],
            outcomes=np.concatenate([self.outcomes, other.outcomes])[order],
            days=days[order],
        )


def _features(
    scorer: MatchScorer,
    profile: InvestorProfile,
    requests: Sequence[RequestRecord],
    history: InvestorHistory,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Feature rows and default scores of one investor against some requests, in order."""
    segment = scorer.segment(list(requests))
    # The segment is sorted by id: put its rows back in the order asked for.
    rows = np.searchsorted(segment.ids, np.array([r.id.encode() for r in requests], dtype="S36"))
    matrix, components = scorer.pair_features(
        scorer.investor_features(investor_record(profile)),
        segment,
        rows,
        names=RANKING_FEATURES,
        history=history,
    )
    return matrix, components.score


def _profiles(session: Session, ids: Sequence[str]) -> dict[str, InvestorProfile]:
    profiles = session.scalars(
        select(InvestorProfile)
        .where(InvestorProfile.id.in_(sorted(set(ids))))
        .options(
            selectinload(InvestorProfile.sector_links),
            selectinload(InvestorProfile.stage_links),
            selectinload(InvestorProfile.region_links),
        )
    )
    return {p.id: p for p in profiles}


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
    if not rows:
        return LabelledPairs.empty()
    investor_ids = [feedback.investor_profile_id for feedback, _ in rows]
    profiles = _profiles(session, investor_ids)
    deals = past_deals(session, sorted(set(investor_ids)))
    features, scores = [], []
    for feedback, financing_request in rows:
        day = feedback.updated_at.date()
        history = InvestorHistory.from_deals(deals[feedback.investor_profile_id], as_of=day)
        record = request_record(financing_request, codes_of(financing_request.sector_links))
        matrix, score = _features(scorer, profiles[feedback.investor_profile_id], [record], history)
        features.append(matrix[0])
        scores.append(score[0])
    return LabelledPairs(
        features=np.vstack(features),
        default_scores=np.asarray(scores, dtype=np.float64),
        outcomes=np.array([int(f.action in POSITIVE) for f, _ in rows], dtype=np.int64),
        days=np.array([f.updated_at.date().toordinal() for f, _ in rows], dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class _Round:
    """Recorded deals of several investors in one company on one day are one round."""

    record: RequestRecord
    closed_on: dt.date


def deal_pairs(session: Session, scorer: MatchScorer, *, seed: int = 0) -> LabelledPairs:
    """Pairs from recorded deals: those of the last ``TRAINING_WINDOW_DAYS`` before the newest
    are positives, with sampled negatives; histories count only the deals before the window.

    The same construction as the offline evaluation's training (``scoring/evaluation``).
    """
    deals = session.execute(select(Deal).order_by(Deal.closed_on, Deal.id)).scalars().all()
    if not deals:
        return LabelledPairs.empty()
    end = max(d.closed_on for d in deals)
    start = end - dt.timedelta(days=TRAINING_WINDOW_DAYS - 1)
    typical_amount = _typical_amount(deals)
    numbers: dict[tuple[int, dt.date, str], int] = {}
    rounds: list[_Round] = []
    took_part: dict[str, set[int]] = defaultdict(set)
    for deal in deals:
        if deal.closed_on < start:
            continue
        key = (company_key(deal.company), deal.closed_on, deal.stage)
        if key not in numbers:
            numbers[key] = len(rounds)
            # An unknown amount takes the median recorded one: neither a perfect nor an
            # impossible ticket fit.
            rounds.append(
                _Round(
                    record=RequestRecord(
                        id=f"deal-round-{len(rounds):09d}",
                        sectors=(deal.sector,),
                        stage=deal.stage,
                        amount=deal.amount if deal.amount is not None else typical_amount[0],
                        currency=deal.currency or typical_amount[1],
                        region=deal.region,
                        company=deal.company,
                    ),
                    closed_on=deal.closed_on,
                )
            )
        took_part[deal.investor_profile_id].add(numbers[key])
    investors = sorted(took_part)
    if not investors:
        return LabelledPairs.empty()
    rng = np.random.default_rng(seed)
    half = NEGATIVES_PER_POSITIVE // 2
    wanted: dict[str, set[int]] = defaultdict(set)
    for position, investor in enumerate(investors):
        for round_number in sorted(took_part[investor]):
            wanted[investor].add(round_number)
            for other in rng.integers(0, len(investors), size=half).tolist():
                if other != position:
                    wanted[investors[other]].add(round_number)
            wanted[investor].update(rng.integers(0, len(rounds), size=half).tolist())
    profiles = _profiles(session, sorted(wanted))
    histories = past_deals(session, sorted(wanted))
    features: list[npt.NDArray[np.float64]] = []
    scores: list[npt.NDArray[np.float64]] = []
    outcomes: list[int] = []
    days: list[int] = []
    for investor in sorted(wanted):
        chosen = sorted(wanted[investor])
        history = InvestorHistory.from_deals(histories[investor], as_of=start)
        matrix, score = _features(
            scorer, profiles[investor], [rounds[r].record for r in chosen], history
        )
        features.append(matrix)
        scores.append(score)
        outcomes.extend(int(r in took_part.get(investor, ())) for r in chosen)
        days.extend(rounds[r].closed_on.toordinal() for r in chosen)
    return LabelledPairs.empty() + LabelledPairs(
        features=np.vstack(features),
        default_scores=np.concatenate(scores),
        outcomes=np.asarray(outcomes, dtype=np.int64),
        days=np.asarray(days, dtype=np.int64),
    )


def _typical_amount(deals: Sequence[Deal]) -> tuple[Decimal, str]:
    """The median recorded amount (lower median, so an exact recorded value) and currency."""
    known = sorted(
        (d.amount, d.currency) for d in deals if d.amount is not None and d.currency is not None
    )
    return known[(len(known) - 1) // 2] if known else (Decimal(100_000_000), "CNY")


def labelled_pairs(session: Session, scorer: MatchScorer) -> LabelledPairs:
    """Feedback and deal pairs together, oldest first."""
    return feedback_pairs(session, scorer) + deal_pairs(session, scorer)
