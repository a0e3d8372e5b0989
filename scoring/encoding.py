"""Mandates as lookup vectors: sector and stage fit, ticket range in CNY, weighed thesis,
region codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.catalogue import CodeBook, keep_top_terms
from scoring.records import InvestorRecord
from scoring.taxonomy import SectorTaxonomy, StageLadder
from scoring.text import TextEvidence

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class InvestorFeatures:
    """One mandate turned into lookup vectors for scoring a whole segment."""

    sector_fit: FloatArray
    stage_fit: FloatArray
    ticket_min_cny: float
    ticket_max_cny: float
    thesis: sp.csr_matrix
    region_codes: npt.NDArray[np.int32]
    """The mandate's regions in the scorer's region code book (empty: anywhere)."""

    # Without an exchange rate (amount NaN) the range is empty: every ticket is infinitely
    # far outside it, so its fit is 0 with no NaN reaching the kernel.
    @property
    def log_ticket_min(self) -> float:
        return float(np.log(self.ticket_min_cny)) if self.ticket_min_cny > 0 else float("inf")

    @property
    def log_ticket_max(self) -> float:
        return float(np.log(self.ticket_max_cny)) if self.ticket_max_cny > 0 else float("-inf")


def to_cny(amount: Decimal, currency: str, cny_per_unit: Mapping[str, Decimal]) -> float:
    """``amount`` of ``currency`` in CNY; NaN when there is no rate for ``currency``."""
    rate = cny_per_unit.get(currency)
    return float(amount * rate) if rate is not None else float("nan")


def encode_mandates(
    investors: Sequence[InvestorRecord],
    *,
    taxonomy: SectorTaxonomy,
    ladder: StageLadder,
    text: TextEvidence,
    cny_per_unit: Mapping[str, Decimal],
    max_text_terms: int,
    regions: CodeBook,
) -> list[InvestorFeatures]:
    """Lookup vectors of many mandates; theses are hashed and weighed in one pass (the
    arithmetic is row by row, so each mandate gets exactly what it gets alone)."""
    if not investors:
        return []
    theses = keep_top_terms(
        text.weigh(text.counts([investor.thesis for investor in investors])), max_text_terms
    )
    # Mandates share few distinct sector and stage sets; each vector is computed once.
    sector_fits: dict[tuple[str, ...], FloatArray] = {}
    stage_fits: dict[tuple[str, ...], FloatArray] = {}
    return [
        InvestorFeatures(
            sector_fit=_memo(sector_fits, investor.sectors, taxonomy.fit_vector),
            stage_fit=_memo(stage_fits, investor.stages, ladder.fit_vector),
            ticket_min_cny=to_cny(investor.ticket_min, investor.currency, cny_per_unit),
            ticket_max_cny=to_cny(investor.ticket_max, investor.currency, cny_per_unit),
            thesis=_row(theses, row),
            # Coded (not looked up): a region no request has named yet gets its code now,
            # the one a later request in it will get.
            region_codes=np.array(
                sorted({regions.code(region) for region in investor.regions}), dtype=np.int32
            ),
        )
        for row, investor in enumerate(investors)
    ]


def _memo(
    cache: dict[tuple[str, ...], FloatArray],
    codes: tuple[str, ...],
    compute: Callable[[tuple[str, ...]], FloatArray],
) -> FloatArray:
    found = cache.get(codes)
    if found is None:
        found = cache[codes] = compute(codes)
    return found


def _row(matrix: sp.csr_matrix, row: int) -> sp.csr_matrix:
    """Row ``row`` as a 1 x n matrix (cheaper than indexing, which checks much more)."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return sp.csr_matrix(
        (matrix.data[start:end], matrix.indices[start:end], np.array([0, end - start])),
        shape=(1, matrix.shape[1]),
        dtype=matrix.dtype,
    )
