"""Which requests may appear (filters as row masks), and the best page of them, best first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from scoring.catalogue import Segment
from scoring.formula import Components, Miss, misses_of

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

RowScorer = Callable[[Segment, IntArray | None], tuple[FloatArray, FloatArray, BoolArray]]
"""The score, text similarity and match mask of rows of a segment (all rows when None)."""

RowComponents = Callable[[Segment, IntArray, FloatArray], Components]
"""The components of rows of a segment, given their text similarity."""


@dataclass(frozen=True, slots=True)
class Candidates:
    """The rows of one segment that can be on a page, found without scoring every row
    (``scoring.pruning``): every qualifying row scoring at least the ``wanted``-th best
    qualifying score (ties included; all qualifying rows when there are fewer), with their
    scores and text similarity; and how many rows qualify in all."""

    rows: IntArray
    scores: FloatArray
    text: FloatArray
    total: int
    scored: int = 0
    """How many rows were scored one by one to find them (the work done)."""


class CandidateFinder(Protocol):
    """Finds a segment's ``Candidates`` for the best ``wanted`` rows, or returns None to
    have every selected row scored."""

    def __call__(
        self,
        segment: Segment,
        mask: BoolArray,
        *,
        wanted: int,
        min_score: float,
        include_near_misses: bool,
    ) -> Candidates | None: ...


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """Which requests may appear: sector columns (any of), stage(s), region, event, exclusions."""

    sector_columns: frozenset[int] | None = None
    stage_position: int | None = None
    stage_positions: frozenset[int] | None = None  # any of these
    region_code: int | None = None
    event_code: int | None = None
    excluded_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RankedRequest:
    """One request on a page: its score and components."""

    id: str
    score: float
    sector: float
    ticket: float
    stage: float
    text: float
    sector_fits: bool = True

    @property
    def misses(self) -> list[Miss]:
        """The components with no fit at all (empty for a match)."""
        return misses_of(self.sector_fits, self.ticket, self.stage)


def filter_mask(segment: Segment, request_filter: RequestFilter) -> BoolArray:
    """True for each row of ``segment`` that ``request_filter`` lets through."""
    mask = np.ones(len(segment), dtype=np.bool_)
    if request_filter.sector_columns is not None:
        allowed = np.array(sorted(request_filter.sector_columns), dtype=np.int32)
        wanted_combos: BoolArray = np.asarray(
            np.isin(segment.sector_combos, allowed).any(axis=1), dtype=np.bool_
        )
        mask &= wanted_combos[segment.sector_combo]
    if request_filter.stage_position is not None:
        mask &= segment.stage_positions == request_filter.stage_position
    if request_filter.stage_positions is not None:
        allowed_stages = np.array(sorted(request_filter.stage_positions), dtype=np.int16)
        mask &= np.isin(segment.stage_positions, allowed_stages)
    if request_filter.region_code is not None:
        mask &= segment.region_codes == request_filter.region_code
    if request_filter.event_code is not None:
        mask &= segment.event_codes == request_filter.event_code
    if request_filter.excluded_ids:
        mask[segment.rows_of(sorted(request_filter.excluded_ids))] = False
    return mask


def top_requests(
    segments: Sequence[tuple[Segment, BoolArray]],
    *,
    score_rows: RowScorer,
    components_of: RowComponents,
    limit: int,
    offset: int,
    min_score: float,
    include_near_misses: bool = False,
    find_candidates: CandidateFinder | None = None,
) -> tuple[list[RankedRequest], int]:
    """The best ``limit`` rows after ``offset`` by ``score_rows``, ties by id, with their
    components (``components_of``, only for the page); and how many rows pass the masks and
    ``min_score``. Only matches count, unless ``include_near_misses``.

    ``find_candidates``, when given, may narrow a segment to the rows that can reach the page
    (and count the rest without scoring them); a segment it returns None for is scored whole.
    """
    parts: list[tuple[Segment, IntArray, FloatArray, FloatArray]] = []
    total = 0
    for segment, mask in segments:
        if len(segment) == 0:
            continue
        if find_candidates is not None:
            found = find_candidates(
                segment,
                mask,
                wanted=offset + limit,
                min_score=min_score,
                include_near_misses=include_near_misses,
            )
            if found is not None:
                total += found.total
                if found.rows.size:
                    parts.append((segment, found.rows, found.scores, found.text))
                continue
        everything = bool(mask.all())
        rows = np.arange(len(segment)) if everything else np.flatnonzero(mask)
        if rows.size == 0:
            continue
        scores, text, fits = score_rows(segment, None if everything else rows)
        keep = None if include_near_misses else fits
        if min_score > 0:
            above = scores >= min_score
            keep = above if keep is None else keep & above
        if keep is not None:
            rows, scores, text = rows[keep], scores[keep], text[keep]
        total += int(rows.size)
        parts.append((segment, rows, scores, text))
    if not parts:
        return [], total
    scores = np.concatenate([p[2] for p in parts]) if len(parts) > 1 else parts[0][2]
    offsets = np.cumsum([0] + [p[1].size for p in parts])
    pooled = int(scores.size)
    wanted = min(offset + limit, pooled)
    if wanted <= offset:
        return [], total
    if wanted < pooled:
        # Everything strictly above the cut plus every tie at it, then an exact sort.
        cut = -np.partition(-scores, wanted - 1)[wanted - 1]
        candidates = np.flatnonzero(scores >= cut)
    else:
        candidates = np.arange(pooled)
    part_of = np.searchsorted(offsets, candidates, side="right") - 1
    local = candidates - offsets[part_of]
    candidate_ids = np.empty(candidates.size, dtype="S36")
    for number, (segment, rows, _, _) in enumerate(parts):
        chosen = part_of == number
        candidate_ids[chosen] = segment.ids[rows[local[chosen]]]
    order = np.lexsort((candidate_ids, -scores[candidates]))[offset:wanted]
    entries: dict[int, RankedRequest] = {}
    for number, (segment, rows, part_scores, part_text) in enumerate(parts):
        on_page = order[part_of[order] == number]
        if on_page.size == 0:
            continue
        components = components_of(segment, rows[local[on_page]], part_text[local[on_page]])
        for i, position in enumerate(on_page):
            entries[int(position)] = RankedRequest(
                id=candidate_ids[position].decode(),
                score=float(part_scores[local[position]]),
                sector=float(components.sector[i]),
                ticket=float(components.ticket[i]),
                stage=float(components.stage[i]),
                text=float(components.text[i]),
                sector_fits=bool(components.sector_fits[i]),
            )
    return [entries[int(position)] for position in order], total
