"""Collaborative filtering baseline: implicit-feedback ALS (the ``implicit`` library) over what
investors did before the split.

A test round is usually a new company's, so it has no column of its own in an investor x
company matrix. The factorisation therefore also learns a column per category,
category-and-round-type and region, all from the same pre-split deals, and a round is scored
through what it has: its company's column when the company raised before the split (the
company's earlier investors shape it; a new company has none), plus the columns of its
category, category and type and region. Nothing about who joins the round itself is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from scoring.evaluation.deals import Rounds
from scoring.evaluation.history import DealHistory
from scoring.history import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class AlsSettings:
    """The factorisation's settings (chosen on the tuning split, 2010, see docs/evaluation.md)."""

    factors: int = 128
    regularization: float = 1.0
    alpha: float = 100.0
    """Confidence of an observed cell: ``1 + alpha * log1p(count)``."""
    iterations: int = 15
    attribute_weight: float = 1.0
    """Scales the category, category-and-type and region columns against the companies'."""
    seed: int = 0


ALS_SETTINGS = AlsSettings()


@dataclass(frozen=True, slots=True)
class Interactions:
    """(all investors x columns) log counts of the deals before a cutoff.

    The columns are [companies | categories | category-and-type | regions], keeping only those
    with a deal before the cutoff: an empty column would still take part in the factorisation
    (its random start and its share of the item Gram matrix), so a company or category seen
    only after the split could change the factors.
    """

    matrix: sp.csr_matrix
    kept: IntArray
    """Position of each full column among the kept ones (-1: left out)."""

    @classmethod
    def before(cls, history: DealHistory, settings: AlsSettings = ALS_SETTINGS) -> Interactions:
        """The interactions of ``history``'s deals (``attribute_weight`` from ``settings``)."""
        counts = history.counts
        attributes = sp.csr_matrix(
            np.hstack([counts.by_category, counts.by_category_and_type, counts.by_region])
        )
        full = sp.hstack(
            [counts.portfolio, settings.attribute_weight * attributes], format="csr"
        ).astype(np.float32)
        full.eliminate_zeros()
        used = np.flatnonzero(np.bincount(full.indices, minlength=full.shape[1]))
        kept = np.full(full.shape[1], -1, dtype=np.int64)
        kept[used] = np.arange(used.size)
        matrix = full[:, used].tocsr()
        matrix.data = np.log1p(matrix.data)
        return cls(matrix=matrix, kept=kept)


def round_columns(history: DealHistory, rounds: Rounds) -> tuple[IntArray, IntArray]:
    """Which full columns of ``Interactions`` describe each round.

    Returns
    -------
    rows, columns : ndarray of int
        Pairs (round position, column): the company's column, and its category,
        category-and-type and region columns (``Interactions.kept`` says which exist).
    """
    counts = history.counts
    n_companies = counts.portfolio.shape[1]
    n_categories = counts.by_category.shape[1]
    n_types = counts.by_round_type.shape[1]
    n_category_types = counts.by_category_and_type.shape[1]
    positions = np.arange(len(rounds))
    offset_type = n_companies + n_categories
    offset_region = offset_type + n_category_types
    rows = np.tile(positions, 4)
    columns = np.concatenate(
        [
            rounds.company,
            n_companies + rounds.category,
            offset_type + rounds.category * n_types + rounds.round_type,
            offset_region + rounds.region,
        ]
    )
    return rows.astype(np.int64), columns.astype(np.int64)


@dataclass(frozen=True, slots=True)
class AlsFactors:
    """A fitted factorisation: a row per investor code, a row per ``interactions`` column."""

    history: DealHistory
    interactions: Interactions
    investors: FloatArray
    columns: FloatArray

    @classmethod
    def fit(cls, history: DealHistory, settings: AlsSettings = ALS_SETTINGS) -> AlsFactors:
        """Implicit ALS (Hu, Koren and Volinsky 2008) on the pre-split deals of every investor.

        Parameters
        ----------
        history : DealHistory
        settings : AlsSettings

        Returns
        -------
        factors : AlsFactors
        """
        # Imported here: only this baseline needs the library.
        from implicit.cpu.als import AlternatingLeastSquares

        interactions = Interactions.before(history, settings)
        # implicit warns (an error under the tests' settings) when BLAS runs its own threads;
        # one thread also keeps the evaluation off the other core.
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=settings.factors,
                regularization=settings.regularization,
                alpha=settings.alpha,
                iterations=settings.iterations,
                random_state=settings.seed,
                num_threads=1,
            )
            model.fit(interactions.matrix, show_progress=False)
        return cls(
            history=history,
            interactions=interactions,
            investors=np.asarray(model.user_factors, dtype=np.float64),
            columns=np.asarray(model.item_factors, dtype=np.float64),
        )

    def scores(self, investors: IntArray, rounds: Rounds) -> FloatArray:
        """The investor's factor dotted with the sum of the round's column factors
        (``round_columns``).

        Parameters
        ----------
        investors : ndarray of int
        rounds : Rounds

        Returns
        -------
        scores : ndarray of shape (n_investors, n_rounds)
        """
        rows, columns = round_columns(self.history, rounds)
        kept = self.interactions.kept[columns]
        round_factors = np.zeros((len(rounds), self.columns.shape[1]), dtype=np.float64)
        np.add.at(round_factors, rows[kept >= 0], self.columns[kept[kept >= 0]])
        scores: FloatArray = self.investors[investors] @ round_factors.T
        return scores


def als_scores(
    history: DealHistory,
    investors: IntArray,
    rounds: Rounds,
    settings: AlsSettings = ALS_SETTINGS,
) -> FloatArray:
    """``AlsFactors.fit(history, settings).scores(investors, rounds)``: (n_investors, n_rounds)."""
    return AlsFactors.fit(history, settings).scores(investors, rounds)
