"""The learned ranker's inputs per pair: match components, then deal-history columns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from scoring.catalogue import CodeBook, ComboBook, Segment
from scoring.formula import Components
from scoring.history import HISTORY_FEATURES, InvestorHistory, history_columns
from scoring.taxonomy import StageLadder

FloatArray = npt.NDArray[np.float64]


def pair_feature_matrix(
    components: Components,
    segment: Segment,
    rows: npt.NDArray[np.intp] | None,
    *,
    names: Sequence[str],
    history: InvestorHistory | None,
    combos: ComboBook,
    ladder: StageLadder,
    regions: CodeBook,
) -> FloatArray:
    """One row per request of ``segment`` (``rows``, all by default) with the named features:
    a component's name takes it from ``components`` (of those rows), a deal-history name
    from ``history`` (an empty history when None)."""
    wanted_history = [name for name in names if name in HISTORY_FEATURES]
    history_values = history_columns(
        history or InvestorHistory(),
        segment,
        rows,
        combos=combos,
        ladder=ladder,
        regions=regions,
        names=wanted_history,
    )
    matrix: FloatArray = np.column_stack(
        [
            history_values[name] if name in history_values else getattr(components, name)
            for name in names
        ]
    )
    return matrix
