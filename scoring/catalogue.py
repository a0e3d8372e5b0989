"""Columnar, immutable arrays for a set of financing requests (a catalogue segment)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.history import company_key
from scoring.records import RequestColumns
from scoring.taxonomy import SectorTaxonomy, StageLadder
from scoring.text import TextEvidence
from scoring.text_index import TextIndex, TextRows, text_index, text_rows

UNKNOWN_CODE = -1
KEEP_TEXT_BY_ROW_MAX_ROWS = 16
"""Segments of at most this many rows keep their text by row once converted (a conversion
costs a pass over every hashed term's column, whatever the rows)."""
_TEXT_BY_ROW = "catalogue.text_by_row"


def keep_top_terms(matrix: sp.csr_matrix, max_terms: int) -> sp.csr_matrix:
    """Keep each row's ``max_terms`` heaviest entries and re-normalise (bounded memory).

    Rows with no more terms are left exactly as they are, so a row gets the same weights
    whether it is trimmed alone or in a batch.
    """
    counts = np.diff(matrix.indptr)
    if counts.size == 0 or counts.max(initial=0) <= max_terms:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.float64), counts)
    # Rows are L2-normalised, so every weight lies in [0, 1]: one float key sorts by
    # row, then by weight descending.
    order = np.argsort(rows * 4.0 + (1.0 - matrix.data), kind="stable")
    position = np.arange(order.size) - np.repeat(matrix.indptr[:-1], counts)
    kept = np.sort(order[position < max_terms])
    kept_rows = rows[kept].astype(np.int64)
    trimmed = sp.csr_matrix(
        (
            matrix.data[kept],
            matrix.indices[kept],
            np.concatenate([[0], np.cumsum(np.bincount(kept_rows, minlength=matrix.shape[0]))]),
        ),
        shape=matrix.shape,
        dtype=np.float32,
    )
    norms = np.sqrt(np.asarray(trimmed.multiply(trimmed).sum(axis=1)).ravel())
    norms[(norms == 0) | (counts <= max_terms)] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).dot(trimmed), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Segment:
    """Requests sorted by id, as arrays: row ``i`` of every array is the same request (the
    text, an inverted index, is laid out by group: ``text_positions`` maps a row to its own)."""

    ids: npt.NDArray[np.bytes_]
    # Requests share few distinct sector sets: each row points at one (m x width) combo,
    # so an investor's sector fit is computed per combo and gathered once per row.
    sector_combos: npt.NDArray[np.int32]
    sector_combo: npt.NDArray[np.int32]
    stage_positions: npt.NDArray[np.int16]
    # Stages known to the ladder, plus one slot for unknown stages.
    stage_slots: int
    # sector_combo * stage_slots + stage_position: the row's (sector set, stage) pair.
    structure_key: npt.NDArray[np.int32]
    log_amount_cny: npt.NDArray[np.float64]
    region_codes: npt.NDArray[np.int32]
    event_codes: npt.NDArray[np.int32]
    company_keys: npt.NDArray[np.int64]
    """``scoring.history.company_key`` of each request's company (0: unknown)."""
    text: TextIndex | TextRows
    """The requests' text terms (``scoring.text_index``): as an inverted index whose rows
    are laid out by (sector set, stage), then amount (``text_layout``), not by id, so the
    rows of one group of the pruned ranking (``scoring.pruning``) are one run of the
    thesis's similarity and it counts a group's rows similar enough from a slice instead of
    gathering them one by one; by row, in id order, in a chunk about to be merged or a
    block of a distributed report. ``text_positions`` maps a row to its row of ``text``."""
    text_positions: npt.NDArray[np.int32]
    """The row of ``text`` holding each row's terms."""
    derived: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    """What is computed from the arrays once and kept with them, built on first use (the
    pruning's rows grouped by (sector set, stage): ``scoring.pruning.group_index``). The
    arrays never change, so neither does anything derived from them."""

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def inverted_text(self) -> TextIndex:
        """The text as an inverted index: what a ranking reads (only a chunk about to be
        merged keeps its text by row)."""
        if not isinstance(self.text, TextIndex):
            raise TypeError("this segment keeps its text by row: merge it first")
        return self.text

    def text_by_row(self, rows: npt.NDArray[np.intp] | None = None) -> TextRows:
        """The text terms of ``rows`` (all, in id order, by default), one row each."""
        by_row = self._whole_text_by_row()
        if rows is None:
            if np.array_equal(self.text_positions, np.arange(len(self))):
                # A chunk about to be merged keeps its text by row in id order: no copy.
                return by_row
            return by_row.take(self.text_positions)
        return by_row.take(self.text_positions[rows])

    def _whole_text_by_row(self) -> TextRows:
        if not isinstance(self.text, TextIndex):
            return self.text
        if len(self) > KEEP_TEXT_BY_ROW_MAX_ROWS:
            return self.text.by_row()
        # A few requests' segment (the commission's direction keeps one per request and
        # reads its terms for every ranking): converted once, not per ranking.
        kept = self.derived.get(_TEXT_BY_ROW)
        if not isinstance(kept, TextRows):
            kept = self.text.by_row()
            self.derived[_TEXT_BY_ROW] = kept
        return kept

    def rows_of(self, ids: Sequence[str]) -> npt.NDArray[np.intp]:
        """Rows of the given ids that are present in this segment."""
        wanted = np.array(sorted({i.encode() for i in ids}), dtype=self.ids.dtype)
        if len(self) == 0 or wanted.size == 0:
            return np.empty(0, dtype=np.intp)
        positions = np.searchsorted(self.ids, wanted)
        inside = positions < len(self)
        positions, wanted = positions[inside], wanted[inside]
        matched: npt.NDArray[np.intp] = positions[self.ids[positions] == wanted]
        return matched


class CodeBook:
    """Stable small-integer codes for free strings (regions, events) shared by segments.

    Codes are added under a lock, and a copy (pickling, for a base shared between workers)
    is taken under it, so a ranking adding a code meanwhile never tears it."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self._lock = threading.Lock()

    def code(self, value: str | None) -> int:
        if value is None:
            return UNKNOWN_CODE
        found = self.codes.get(value)
        if found is not None:
            return found
        with self._lock:
            return self.codes.setdefault(value, len(self.codes))

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            return {"codes": dict(self.codes)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.codes = state["codes"]
        self._lock = threading.Lock()

    def lookup(self, value: str) -> int:
        return self.codes.get(value, -2)


class ComboBook:
    """Distinct request sector sets, shared by every segment of one scorer.

    Codes only grow, so a later segment's table is a superset of an earlier one's.
    """

    def __init__(self, taxonomy: SectorTaxonomy, width: int) -> None:
        self.taxonomy = taxonomy
        self.width = width
        self.codes: dict[tuple[str, ...], int] = {}
        self.rows: list[npt.NDArray[np.int32]] = []
        self._holding: tuple[int, dict[str, npt.NDArray[np.intp]]] = (0, {})
        self._lock = threading.Lock()

    def code(self, sectors: tuple[str, ...]) -> int:
        combo = self.codes.get(sectors)
        if combo is not None:
            return combo
        with self._lock:
            combo = self.codes.get(sectors)
            if combo is None:
                # The row first: a reader that finds the code finds its row.
                self.rows.append(self.taxonomy.encode(sectors, self.width))
                combo = self.codes[sectors] = len(self.rows) - 1
            return combo

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            return {
                "taxonomy": self.taxonomy,
                "width": self.width,
                "codes": dict(self.codes),
                "rows": list(self.rows),
            }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.taxonomy, self.width = state["taxonomy"], state["width"]
        self.codes, self.rows = state["codes"], state["rows"]
        self._holding = (0, {})
        self._lock = threading.Lock()

    def holding(self, sector: str) -> npt.NDArray[np.intp]:
        """The combos that list ``sector`` itself (not its parent or children)."""
        size, index = self._holding
        if size != len(self.codes):
            # Rebuilt whole and swapped in one assignment: readers in other threads see
            # either the old index or the new one.
            snapshot = list(self.codes.items())
            lists: dict[str, list[int]] = {}
            for sectors, combo in snapshot:
                for code in sectors:
                    lists.setdefault(code, []).append(combo)
            index = {code: np.array(c, dtype=np.intp) for code, c in lists.items()}
            self._holding = (len(snapshot), index)
        return index.get(sector, np.empty(0, dtype=np.intp))

    def table(self) -> npt.NDArray[np.int32]:
        if not self.rows:
            return np.empty((0, self.width), dtype=np.int32)
        return np.vstack(self.rows)


def build_segment(
    columns: RequestColumns,
    *,
    ladder: StageLadder,
    cny_per_unit: dict[str, Decimal],
    text: TextEvidence,
    text_counts: sp.csr_matrix,
    combos: ComboBook,
    regions: CodeBook,
    events: CodeBook,
    max_text_terms: int,
    column_text: bool = True,
) -> Segment:
    """Arrays for ``columns`` (any order; the segment is sorted by id).

    ``column_text=False`` keeps the text by row, for a chunk about to be merged (saves a
    conversion each way).
    """
    count = len(columns)
    ids = np.array([i.encode() for i in columns.ids], dtype="S36")
    order = np.argsort(ids, kind="stable")
    sector_combo = np.fromiter(
        (combos.code(sectors) for sectors in columns.sectors), dtype=np.int32, count=count
    )
    unknown_stage = len(ladder.stages)
    stage_positions = np.fromiter(
        (ladder.index.get(stage, unknown_stage) for stage in columns.stages),
        dtype=np.int16,
        count=count,
    )
    rates = {code: float(rate) for code, rate in cny_per_unit.items()}
    rate_of = np.fromiter(
        (rates.get(currency, np.nan) for currency in columns.currencies),
        dtype=np.float64,
        count=count,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        # No exchange rate (NaN): +inf puts the amount beyond every range, a fit of 0.
        log_amount_cny = np.nan_to_num(
            np.log(np.asarray(columns.amounts, dtype=np.float64) * rate_of), nan=np.inf
        )
    terms = text_rows(text_counts, text.idf32(), max_text_terms)
    structure_key = (sector_combo * (unknown_stage + 1) + stage_positions)[order].astype(np.int32)
    if column_text:
        by_column: TextIndex | TextRows
        by_column, text_positions = text_layout(
            terms.take(order), structure_key, log_amount_cny[order]
        )
    else:
        by_column, text_positions = terms.take(order), np.arange(count, dtype=np.int32)
    return Segment(
        ids=ids[order],
        sector_combos=combos.table(),
        sector_combo=sector_combo[order],
        stage_positions=stage_positions[order],
        stage_slots=unknown_stage + 1,
        structure_key=structure_key,
        log_amount_cny=log_amount_cny[order],
        region_codes=np.fromiter(
            (regions.code(region) for region in columns.regions), dtype=np.int32, count=count
        )[order],
        event_codes=np.fromiter(
            (events.code(event_id) for event_id in columns.event_ids), dtype=np.int32, count=count
        )[order],
        company_keys=np.fromiter(
            (company_key(name) for name in columns.company_names()), dtype=np.int64, count=count
        )[order],
        text=by_column,
        text_positions=text_positions,
    )


def group_layout(
    structure_key: npt.NDArray[np.int32], log_amount_cny: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    """Rows sorted by (sector set, stage) pair, then log amount, then row: the order of the
    pruning's groups (``scoring.pruning.GroupIndex``) and of a segment's text."""
    order: npt.NDArray[np.intp] = np.lexsort((log_amount_cny, structure_key))
    return order


def text_layout(
    by_row: TextRows,
    structure_key: npt.NDArray[np.int32],
    log_amount_cny: npt.NDArray[np.float64],
) -> tuple[TextIndex, npt.NDArray[np.int32]]:
    """The text (``by_row``: one row per request, in the segment's order) as an inverted
    index laid out by ``group_layout``, and the row of it holding each request's terms."""
    layout = group_layout(structure_key, log_amount_cny)
    positions = np.empty(layout.shape[0], dtype=np.int32)
    positions[layout] = np.arange(layout.shape[0], dtype=np.int32)
    return text_index(by_row, positions), positions


_ROW_ARRAYS = (
    "ids",
    "sector_combo",
    "stage_positions",
    "structure_key",
    "log_amount_cny",
    "region_codes",
    "event_codes",
    "company_keys",
)


def merge_segments(parts: Sequence[tuple[Segment, npt.NDArray[np.bool_] | None]]) -> Segment:
    """One id-sorted segment of the chosen rows of each part (None: every row).

    Parts must come from one scorer, so the last part's combo table covers them all.
    """
    chosen = [(segment, None if keep is None else np.flatnonzero(keep)) for segment, keep in parts]
    ids = np.concatenate([s.ids if r is None else s.ids[r] for s, r in chosen])
    order = np.argsort(ids, kind="stable")
    already_sorted = bool(np.all(order == np.arange(order.size)))
    arrays: dict[str, Any] = {}
    for name in _ROW_ARRAYS:
        joined = np.concatenate(
            [getattr(s, name) if r is None else getattr(s, name)[r] for s, r in chosen]
        )
        arrays[name] = joined if already_sorted else joined[order]
    blocks = []
    for segment, rows in chosen:
        blocks.append(segment.text_by_row(rows))
    text = TextRows.stack(blocks)
    del blocks
    if not already_sorted:
        text = text.take(order)
    last = parts[-1][0]
    by_column, text_positions = text_layout(text, arrays["structure_key"], arrays["log_amount_cny"])
    del text
    return Segment(
        sector_combos=last.sector_combos,
        stage_slots=last.stage_slots,
        text=by_column,
        text_positions=text_positions,
        **arrays,
    )
