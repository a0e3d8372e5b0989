"""Columnar, immutable arrays for a set of financing requests (a catalogue segment)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.records import RequestRecord
from scoring.taxonomy import SectorTaxonomy, StageLadder
from scoring.text import TextEvidence

UNKNOWN_CODE = -1


def keep_top_terms(matrix: sp.csr_matrix, max_terms: int) -> sp.csr_matrix:
    """Keep each row's ``max_terms`` heaviest entries and re-normalise (bounded memory)."""
    counts = np.diff(matrix.indptr)
    if counts.size == 0 or counts.max(initial=0) <= max_terms:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    order = np.lexsort((-matrix.data, rows))
    position = np.arange(order.size) - matrix.indptr[rows[order]]
    kept = order[position < max_terms]
    kept.sort()
    trimmed = sp.csr_matrix(
        (matrix.data[kept], (rows[kept], matrix.indices[kept])),
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
    sector_columns: npt.NDArray[np.int32]
    stage_positions: npt.NDArray[np.int16]
    amount_cny: npt.NDArray[np.float64]
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
    records: Sequence[RequestRecord],
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
    """Arrays for ``records`` (any order; the segment is sorted by id)."""
    ordered = sorted(range(len(records)), key=lambda i: records[i].id)
    sorted_records = [records[i] for i in ordered]
    count = len(sorted_records)
    encoded: dict[tuple[str, ...], npt.NDArray[np.int32]] = {}
    sector_columns = np.full((count, max_sectors), -1, dtype=np.int32)
    for row, record in enumerate(sorted_records):
        columns = encoded.get(record.sectors)
        if columns is None:
            columns = encoded[record.sectors] = taxonomy.encode(record.sectors, max_sectors)
        sector_columns[row] = columns
    unknown_stage = len(ladder.stages)
    stage_positions = np.fromiter(
        (ladder.index.get(r.stage, unknown_stage) for r in sorted_records),
        dtype=np.int16,
        count=count,
    )
    rates = {code: float(rate) for code, rate in cny_per_unit.items()}
    amount_cny = np.fromiter(
        (float(r.amount) * rates.get(r.currency, np.nan) for r in sorted_records),
        dtype=np.float64,
        count=count,
    )
    weighted = text.weigh(text_counts[np.asarray(ordered, dtype=np.intp)] if count else text_counts)
    return Segment(
        ids=np.array([r.id.encode() for r in sorted_records], dtype="S36"),
        sector_columns=sector_columns,
        stage_positions=stage_positions,
        amount_cny=amount_cny,
        region_codes=np.fromiter(
            (regions.code(r.region) for r in sorted_records), dtype=np.int32, count=count
        ),
        event_codes=np.fromiter(
            (events.code(r.event) for r in sorted_records), dtype=np.int32, count=count
        ),
        text=keep_top_terms(weighted, max_text_terms).tocsc(),
    )


def merge_segments(base: Segment, keep: npt.NDArray[np.bool_], extra: Segment) -> Segment:
    """One id-sorted segment of the kept rows of ``base`` and every row of ``extra``."""
    rows = np.flatnonzero(keep)
    ids = np.concatenate([base.ids[rows], extra.ids])
    order = np.argsort(ids, kind="stable")
    text = sp.vstack([base.text.tocsr()[rows], extra.text.tocsr()], format="csr")
    return Segment(
        ids=ids[order],
        sector_columns=np.concatenate([base.sector_columns[rows], extra.sector_columns])[order],
        stage_positions=np.concatenate([base.stage_positions[rows], extra.stage_positions])[order],
        amount_cny=np.concatenate([base.amount_cny[rows], extra.amount_cny])[order],
        region_codes=np.concatenate([base.region_codes[rows], extra.region_codes])[order],
        event_codes=np.concatenate([base.event_codes[rows], extra.event_codes])[order],
        text=sp.csr_matrix(text[order], dtype=np.float32).tocsc(),
    )
