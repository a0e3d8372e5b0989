"""The numbers of a match report: every (investor, request) pair in scope scored and tallied.

Scores come from the matches' own scorer (``MatchScorer.score_rows`` on the worker's in-memory
index, with the serving learned model if one is active), a batch of investors at a time, so
memory stays bounded by a batch: no investor x request matrix is ever held whole. Only matches
count (sector, ticket and stage each fit; a near miss is never tallied). What is kept: how many
investors match at or above min_score per request (coverage: an investor firm counts once, however
many of its mandates match), which sectors and stages each mandate fits (capital available), and
the best pairs of the listed requests and of each mandate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from scoring import InvestorFeatures, MatchScorer
from scoring.catalogue import Segment
from scoring.history import InvestorHistory
from service.ranking.index import MatchIndex
from service.ranking.ranker import score_mandates
from service.ranking.serving import ServingRanker
from service.reference_data.catalog import CodeEntry
from service.reports.document import CapitalRow, Coverage, CoverageBucket, cents

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
MIN_INVESTORS = 3  # a request is covered with at least this many investors above min_score
INVESTOR_BATCH = 64


@dataclass(frozen=True, slots=True)
class Pair:
    """One scored (investor, request) pair: positions in the scope's investors and rows."""

    investor: int
    row: int
    score: float
    text: float


@dataclass
class PairTally:
    """What the batches accumulate over every (investor, request) pair in scope."""

    above: npt.NDArray[np.int32]  # per request: matching mandates at or above min_score
    best: FloatArray  # per request: best score of a matching investor
    fits_sector: npt.NDArray[np.bool_]  # investor x sector: a match at or above min_score
    fits_stage: npt.NDArray[np.bool_]  # investor x stage
    listed_scores: FloatArray  # listed request x top_k, best first
    listed_investors: npt.NDArray[np.int64]
    listed_text: FloatArray
    investor_top: list[tuple[IntArray, FloatArray, FloatArray]] = field(default_factory=list)
    blocked_by_request: npt.NDArray[np.int32] = field(
        default_factory=lambda: np.zeros(0, dtype=np.int32)
    )
    """Per request: foreign investors that would have matched it at or above min_score but
    the negative list of its region closes it to them (left out of every figure above)."""

    firms_above: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    """Per request: investor firms with at least one mandate matching at or above min_score
    (what coverage counts: a firm's three funds are one investor a startup gets to meet)."""

    @property
    def blocked(self) -> int:
        return int(self.blocked_by_request.sum())

    def request_pairs(self, listed_rows: IntArray) -> list[list[Pair]]:
        """Each listed request's best investors (at or above min_score), best first."""
        return [
            [
                Pair(int(i), int(row), float(score), float(text))
                for i, score, text in zip(investors, scores, texts, strict=True)
                if np.isfinite(score)
            ]
            for row, investors, scores, texts in zip(
                listed_rows,
                self.listed_investors,
                self.listed_scores,
                self.listed_text,
                strict=True,
            )
        ]

    def investor_pairs(self, investors: int) -> list[list[Pair]]:
        """The first ``investors`` investors' best requests, best first."""
        return [
            [
                Pair(n, int(row), float(score), float(text))
                for row, score, text in zip(*self.investor_top[n], strict=True)
            ]
            for n in range(investors)
        ]

    def coverage(self) -> Coverage:
        """Requests by how many investors score at least min_score: 0, 1, ..., MIN_INVESTORS+."""
        buckets = np.bincount(
            np.minimum(self.firms_above, MIN_INVESTORS), minlength=MIN_INVESTORS + 1
        )
        covered = int(buckets[MIN_INVESTORS])
        return Coverage(
            min_investors=MIN_INVESTORS,
            covered=covered,
            uncovered=int(self.firms_above.size) - covered,
            buckets=[
                CoverageBucket(label=str(n), requests=int(buckets[n])) for n in range(MIN_INVESTORS)
            ]
            + [CoverageBucket(label=f"{MIN_INVESTORS}+", requests=covered)],
            counted_by="firm",
        )


def row_sectors(
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


def row_stages(segment: Segment, stages: Sequence[CodeEntry]) -> npt.NDArray[np.float32]:
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
    tally: PairTally, scores: FloatArray, text: FloatArray, positions: IntArray, top_k: int
) -> None:
    """Keep each listed request's best ``top_k`` investors so far, ties by investor position
    (the id order), whatever order the batches come in."""
    listed, batch = tally.listed_scores.shape[0], scores.shape[0]
    if listed == 0:
        return
    investors = np.broadcast_to(positions.astype(np.int64), (listed, batch))
    all_scores = np.hstack([tally.listed_scores, scores.T])
    all_investors = np.hstack([tally.listed_investors, investors])
    all_text = np.hstack([tally.listed_text, text.T])
    order = np.lexsort((all_investors, -all_scores), axis=1)[:, :top_k]
    tally.listed_scores = np.take_along_axis(all_scores, order, axis=1)
    tally.listed_investors = np.take_along_axis(all_investors, order, axis=1)
    tally.listed_text = np.take_along_axis(all_text, order, axis=1)


def tally_pairs(
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
    closed: npt.NDArray[np.bool_] | None = None,
    foreign: Sequence[bool] = (),
    passed: Mapping[int, npt.NDArray[np.bool_]] | None = None,
    firms: Sequence[int] = (),
) -> PairTally:
    """Score every investor against every in-scope request, a batch of investors at a time.

    ``closed`` marks the requests the negative list of their region closes to foreign
    investment (None: none), ``foreign`` the foreign investors: their pairs are no matches.
    ``passed``, by investor position, marks the requests that investor passed on: it said
    they are no fit, so they are no match either (its matches leave them out too).
    ``firms``, by investor position, numbers the firm whose mandate it is (empty: each mandate
    its own firm): the mandates are scored a firm at a time, so that a firm counts once per
    request with one array of the requests' length, however many mandates it keeps."""
    count, listed, investors = len(segment), listed_rows.size, len(features)
    if len(firms) not in (0, investors):
        raise ValueError(f"{len(firms)} firms given for {investors} investors")
    tally = PairTally(
        above=np.zeros(count, dtype=np.int32),
        best=np.full(count, -np.inf),
        fits_sector=np.zeros((investors, sector_membership.shape[1]), dtype=np.bool_),
        fits_stage=np.zeros((investors, stage_membership.shape[1]), dtype=np.bool_),
        listed_scores=np.full((listed, top_k), -np.inf),
        listed_investors=np.full((listed, top_k), investors, dtype=np.int64),
        listed_text=np.zeros((listed, top_k)),
        blocked_by_request=np.zeros(count, dtype=np.int32),
        firms_above=np.zeros(count, dtype=np.int32),
    )
    if count == 0:
        empty = (np.empty(0, dtype=np.intp), np.empty(0), np.empty(0))
        tally.investor_top = [empty for _ in features]
        return tally
    firm_of = np.asarray(firms, dtype=np.int64) if len(firms) else np.arange(investors)
    # A firm's mandates one after another (stable: by position within a firm).
    order = np.argsort(firm_of, kind="stable")
    tops: list[tuple[IntArray, FloatArray, FloatArray] | None] = [None] * investors
    firm_above = np.zeros(count, dtype=np.bool_)  # the current firm's matches so far
    current_firm = -1
    batch_above = np.zeros((INVESTOR_BATCH, count), dtype=np.float32)
    batch_scores = np.full((INVESTOR_BATCH, listed), -np.inf)
    batch_text = np.zeros((INVESTOR_BATCH, listed))
    for start in range(0, investors, INVESTOR_BATCH):
        positions = order[start : start + INVESTOR_BATCH]
        scored = score_mandates(
            index=index,
            scorer=scorer,
            serving=serving,
            segment=segment,
            features=[features[p] for p in positions],
            histories=[histories[p] for p in positions],
        )
        for j, (scores, text, fits) in enumerate(scored):
            position = int(positions[j])
            if closed is not None and foreign and foreign[position]:
                tally.blocked_by_request += fits & closed & (scores >= min_score)
                fits = fits & ~closed
            declined = None if passed is None else passed.get(position)
            if declined is not None:
                fits = fits & ~declined
            above = (scores >= min_score) & fits
            tally.above += above
            if firm_of[position] != current_firm:
                tally.firms_above += firm_above
                firm_above[:] = False
                current_firm = int(firm_of[position])
            firm_above |= above
            np.maximum(tally.best, np.where(fits, scores, -np.inf), out=tally.best)
            batch_above[j] = above
            listed_scores = scores[listed_rows]
            batch_scores[j] = np.where(above[listed_rows], listed_scores, -np.inf)
            batch_text[j] = text[listed_rows]
            tops[position] = _top_rows(scores, text, above, top_k)
        size = positions.size
        tally.fits_sector[positions] = (batch_above[:size] @ sector_membership) > 0
        tally.fits_stage[positions] = (batch_above[:size] @ stage_membership) > 0
        _merge_listed(tally, batch_scores[:size], batch_text[:size], positions, top_k)
    tally.firms_above += firm_above
    tally.investor_top = [top for top in tops if top is not None]
    return tally


def capital_rows(
    entries: Sequence[CodeEntry],
    membership: npt.NDArray[np.float32],
    amount_cny: Sequence[Decimal],
    fits: npt.NDArray[np.bool_],
    ticket_max_cny: Sequence[Decimal],
    firms: Sequence[int],
) -> list[CapitalRow]:
    """Capital asked against capital available from fitting mandates (their ticket maximum:
    a firm's funds are separate pools, so each adds its own), per code, for the codes with at
    least one request; the fitting investors are counted as firms."""
    firm_of = np.asarray(firms, dtype=np.int64)
    rows = []
    for column, entry in enumerate(entries):
        members = np.flatnonzero(membership[:, column])
        if members.size == 0:
            continue
        fitting = np.flatnonzero(fits[:, column])
        rows.append(
            CapitalRow(
                code=entry.code,
                name=entry.name,
                requests=int(members.size),
                capital_asked=cents(sum((amount_cny[r] for r in members.tolist()), Decimal(0))),
                fitting_investors=int(np.unique(firm_of[fitting]).size),
                capital_available=cents(
                    sum((ticket_max_cny[i] for i in fitting.tolist()), Decimal(0))
                ),
            )
        )
    return rows
