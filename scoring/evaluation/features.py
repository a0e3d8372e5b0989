"""Pair features for ranking: the MatchScorer's components plus the investor's deal history.

Everything here is computed from deals before a cutoff and from what a financing request
states (sector, stage, amount, region, company), never from who else invested in the round.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from scoring.evaluation.crunchbase import CURRENCY, make_scorer, sector_of, stage_of
from scoring.evaluation.deals import DealTable, Rounds
from scoring.evaluation.history import DealHistory
from scoring.evaluation.profiles import InferenceSettings, ProposedMandate
from scoring.learned import RANKING_FEATURES
from scoring.matcher import Components, InvestorFeatures, MatchScorer
from scoring.records import RequestColumns

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FEATURE_NAMES = RANKING_FEATURES
"""Every feature the learned ranker can use: the service's own list."""

LEARNED_FEATURES = tuple(name for name in FEATURE_NAMES if name != "text")
"""The evaluated learned ranker's inputs: rounds have no text here, so ``text`` is always 0."""


def request_columns(table: DealTable, rounds: Rounds, amounts_usd: FloatArray) -> RequestColumns:
    """Rounds as the scorer's financing requests (id: the round id; no text).

    Parameters
    ----------
    table : DealTable
        Decodes the category, round type and region codes.
    rounds : Rounds
    amounts_usd : ndarray of float
        The amount of each round (unknown ones already filled in).

    Returns
    -------
    columns : RequestColumns
    """
    count = len(rounds)
    return RequestColumns(
        ids=[str(i) for i in rounds.round_ids.tolist()],
        sectors=[(sector_of(table.categories.values[c]),) for c in rounds.category.tolist()],
        stages=[stage_of(table.round_types.values[t]) for t in rounds.round_type.tolist()],
        amounts=amounts_usd.tolist(),
        currencies=[CURRENCY] * count,
        regions=[table.regions.values[r] or None for r in rounds.region.tolist()],
        event_ids=[None] * count,
        texts=[""] * count,
        text_counts=[None] * count,
        companies=[table.companies.values[c] for c in rounds.company.tolist()],
    )


class MandateMatcher:
    """The service's MatchScorer fitted on a set of rounds, with an inferred mandate per investor.

    Parameters
    ----------
    history : DealHistory
        Where the mandates come from.
    investors : ndarray of int
        Investor codes, one mandate each.
    rounds : Rounds
        The rounds to score (the scorer's catalogue).
    scorer : MatchScorer, optional
        An unfitted scorer; by default ``crunchbase.make_scorer()`` (default weights).
    settings : InferenceSettings
    """

    def __init__(
        self,
        history: DealHistory,
        investors: IntArray,
        rounds: Rounds,
        *,
        scorer: MatchScorer | None = None,
        settings: InferenceSettings = InferenceSettings(),
    ) -> None:
        table = history.table
        self.investors = investors
        self.amounts_usd = history.amounts_or_typical(rounds)
        self.scorer = (scorer or make_scorer()).fit(
            request_columns(table, rounds, self.amounts_usd)
        )
        catalogue = self.scorer.catalogue_
        wanted = np.array([str(i).encode() for i in rounds.round_ids.tolist()], dtype="S36")
        # The catalogue is sorted by id: where each of our rounds sits in it.
        self.catalogue_rows = np.searchsorted(catalogue.ids, wanted)
        if not np.array_equal(catalogue.ids[self.catalogue_rows], wanted):
            raise ValueError("round ids must be unique")
        fallback = history.typical_ticket(settings.ticket_quantiles)
        self.mandates: list[ProposedMandate] = [
            history.mandate(int(i), fallback_ticket=fallback, settings=settings)
            for i in investors.tolist()
        ]
        self.investor_features: list[InvestorFeatures] = [
            self.scorer.investor_features(m.to_record()) for m in self.mandates
        ]

    def components(self, position: int) -> Components:
        """Components and combined score of investor ``investors[position]`` for every round.

        Computed by ``MatchScorer.segment_components``, in the order of ``rounds``: the
        formula the service ranks with (``rank_segments`` computes the same score through
        ``segment_scores``; tests check both give the same order).
        """
        scorer = self.scorer
        return scorer.segment_components(
            self.investor_features[position], scorer.catalogue_, self.catalogue_rows
        )

    def default_scores(self, positions: Sequence[int]) -> FloatArray:
        """Combined scores (default weights) of the given investors, rows in that order."""
        if not positions:
            return np.zeros((0, self.catalogue_rows.size), dtype=np.float64)
        return np.vstack([self.components(p).score for p in positions])


def pair_features(
    history: DealHistory,
    matcher: MandateMatcher,
    positions: range,
    names: Sequence[str] = FEATURE_NAMES,
) -> FloatArray:
    """Features of every (investor, round) pair for a block of the matcher's investors.

    Computed by ``MatchScorer.pair_features``, the code the service ranks with when its
    serving model is a learned one: the inferred mandate's components and the investor's
    deal history before the cutoff (``DealHistory.investor_histories``).

    Parameters
    ----------
    history : DealHistory
        The history the matcher's mandates were inferred from.
    matcher : MandateMatcher
    positions : range
        Which of ``matcher.investors``.
    names : sequence of str
        Which of ``FEATURE_NAMES``, in this order.

    Returns
    -------
    features : ndarray of shape (n_investors, n_rounds, len(names))
    """
    unknown = set(names) - set(FEATURE_NAMES)
    if unknown:
        raise ValueError(f"unknown features: {sorted(unknown)}")
    scorer = matcher.scorer
    histories = history.investor_histories(matcher.investors[list(positions)])
    blocks = [
        scorer.pair_features(
            matcher.investor_features[p],
            scorer.catalogue_,
            matcher.catalogue_rows,
            names=names,
            history=investor_history,
        )[0]
        for p, investor_history in zip(positions, histories, strict=True)
    ]
    if not blocks:
        return np.zeros((0, matcher.catalogue_rows.size, len(names)), dtype=np.float64)
    return np.stack(blocks)
