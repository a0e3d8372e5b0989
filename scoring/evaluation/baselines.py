"""Baseline scorers from pre-split deal counts: random, popularity, category popularity, the
follow-on heuristics and co-investment neighbours.

Each returns a score matrix of shape (n_investors, n_rounds): row ``i`` scores the rounds
for ``investors[i]``, column ``j`` the investors for round ``j``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.evaluation.deals import DealTable, Rounds
from scoring.evaluation.history import DealHistory
from scoring.history import BoolArray, HistoryCounts, as_day

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


def counts_between(table: DealTable, start: dt.date, cutoff: dt.date) -> HistoryCounts:
    """Every investor's deals dated from ``start`` up to (not including) ``cutoff``, counted
    like ``DealHistory`` counts (each (investor, round) pair once).

    Parameters
    ----------
    table : DealTable
    start, cutoff : date

    Returns
    -------
    counts : HistoryCounts
    """
    deals = table.columns()
    keep = deals.day >= as_day(start)
    recent = replace(
        deals,
        investor=deals.investor[keep],
        round=deals.round[keep],
        day=deals.day[keep],
        category=deals.category[keep],
        round_type=deals.round_type[keep],
        region=deals.region[keep],
        company=deals.company[keep],
    )
    return HistoryCounts.before(recent, cutoff)


def backed_company(history: DealHistory, investors: IntArray, rounds: Rounds) -> BoolArray:
    """(investors x rounds): True where the investor funded the round's company before the
    history's cutoff (a follow-on)."""
    backed: BoolArray = history.counts.portfolio[investors][:, rounds.company].toarray() > 0
    return backed


def _mix_of_counts(
    counts: HistoryCounts, investors: IntArray, rounds: Rounds, weights: tuple[float, float, float]
) -> FloatArray:
    """``popularity_mix_scores`` of any counts (the shares taken over ``investors``)."""
    n_types = counts.by_round_type.shape[1]
    category_type = rounds.category * n_types + rounds.round_type
    return (
        weights[0] * _share_of_total(counts.by_category[investors])[:, rounds.category]
        + weights[1] * _share_of_total(counts.by_category_and_type[investors])[:, category_type]
        + weights[2] * _share_of_total(counts.by_round_type[investors])[:, rounds.round_type]
    )


@dataclass(frozen=True, slots=True)
class RecencyRegionWeights:
    """How ``follow_on_recency_region_scores`` combines its parts (chosen on the tuning split,
    2010, see docs/evaluation.md)."""

    recent: float = 1.0
    """Weight of the last year's popularity mix against the whole history's."""
    region_floor: float = 0.001
    """Added to the region share, so that an investor with no round in the region is
    scaled down, not zeroed."""
    own_share: float = 0.0
    """Weight of the investor's own share of its rounds in the round's category (how much of
    its activity the category is), added to the candidates-wide mix."""


RECENCY_REGION_WEIGHTS = RecencyRegionWeights()


def follow_on_recency_region_scores(
    history: DealHistory,
    recent: HistoryCounts,
    candidates: IntArray,
    investors: IntArray,
    rounds: Rounds,
    weights: RecencyRegionWeights = RECENCY_REGION_WEIGHTS,
) -> FloatArray:
    """Follow-ons first, then the category/round-type mix of the whole history and of the last
    year, scaled by the investor's share of its rounds in the round's region.

    ``(mix + recent * recent_mix + own_share * category_share) * (region_floor +
    region_share)``, plus 2 (above any mix) where the investor backed the company before.

    Parameters
    ----------
    history : DealHistory
        Deals before the split.
    recent : HistoryCounts
        Deals of the last year before the split (``counts_between``).
    candidates : ndarray of int
        Every candidate investor: the mix shares are taken over them.
    investors : ndarray of int
        The rows to score (a subset of ``candidates``, in order).
    rounds : Rounds
    weights : RecencyRegionWeights

    Returns
    -------
    scores : ndarray of shape (n_investors, n_rounds)
    """
    rows = np.searchsorted(candidates, investors)
    mix = _mix_of_counts(history.counts, candidates, rounds, MIX_WEIGHTS)[rows]
    recent_mix = _mix_of_counts(recent, candidates, rounds, MIX_WEIGHTS)[rows]
    activity = np.maximum(history.counts.rounds[investors], 1.0)[:, None]
    category_share = history.counts.by_category[np.ix_(investors, rounds.category)] / activity
    region_share = history.counts.by_region[np.ix_(investors, rounds.region)] / activity
    taste = mix + weights.recent * recent_mix + weights.own_share * category_share
    # Each mix is at most 1 and so is the share: scaled by that bound (not by the largest value
    # seen, which would depend on which rounds are scored) a follow-on (+2) always comes first.
    taste = taste / (1.0 + weights.recent + weights.own_share)
    place = (weights.region_floor + region_share) / (weights.region_floor + 1.0)
    scores: FloatArray = 2.0 * backed_company(history, investors, rounds) + taste * place
    return scores


CO_INVESTMENT_WEIGHT = 2.0
"""Weight of the co-investments against the popularity mix (chosen on the tuning split)."""


def co_investments(history: DealHistory, investors: IntArray, rounds: Rounds) -> FloatArray:
    """How often each investor shared a round (before the split) with the earlier investors of
    the round's company: ``n / (1 + n)`` of the count ``n`` (in [0, 1), whatever else is
    scored).

    Parameters
    ----------
    history : DealHistory
    investors : ndarray of int
    rounds : Rounds

    Returns
    -------
    co_invested : ndarray of shape (n_investors, n_rounds)
    """
    table = history.table
    deals = table.columns()
    past = deals.day < history.cutoff
    took_part = sp.csr_matrix(
        (np.ones(int(past.sum())), (deals.investor[past], deals.round[past])),
        shape=(deals.n_investors, len(table.rounds)),
    )
    took_part.data[:] = 1.0  # an investor listed twice in a round counts once
    shared_rounds = (took_part[investors] @ took_part.T).tolil()
    # Sharing rounds with oneself is not a co-investment (follow-ons are counted apart).
    shared_rounds[np.arange(investors.size), investors] = 0.0
    backers = (history.counts.portfolio[:, rounds.company] > 0).astype(np.float64)
    with_backers = np.asarray((shared_rounds.tocsr() @ backers).todense(), dtype=np.float64)
    co_invested: FloatArray = with_backers / (1.0 + with_backers)
    return co_invested


def co_investment_scores(
    history: DealHistory,
    investors: IntArray,
    rounds: Rounds,
    mix: FloatArray,
    weight: float = CO_INVESTMENT_WEIGHT,
) -> FloatArray:
    """Follow-ons first, then how often the investor co-invested (before the split) with the
    round's company's earlier investors (``co_investments``), plus the popularity mix.

    A nearest-neighbour heuristic over the investor x round matrix: an investor's neighbours
    are the investors it shared rounds with, weighted by how many; a round's company brings its
    earlier investors. A new company has none, so its round falls back on the mix.

    Parameters
    ----------
    history : DealHistory
    investors : ndarray of int
    rounds : Rounds
    mix : ndarray of shape (n_investors, n_rounds)
        ``popularity_mix_scores`` of the same pairs (each in [0, 1]).
    weight : float
        Of the co-investments against the mix.

    Returns
    -------
    scores : ndarray of shape (n_investors, n_rounds)
    """
    co_invested = co_investments(history, investors, rounds)
    backed = backed_company(history, investors, rounds)
    scores: FloatArray = 2.0 * (1.0 + weight) * backed + weight * co_invested + mix
    return scores
