"""Columnar, immutable arrays for a set of financing requests (a catalogue segment)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.records import RequestColumns
from scoring.taxonomy import SectorTaxonomy, StageLadder
from scoring.text import TextEvidence

UNKNOWN_CODE = -1


def keep_top_terms(matrix: sp.csr_matrix, max_terms: int) -> sp.csr_matrix:
    """Keep each row's ``max_terms`` heaviest entries and re-normalise (bounded memory)."""
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
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).dot(trimmed), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Segment:
    """Requests sorted by id, as arrays: row ``i`` of every array is the same request."""

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
    amount_cny: npt.NDArray[np.float64]
    log_amount_cny: npt.NDArray[np.float64]
    region_codes: npt.NDArray[np.int32]
    event_codes: npt.NDArray[np.int32]
    text: sp.csc_matrix

    def __len__(self) -> int:
        return int(self.ids.shape[0])

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
    """Stable small-integer codes for free strings (regions, events) shared by segments."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def code(self, value: str | None) -> int:
        if value is None:
            return UNKNOWN_CODE
        return self.codes.setdefault(value, len(self.codes))

    def lookup(self, value: str) -> int:
        return self.codes.get(value, -2)


def build_segment(
    columns: RequestColumns,
    *,
    taxonomy: SectorTaxonomy,
    ladder: StageLadder,
    cny_per_unit: dict[str, Decimal],
    text: TextEvidence,
    text_counts: sp.csr_matrix,
    regions: CodeBook,
    events: CodeBook,
    max_sectors: int,
    max_text_terms: int,
) -> Segment:
    """Arrays for ``columns`` (any order; the segment is sorted by id)."""
    count = len(columns)
    ids = np.array([i.encode() for i in columns.ids], dtype="S36")
    order = np.argsort(ids, kind="stable")
    combo_of: dict[tuple[str, ...], int] = {}
    combo_rows: list[npt.NDArray[np.int32]] = []
    sector_combo = np.empty(count, dtype=np.int32)
    for row, sectors in enumerate(columns.sectors):
        combo = combo_of.get(sectors)
        if combo is None:
            combo = combo_of[sectors] = len(combo_rows)
            combo_rows.append(taxonomy.encode(sectors, max_sectors))
        sector_combo[row] = combo
    sector_combos = (
        np.vstack(combo_rows) if combo_rows else np.empty((0, max_sectors), dtype=np.int32)
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
    amount_cny = np.asarray(columns.amounts, dtype=np.float64) * rate_of
    region_codes = np.fromiter(
        (regions.code(region) for region in columns.regions), dtype=np.int32, count=count
    )
    event_codes = np.fromiter(
        (events.code(event) for event in columns.events), dtype=np.int32, count=count
    )
    weighted = keep_top_terms(text.weigh(text_counts), max_text_terms)
    with np.errstate(divide="ignore", invalid="ignore"):
        # No exchange rate (NaN): +inf puts the amount beyond every range, a fit of 0.
        log_amount_cny = np.nan_to_num(np.log(amount_cny), nan=np.inf)
    return Segment(
        ids=ids[order],
        sector_combos=sector_combos,
        sector_combo=sector_combo[order],
        stage_positions=stage_positions[order],
        stage_slots=unknown_stage + 1,
        structure_key=(sector_combo * (unknown_stage + 1) + stage_positions)[order].astype(
            np.int32
        ),
        amount_cny=amount_cny[order],
        log_amount_cny=log_amount_cny[order],
        region_codes=region_codes[order],
        event_codes=event_codes[order],
        text=sp.csr_matrix(weighted[order], dtype=np.float32).tocsc(),
    )


def merge_segments(base: Segment, keep: npt.NDArray[np.bool_], extra: Segment) -> Segment:
    """One id-sorted segment of the kept rows of ``base`` and every row of ``extra``."""
    rows = np.flatnonzero(keep)
    ids = np.concatenate([base.ids[rows], extra.ids])
    order = np.argsort(ids, kind="stable")
    text = sp.vstack([base.text.tocsr()[rows], extra.text.tocsr()], format="csr")
    combo = np.concatenate([base.sector_combo[rows], extra.sector_combo + len(base.sector_combos)])

    def joined(name: str) -> npt.NDArray[Any]:
        first: npt.NDArray[Any] = getattr(base, name)
        second: npt.NDArray[Any] = getattr(extra, name)
        return np.concatenate([first[rows], second])[order]

    return Segment(
        ids=ids[order],
        sector_combos=np.vstack([base.sector_combos, extra.sector_combos]),
        sector_combo=combo[order],
        stage_positions=joined("stage_positions"),
        stage_slots=base.stage_slots,
        structure_key=(combo[order] * base.stage_slots + joined("stage_positions")).astype(
            np.int32
        ),
        amount_cny=joined("amount_cny"),
        log_amount_cny=joined("log_amount_cny"),
        region_codes=joined("region_codes"),
        event_codes=joined("event_codes"),
        text=sp.csr_matrix(text[order], dtype=np.float32).tocsc(),
    )
