"""Many mandates' lookup vectors stacked into arrays: scoring every mandate against one
request is then a handful of array operations, not one small computation per mandate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.catalogue import UNKNOWN_CODE
from scoring.encoding import InvestorFeatures
from scoring.text_index import weigh_theses

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class MandateStack:
    """Row ``i`` of every array is mandate ``i`` of the sequence it was stacked from."""

    sector_fit: FloatArray
    """Mandates × taxonomy sectors."""
    stage_fit: FloatArray
    """Mandates × ladder stages."""
    log_ticket_min: FloatArray
    log_ticket_max: FloatArray
    theses: sp.csr_matrix
    """Mandates × hashed terms, each row weighed and normalised as in ``InvestorFeatures``."""
    anywhere: npt.NDArray[np.bool_]
    """Mandates that name no region (every region is inside them)."""
    rows_by_region: dict[int, IntArray]
    """For each region code some mandate names, the rows of the mandates that name it."""
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The theses weighed with an IDF (``weighted_theses``), kept with the stack: a stack
    is built once per revision of the mandates and scored against many requests."""

    def __len__(self) -> int:
        return int(self.log_ticket_min.shape[0])

    @classmethod
    def of(cls, features: Sequence[InvestorFeatures]) -> MandateStack:
        """The stack of at least one mandate's features."""
        members: dict[int, list[int]] = {}
        for row, feature in enumerate(features):
            for code in np.unique(feature.region_codes).tolist():
                members.setdefault(int(code), []).append(row)
        return cls(
            sector_fit=np.vstack([f.sector_fit for f in features]),
            stage_fit=np.vstack([f.stage_fit for f in features]),
            log_ticket_min=np.array([f.log_ticket_min for f in features], dtype=np.float64),
            log_ticket_max=np.array([f.log_ticket_max for f in features], dtype=np.float64),
            theses=sp.vstack([f.thesis for f in features], format="csr"),
            anywhere=np.array([f.region_codes.size == 0 for f in features], dtype=np.bool_),
            rows_by_region={code: np.array(rows, dtype=np.intp) for code, rows in members.items()},
        )

    def weighted_theses(self, idf: npt.NDArray[np.float32]) -> sp.csr_matrix:
        """The theses weighed with ``idf`` (``scoring.text_index.weigh_theses``), computed
        once per IDF array (a scorer's segments share one: ``TextEvidence.idf32``)."""
        kept = self.derived.get("weighted_theses")
        if kept is not None and kept[0] is idf:
            weighted: sp.csr_matrix = kept[1]
            return weighted
        weighted = weigh_theses(self.theses, idf)
        self.derived["weighted_theses"] = (idf, weighted)
        return weighted

    def inside_region(self, region_code: int) -> npt.NDArray[np.bool_]:
        """Whether a request in ``region_code`` is inside each mandate's regions: always for
        a mandate with none, and for a request that names no region."""
        if region_code == UNKNOWN_CODE:
            return np.ones(len(self), dtype=np.bool_)
        inside = self.anywhere.copy()
        rows = self.rows_by_region.get(region_code)
        if rows is not None:
            inside[rows] = True
        return inside
