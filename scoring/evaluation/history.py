"""What every investor did before a cutoff date: counts by category, round type and region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.evaluation.crunchbase import sector_of, stage_of
from scoring.evaluation.deals import DealTable, Rounds
from scoring.evaluation.profiles import InferenceSettings, ProposedMandate, mandate_from_counts
from scoring.history import RECENT_DAYS, InvestorHistory, company_key

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def as_day(date: dt.date) -> np.datetime64:
    """A date as a numpy day."""
    return np.datetime64(date.isoformat(), "D")


@dataclass(frozen=True, slots=True)
class DealHistory:
    """Deal counts per investor (rows: every investor code of the table) before ``cutoff``.

    Each (investor, round) pair counts once, however many rows list it.
    """

    table: DealTable
    cutoff: np.datetime64
    rounds: FloatArray
    """Rounds per investor."""
    recent_rounds: FloatArray
    """Rounds per investor in the ``RECENT_DAYS`` before the cutoff."""
    by_category: FloatArray
    by_round_type: FloatArray
    by_category_and_type: FloatArray
    """Column ``category * n_round_types + round_type``."""
    by_region: FloatArray
    recent_by_category: FloatArray
    portfolio: sp.csr_matrix
    """Rounds of the company the investor funded before the cutoff (investors x companies)."""
    category_totals: FloatArray
    """Rounds per category over all investors."""
    median_amount_by_type: FloatArray
    """Median known round size per round type (overall median where a type has none)."""

    @classmethod
    def before(cls, table: DealTable, cutoff: dt.date) -> DealHistory:
        """Counts of the deals of ``table`` dated strictly before ``cutoff``.

        Parameters
        ----------
        table : DealTable
        cutoff : date

        Returns
        -------
        history : DealHistory
        """
        day = as_day(cutoff)
        keep = table.funded_at < day
        pairs = np.unique(
            np.column_stack([table.investor[keep], table.round_row[keep]]), axis=0
        ).reshape(-1, 2)
        investor, round_row = pairs[:, 0], pairs[:, 1]
        rounds = table.rounds
        n_investors = len(table.investors)
        n_categories, n_types = len(table.categories), len(table.round_types)
        category, round_type = rounds.category[round_row], rounds.round_type[round_row]
        recent = rounds.funded_at[round_row] >= day - np.timedelta64(RECENT_DAYS, "D")

        def counts(columns: IntArray, width: int, weights: BoolArray | None = None) -> FloatArray:
            matrix = np.zeros((n_investors, width), dtype=np.float64)
            np.add.at(matrix, (investor, columns), 1.0 if weights is None else weights)
            return matrix

        past_rounds = np.flatnonzero(rounds.funded_at < day)
        amounts = rounds.amount_usd[past_rounds]
        types = rounds.round_type[past_rounds]
        known = np.isfinite(amounts)
        overall = float(np.median(amounts[known])) if known.any() else 1.0
        median_by_type = np.array(
            [
                float(np.median(amounts[known & (types == t)]))
                if (known & (types == t)).any()
                else overall
                for t in range(n_types)
            ],
            dtype=np.float64,
        )
        return cls(
            table=table,
            cutoff=day,
            rounds=np.bincount(investor, minlength=n_investors).astype(np.float64),
            recent_rounds=np.bincount(investor, weights=recent, minlength=n_investors).astype(
                np.float64
            ),
            by_category=counts(category, n_categories),
            by_round_type=counts(round_type, n_types),
            by_category_and_type=counts(category * n_types + round_type, n_categories * n_types),
            by_region=counts(rounds.region[round_row], len(table.regions)),
            recent_by_category=counts(category, n_categories, recent),
            portfolio=sp.csr_matrix(
                (np.ones(investor.size, dtype=np.float64), (investor, rounds.company[round_row])),
                shape=(n_investors, len(table.companies)),
            ),
            category_totals=np.bincount(
                rounds.category[past_rounds], minlength=n_categories
            ).astype(np.float64),
            median_amount_by_type=median_by_type,
        )

    def active_investors(self, min_rounds: int) -> IntArray:
        """Codes of the investors with at least ``min_rounds`` rounds, in code order."""
        active: IntArray = np.flatnonzero(self.rounds >= min_rounds).astype(np.int64)
        return active

    def typical_ticket(self, quantiles: tuple[float, float]) -> tuple[float, float]:
        """Quantiles of the known round sizes before the cutoff: a fallback ticket range.

        Parameters
        ----------
        quantiles : tuple of float

        Returns
        -------
        low, high : float
            USD; (1, 1) when no amount is known.
        """
        rounds = self.table.rounds
        amounts = rounds.amount_usd[rounds.funded_at < self.cutoff]
        known = amounts[np.isfinite(amounts)]
        if not known.size:
            return 1.0, 1.0
        low, high = np.quantile(known, quantiles)
        return float(low), float(high)

    def amounts_or_typical(self, rounds: Rounds) -> FloatArray:
        """Round sizes, the typical size of the round type standing in for unknown ones."""
        typical = self.median_amount_by_type[rounds.round_type]
        filled: FloatArray = np.where(np.isfinite(rounds.amount_usd), rounds.amount_usd, typical)
        return filled

    def investor_history(self, investor: int) -> InvestorHistory:
        """One investor's counts in the service's terms (``scoring.history``): categories
        as sector codes, round types as stages, companies by name."""
        table = self.table
        n_types = len(table.round_types)

        def summed(row: FloatArray, key_of: Callable[[int], str]) -> dict[str, float]:
            totals: dict[str, float] = {}
            for column in np.flatnonzero(row).tolist():
                key = key_of(column)
                totals[key] = totals.get(key, 0.0) + float(row[column])
            return totals

        def sector(category: int) -> str:
            return sector_of(table.categories.values[category])

        def stage(round_type: int) -> str:
            return stage_of(table.round_types.values[round_type])

        pairs: dict[tuple[str, str], float] = {}
        row = self.by_category_and_type[investor]
        for column in np.flatnonzero(row).tolist():
            key = (sector(column // n_types), stage(column % n_types))
            pairs[key] = pairs.get(key, 0.0) + float(row[column])
        regions = summed(self.by_region[investor], lambda r: table.regions.values[r])
        regions.pop("", None)
        portfolio = self.portfolio[investor].indices.tolist()
        return InvestorHistory(
            rounds=float(self.rounds[investor]),
            recent_rounds=float(self.recent_rounds[investor]),
            by_sector=summed(self.by_category[investor], sector),
            recent_by_sector=summed(self.recent_by_category[investor], sector),
            by_stage=summed(self.by_round_type[investor], stage),
            by_sector_and_stage=pairs,
            by_region=regions,
            companies=frozenset(company_key(table.companies.values[c]) for c in portfolio),
        )

    def mandate(
        self,
        investor: int,
        *,
        fallback_ticket: tuple[float, float],
        settings: InferenceSettings = InferenceSettings(),
    ) -> ProposedMandate:
        """The mandate inferred from one investor's history (see ``mandate_from_counts``).

        Parameters
        ----------
        investor : int
            The investor's code.
        fallback_ticket : tuple of float
            Ticket range when none of its rounds has a known amount.
        settings : InferenceSettings

        Returns
        -------
        mandate : ProposedMandate
        """
        table = self.table
        sector_counts: dict[str, int] = {}
        for category in np.flatnonzero(self.by_category[investor]):
            code = sector_of(table.categories.values[category])
            sector_counts[code] = sector_counts.get(code, 0) + int(
                self.by_category[investor, category]
            )
        stage_counts: dict[str, int] = {}
        for round_type in np.flatnonzero(self.by_round_type[investor]):
            code = stage_of(table.round_types.values[round_type])
            stage_counts[code] = stage_counts.get(code, 0) + int(
                self.by_round_type[investor, round_type]
            )
        rows = np.flatnonzero(table.investor == investor)
        round_rows = np.unique(table.round_row[rows])
        round_rows = round_rows[table.rounds.funded_at[round_rows] < self.cutoff]
        return mandate_from_counts(
            table.investors.values[investor],
            sector_counts,
            stage_counts,
            table.rounds.amount_usd[round_rows].tolist(),
            fallback_ticket=fallback_ticket,
            settings=settings,
        )
