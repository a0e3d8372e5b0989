"""Computing a match report: every in-scope (investor, request) pair, scored in batches.

Scores come from the matches' own scorer (``MatchScorer.score_rows`` on the worker's
in-memory index, with the serving learned model if one is active), never from a second
formula. Money stays exact: amounts are read from the database as Decimals and converted
to CNY with the reference exchange rates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (
    Feedback,
    FeedbackAction,
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    RequestStatus,
)
from scoring import InvestorRecord, MatchScorer, RequestFilter, RequestRecord
from scoring.catalogue import Segment, merge_segments
from service.matches.index import IndexState, MatchIndex
from service.matches.service import (
    SCORE_DECIMALS,
    ServingRanker,
    investor_record,
    serving_ranker,
)
from service.reference_data import ReferenceData, get_reference_data

MIN_INVESTORS = 3  # a request is covered with at least this many investors above min_score
MAX_LISTED = 1000  # entries per list in the document (requests, investors, unmatched)
INVESTOR_BATCH = 64
CNY = "CNY"
_CENT = Decimal("0.01")
FUNNEL_STEPS = {
    "interested": frozenset(
        {FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED}
    ),
    "meeting": frozenset({FeedbackAction.MEETING, FeedbackAction.COMMITTED}),
    "committed": frozenset({FeedbackAction.COMMITTED}),
}


@dataclass(frozen=True, slots=True)
class ReportScope:
    event_id: str | None = None
    event_name: str | None = None
    sectors: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScopedRequest:
    """The exact facts of one in-scope request (the index has only floats)."""

    id: str
    company: str
    title: str
    sectors: tuple[str, ...]
    stage: str
    amount: Decimal
    currency: str
    amount_cny: Decimal

    def record(self) -> RequestRecord:
        return RequestRecord(
            id=self.id,
            sectors=self.sectors,
            stage=self.stage,
            amount=self.amount,
            currency=self.currency,
        )


@dataclass(frozen=True, slots=True)
class ScopedInvestor:
    profile_id: str
    name: str
    record: InvestorRecord
    ticket_max_cny: Decimal


def _money(value: Decimal) -> str:
    return format(value.quantize(_CENT), "f")


def _score(value: float) -> float:
    return round(min(max(float(value), 0.0), 1.0), SCORE_DECIMALS)


def _to_cny(amount: Decimal, currency: str, reference: ReferenceData) -> Decimal:
    return amount * reference.cny_per_unit[currency]


def _top_level(code: str) -> str:
    return code.split(".", 1)[0]


def _overlaps(codes: Sequence[str], wanted: set[str]) -> bool:
    return not wanted or any(code in wanted for code in codes)


def default_title(scope: ReportScope) -> str:
    parts = []
    if scope.event_name is not None:
        parts.append(scope.event_name)
    if scope.sectors:
        parts.append("sectors " + ", ".join(scope.sectors))
    if scope.stages:
        parts.append("stages " + ", ".join(scope.stages))
    return "Match report: " + ("; ".join(parts) if parts else "all published requests")


def _scope_segment(state: IndexState, scope: ReportScope) -> Segment:
    """The published requests in scope, as one id-sorted segment of the index."""
    scorer = state.scorer
    reference = get_reference_data()
    sector_columns = None
    if scope.sectors:
        related = set().union(*(reference.related_sectors(code) for code in scope.sectors))
        sector_columns = frozenset(
            scorer.taxonomy_.index[c] for c in related if c in scorer.taxonomy_.index
        )
    request_filter = RequestFilter(
        sector_columns=sector_columns,
        stage_positions=frozenset(scorer.ladder_.index.get(s, -1) for s in scope.stages)
        if scope.stages
        else None,
        event_code=scorer.events_.lookup(scope.event_id) if scope.event_id else None,
    )
    return merge_segments(
        [
            (state.base, state.base_alive & scorer.filter_mask(state.base, request_filter)),
            (state.delta, scorer.filter_mask(state.delta, request_filter)),
        ]
    )


def _load_requests(
    session: Session, scope: ReportScope, ids: set[str], reference: ReferenceData
) -> dict[str, ScopedRequest]:
    """Exact facts of the in-scope requests, read in two queries."""
    condition = FinancingRequest.status == RequestStatus.PUBLISHED
    if scope.event_id is not None:
        condition = condition & (FinancingRequest.event_id == scope.event_id)
    sectors: defaultdict[str, list[str]] = defaultdict(list)
    for request_id, code in session.execute(
        select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code)
        .join(FinancingRequest, FinancingRequest.id == FinancingRequestSector.financing_request_id)
        .where(condition)
    ).all():
        if request_id in ids:
            sectors[request_id].append(code)
    rows = session.execute(
        select(
            FinancingRequest.id,
            FinancingRequest.company,
            FinancingRequest.title,
            FinancingRequest.stage,
            FinancingRequest.amount,
            FinancingRequest.currency,
        ).where(condition)
    ).all()
    return {
        row.id: ScopedRequest(
            id=row.id,
            company=row.company,
            title=row.title,
            sectors=tuple(sorted(sectors[row.id])),
            stage=row.stage,
            amount=row.amount,
            currency=row.currency,
            amount_cny=_to_cny(row.amount, row.currency, reference),
        )
        for row in rows
        if row.id in ids
    }


def _load_investors(
    session: Session, scope: ReportScope, reference: ReferenceData
) -> tuple[list[ScopedInvestor], int]:
    """Profiles whose mandate overlaps the scope's sectors and stages, by id; and all profiles."""
    profiles = session.scalars(
        select(InvestorProfile)
        .options(
            selectinload(InvestorProfile.sector_links),
            selectinload(InvestorProfile.stage_links),
            selectinload(InvestorProfile.region_links),
        )
        .order_by(InvestorProfile.id)
    ).all()
    wanted_sectors = set().union(*(reference.related_sectors(code) for code in scope.sectors))
    wanted_stages = set(scope.stages)
    scoped = []
    for profile in profiles:
        record = investor_record(profile)
        if _overlaps(record.sectors, wanted_sectors) and _overlaps(record.stages, wanted_stages):
            scoped.append(
                ScopedInvestor(
                    profile_id=profile.id,
                    name=profile.name,
                    record=record,
                    ticket_max_cny=_to_cny(profile.ticket_max, profile.currency, reference),
                )
            )
    return scoped, len(profiles)


@dataclass
class PairTally:
    """What the batches accumulate over every (investor, request) pair in scope."""

    above: npt.NDArray[np.int32]  # per request: investors at or above min_score
    best: npt.NDArray[np.float64]  # per request: best score
    fits_sector: npt.NDArray[np.bool_]  # investor x sector: a match at or above min_score
    fits_stage: npt.NDArray[np.bool_]  # investor x stage
    listed_scores: npt.NDArray[np.float64]  # listed request x top_k
    listed_investors: npt.NDArray[np.int64]
    listed_text: npt.NDArray[np.float64]
    investor_top: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[Any]]]


def _tally(
    *,
    index: MatchIndex,
    scorer: MatchScorer,
    serving: ServingRanker,
    segment: Segment,
    investors: Sequence[ScopedInvestor],
    sector_membership: npt.NDArray[np.float32],
    stage_membership: npt.NDArray[np.float32],
    listed_rows: npt.NDArray[np.intp],
    top_k: int,
    min_score: float,
) -> PairTally:
    """Score every investor against every in-scope request, a batch of investors at a time."""
    count, listed = len(segment), listed_rows.size
    tally = PairTally(
        above=np.zeros(count, dtype=np.int32),
        best=np.full(count, -np.inf),
        fits_sector=np.zeros((len(investors), sector_membership.shape[1]), dtype=np.bool_),
        fits_stage=np.zeros((len(investors), stage_membership.shape[1]), dtype=np.bool_),
        listed_scores=np.full((listed, top_k), -np.inf),
        listed_investors=np.full((listed, top_k), len(investors), dtype=np.int64),
        listed_text=np.zeros((listed, top_k)),
        investor_top=[],
    )
    if count == 0:
        tally.investor_top = [
            (np.empty(0, dtype=np.intp), np.empty(0), np.empty(0)) for _ in investors
        ]
        return tally
    batch_above = np.zeros((INVESTOR_BATCH, count), dtype=np.float32)
    batch_scores = np.full((INVESTOR_BATCH, listed), -np.inf)
    batch_text = np.zeros((INVESTOR_BATCH, listed))
    for start in range(0, len(investors), INVESTOR_BATCH):
        batch = investors[start : start + INVESTOR_BATCH]
        size = len(batch)
        with index.ranking_slots:
            for j, investor in enumerate(batch):
                features = scorer.investor_features(investor.record)
                scores, text = scorer.score_rows(features, segment, None, learned=serving.learned)
                above = scores >= min_score
                tally.above += above
                np.maximum(tally.best, scores, out=tally.best)
                batch_above[j] = above
                batch_scores[j] = np.where(above[listed_rows], scores[listed_rows], -np.inf)
                batch_text[j] = text[listed_rows]
                tally.investor_top.append(_top_rows(scores, text, above, top_k))
        rows = slice(start, start + size)
        tally.fits_sector[rows] = (batch_above[:size] @ sector_membership) > 0
        tally.fits_stage[rows] = (batch_above[:size] @ stage_membership) > 0
        _merge_listed(tally, batch_scores[:size], batch_text[:size], start, top_k)
    return tally


def _top_rows(
    scores: npt.NDArray[np.float64],
    text: npt.NDArray[np.float64],
    above: npt.NDArray[np.bool_],
    top_k: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """One investor's best ``top_k`` rows at or above min_score, best first, ties by id."""
    candidates = np.flatnonzero(above)
    if candidates.size > top_k:
        cut = -np.partition(-scores[candidates], top_k - 1)[top_k - 1]
        candidates = candidates[scores[candidates] >= cut]
    # Rows are in id order, so the row number breaks ties by id.
    order = candidates[np.lexsort((candidates, -scores[candidates]))][:top_k]
    return order, scores[order], text[order]


def _merge_listed(
    tally: PairTally,
    scores: npt.NDArray[np.float64],
    text: npt.NDArray[np.float64],
    first_investor: int,
    top_k: int,
) -> None:
    """Keep each listed request's best ``top_k`` investors so far, ties by investor id."""
    if tally.listed_scores.shape[0] == 0:
        return
    investors = np.broadcast_to(
        np.arange(first_investor, first_investor + scores.shape[0]),
        (tally.listed_scores.shape[0], scores.shape[0]),
    )
    all_scores = np.hstack([tally.listed_scores, scores.T])
    all_investors = np.hstack([tally.listed_investors, investors])
    all_text = np.hstack([tally.listed_text, text.T])
    order = np.lexsort((all_investors, -all_scores), axis=1)[:, :top_k]
    tally.listed_scores = np.take_along_axis(all_scores, order, axis=1)
    tally.listed_investors = np.take_along_axis(all_investors, order, axis=1)
    tally.listed_text = np.take_along_axis(all_text, order, axis=1)


def _membership(
    requests: Sequence[ScopedRequest], codes: Sequence[str], codes_of: Any
) -> npt.NDArray[np.float32]:
    column = {code: i for i, code in enumerate(codes)}
    matrix = np.zeros((len(requests), len(codes)), dtype=np.float32)
    for row, request in enumerate(requests):
        for code in codes_of(request):
            matrix[row, column[code]] = 1.0
    return matrix


def _capital_rows(
    *,
    entries: Sequence[Any],
    requests: Sequence[ScopedRequest],
    fits: npt.NDArray[np.bool_],
    investors: Sequence[ScopedInvestor],
    codes_of: Any,
) -> list[dict[str, Any]]:
    asked: defaultdict[str, Decimal] = defaultdict(Decimal)
    requested: defaultdict[str, int] = defaultdict(int)
    for request in requests:
        for code in codes_of(request):
            asked[code] += request.amount_cny
            requested[code] += 1
    rows = []
    for column, entry in enumerate(entries):
        if not requested[entry.code]:
            continue
        fitting = np.flatnonzero(fits[:, column]) if fits.size else np.empty(0, dtype=np.intp)
        rows.append(
            {
                "code": entry.code,
                "name": entry.name,
                "requests": requested[entry.code],
                "capital_asked": _money(asked[entry.code]),
                "fitting_investors": int(fitting.size),
                "capital_available": _money(
                    sum((investors[int(i)].ticket_max_cny for i in fitting), Decimal(0))
                ),
            }
        )
    return rows


def _funnel(
    session: Session,
    requests: dict[str, ScopedRequest],
    investors: Sequence[ScopedInvestor],
    matched: int,
    reference: ReferenceData,
) -> dict[str, Any] | None:
    """Latest feedback on in-scope pairs; each step counts the pairs that reached it."""
    investor_ids = {i.profile_id for i in investors}
    rows = [
        row
        for row in session.execute(
            select(
                Feedback.investor_profile_id,
                Feedback.financing_request_id,
                Feedback.action,
                Feedback.amount,
                Feedback.currency,
            )
        ).all()
        if row.investor_profile_id in investor_ids and row.financing_request_id in requests
    ]
    if not rows:
        return None
    funnel: dict[str, Any] = {"matched": matched}
    for step, actions in FUNNEL_STEPS.items():
        funnel[step] = sum(1 for row in rows if row.action in actions)
    committed = sum(
        (
            _to_cny(row.amount, row.currency or CNY, reference)
            for row in rows
            if row.action is FeedbackAction.COMMITTED and row.amount is not None
        ),
        Decimal(0),
    )
    funnel["committed_amount"] = _money(committed)
    funnel["currency"] = CNY
    return funnel


def compute_report(
    *,
    session: Session,
    index: MatchIndex,
    scope: ReportScope,
    top_k: int,
    min_score: float,
    title: str | None = None,
    report_id: str,
    created_at: dt.datetime,
    created_by_account_id: str | None,
) -> dict[str, Any]:
    """The report document of the contract (see the README's "Commission" part)."""
    reference = get_reference_data()
    state = index.current(session)
    scorer = state.scorer
    segment = _scope_segment(state, scope)
    serving = serving_ranker(session, index, scorer)
    ids = [i.decode() for i in segment.ids]
    by_id = _load_requests(session, scope, set(ids), reference)
    if len(by_id) < len(ids):
        # Unpublished between the index's snapshot and this read: leave them out.
        keep = np.array([i in by_id for i in ids], dtype=np.bool_)
        segment = merge_segments([(segment, keep)])
        ids = [i for i in ids if i in by_id]
    requests = [by_id[i] for i in ids]
    investors, all_profiles = _load_investors(session, scope, reference)

    sectors = [s for s in reference.sectors if s.parent is None]
    stages = list(reference.stages)

    def sector_codes(r: ScopedRequest) -> set[str]:
        return {_top_level(code) for code in r.sectors} & {s.code for s in sectors}

    def stage_codes(r: ScopedRequest) -> set[str]:
        return {r.stage} & {s.code for s in stages}

    sector_membership = _membership(requests, [s.code for s in sectors], sector_codes)
    stage_membership = _membership(requests, [s.code for s in stages], stage_codes)
    # Listed requests: the largest asks first (in CNY), ties by id.
    ordered = listed_order(requests)
    listed_rows = np.array(ordered[:MAX_LISTED], dtype=np.intp)
    tally = _tally(
        index=index,
        scorer=scorer,
        serving=serving,
        segment=segment,
        investors=investors,
        sector_membership=sector_membership,
        stage_membership=stage_membership,
        listed_rows=listed_rows,
        top_k=top_k,
        min_score=min_score,
    )
    buckets = np.bincount(np.minimum(tally.above, MIN_INVESTORS), minlength=MIN_INVESTORS + 1)
    covered = int(buckets[MIN_INVESTORS])
    unmatched_rows = [r for r in ordered if tally.above[r] == 0]

    def reasons(investor: ScopedInvestor, request: ScopedRequest, text: float) -> list[str]:
        return scorer.explain(investor.record, request.record(), float(text))

    document: dict[str, Any] = {
        "id": report_id,
        "created_at": created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "created_by_account_id": created_by_account_id,
        "title": title or default_title(scope),
        "scope": {
            "event_id": scope.event_id,
            "event_name": scope.event_name,
            "sectors": list(scope.sectors),
            "stages": list(scope.stages),
        },
        "top_k": top_k,
        "min_score": min_score,
        "model": serving.description.model_dump(),
        "counts": {"published_requests": state.size, "investors": all_profiles},
        "totals": {
            "requests": len(requests),
            "investors": len(investors),
            "capital_asked": _money(sum((r.amount_cny for r in requests), Decimal(0))),
            "currency": CNY,
        },
        "coverage": {
            "min_investors": MIN_INVESTORS,
            "covered": covered,
            "uncovered": len(requests) - covered,
            "buckets": [
                {"label": str(n), "requests": int(buckets[n])} for n in range(MIN_INVESTORS)
            ]
            + [{"label": f"{MIN_INVESTORS}+", "requests": covered}],
        },
        "unmatched": [
            {
                "financing_request_id": requests[r].id,
                "company": requests[r].company,
                "title": requests[r].title,
                "sectors": list(requests[r].sectors),
                "stage": requests[r].stage,
                "amount": _money(requests[r].amount),
                "currency": requests[r].currency,
                "investors_above_min_score": 0,
                "best_score": _score(tally.best[r]) if np.isfinite(tally.best[r]) else None,
            }
            for r in unmatched_rows[:MAX_LISTED]
        ],
        "by_sector": _capital_rows(
            entries=sectors,
            requests=requests,
            fits=tally.fits_sector,
            investors=investors,
            codes_of=sector_codes,
        ),
        "by_stage": _capital_rows(
            entries=stages,
            requests=requests,
            fits=tally.fits_stage,
            investors=investors,
            codes_of=stage_codes,
        ),
        "requests": [
            {
                "financing_request_id": requests[r].id,
                "company": requests[r].company,
                "title": requests[r].title,
                "sectors": list(requests[r].sectors),
                "stage": requests[r].stage,
                "amount": _money(requests[r].amount),
                "currency": requests[r].currency,
                "investors_above_min_score": int(tally.above[r]),
                "top_investors": [
                    {
                        "investor_profile_id": investors[int(i)].profile_id,
                        "name": investors[int(i)].name,
                        "score": _score(score),
                        "reasons": reasons(investors[int(i)], requests[r], text),
                    }
                    for i, score, text in zip(
                        tally.listed_investors[n],
                        tally.listed_scores[n],
                        tally.listed_text[n],
                        strict=True,
                    )
                    if np.isfinite(score)
                ],
            }
            for n, r in enumerate(listed_rows)
        ],
        "investors": [
            {
                "investor_profile_id": investor.profile_id,
                "name": investor.name,
                "top_requests": [
                    {
                        "financing_request_id": requests[r].id,
                        "company": requests[r].company,
                        "title": requests[r].title,
                        "score": _score(score),
                        "reasons": reasons(investor, requests[r], text),
                    }
                    for r, score, text in zip(*tally.investor_top[n], strict=True)
                ],
            }
            for n, investor in enumerate(investors[:MAX_LISTED])
        ],
        "funnel": _funnel(session, by_id, investors, int(tally.above.sum()), reference),
        "listed": {
            "limit": MAX_LISTED,
            "requests": min(len(requests), MAX_LISTED),
            "unmatched": min(len(unmatched_rows), MAX_LISTED),
            "investors": min(len(investors), MAX_LISTED),
        },
    }
    return document


def listed_order(requests: Sequence[ScopedRequest]) -> list[int]:
    """Rows by amount in CNY, largest first, ties by id: the order every list uses."""
    return sorted(range(len(requests)), key=lambda r: (-requests[r].amount_cny, requests[r].id))
