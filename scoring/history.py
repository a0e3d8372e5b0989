"""An investor's deal history as ranking features: what it actually funded, not what it says.

The evaluation on real deals (``docs/evaluation.md``) showed the declared-mandate components
alone rank below plain investor popularity; what an investor did before (how active it is, in
which sectors, stages and regions, and whether it already backed the company) is what
predicts its next deal. These features are computed the same way for the service (from the
``deals`` table) and for the offline evaluation (from Crunchbase rounds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scoring.catalogue import CodeBook, ComboBook, Segment
    from scoring.taxonomy import StageLadder

FloatArray = npt.NDArray[np.float64]

RECENT_DAYS = 365
"""Deals in the year before the ranking date count as recent."""

LOG_COUNT_SCALE = float(np.log(1001.0))
"""Counts enter as log(1 + count) / log(1001): 1,000 deals give 1."""

HISTORY_FEATURES = (
    "log_rounds",
    "log_recent_rounds",
    "log_category",
    "log_category_and_type",
    "log_round_type",
    "log_region",
    "log_recent_category",
    "category_share",
    "region_share",
    "portfolio_company",
    "log_amount",
)
"""Each scaled to about [0, 1]: the logistic regression has no scaler and its pairwise
products need comparable ranges. "category" is the request's sector, "round type" its stage."""


def company_key(name: str) -> int:
    """A stable 63-bit key of a company name (case, width and spacing ignored); 0 for none.

    Hashed rather than looked up so the catalogue needs no shared company table; a collision
    (about one in 10^18 per pair) would only mark a request as a follow-on.
    """
    normalised = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    if not normalised:
        return 0
    digest = hashlib.blake2b(normalised.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1 or 1


@dataclass(frozen=True, slots=True)
class PastDeal:
    """One financing an investor took part in."""

    company: str
    sector: str
    stage: str
    region: str | None
    closed_on: dt.date


def _counter() -> Mapping[str, float]:
    return {}


@dataclass(frozen=True, slots=True)
class InvestorHistory:
    """Counts of an investor's deals before a date (each deal once)."""

    rounds: float = 0.0
    recent_rounds: float = 0.0
    by_sector: Mapping[str, float] = field(default_factory=_counter)
    recent_by_sector: Mapping[str, float] = field(default_factory=_counter)
    by_stage: Mapping[str, float] = field(default_factory=_counter)
    by_sector_and_stage: Mapping[tuple[str, str], float] = field(default_factory=dict)
    by_region: Mapping[str, float] = field(default_factory=_counter)
    companies: frozenset[int] = frozenset()

    @classmethod
    def from_deals(
        cls, deals: Iterable[PastDeal], *, as_of: dt.date, recent_days: int = RECENT_DAYS
    ) -> InvestorHistory:
        """The history of the deals closed strictly before ``as_of``."""
        past = [deal for deal in deals if deal.closed_on < as_of]
        recent_start = as_of - dt.timedelta(days=recent_days)
        recent = [deal for deal in past if deal.closed_on >= recent_start]

        def counts(values: Iterable[str]) -> dict[str, float]:
            return {key: float(n) for key, n in Counter(values).items()}

        return cls(
            rounds=float(len(past)),
            recent_rounds=float(len(recent)),
            by_sector=counts(deal.sector for deal in past),
            recent_by_sector=counts(deal.sector for deal in recent),
            by_stage=counts(deal.stage for deal in past),
            by_sector_and_stage={
                key: float(n) for key, n in Counter((d.sector, d.stage) for d in past).items()
            },
            by_region=counts(deal.region for deal in past if deal.region),
            companies=frozenset(k for k in (company_key(d.company) for d in past) if k),
        )


def _log_count(counts: FloatArray) -> FloatArray:
    scaled: FloatArray = np.log1p(counts) / LOG_COUNT_SCALE
    return scaled


def _per_combo(counts: Mapping[str, float], combos: ComboBook) -> FloatArray:
    """For every sector set of the catalogue, the largest count among its sectors."""
    size = len(combos.codes)
    values = np.zeros(size, dtype=np.float64)
    for code, count in counts.items():
        holding = combos.holding(code)
        holding = holding[holding < size]  # a combo added meanwhile by another thread
        values[holding] = np.maximum(values[holding], count)
    return values


def history_columns(
    history: InvestorHistory,
    segment: Segment,
    rows: npt.NDArray[np.intp] | None,
    *,
    combos: ComboBook,
    ladder: StageLadder,
    regions: CodeBook,
    names: Sequence[str] = HISTORY_FEATURES,
) -> dict[str, FloatArray]:
    """The named history features of one investor for the rows of a segment (all by default).

    Works per distinct (sector set, stage) pair and gathers once per row, like the scorer.
    """
    unknown = set(names) - set(HISTORY_FEATURES)
    if unknown:
        raise ValueError(f"unknown history features: {sorted(unknown)}")

    def rows_of(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        return array if rows is None else array[rows]

    count = len(segment) if rows is None else int(rows.size)
    rounds = max(history.rounds, 1.0)
    columns: dict[str, FloatArray] = {}
    wanted = set(names)
    if {"log_category", "category_share"} & wanted:
        by_sector = _per_combo(history.by_sector, combos)[rows_of(segment.sector_combo)]
        columns["log_category"] = _log_count(by_sector)
        columns["category_share"] = by_sector / rounds
    if "log_recent_category" in wanted:
        recent = _per_combo(history.recent_by_sector, combos)[rows_of(segment.sector_combo)]
        columns["log_recent_category"] = _log_count(recent)
    if "log_round_type" in wanted:
        by_stage = np.zeros(segment.stage_slots, dtype=np.float64)
        for stage, n in history.by_stage.items():
            position = ladder.index.get(stage)
            if position is not None:
                by_stage[position] += n
        columns["log_round_type"] = _log_count(by_stage[rows_of(segment.stage_positions)])
    if "log_category_and_type" in wanted:
        size = len(combos.codes)
        structure = np.zeros((size, segment.stage_slots), dtype=np.float64)
        for (sector, stage), n in history.by_sector_and_stage.items():
            position = ladder.index.get(stage)
            if position is not None:
                holding = combos.holding(sector)
                holding = holding[holding < size]
                structure[holding, position] = np.maximum(structure[holding, position], n)
        columns["log_category_and_type"] = _log_count(
            structure.ravel()[rows_of(segment.structure_key)]
        )
    if {"log_region", "region_share"} & wanted:
        # Slot 0 holds unknown regions (code -1) and regions the catalogue never saw.
        by_region = np.zeros(len(regions.codes) + 1, dtype=np.float64)
        for region, n in history.by_region.items():
            code = regions.codes.get(region)
            if code is not None:
                by_region[code + 1] = n
        region_counts = by_region[np.maximum(rows_of(segment.region_codes), -1) + 1]
        columns["log_region"] = _log_count(region_counts)
        columns["region_share"] = region_counts / rounds
    if "portfolio_company" in wanted:
        keys = rows_of(segment.company_keys)
        known = np.fromiter(history.companies, dtype=np.int64, count=len(history.companies))
        columns["portfolio_company"] = (np.isin(keys, known) & (keys != 0)).astype(np.float64)
    if "log_amount" in wanted:
        # log10 of the amount in CNY: 10 million at 0, 10 billion at 1.
        # Clipped: an amount without an exchange rate is stored as +inf.
        columns["log_amount"] = np.clip(
            (rows_of(segment.log_amount_cny) / np.log(10.0) - 7.0) / 3.0, -1.0, 2.0
        )
    for name, value in (
        ("log_rounds", _log_count(np.array(history.rounds))),
        ("log_recent_rounds", _log_count(np.array(history.recent_rounds))),
    ):
        if name in wanted:
            columns[name] = np.full(count, float(value), dtype=np.float64)
    return {name: columns[name] for name in names}
