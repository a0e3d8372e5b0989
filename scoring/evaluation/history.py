"""What every investor did before a cutoff date, in Crunchbase's terms.

The counting itself is the service's (``scoring.history.HistoryCounts``); this adds what only
the evaluation needs: counts kept by Crunchbase category and round type (the baselines use
them), round sizes, and the mandate inferred from an investor's counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from scoring.evaluation.crunchbase import sector_of, stage_of
from scoring.evaluation.deals import DealTable, Rounds
from scoring.evaluation.profiles import InferenceSettings, ProposedMandate, mandate_from_counts
from scoring.history import (
    CodeNames,
    FloatArray,
    HistoryCounts,
    IntArray,
    InvestorHistory,
    as_day,
    company_key,
    typical_amounts,
)


def code_names(table: DealTable) -> CodeNames:
    """The table's codes in the service's terms: categories as sector codes, round types as
    stages, companies by ``company_key`` of their name."""
    return CodeNames(
        sectors=[sector_of(c) for c in table.categories.values],
        stages=[stage_of(t) for t in table.round_types.values],
        regions=table.regions.values,
        company_keys=np.fromiter(
            (company_key(c) for c in table.companies.values),
            dtype=np.int64,
            count=len(table.companies),
        ),
    )


@dataclass(frozen=True, slots=True)
class DealHistory:
    """Deal counts per investor (rows: every investor code of the table) before ``cutoff``.

    Each (investor, round) pair counts once, however many rows list it.
    """

    table: DealTable
    counts: HistoryCounts
    """By Crunchbase category and round type (``table.columns()``)."""
    names: CodeNames
    category_totals: FloatArray
    """Rounds per category over all investors."""
    median_amount_by_type: FloatArray
    """Median known round size per round type (overall median where a type has none)."""

    @property
    def cutoff(self) -> np.datetime64:
        return self.counts.cutoff

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
        rounds = table.rounds
        past_rounds = np.flatnonzero(rounds.funded_at < as_day(cutoff))
        return cls(
            table=table,
            counts=HistoryCounts.before(table.columns(), cutoff),
            names=code_names(table),
            category_totals=np.bincount(
                rounds.category[past_rounds], minlength=len(table.categories)
            ).astype(np.float64),
            median_amount_by_type=typical_amounts(
                rounds.amount_usd[past_rounds],
                rounds.round_type[past_rounds],
                len(table.round_types),
                default=1.0,
            ),
        )

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

    def investor_histories(self, investors: IntArray) -> list[InvestorHistory]:
        """Some investors' counts in the service's terms (``scoring.history``), in order."""
        return self.counts.investor_histories(investors, self.names)

    def investor_history(self, investor: int) -> InvestorHistory:
        """One investor's counts in the service's terms (``scoring.history``)."""
        return self.counts.investor_histories([investor], self.names)[0]

    def mandate(
        self,
        investor: int,
        *,
        fallback_ticket: tuple[float, float],
        settings: InferenceSettings = InferenceSettings(),
    ) -> ProposedMandate:
        """The mandate ``mandate_from_counts`` infers from the history of the investor with
        code ``investor`` (``fallback_ticket`` when none of its rounds has a known amount)."""
        table = self.table
        history = self.investor_history(investor)
        rows = np.flatnonzero(table.investor == investor)
        round_rows = np.unique(table.round_row[rows])
        round_rows = round_rows[table.rounds.funded_at[round_rows] < self.cutoff]
        return mandate_from_counts(
            table.investors.values[investor],
            {code: int(n) for code, n in history.by_sector.items()},
            {code: int(n) for code, n in history.by_stage.items()},
            table.rounds.amount_usd[round_rows].tolist(),
            fallback_ticket=fallback_ticket,
            settings=settings,
        )
