"""What activating a candidate model would change: each mandate's top 10 under the serving
model and under the candidate, their overlap, and the pairs that moved most, with reasons.

Computed when a model is trained (a POST, like a report) and again on request, and stored
with the model, so reading it is a page view, not a ranking of every mandate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NotRequired, TypedDict

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import FinancingRequest, InvestorProfile
from scoring import InvestorFeatures, InvestorRecord, MatchScorer, RankedRequest, Segment
from scoring.history import InvestorHistory
from scoring.learned import LearnedRanker
from service.deals.service import investor_histories
from service.feedback.service import passed_by_profile
from service.ranking.compliance import foreign_mask, open_to_foreign
from service.ranking.index import MatchIndex
from service.ranking.ranker import mandate_roster
from service.ranking.records import request_record
from service.ranking.selection import RequestSelection, selected_segments
from service.ranking.serving import ServingRanker, rounded_score
from service.reference_data.code_links import codes_of

TOP = 10
"""The overlap is of each mandate's top this many."""
DEPTH = 50
"""Ranks are followed this deep; a request further down is "beyond 50"."""
MOVED_SHOWN = 20
SelectedSegments = list[tuple[Segment, npt.NDArray[np.bool_]]]
REPORT_MIN_SCORE = 0.6
"""A report's default ``min_score`` (``ReportCreate``; a test keeps the two equal): how many
requests clear it under each model says what activating does to the reports. A model
trained here has its scores put on the formula's scale (``LearnedRanker.fit_scale``), so the
two counts differ by what it ranks differently; one stored before that may count far fewer."""


class ClearingRequests(TypedDict):
    """Published requests with at least one mandate scoring ``score`` or more among its
    first ``DEPTH``, under each model."""

    score: float
    serving: int
    candidate: int


class InvestorOverlap(TypedDict):
    investor_profile_id: str
    name: str
    top10_overlap: float


class StoredComparison(TypedDict):
    """The comparison as it is kept in the model's metrics (JSON)."""

    serving_version: str
    mandates: int
    mean_top10_overlap: float
    investors: list[InvestorOverlap]
    moved: list[dict[str, object]]
    clearing: NotRequired[ClearingRequests]
    """Absent from comparisons stored before it was counted."""


@dataclass(frozen=True, slots=True)
class _Ranked:
    ranks: dict[str, int]
    """Request id to its 1-based rank, for the first ``DEPTH``."""
    by_id: dict[str, RankedRequest]
    top: list[str]


def _ranked(page: Sequence[RankedRequest]) -> _Ranked:
    return _Ranked(
        ranks={r.id: position for position, r in enumerate(page, start=1)},
        by_id={r.id: r for r in page},
        top=[r.id for r in page[:TOP]],
    )


def overlap_of(serving_top: Sequence[str], candidate_top: Sequence[str]) -> float:
    """Share of the serving top 10 still in the candidate's (1 when both are empty)."""
    if not serving_top and not candidate_top:
        return 1.0
    return len(set(serving_top) & set(candidate_top)) / max(len(serving_top), len(candidate_top))


@dataclass(frozen=True, slots=True)
class _Mandate:
    """One mandate as its pages rank it: its features and deal history, the requests it may
    be shown (a foreign mandate's negative list closes some), and what it passed on."""

    record: InvestorRecord
    features: InvestorFeatures
    history: InvestorHistory | None
    segments: SelectedSegments
    passed: frozenset[str]

    def shown(
        self, index: MatchIndex, scorer: MatchScorer, learned: LearnedRanker | None
    ) -> list[RankedRequest]:
        """Its first ``DEPTH`` requests under ``learned`` (None: the default weights) that it
        did not pass on, as its matches show them: ranking as many more as it passed on
        gives them from one ranking (ties are broken by id, so the order is the same)."""
        depth = DEPTH + len(self.passed)
        page = _rank(index, scorer, (self.features, self.history), self.segments, learned, depth)
        return _without(page, self.passed)


def _mandates(
    session: Session, index: MatchIndex, *, reads_history: bool
) -> tuple[MatchScorer, list[_Mandate]]:
    """The index's scorer and every mandate, ranked as its own pages rank it."""
    state = index.current(session)
    scorer = state.scorer
    roster = mandate_roster(session, index, state)
    segments = selected_segments(state, RequestSelection())
    histories: list[InvestorHistory | None] = (
        list(investor_histories(session, [r.id for r in roster.records]))
        if reads_history and roster.records
        else [None] * len(roster.records)
    )
    # A foreign mandate's matches never hold what its negative list closes (the walk found a
    # pair "moving" in a comparison that its investor can never see).
    foreign = foreign_mask(session, roster.records) if roster.records else np.zeros(0, bool)
    open_segments = open_to_foreign(scorer, segments)
    passed = passed_by_profile(session=session)
    return scorer, [
        _Mandate(
            record=record,
            features=features,
            history=history,
            segments=open_segments if foreign[position] else segments,
            passed=passed.get(record.id, frozenset()),
        )
        for position, (record, features, history) in enumerate(
            zip(roster.records, roster.features, histories, strict=True)
        )
    ]


def compare_models(
    *,
    session: Session,
    index: MatchIndex,
    serving: ServingRanker,
    candidate: LearnedRanker,
) -> StoredComparison:
    """Every mandate ranked by both models over the published requests; JSON-safe, to be
    stored with the candidate (reasons as structure, worded when read)."""
    scorer, mandates = _mandates(
        session, index, reads_history=serving.reads_history or candidate.uses_history
    )
    names = dict(session.execute(select(InvestorProfile.id, InvestorProfile.name)).tuples().all())
    investors: list[InvestorOverlap] = []
    moves: list[tuple[int, str, str, _Ranked, _Ranked, int]] = []
    clearing_serving: set[str] = set()
    clearing_candidate: set[str] = set()
    for position, mandate in enumerate(mandates):
        record = mandate.record
        # A mandate's matches leave out what it passed on, and so do its overlap, its moved
        # pairs and, as a report does, the requests counted as clearing.
        serving_shown = mandate.shown(index, scorer, serving.learned)
        candidate_shown = mandate.shown(index, scorer, candidate)
        clearing_serving.update(_clearing(serving_shown))
        clearing_candidate.update(_clearing(candidate_shown))
        before = _ranked(serving_shown)
        after = _ranked(candidate_shown)
        investors.append(
            {
                "investor_profile_id": record.id,
                "name": names.get(record.id, record.id),
                "top10_overlap": round(overlap_of(before.top, after.top), 4),
            }
        )
        for request_id in dict.fromkeys([*before.top, *after.top]):
            moved = abs(
                before.ranks.get(request_id, DEPTH + 1) - after.ranks.get(request_id, DEPTH + 1)
            )
            if moved:
                moves.append((moved, record.id, request_id, before, after, position))
    moves.sort(
        key=lambda move: move_order(
            move[0],
            _shown_score(move[3], move[2]),
            _shown_score(move[4], move[2]),
            move[1],
            move[2],
        )
    )
    shown = moves[:MOVED_SHOWN]
    requests = _requests(session, sorted({move[2] for move in shown}))
    moved_pairs: list[dict[str, object]] = []
    for moved, investor_id, request_id, before, after, position in shown:
        found = requests.get(request_id)
        if found is None:
            continue
        either = after.by_id.get(request_id) or before.by_id[request_id]
        reasons = scorer.explain(
            mandates[position].record,
            request_record(found, codes_of(found.sector_links)),
            either.text,
            mandates[position].history,
        )
        moved_pairs.append(
            {
                "investor_profile_id": investor_id,
                "investor_name": names.get(investor_id, investor_id),
                "financing_request_id": request_id,
                "company": found.company,
                "serving_rank": before.ranks.get(request_id),
                "candidate_rank": after.ranks.get(request_id),
                "serving_score": _score(before, request_id),
                "candidate_score": _score(after, request_id),
                "moved": moved,
                "reasons": [
                    {"kind": r.kind, "outcome": r.outcome, "values": r.values()} for r in reasons
                ],
            }
        )
    investors.sort(key=lambda entry: (entry["top10_overlap"], entry["name"]))
    mean = sum(entry["top10_overlap"] for entry in investors) / len(investors) if investors else 1.0
    return {
        "serving_version": serving.version,
        "mandates": len(investors),
        "mean_top10_overlap": round(mean, 4),
        "investors": investors,
        "moved": moved_pairs,
        "clearing": {
            "score": REPORT_MIN_SCORE,
            "serving": len(clearing_serving),
            "candidate": len(clearing_candidate),
        },
    }


def scale_samples(
    *, session: Session, index: MatchIndex, candidate: LearnedRanker
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The scores of each mandate's first ``DEPTH`` requests under ``candidate`` (as it
    scores before ``fit_scale``), and the formula's fits of each mandate's first ``DEPTH``
    under the default weights: the pairs people are shown and reports count, under each."""
    scorer, mandates = _mandates(session, index, reads_history=candidate.uses_history)
    learned: list[float] = []
    formula: list[float] = []
    for mandate in mandates:
        learned.extend(r.score for r in mandate.shown(index, scorer, candidate))
        formula.extend(r.score for r in mandate.shown(index, scorer, None))
    return np.asarray(learned, dtype=np.float64), np.asarray(formula, dtype=np.float64)


def _clearing(page: Sequence[RankedRequest]) -> list[str]:
    """The requests of one mandate's ranking that clear the reports' default score, as a
    report rounds them."""
    return [r.id for r in page if rounded_score(r.score) >= REPORT_MIN_SCORE]


def _rank(
    index: MatchIndex,
    scorer: MatchScorer,
    mandate: tuple[InvestorFeatures, InvestorHistory | None],
    segments: SelectedSegments,
    learned: LearnedRanker | None,
    limit: int,
) -> list[RankedRequest]:
    """One mandate's first ``limit`` requests under ``learned`` (None: the default weights)."""
    features, history = mandate
    with index.ranking_slots:
        page = scorer.rank_segments(
            features, segments, limit=limit, learned=learned, history=history
        )
    return list(page[0])


def _without(page: Sequence[RankedRequest], left_out: frozenset[str]) -> list[RankedRequest]:
    """The first ``DEPTH`` of ``page`` that are not ``left_out``."""
    return [r for r in page if r.id not in left_out][:DEPTH]


def move_order(
    moved: int, shown_before: str, shown_after: str, investor_id: str, request_id: str
) -> tuple[bool, int, str, str]:
    """Where a moved pair comes in the list of those that moved most: first the moves an
    officer sees a reason for, the score shown (two decimals) changing; then by how far it
    moved. A reordering among requests shown with equal scores is a tie broken anew, which
    a walk found filling the list."""
    return (shown_before == shown_after, -moved, investor_id, request_id)


def _shown_score(ranked: _Ranked, request_id: str) -> str:
    """The score as the pages show it, two decimals ("" when not ranked)."""
    score = _score(ranked, request_id)
    return "" if score is None else f"{score:.2f}"


def _score(ranked: _Ranked, request_id: str) -> float | None:
    found = ranked.by_id.get(request_id)
    return None if found is None else rounded_score(found.score)


def _requests(session: Session, ids: Sequence[str]) -> dict[str, FinancingRequest]:
    if not ids:
        return {}
    rows = session.scalars(
        select(FinancingRequest)
        .where(FinancingRequest.id.in_(ids))
        .options(selectinload(FinancingRequest.sector_links))
    )
    return {row.id: row for row in rows}
