"""Exact pruning of one mandate's ranking: most rows never need a score of their own.

Rows that share a (sector set, stage) pair (``Segment.structure_key``) share the sector and
stage part of the score exactly; only the ticket fit, the text evidence and the region factor
vary between them. So each such group gets an upper bound on its rows' scores, and the groups
are visited best bound first (threshold-algorithm style): once the k-th best exact score found
so far is above the next group's bound, no row of that group or any later one can enter the
top k, and they are never scored.

The bound of a group, and why it holds for every row of it:

* structure: the group's own value of the table ``ScoreFormula.segment_scores_and_fits``
  looks up per row (the same float, so exact);
* ticket: the best ticket fit of the group's amounts. The fit rises towards the mandate's
  range from below, is 1 inside it and falls above it (with ``ticket_outside_cap`` in [0, 1]
  and ``ticket_zero_ratio`` > 1; each float step of the formula is monotone, so this holds
  for the computed fit too), so over a group's amounts, sorted once when the segment is
  indexed, the best is at one of the two amounts around the range's lower end: found by
  binary search, and computed with the formula itself;
* text: the evidence of the thesis's largest text similarity in the segment (the evidence is
  monotone in the similarity, and at most 1);
* region: the factor is 1 or ``region_outside_factor`` <= 1, and scores are not negative
  (every fit and weight is not), so the factor never raises a score.

The bound is combined with the same float operations, in the same order, as a row's score,
and float addition and multiplication by a non-negative constant are monotone, so it is at
least every score of the group's rows in floats, not only in real numbers. A group whose
bound *equals* the k-th best score is still scored: a row of it may tie that score and win on
id. Within a group, only the rows whose amount can give the ticket fit the group needs to
reach that score are scored (a run of its sorted amounts, widened by a margin far above float
rounding). The first batches, before any k-th best score is known, score likewise only the
rows that can reach the lowest bound of the batch; a group's scored rows stay one run, only
ever widened, so no row is scored twice. In the last pass, once the k-th best score (the cut)
is known, a row is skipped unscored when its text term (``sector_text`` share times its
evidence, computed as the score computes it) is below what the cut needs on top of the best
structure and ticket part of the groups of the pass, less a margin far above float rounding:
its score cannot reach the cut (the region factor is at most 1).

What is not pruned: the text similarity (``scoring.similarity.text_similarity32``: the
thesis's own n-gram columns of the inverted index, a cache-sized block of rows at a time), for
the whole segment: the count of matches needs the similarity of every row whose sector fits
only through its text. The segment lays its text out in this index's group order
(``Segment.text``, ``scoring.catalogue.text_layout``), so the similarity comes out by
position: a group's run of rows is one slice of it, counted without gathering its rows one by
one (at 1,000,000 synthetic requests, 0.17 ms against 0.71 ms for the ~320,000 rows of the
text-only groups' runs; ``GroupIndex.of`` refuses a segment laid out otherwise). The
rest of the brute-force pass (the structure lookup, the ticket fit, the evidence, the region,
the match mask and the partial sort, each a pass over every row) becomes work on the groups
and on the rows that can still reach the top k.

The count of qualifying rows (``total``) stays exact without scoring every row: a match needs
the group's stage to fit, a ticket fit above 0 (the rows of a group whose fit is above 0 form
one run of its sorted amounts, found by binary search and checked with the formula at both
ends; a group where a check fails is counted row by row) and the sector to fit (the group's
taxonomy fit: the run's length; or a text similarity of at least ``TEXT_FIT_MIN_SIMILARITY``,
read from the similarity computed anyway for just the rows of the runs of the groups whose
taxonomy does not fit). Masked-out rows are subtracted one by one from the first and left out
of the second. With ``min_score``, a group whose lower bound reaches it counts whole,
one whose upper bound does not counts nothing, and only the groups in between are scored.

A learned ranker's score is not this formula (a logistic model over the components and their
pairwise products, with weights of either sign): rankings with one score every row.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from scoring.catalogue import Segment
from scoring.encoding import InvestorFeatures
from scoring.formula import TEXT_FIT_MIN_SIMILARITY, ScoreFormula, Shares, sector_fit_by_combo
from scoring.ranking import Candidates
from scoring.similarity import text_similarity32

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
RowArray = npt.NDArray[np.signedinteger[Any]]
"""Row numbers as ``GroupIndex.order`` holds them."""
Side = Literal["left", "right"]

PRUNE_MIN_ROWS = 20_000
"""Segments smaller than this are scored whole: a brute-force pass over them is as fast as
the pruning's own work (the delta segment, small catalogues)."""

# Which rows of a group to score is decided in real numbers, then widened by these margins:
# each is some 10^6 times the rounding error of the float arithmetic it stands in for
# (fits and log amounts are at most ~30 in magnitude).
TICKET_MARGIN = 1e-9
AMOUNT_MARGIN = 1e-8
SCORE_MARGIN = 1e-9

_CACHE_KEY = "pruning.groups"
_BUILD_LOCK = threading.Lock()


def _float32_at_least(value: float) -> np.float32:
    """The smallest float32 not below ``value``: for a float32 ``x``, ``x >= value`` (in
    float64, as the brute-force pass compares) exactly when ``x >=`` this."""
    candidate = np.float32(value)
    if float(candidate) < value:
        candidate = np.nextafter(candidate, np.float32(np.inf))
    return candidate


TEXT_FIT_FLOAT32 = _float32_at_least(TEXT_FIT_MIN_SIMILARITY)


@dataclass(frozen=True, slots=True)
class GroupIndex:
    """A segment's rows grouped by (sector set, stage), each group sorted by amount.

    Built once per segment (``group_index``) and read by every ranking against it: at a
    million rows, about 20 MB.
    """

    order: RowArray
    """Rows sorted by structure key, then log amount, then row: group ``g`` holds
    ``order[starts[g]:starts[g + 1]]`` (32-bit: half the bytes to copy and gather)."""
    starts: IntArray
    keys: npt.NDArray[np.int32]
    """Each group's structure key."""
    group_of_key: IntArray
    """The group of each structure key (-1: no row of this segment has it)."""
    unique_amounts: FloatArray
    banded: npt.NDArray[np.int64]
    """``group * (len(unique_amounts) + 1) + rank of the amount``, for each position of
    ``order``: one ascending array, so one ``searchsorted`` finds a threshold in every group
    at once."""

    @property
    def size(self) -> int:
        return int(self.keys.shape[0])

    @property
    def sizes(self) -> IntArray:
        sizes: IntArray = np.diff(self.starts)
        return sizes

    @classmethod
    def of(cls, segment: Segment) -> GroupIndex:
        count = len(segment)
        keys = segment.structure_key
        # The order is the text's layout (``scoring.catalogue.text_layout``): position p is
        # row p of the text, so the count reads a group's similarity as one slice. Read off
        # the layout and checked, not sorted again (at 1,000,000 rows: ~18 ms against ~225).
        order: RowArray = np.empty(
            count, dtype=np.int32 if count <= np.iinfo(np.int32).max else np.intp
        )
        order[segment.text_positions] = np.arange(count, dtype=order.dtype)
        sorted_keys = keys[order]
        sorted_amounts = segment.log_amount_cny[order]
        if not np.all(
            (sorted_keys[1:] > sorted_keys[:-1])
            | ((sorted_keys[1:] == sorted_keys[:-1]) & (sorted_amounts[1:] >= sorted_amounts[:-1]))
        ):
            raise ValueError("the segment's text is not laid out by group")
        if count:
            changes = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
            starts = np.concatenate([[0], changes, [count]]).astype(np.intp)
        else:
            starts = np.zeros(1, dtype=np.intp)
        group_keys = sorted_keys[starts[:-1]].astype(np.int32)
        unique_amounts, rank = np.unique(sorted_amounts, return_inverse=True)
        groups = group_keys.shape[0]
        group_of_position = np.repeat(np.arange(groups, dtype=np.int64), np.diff(starts))
        banded = group_of_position * (unique_amounts.shape[0] + 1) + rank.astype(np.int64)
        group_of_key = np.full(len(segment.sector_combos) * segment.stage_slots, -1, np.intp)
        group_of_key[group_keys] = np.arange(groups)
        return cls(
            order=order,
            starts=starts,
            keys=group_keys,
            group_of_key=group_of_key,
            unique_amounts=unique_amounts,
            banded=banded,
        )

    def positions(
        self, threshold: float | FloatArray, side: Side, groups: IntArray | None = None
    ) -> IntArray:
        """In each group (all, or ``groups``), the position in ``order`` of its first amount
        ``>= threshold`` (``side="left"``) or ``> threshold`` (``side="right"``); the
        threshold is one for all groups or one per group."""
        rank = np.searchsorted(self.unique_amounts, threshold, side=side)
        chosen = np.arange(self.size) if groups is None else groups
        band = chosen.astype(np.int64) * (self.unique_amounts.shape[0] + 1)
        found: IntArray = np.searchsorted(self.banded, band + rank, side="left")
        return found

    def rows(self, starts: IntArray, stops: IntArray) -> RowArray:
        """The rows at positions ``starts[i]:stops[i]`` of ``order``, range after range."""
        return ranges_of(self.order, starts, stops)


def ranges_of(values: npt.NDArray[Any], starts: IntArray, stops: IntArray) -> npt.NDArray[Any]:
    """``values[starts[i]:stops[i]]``, range after range, as one array."""
    if starts.size == 1:
        return values[int(starts[0]) : int(stops[0])]
    return np.concatenate(
        [values[a:b] for a, b in zip(starts.tolist(), stops.tolist(), strict=True)]
        or [np.empty(0, dtype=values.dtype)]
    )


def group_index(segment: Segment) -> GroupIndex:
    """The segment's ``GroupIndex``, built on first use and kept with the segment."""
    found = segment.derived.get(_CACHE_KEY)
    if isinstance(found, GroupIndex):
        return found
    with _BUILD_LOCK:
        found = segment.derived.get(_CACHE_KEY)
        if not isinstance(found, GroupIndex):
            found = GroupIndex.of(segment)
            segment.derived[_CACHE_KEY] = found
    return found


def has_group_index(segment: Segment) -> bool:
    """Whether the segment's ``GroupIndex`` has been built."""
    return isinstance(segment.derived.get(_CACHE_KEY), GroupIndex)


def keep_group_index(segment: Segment, index: GroupIndex) -> None:
    """Keep an index built elsewhere (a base shared between processes, written with its
    index) with the segment, as if ``group_index`` had built it."""
    segment.derived[_CACHE_KEY] = index


def can_prune(formula: ScoreFormula, features: InvestorFeatures) -> bool:
    """Whether the bounds above hold for these parameters and this mandate (else the
    ranking scores every row)."""
    shares = formula.shares()
    low, high = features.log_ticket_min, features.log_ticket_max
    return bool(
        formula.total_weight > 0
        and min(shares.sector_taxonomy, shares.sector_text, shares.ticket, shares.stage) >= 0
        and formula.ticket_zero_ratio > 1
        and 0 <= formula.ticket_outside_cap <= 1
        and formula.text_saturation > 0
        and 0 <= formula.region_outside_factor <= 1
        and features.sector_fit.min(initial=0.0) >= 0
        and features.stage_fit.min(initial=0.0) >= 0
        and np.isfinite(low)
        and np.isfinite(high)
        and low <= high
    )


@dataclass(slots=True)
class _Ranking:
    """One mandate against one segment: what every row's score is looked up in."""

    formula: ScoreFormula
    features: InvestorFeatures
    segment: Segment
    index: GroupIndex
    shares: Shares
    structure: FloatArray
    structure_fits: npt.NDArray[np.int8]
    similarity: npt.NDArray[np.float32] | None
    """The thesis's text similarity with every row, as the product computes it (float32), in
    the text's layout: position ``p`` of the group order is row ``order[p]``."""
    low: float
    high: float
    scored: int = 0

    @classmethod
    def of(cls, formula: ScoreFormula, features: InvestorFeatures, segment: Segment) -> _Ranking:
        # The same tables, built the same way, as ScoreFormula.segment_scores_and_fits.
        shares = formula.shares()
        combo_fit = sector_fit_by_combo(features, segment)
        stage_fit = features.stage_fit[: segment.stage_slots]
        structure = (
            shares.sector_taxonomy * combo_fit[:, None] + shares.stage * stage_fit[None, :]
        ).ravel()
        taxonomy_counts = formula.text_share < 1.0
        structure_fits = (
            ((combo_fit > 0) & taxonomy_counts).astype(np.int8)[:, None]
            | ((stage_fit > 0).astype(np.int8) * 2)[None, :]
        ).ravel()
        thesis = features.thesis
        similarity = text_similarity32(thesis, segment.inverted_text) if thesis.nnz else None
        return cls(
            formula=formula,
            features=features,
            segment=segment,
            index=group_index(segment),
            shares=shares,
            structure=structure,
            structure_fits=structure_fits,
            similarity=similarity,
            low=features.log_ticket_min,
            high=features.log_ticket_max,
        )

    def ticket(self, rows: RowArray) -> FloatArray:
        return self.formula.ticket_fit(self.segment.log_amount_cny[rows], self.low, self.high)

    def ticket_at(self, positions: IntArray) -> FloatArray:
        """The ticket fit of the rows at these positions of the group order."""
        return self.ticket(self.index.order[positions])

    def text(self, rows: RowArray) -> FloatArray:
        if self.similarity is None:
            return np.zeros(rows.shape[0], dtype=np.float64)
        positions = self.segment.text_positions[rows]
        return np.take(self.similarity, positions, mode="clip").astype(np.float64)

    def score(self, rows: RowArray) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Score, text similarity and match mask of ``rows``: the arithmetic of
        ``ScoreFormula.segment_scores_and_fits``, step by step, so every float is the one
        the brute-force pass computes (``tests/scoring/test_pruning.py`` holds them equal)."""
        self.scored += int(rows.shape[0])
        formula, segment = self.formula, self.segment
        keys = segment.structure_key[rows]
        score: FloatArray = self.structure[keys]
        key_fits = self.structure_fits[keys]
        ticket = self.ticket(rows)
        score += self.shares.ticket * ticket
        text = self.text(rows)
        evidence = formula.text_evidence(text)
        score += self.shares.sector_text * evidence
        if self.features.region_codes.size:
            score *= formula.region_fit(self.features, segment.region_codes[rows])
        sector_fits = (key_fits & 1).astype(np.bool_)
        if formula.text_share > 0:
            sector_fits |= text >= TEXT_FIT_MIN_SIMILARITY
        fits: BoolArray = sector_fits & ((key_fits & 2) > 0) & (ticket > 0)
        return score, text, fits


@dataclass(frozen=True, slots=True)
class _Groups:
    """Per group of the segment: the exact structure part, its fits and the bounds."""

    structure: FloatArray
    taxonomy_fits: BoolArray
    stage_fits: BoolArray
    best_ticket: FloatArray
    upper: FloatArray
    lower: FloatArray
    best_evidence: float

    @classmethod
    def of(cls, ranking: _Ranking) -> _Groups:
        index, formula, shares = ranking.index, ranking.formula, ranking.shares
        starts, stops = index.starts[:-1], index.starts[1:]
        structure = ranking.structure[index.keys]
        bits = ranking.structure_fits[index.keys]
        # The best ticket fit is next to the range's lower end; the worst at an end.
        at_low = index.positions(ranking.low, "left")
        fits = ranking.ticket_at(
            np.concatenate(
                [np.maximum(at_low - 1, starts), np.minimum(at_low, stops - 1), starts, stops - 1]
            )
        )
        below, above, first, last = np.split(fits, 4)
        best_ticket = np.maximum(
            np.where(at_low > starts, below, 0.0), np.where(at_low < stops, above, 0.0)
        )
        best_evidence = 0.0
        if ranking.similarity is not None and ranking.similarity.size:
            best = np.array([ranking.similarity.max()], dtype=np.float64)
            best_evidence = float(formula.text_evidence(best)[0])
        upper = structure + shares.ticket * best_ticket
        upper += shares.sector_text * best_evidence
        # Evidence at least 0 adds nothing below; a region factor below 1 scales it down.
        lower = structure + shares.ticket * np.minimum(first, last)
        if ranking.features.region_codes.size:
            lower *= formula.region_outside_factor
        return cls(
            structure=structure,
            taxonomy_fits=(bits & 1) > 0,
            stage_fits=(bits & 2) > 0,
            best_ticket=best_ticket,
            upper=upper,
            lower=lower,
            best_evidence=best_evidence,
        )


def pruned_candidates(
    formula: ScoreFormula,
    features: InvestorFeatures,
    segment: Segment,
    mask: BoolArray,
    *,
    wanted: int,
    min_score: float,
    include_near_misses: bool,
    min_rows: int | None = None,
) -> Candidates | None:
    """The rows of ``segment`` that can be among the best ``wanted`` (every qualifying row
    scoring at least the ``wanted``-th best score, ties included), with their scores and text
    similarity, and the exact count of qualifying rows: what ``top_requests`` finds by
    scoring every row. None when pruning does not apply (a segment under ``min_rows``, by
    default ``PRUNE_MIN_ROWS``; parameters or a mandate the bounds do not hold for; a mask
    that hides more rows than it leaves, whose rows are cheaper to score one by one)."""
    count = len(segment)
    if count == 0 or count < (PRUNE_MIN_ROWS if min_rows is None else min_rows):
        return None
    if not can_prune(formula, features):
        return None
    allowed = int(np.count_nonzero(mask))
    if count - allowed > allowed:
        return None
    ranking = _Ranking.of(formula, features, segment)
    groups = _Groups.of(ranking)
    masked = allowed < count
    holes: IntArray = np.flatnonzero(~mask) if masked else np.empty(0, dtype=np.intp)

    # Which groups can hold a qualifying row at all.
    possible = np.ones(ranking.index.size, dtype=np.bool_)
    if not include_near_misses:
        text_can_fit = formula.text_share > 0 and ranking.similarity is not None
        possible &= (
            groups.stage_fits & (groups.best_ticket > 0) & (groups.taxonomy_fits | text_can_fit)
        )
    if min_score > 0:
        possible &= groups.upper >= min_score
    # Groups whose every qualifying row reaches min_score are counted without scores.
    certain = possible & (groups.lower >= min_score) if min_score > 0 else possible
    total = _count(
        ranking, groups, certain, mask if masked else None, holes, allowed, include_near_misses
    )
    unsure = np.flatnonzero(possible & ~certain)
    if unsure.size:
        rows, scores, _ = _qualifying(
            ranking,
            ranking.index.rows(ranking.index.starts[unsure], ranking.index.starts[unsure + 1]),
            mask if masked else None,
            min_score,
            include_near_misses,
        )
        total += int(rows.size)

    rows, scores, text = _best(
        ranking, groups, possible, mask if masked else None, wanted, min_score, include_near_misses
    )
    return Candidates(rows=rows, scores=scores, text=text, total=total, scored=ranking.scored)


def _ticket_runs(ranking: _Ranking, chosen: IntArray) -> IntArray:
    """For each of the ``chosen`` groups, how many of its rows have a ticket fit above 0."""
    first, end, confirmed = _ticket_run_ends(ranking, chosen)
    counts: IntArray = np.where(confirmed, end - first, 0).astype(np.intp)
    for number in np.flatnonzero(~confirmed).tolist():
        counts[number] = _ticket_fits_by_row(ranking, int(chosen[number]))
    return counts


def _ticket_fits_by_row(
    ranking: _Ranking,
    group: int,
    among: BoolArray | None = None,
    mask: BoolArray | None = None,
) -> int:
    """How many rows of ``group`` (only those flagged in ``among``, by position in the
    group, and in ``mask``, by row, when given) have a ticket fit above 0, by the formula
    row by row: for a group whose run was not confirmed."""
    index = ranking.index
    rows = index.order[index.starts[group] : index.starts[group + 1]]
    if among is not None:
        rows = rows[among]
    if mask is not None:
        rows = rows[mask[rows]]
    return int(np.count_nonzero(ranking.ticket(rows) > 0))


def _ticket_run_ends(ranking: _Ranking, chosen: IntArray) -> tuple[IntArray, IntArray, BoolArray]:
    """For each of the ``chosen`` groups, the positions ``first:end`` of ``order`` that hold
    its rows with a ticket fit above 0, and whether they were confirmed.

    They form one run of the group's sorted amounts (the fit rises to the range, then
    falls): its ends are found by binary search at the thresholds in real numbers, then
    checked with the formula itself on both sides of each end; a group where a check fails
    (an amount within a rounding error of a threshold) is not confirmed, and its rows must
    be checked one by one.
    """
    index, formula = ranking.index, ranking.formula
    if formula.ticket_outside_cap > 0:
        reach = float(np.log(formula.ticket_zero_ratio))
        first = index.positions(ranking.low - reach, "right", chosen)
        end = index.positions(ranking.high + reach, "left", chosen)
    else:
        first = index.positions(ranking.low, "left", chosen)
        end = index.positions(ranking.high, "right", chosen)
    starts, stops = index.starts[chosen], index.starts[chosen + 1]
    probes = ranking.ticket_at(
        np.concatenate(
            [
                np.clip(first, starts, stops - 1),
                np.clip(end - 1, starts, stops - 1),
                np.clip(first - 1, starts, stops - 1),
                np.clip(end, starts, stops - 1),
            ]
        )
    )
    first_fits, last_fits, before_fits, after_fits = np.split(probes > 0, 4)
    confirmed: BoolArray = (
        (first < end)
        & first_fits
        & last_fits
        & ((first == starts) | ~before_fits)
        & ((end == stops) | ~after_fits)
    )
    return first, end, confirmed


def _count(
    ranking: _Ranking,
    groups: _Groups,
    certain: BoolArray,
    mask: BoolArray | None,
    holes: IntArray,
    allowed: int,
    include_near_misses: bool,
) -> int:
    """Qualifying rows of the ``certain`` groups (whose every qualifying row passes
    ``min_score``), without scoring them."""
    index, segment = ranking.index, ranking.segment
    hole_groups = index.group_of_key[segment.structure_key[holes]]
    if include_near_misses:
        if certain.all():
            return allowed
        return int(index.sizes[certain].sum()) - int(np.count_nonzero(certain[hole_groups]))
    # Sector fits by the taxonomy: every row with a ticket fit, less the masked-out ones.
    # Sector fits by the text alone: those of them similar enough and not masked out.
    text_counts = (
        ranking.similarity is not None
        and ranking.formula.text_share > 0
        and bool((certain & ~groups.taxonomy_fits).any())
    )
    chosen = np.flatnonzero(certain if text_counts else certain & groups.taxonomy_fits)
    if chosen.size == 0:
        return 0
    by_taxonomy = groups.taxonomy_fits[chosen]
    first, end, confirmed = _ticket_run_ends(ranking, chosen)
    whole = confirmed & by_taxonomy
    total = int((end[whole] - first[whole]).sum())
    by_taxonomy_group = certain & groups.taxonomy_fits
    hidden = holes[by_taxonomy_group[hole_groups]]
    if hidden.size:
        total -= int(np.count_nonzero(ranking.ticket(hidden) > 0))
    similarity = ranking.similarity
    if text_counts:
        assert similarity is not None
        # By position of the group order (the text's layout): a run is one slice.
        runs = confirmed & ~by_taxonomy & (first < end)
        flags = ranges_of(similarity, first[runs], end[runs]) >= TEXT_FIT_FLOAT32
        if mask is not None:
            flags = flags & np.take(mask, index.rows(first[runs], end[runs]), mode="clip")
        total += int(np.count_nonzero(flags))
    # Groups whose run could not be confirmed: row by row.
    # (Masked-out rows of the taxonomy groups are subtracted above.)
    for number in np.flatnonzero(~confirmed).tolist():
        group = int(chosen[number])
        if by_taxonomy[number]:
            total += _ticket_fits_by_row(ranking, group)
        else:
            assert similarity is not None
            among = similarity[index.starts[group] : index.starts[group + 1]] >= TEXT_FIT_FLOAT32
            total += _ticket_fits_by_row(ranking, group, among, mask)
    return total


def _best(
    ranking: _Ranking,
    groups: _Groups,
    possible: BoolArray,
    mask: BoolArray | None,
    wanted: int,
    min_score: float,
    include_near_misses: bool,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Every qualifying row scoring at least the ``wanted``-th best score.

    Groups by descending upper bound, in batches of whole groups until ``wanted`` qualifying
    rows can be found, of each group only the rows whose ticket fit lets them reach the
    lowest bound of the batch (``_reaching``); then, in every group whose bound reaches the
    ``wanted``-th best score among them, the rows that can reach it. Without such a cut
    (fewer qualifying rows than ``wanted`` in all), every row of every group. A group's
    scored rows are one range of its sorted amounts, only ever widened, so no row is scored
    twice."""
    empty = (np.empty(0, dtype=np.intp), np.empty(0), np.empty(0))
    order = np.flatnonzero(possible)
    if wanted <= 0 or order.size == 0:
        return empty
    index = ranking.index
    order = order[np.argsort(-groups.upper[order], kind="stable")]
    bounds = groups.upper[order]
    reach = np.cumsum(index.sizes[order])
    scored = _Scored(ranking, order, mask, min_score, include_near_misses)
    pooled = 0
    taken = 0
    batch = wanted
    cut: float | None = None
    while taken < order.size:
        # At least one group, and groups until the batch holds ``batch`` rows.
        before = int(reach[taken - 1]) if taken else 0
        stop = min(max(int(np.searchsorted(reach, before + batch)) + 1, taken + 1), order.size)
        chosen = order[:stop]
        pooled += scored.widen(*_reaching(ranking, groups, chosen, float(bounds[stop - 1])))
        taken = stop
        if pooled >= wanted:
            cut = _cut(scored.found, wanted)
            break
        batch *= 2
    if cut is None:  # every qualifying row is wanted
        chosen = order
        scored.widen(index.starts[chosen], index.starts[chosen + 1])
    else:  # every group whose bound reaches the cut (bounds descend)
        chosen = order[: int(np.searchsorted(-bounds, -cut, side="right"))]
        if chosen.size:
            scored.widen(
                *_reaching(ranking, groups, chosen, cut), _text_needed(ranking, groups, chosen, cut)
            )
    found = scored.found
    rows = np.concatenate([f[0] for f in found]).astype(np.intp, copy=False)
    scores = np.concatenate([f[1] for f in found])
    text = np.concatenate([f[2] for f in found])
    if rows.shape[0] > wanted:
        keep = scores >= _cut([(rows, scores, text)], wanted)
        rows, scores, text = rows[keep], scores[keep], text[keep]
    return rows, scores, text


class _Scored:
    """The rows scored so far of the groups of ``order`` (by rank in it): one range of
    positions ``low[i]:high[i]`` per group, widened to cover each new range asked for."""

    def __init__(
        self,
        ranking: _Ranking,
        order: IntArray,
        mask: BoolArray | None,
        min_score: float,
        include_near_misses: bool,
    ) -> None:
        self.ranking = ranking
        self.mask = mask
        self.min_score = min_score
        self.include_near_misses = include_near_misses
        self.low = np.empty(order.size, dtype=np.intp)
        self.high = np.empty(order.size, dtype=np.intp)
        self.known = 0
        self.found: list[tuple[IntArray, FloatArray, FloatArray]] = []

    def widen(self, low: IntArray, high: IntArray, text_needed: float = 0.0) -> int:
        """Score the rows of ``low[i]:high[i]`` (for the first ``len(low)`` groups) not
        scored yet; how many of them qualify. With ``text_needed`` above 0, rows whose
        text term (``sector_text`` share times the evidence) is below it are skipped
        unscored (they cannot reach the cut it was computed for)."""
        count = low.shape[0]
        high = np.maximum(high, low)
        if count > self.known:  # groups seen for the first time: nothing scored yet
            self.low[self.known : count] = low[self.known :]
            self.high[self.known : count] = low[self.known :]
            self.known = count
        old_low, old_high = self.low[:count], self.high[:count]
        new_low, new_high = np.minimum(low, old_low), np.maximum(high, old_high)
        starts = np.concatenate([new_low, old_high])
        stops = np.concatenate([old_low, new_high])
        self.low[:count], self.high[:count] = new_low, new_high
        keep = stops > starts
        if not keep.any():
            return 0
        ranking = self.ranking
        rows = ranking.index.rows(starts[keep], stops[keep])
        if text_needed > 0:
            evidence = ranking.formula.text_evidence(ranking.text(rows))
            rows = rows[ranking.shares.sector_text * evidence >= text_needed]
        part = _qualifying(ranking, rows, self.mask, self.min_score, self.include_near_misses)
        self.found.append(part)
        return int(part[0].shape[0])


def _text_needed(ranking: _Ranking, groups: _Groups, chosen: IntArray, cut: float) -> float:
    """The least text term (``sector_text`` share times the evidence) a row of the ``chosen``
    groups needs to score ``cut`` or more: with the group's structure and best ticket fit
    (its region factor at most 1), less a margin far above float rounding. 0: no limit."""
    shares = ranking.shares
    if ranking.similarity is None or shares.sector_text <= 0:
        return 0.0
    rest = groups.structure[chosen] + shares.ticket * groups.best_ticket[chosen]
    return max(float((cut - rest).min()) - SCORE_MARGIN, 0.0)


def _reaching(
    ranking: _Ranking, groups: _Groups, chosen: IntArray, cut: float
) -> tuple[IntArray, IntArray]:
    """Position ranges of the rows of ``chosen`` groups whose ticket fit lets them score
    ``cut`` or more (a superset: the ticket fit they need is lowered, and their range of
    amounts widened, by margins far above float rounding)."""
    index, formula, shares = ranking.index, ranking.formula, ranking.shares
    starts, stops = index.starts[chosen], index.starts[chosen + 1]
    if shares.ticket <= 0:
        return starts, stops
    needed = (cut - groups.structure[chosen] - shares.sector_text * groups.best_evidence) / (
        shares.ticket
    ) - TICKET_MARGIN
    cap = formula.ticket_outside_cap
    # Inside the range the fit is 1; outside it is at most ``cap``, and at least ``needed``
    # where the log ratio to the range is at most ``log(zero_ratio) * (1 - needed / cap)``.
    outside = needed <= cap
    spread = np.zeros(chosen.shape[0])
    if cap > 0:
        spread = np.where(
            outside,
            np.log(formula.ticket_zero_ratio) * (1.0 - np.clip(needed, 0.0, None) / cap),
            0.0,
        )
    low = np.where(outside, ranking.low - spread - AMOUNT_MARGIN, ranking.low - AMOUNT_MARGIN)
    high = np.where(outside, ranking.high + spread + AMOUNT_MARGIN, ranking.high + AMOUNT_MARGIN)
    first = index.positions(low, "left", chosen)
    end = index.positions(high, "right", chosen)
    everything = needed <= 0
    return np.where(everything, starts, first), np.where(everything, stops, end)


def _cut(found: list[tuple[IntArray, FloatArray, FloatArray]], wanted: int) -> float:
    scores = np.concatenate([f[1] for f in found])
    return float(-np.partition(-scores, wanted - 1)[wanted - 1])


def _qualifying(
    ranking: _Ranking,
    rows: RowArray,
    mask: BoolArray | None,
    min_score: float,
    include_near_misses: bool,
) -> tuple[RowArray, FloatArray, FloatArray]:
    """The qualifying ``rows`` (selected by ``mask``, matches unless
    ``include_near_misses``, at least ``min_score``) with their scores and text similarity."""
    if mask is not None:
        rows = rows[mask[rows]]
    scores, text, fits = ranking.score(rows)
    keep = None if include_near_misses else fits
    if min_score > 0:
        above = scores >= min_score
        keep = above if keep is None else keep & above
    if keep is None:
        return rows, scores, text
    return rows[keep], scores[keep], text[keep]
