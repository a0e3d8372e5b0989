"""Computing a match report: every in-scope (investor, request) pair, scored in batches.

Scores come from the matches' own scorer (``MatchScorer.score_rows`` on the worker's
in-memory index, with the serving learned model if one is active), never from a second
formula. Money stays exact: amounts are read from the database as Decimals and converted
to CNY with the reference exchange rates; only the listed requests are read in full.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import BigInteger, ColumnElement, cast, select, type_coerce
from sqlalchemy.orm import Session

from models import (
    Feedback,
    FeedbackAction,
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    InvestorProfileRegion,
    InvestorProfileSector,
    InvestorProfileStage,
    RequestStatus,
)
from scoring import InvestorFeatures, InvestorRecord, MatchScorer, RequestRecord
from scoring.catalogue import Segment, merge_segments
from scoring.history import InvestorHistory
from service.deals.service import investor_histories
from service.ranking.index import IndexState, MatchIndex
from service.ranking.selection import RequestSelection, selected_segment
from service.ranking.serving import ServingRanker, rounded_score, serving_ranker
from service.reference_data.catalog import CodeEntry, ReferenceData, get_reference_data

MIN_INVESTORS = 3  # a request is covered with at least this many investors above min_score
MAX_LISTED = 1000  # entries per list in the document (requests, unmatched, investors)
INVESTOR_BATCH = 64
ID_CHUNK = 500  # ids per IN (...) query
CNY = "CNY"
_CENT = Decimal("0.01")
FUNNEL_STEPS = {
    "interested": frozenset(
        {FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED}
    ),
    "meeting": frozenset({FeedbackAction.MEETING, FeedbackAction.COMMITTED}),
    "committed": frozenset({FeedbackAction.COMMITTED}),
}
IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ReportScope:
    event_id: str | None = None
    event_name: str | None = None
    sectors: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestDetails:
    """What the document shows of one listed request, exactly as stored."""

    id: str
    company: str
    title: str
    sectors: tuple[str, ...]
    stage: str
    amount: Decimal
    currency: str

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


@dataclass
class PairTally:
    """What the batches accumulate over every (investor, request) pair in scope."""

    above: npt.NDArray[np.int32]  # per request: investors at or above min_score
    best: FloatArray  # per request: best score
    fits_sector: npt.NDArray[np.bool_]  # investor x sector: a match at or above min_score
    fits_stage: npt.NDArray[np.bool_]  # investor x stage
    listed_scores: FloatArray  # listed request x top_k, best first
    listed_investors: npt.NDArray[np.int64]
    listed_text: FloatArray
    investor_top: list[tuple[IntArray, FloatArray, FloatArray]] = field(default_factory=list)


def _money(value: Decimal) -> str:
    return format(value.quantize(_CENT), "f")


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


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
    return selected_segment(
        state,
        RequestSelection(
            sectors=tuple(scope.sectors), stages=tuple(scope.stages), event_id=scope.event_id
        ),
    )


def _published_in(scope: ReportScope) -> ColumnElement[bool]:
    condition = FinancingRequest.status == RequestStatus.PUBLISHED
    if scope.event_id is not None:
        condition = condition & (FinancingRequest.event_id == scope.event_id)
    return condition


def _amount_in_cents(dialect: str) -> ColumnElement[int]:
    # Whole hundredths as integers: exact, and far cheaper to read than a Decimal per row.
    # SQLite stores them so already (see models.types.ExactMoney).
    if dialect == "sqlite":
        return type_coerce(FinancingRequest.amount, BigInteger)
    return cast(FinancingRequest.amount * 100, BigInteger)


def _load_amounts(
    session: Session, scope: ReportScope, ids: set[str]
) -> dict[str, tuple[int, str]]:
    """Exact amount (in hundredths) and currency of each in-scope request, in one query."""
    connection = session.connection()  # Core rows: no ORM work per row
    cents = _amount_in_cents(connection.dialect.name)
    rows = connection.execute(
        select(FinancingRequest.id, cents, FinancingRequest.currency).where(_published_in(scope))
    ).all()
    return {row[0]: (int(row[1]), row[2]) for row in rows if row[0] in ids}


def _load_details(session: Session, ids: Sequence[str]) -> dict[str, RequestDetails]:
    """Everything the document shows of the listed requests."""
    wanted = sorted(set(ids))
    sectors: defaultdict[str, list[str]] = defaultdict(list)
    rows: list[Any] = []
    for chunk in _chunks(wanted):
        for request_id, code in session.execute(
            select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code)
            .where(FinancingRequestSector.financing_request_id.in_(chunk))
            .order_by(FinancingRequestSector.code)
        ):
            sectors[request_id].append(code)
        rows += session.execute(
            select(
                FinancingRequest.id,
                FinancingRequest.company,
                FinancingRequest.title,
                FinancingRequest.stage,
                FinancingRequest.amount,
                FinancingRequest.currency,
            ).where(FinancingRequest.id.in_(chunk))
        ).all()
    return {
        row.id: RequestDetails(
            id=row.id,
            company=row.company,
            title=row.title,
            sectors=tuple(sectors[row.id]),
            stage=row.stage,
            amount=row.amount,
            currency=row.currency,
        )
        for row in rows
    }


def _load_investors(
    session: Session, scope: ReportScope, reference: ReferenceData
) -> tuple[list[ScopedInvestor], int]:
    """Profiles whose mandate overlaps the scope's sectors and stages, by id; and all profiles."""
    connection = session.connection()  # Core rows: a report reads every profile
    codes: dict[str, defaultdict[str, list[str]]] = {}
    for kind, table in (
        ("sectors", InvestorProfileSector),
        ("stages", InvestorProfileStage),
        ("regions", InvestorProfileRegion),
    ):
        codes[kind] = defaultdict(list)
        for profile_id, code in connection.execute(
            select(table.investor_profile_id, table.code).order_by(table.code)
        ):
            codes[kind][profile_id].append(code)
    profiles = connection.execute(
        select(
            InvestorProfile.id,
            InvestorProfile.name,
            InvestorProfile.thesis,
            InvestorProfile.ticket_min,
            InvestorProfile.ticket_max,
            InvestorProfile.currency,
        ).order_by(InvestorProfile.id)
    ).all()
    wanted_sectors = set().union(*(reference.related_sectors(code) for code in scope.sectors))
    wanted_stages = set(scope.stages)
    scoped = []
    for profile in profiles:
        record = InvestorRecord(
            id=profile.id,
            sectors=tuple(codes["sectors"][profile.id]),
            stages=tuple(codes["stages"][profile.id]),
            ticket_min=profile.ticket_min,
            ticket_max=profile.ticket_max,
            currency=profile.currency,
            thesis=profile.thesis,
            regions=tuple(codes["regions"][profile.id]),
        )
        if wanted_sectors and not wanted_sectors.intersection(record.sectors):
            continue
        if wanted_stages and not wanted_stages.intersection(record.stages):
            continue
        scoped.append(
            ScopedInvestor(
                profile_id=profile.id,
                name=profile.name,
                record=record,
                ticket_max_cny=profile.ticket_max * reference.cny_per_unit[profile.currency],
            )
        )
    return scoped, len(profiles)


def _sector_membership(
    scorer: MatchScorer, segment: Segment, sectors: Sequence[CodeEntry]
) -> npt.NDArray[np.float32]:
    """Row x top-level sector: 1 where one of the request's sectors falls under it."""
    column = {entry.code: i for i, entry in enumerate(sectors)}
    combinations = scorer.sector_combinations()
    by_combo = np.zeros((len(combinations), len(sectors)), dtype=np.float32)
    for codes, combo in combinations.items():
        for code in codes:
            top = column.get(code.split(".", 1)[0])
            if top is not None:
                by_combo[combo, top] = 1.0
    membership: npt.NDArray[np.float32] = by_combo[segment.sector_combo]
    return membership


def _stage_membership(segment: Segment, stages: Sequence[CodeEntry]) -> npt.NDArray[np.float32]:
    """Row x stage: 1 at the request's stage (unknown stages have no column)."""
    membership = np.zeros((len(segment), len(stages) + 1), dtype=np.float32)
    membership[np.arange(len(segment)), np.minimum(segment.stage_positions, len(stages))] = 1.0
    return membership[:, : len(stages)]


def _top_rows(
    scores: FloatArray, text: FloatArray, above: npt.NDArray[np.bool_], top_k: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """One investor's best ``top_k`` rows at or above min_score, best first, ties by id."""
    candidates = np.flatnonzero(above)
    if candidates.size > top_k:
        cut = -np.partition(-scores[candidates], top_k - 1)[top_k - 1]
        candidates = candidates[scores[candidates] >= cut]
    # Rows are in id order, so the row number breaks ties by id.
    order = candidates[np.lexsort((candidates, -scores[candidates]))][:top_k]
    return order, scores[order], text[order]


def _merge_listed(
    tally: PairTally, scores: FloatArray, text: FloatArray, first_investor: int, top_k: int
) -> None:
    """Keep each listed request's best ``top_k`` investors so far, ties by investor id."""
    listed, batch = tally.listed_scores.shape[0], scores.shape[0]
    if listed == 0:
        return
    investors = np.broadcast_to(np.arange(first_investor, first_investor + batch), (listed, batch))
    all_scores = np.hstack([tally.listed_scores, scores.T])
    all_investors = np.hstack([tally.listed_investors, investors])
    all_text = np.hstack([tally.listed_text, text.T])
    order = np.lexsort((all_investors, -all_scores), axis=1)[:, :top_k]
    tally.listed_scores = np.take_along_axis(all_scores, order, axis=1)
    tally.listed_investors = np.take_along_axis(all_investors, order, axis=1)
    tally.listed_text = np.take_along_axis(all_text, order, axis=1)


def _tally(
    *,
    index: MatchIndex,
    scorer: MatchScorer,
    serving: ServingRanker,
    segment: Segment,
    features: Sequence[InvestorFeatures],
    histories: Sequence[InvestorHistory | None],
    sector_membership: npt.NDArray[np.float32],
    stage_membership: npt.NDArray[np.float32],
    listed_rows: IntArray,
    top_k: int,
    min_score: float,
) -> PairTally:
    """Score every investor against every in-scope request, a batch of investors at a time.

    Memory stays bounded by a batch: no investor x request matrix is ever held whole.
    """
    count, listed, investors = len(segment), listed_rows.size, len(features)
    tally = PairTally(
        above=np.zeros(count, dtype=np.int32),
        best=np.full(count, -np.inf),
        fits_sector=np.zeros((investors, sector_membership.shape[1]), dtype=np.bool_),
        fits_stage=np.zeros((investors, stage_membership.shape[1]), dtype=np.bool_),
        listed_scores=np.full((listed, top_k), -np.inf),
        listed_investors=np.full((listed, top_k), investors, dtype=np.int64),
        listed_text=np.zeros((listed, top_k)),
    )
    if count == 0:
        empty = (np.empty(0, dtype=np.intp), np.empty(0), np.empty(0))
        tally.investor_top = [empty for _ in features]
        return tally
    batch_above = np.zeros((INVESTOR_BATCH, count), dtype=np.float32)
    batch_scores = np.full((INVESTOR_BATCH, listed), -np.inf)
    batch_text = np.zeros((INVESTOR_BATCH, listed))
    for start in range(0, investors, INVESTOR_BATCH):
        batch = features[start : start + INVESTOR_BATCH]
        with index.ranking_slots:
            for j, mandate in enumerate(batch):
                scores, text = scorer.score_rows(
                    mandate,
                    segment,
                    None,
                    learned=serving.learned,
                    history=histories[start + j],
                )
                above = scores >= min_score
                tally.above += above
                np.maximum(tally.best, scores, out=tally.best)
                batch_above[j] = above
                listed_scores = scores[listed_rows]
                batch_scores[j] = np.where(listed_scores >= min_score, listed_scores, -np.inf)
                batch_text[j] = text[listed_rows]
                tally.investor_top.append(_top_rows(scores, text, above, top_k))
        size = len(batch)
        rows = slice(start, start + size)
        tally.fits_sector[rows] = (batch_above[:size] @ sector_membership) > 0
        tally.fits_stage[rows] = (batch_above[:size] @ stage_membership) > 0
        _merge_listed(tally, batch_scores[:size], batch_text[:size], start, top_k)
    return tally


def _capital_rows(
    entries: Sequence[CodeEntry],
    membership: npt.NDArray[np.float32],
    amount_cny: Sequence[Decimal],
    fits: npt.NDArray[np.bool_],
    investors: Sequence[ScopedInvestor],
) -> list[dict[str, Any]]:
    """Capital asked against capital available from fitting investors, per code."""
    rows = []
    for column, entry in enumerate(entries):
        members = np.flatnonzero(membership[:, column])
        if members.size == 0:
            continue
        fitting = np.flatnonzero(fits[:, column])
        rows.append(
            {
                "code": entry.code,
                "name": entry.name,
                "requests": int(members.size),
                "capital_asked": _money(sum((amount_cny[r] for r in members.tolist()), Decimal(0))),
                "fitting_investors": int(fitting.size),
                "capital_available": _money(
                    sum((investors[i].ticket_max_cny for i in fitting.tolist()), Decimal(0))
                ),
            }
        )
    return rows


def _funnel(
    session: Session,
    request_ids: set[str],
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
        if row.investor_profile_id in investor_ids and row.financing_request_id in request_ids
    ]
    if not rows:
        return None
    committed = sum(
        (
            row.amount * reference.cny_per_unit[row.currency or CNY]
            for row in rows
            if row.action is FeedbackAction.COMMITTED and row.amount is not None
        ),
        Decimal(0),
    )
    return {
        "matched": matched,
        **{
            step: sum(1 for r in rows if r.action in actions)
            for step, actions in FUNNEL_STEPS.items()
        },
        "committed_amount": _money(committed),
        "currency": CNY,
    }


@dataclass(frozen=True, slots=True)
class Pair:
    investor: int
    row: int
    score: float
    text: float


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
    serving = serving_ranker(session, index, scorer)
    segment = _scope_segment(state, scope)
    ids = [i.decode() for i in segment.ids]
    money = _load_amounts(session, scope, set(ids))
    if len(money) < len(ids):
        # Unpublished between the index's snapshot and this read: leave them out.
        segment = merge_segments([(segment, np.array([i in money for i in ids], dtype=np.bool_))])
        ids = [i for i in ids if i in money]
    rates = {code: rate / 100 for code, rate in reference.cny_per_unit.items()}
    amount_cny = [money[i][0] * rates[money[i][1]] for i in ids]
    investors, all_profiles = _load_investors(session, scope, reference)
    # Deal history is read only when the serving ranker uses it, as the matches do.
    histories: Sequence[InvestorHistory | None] = (
        investor_histories(session, [investor.profile_id for investor in investors])
        if serving.reads_history
        else [None] * len(investors)
    )
    sectors = [entry for entry in reference.sectors if entry.parent is None]
    stages = list(reference.stages)
    sector_membership = _sector_membership(scorer, segment, sectors)
    stage_membership = _stage_membership(segment, stages)
    # Every list runs from the largest ask (in CNY) down, ties by id (the row order).
    ordered = np.lexsort((np.arange(len(segment)), -segment.log_amount_cny))
    listed_rows = ordered[:MAX_LISTED]
    tally = _tally(
        index=index,
        scorer=scorer,
        serving=serving,
        segment=segment,
        features=scorer.investors_features([investor.record for investor in investors]),
        histories=histories,
        sector_membership=sector_membership,
        stage_membership=stage_membership,
        listed_rows=listed_rows,
        top_k=top_k,
        min_score=min_score,
    )
    unmatched_rows = ordered[tally.above[ordered] == 0][:MAX_LISTED]
    listed_pairs = [
        [
            Pair(int(i), int(row), float(score), float(text))
            for i, score, text in zip(
                tally.listed_investors[n], tally.listed_scores[n], tally.listed_text[n], strict=True
            )
            if np.isfinite(score)
        ]
        for n, row in enumerate(listed_rows)
    ]
    investor_pairs = [
        [
            Pair(n, int(row), float(score), float(text))
            for row, score, text in zip(*tally.investor_top[n], strict=True)
        ]
        for n in range(min(len(investors), MAX_LISTED))
    ]
    shown_rows = {int(r) for r in listed_rows} | {int(r) for r in unmatched_rows}
    shown_rows |= {pair.row for pairs in investor_pairs for pair in pairs}
    details = _load_details(session, [ids[r] for r in shown_rows])
    every_pair = [pair for pairs in listed_pairs + investor_pairs for pair in pairs]
    explained = scorer.explain_pairs(
        (
            investors[p.investor].record,
            details[ids[p.row]].record(),
            p.text,
            histories[p.investor],
        )
        for p in every_pair
    )
    reasons = {(p.investor, p.row): r for p, r in zip(every_pair, explained, strict=True)}
    buckets = np.bincount(np.minimum(tally.above, MIN_INVESTORS), minlength=MIN_INVESTORS + 1)
    covered = int(buckets[MIN_INVESTORS])

    def request_fields(row: int) -> dict[str, Any]:
        shown = details[ids[row]]
        return {
            "financing_request_id": shown.id,
            "company": shown.company,
            "title": shown.title,
            "sectors": list(shown.sectors),
            "stage": shown.stage,
            "amount": _money(shown.amount),
            "currency": shown.currency,
            "investors_above_min_score": int(tally.above[row]),
        }

    return {
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
        "model": {"version": serving.version, "weights": serving.weights},
        "counts": {"published_requests": state.size, "investors": all_profiles},
        "totals": {
            "requests": len(ids),
            "investors": len(investors),
            "capital_asked": _money(sum(amount_cny, Decimal(0))),
            "currency": CNY,
        },
        "coverage": {
            "min_investors": MIN_INVESTORS,
            "covered": covered,
            "uncovered": len(ids) - covered,
            "buckets": [
                {"label": str(n), "requests": int(buckets[n])} for n in range(MIN_INVESTORS)
            ]
            + [{"label": f"{MIN_INVESTORS}+", "requests": covered}],
        },
        "unmatched": [
            {
                **request_fields(int(row)),
                "best_score": rounded_score(tally.best[row])
                if np.isfinite(tally.best[row])
                else None,
            }
            for row in unmatched_rows
        ],
        "by_sector": _capital_rows(
            sectors, sector_membership, amount_cny, tally.fits_sector, investors
        ),
        "by_stage": _capital_rows(
            stages, stage_membership, amount_cny, tally.fits_stage, investors
        ),
        "requests": [
            {
                **request_fields(int(row)),
                "top_investors": [
                    {
                        "investor_profile_id": investors[p.investor].profile_id,
                        "name": investors[p.investor].name,
                        "score": rounded_score(p.score),
                        "reasons": reasons[(p.investor, p.row)],
                    }
                    for p in pairs
                ],
            }
            for row, pairs in zip(listed_rows, listed_pairs, strict=True)
        ],
        "investors": [
            {
                "investor_profile_id": investors[n].profile_id,
                "name": investors[n].name,
                "top_requests": [
                    {
                        "financing_request_id": ids[p.row],
                        "company": details[ids[p.row]].company,
                        "title": details[ids[p.row]].title,
                        "score": rounded_score(p.score),
                        "reasons": reasons[(p.investor, p.row)],
                    }
                    for p in pairs
                ],
            }
            for n, pairs in enumerate(investor_pairs)
        ],
        "funnel": _funnel(session, set(ids), investors, int(tally.above.sum()), reference),
        "listed": {
            "limit": MAX_LISTED,
            "requests": int(listed_rows.size),
            "unmatched": int(unmatched_rows.size),
            "investors": len(investor_pairs),
        },
    }
