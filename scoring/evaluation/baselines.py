"""Baseline scorers from pre-split deal counts: random, popularity and category popularity.

Each returns a score matrix of shape (n_investors, n_rounds): row ``i`` scores the rounds
for ``investors[i]``, column ``j`` the investors for round ``j``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scoring.evaluation.deals import Rounds
from scoring.evaluation.history import DealHistory

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MIX_WEIGHTS = (0.5, 0.3, 0.2)
"""Weights of category, category-and-round-type and round-type popularity in the mix."""


def random_scores(investors: IntArray, rounds: Rounds, rng: np.random.Generator) -> FloatArray:
    """Independent uniform scores: the chance level.

    Parameters
    ----------
    investors : ndarray of int
        Investor codes.
    rounds : Rounds
    rng : numpy.random.Generator

    Returns
    -------
    scores : ndarray of shape (n_investors, n_rounds)
    """
    return rng.random((investors.size, len(rounds)))


def investor_popularity_scores(
    history: DealHistory, investors: IntArray, rounds: Rounds
) -> FloatArray:
    """How many rounds each investor did before the split, whatever the round.

    Parameters
    ----------
    history : DealHistory
    investors : ndarray of int
    rounds : Rounds

    Returns
    -------
    scores : ndarray of shape (n_investors, n_rounds)
    """
    return np.repeat(history.counts.rounds[investors][:, None], len(rounds), axis=1)


def category_popularity_scores(history: DealHistory, rounds: Rounds) -> FloatArray:
    """How many rounds of the round's category all investors did before the split.

    The same for every investor: ranking rounds for one investor by it puts the busiest
    categories first (the investor-direction counterpart of investor popularity).

    Parameters
    ----------
    history : DealHistory
    rounds : Rounds

    Returns
    -------
    scores : ndarray of shape (n_rounds,)
    """
    totals: FloatArray = history.category_totals[rounds.category]
    return totals


def within_category_scores(history: DealHistory, investors: IntArray, rounds: Rounds) -> FloatArray:
    """How many rounds of the round's category each investor did before the split.

    Parameters
    ----------
    history : DealHistory
    investors : ndarray of int
    rounds : Rounds

    Returns
    -------
    scores : ndarray of shape (n_investors, n_rounds)
    """
    scores: FloatArray = history.counts.by_category[np.ix_(investors, rounds.category)]
    return scores


def _share_of_total(counts: FloatArray) -> FloatArray:
    """Each column divided by its total over the rows (0 where the total is 0)."""
    totals = counts.sum(axis=0, keepdims=True)
    shares: FloatArray = counts / np.where(totals > 0, totals, 1.0)
    return shares


def popularity_mix_scores(
    history: DealHistory,
    investors: IntArray,
    rounds: Rounds,
    weights: tuple[float, float, float] = MIX_WEIGHTS,
) -> FloatArray:
    """0.5 category + 0.3 category-and-round-type + 0.2 round-type popularity.

    Each popularity is the investor's share, among ``investors``, of the pre-split rounds of
    the round's category (of its category and type; of its type). Shares rather than raw
    counts: this is the form that reproduces the data README's figures (0.151 Recall@10;
    raw counts give 0.145).

    Parameters
    ----------
    history : DealHistory
    investors : ndarray of int
        Investor codes; the shares are taken over exactly these investors.
    rounds : Rounds
    weights : tuple of float
        Weights of the category, category-and-type and type popularity.

    Returns
    -------
    scores : ndarray of shape (n_investors, n_rounds)
    """
    n_types = history.counts.by_round_type.shape[1]
    by_category = _share_of_total(history.counts.by_category[investors])
    by_category_and_type = _share_of_total(history.counts.by_category_and_type[investors])
    by_type = _share_of_total(history.counts.by_round_type[investors])
    category_type = rounds.category * n_types + rounds.round_type
    return (
        weights[0] * by_category[:, rounds.category]
        + weights[1] * by_category_and_type[:, category_type]
        + weights[2] * by_type[:, rounds.round_type]
    )


def follow_on_scores(
    history: DealHistory, investors: IntArray, rounds: Rounds, mix: FloatArray
) -> FloatArray:
    """Investors who already backed the round's company first, then by the popularity mix.

    Not one of the data README's baselines: a reference heuristic that shows how much of a
    ranker's gain comes from follow-on rounds alone.

    Parameters
    ----------
    history : DealHistory
    investors : ndarray of int
    rounds : Rounds
    mix : ndarray of shape (n_investors, n_rounds)
        ``popularity_mix_scores`` of the same pairs (each in [0, 1]).

    Returns
    -------
    scores : ndarray of shape (n_investors, n_rounds)
    """
    backed = history.counts.portfolio[investors][:, rounds.company].toarray() > 0
    scores: FloatArray = 2.0 * backed + mix
    return scores
