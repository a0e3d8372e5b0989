"""Sector and stage fit as lookup vectors, so a whole catalogue is scored by indexing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
SECTOR_PAD = -1


def _parent(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def _ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


class SectorTaxonomy:
    """Dotted sector codes; a parent covers its children.

    Parameters
    ----------
    codes : sequence of str
        Every known sector code.
    broader_fit : float
        Fit of a request filed under a parent of the investor's sector (broader than the
        mandate).
    sibling_fit : float
        Fit of a request in a sibling sub-sector of one of the investor's sectors.
    """

    def __init__(self, codes: Sequence[str], *, broader_fit: float, sibling_fit: float) -> None:
        self.codes = tuple(codes)
        self.index = {code: i for i, code in enumerate(self.codes)}
        self.broader_fit = broader_fit
        self.sibling_fit = sibling_fit

    def encode(self, sectors: Iterable[str], width: int) -> npt.NDArray[np.int32]:
        """Column indexes of ``sectors`` padded with SECTOR_PAD to ``width``; unknown dropped."""
        known = sorted(self.index[c] for c in set(sectors) if c in self.index)[:width]
        row = np.full(width, SECTOR_PAD, dtype=np.int32)
        row[: len(known)] = known
        return row

    def relation(self, investor_sectors: Iterable[str], request_sector: str) -> tuple[str, str]:
        """How a request sector relates to a mandate: (kind, investor code involved)."""
        mandate = sorted(set(investor_sectors))
        for code in mandate:
            if request_sector == code or request_sector.startswith(code + "."):
                return "covered", code
        for code in mandate:
            if code.startswith(request_sector + "."):
                return "broader", code
        for code in mandate:
            parent = _parent(code)
            if parent is not None and parent == _parent(request_sector):
                return "sibling", code
        return "none", ""

    def fit_vector(self, investor_sectors: Iterable[str]) -> FloatArray:
        """Fit of each sector code for this mandate, with a trailing 0 for the pad slot."""
        fit = np.zeros(len(self.codes) + 1, dtype=np.float64)
        mandate = set(investor_sectors)
        for code, column in self.index.items():
            if code in mandate or any(a in mandate for a in _ancestors(code)):
                fit[column] = 1.0
            elif any(m.startswith(code + ".") for m in mandate):
                fit[column] = self.broader_fit
            elif _parent(code) is not None and any(_parent(m) == _parent(code) for m in mandate):
                fit[column] = self.sibling_fit
        return fit


class StageLadder:
    """Ordered funding stages; an adjacent stage is a partial fit.

    Parameters
    ----------
    stages : sequence of str
        Stage codes from earliest to latest.
    step_fits : sequence of float
        Fit at distance 1, 2, ... steps from the nearest mandate stage; beyond, 0.
    """

    def __init__(self, stages: Sequence[str], *, step_fits: Sequence[float]) -> None:
        self.stages = tuple(stages)
        self.index = {stage: i for i, stage in enumerate(self.stages)}
        self.step_fits = tuple(step_fits)

    def distance(self, investor_stages: Iterable[str], stage: str) -> tuple[int, str]:
        """Signed steps from the nearest mandate stage (+ later, - earlier) and that stage."""
        position = self.index[stage]
        best: tuple[int, str] | None = None
        for code in investor_stages:
            if code not in self.index:
                continue
            steps = position - self.index[code]
            if best is None or (abs(steps), steps) < (abs(best[0]), best[0]):
                best = (steps, code)
        return best if best is not None else (len(self.stages), "")

    def fit_vector(self, investor_stages: Iterable[str]) -> FloatArray:
        """Fit of each stage (by position) for this mandate, with a trailing 0 for unknowns."""
        fit = np.zeros(len(self.stages) + 1, dtype=np.float64)
        positions = [self.index[s] for s in investor_stages if s in self.index]
        if not positions:
            return fit
        for i in self.index.values():
            steps = min(abs(i - p) for p in positions)
            if steps == 0:
                fit[i] = 1.0
            elif steps <= len(self.step_fits):
                fit[i] = self.step_fits[steps - 1]
        return fit
