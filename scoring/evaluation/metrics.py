"""Ranking quality with binary relevance: Recall@k, NDCG@k and mean reciprocal rank.

Every metric works from the 1-based rank of each relevant candidate in its query's ranking,
so the ranking itself (with its tie-break) is computed once in ``relevant_ranks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_PAIRS_PER_CHUNK = 1024


@dataclass(frozen=True, slots=True)
class RelevantRanks:
    """Where the relevant candidates landed: one entry per relevant (query, candidate) pair."""

    query: IntArray
    rank: IntArray
    """1-based position in the query's ranking."""
    n_queries: int

    def relevant_per_query(self) -> IntArray:
        """How many relevant candidates each query has."""
        counts: IntArray = np.bincount(self.query, minlength=self.n_queries).astype(np.int64)
        return counts


def relevant_ranks(
    scores: FloatArray, relevant: BoolArray, tie_break: FloatArray | None = None
) -> RelevantRanks:
    """Rank every query's candidates by score, best first, and find the relevant ones.

    Parameters
    ----------
    scores : ndarray of shape (n_queries, n_candidates)
        Higher is better.
    relevant : ndarray of bool, same shape
        True where the candidate is relevant to the query; every query needs at least one.
    tie_break : ndarray broadcastable to the same shape, optional
        Among equal scores, the lower value comes first; by default the lower column.

    Returns
    -------
    ranks : RelevantRanks

    Raises
    ------
    ValueError
        When the shapes differ or a query has no relevant candidate.
    """
    scores = np.asarray(scores, dtype=np.float64)
    relevant = np.asarray(relevant, dtype=np.bool_)
    if scores.shape != relevant.shape or scores.ndim != 2:
        raise ValueError("scores and relevant must be 2-d arrays of the same shape")
    if not relevant.any(axis=1).all():
        raise ValueError("every query needs at least one relevant candidate")
    if tie_break is None:
        tie_break = np.arange(scores.shape[1], dtype=np.float64)
    order_key = np.broadcast_to(np.asarray(tie_break, dtype=np.float64), scores.shape)
    queries, candidates = np.nonzero(relevant)
    ranks = np.empty(queries.size, dtype=np.int64)
    for start in range(0, queries.size, _PAIRS_PER_CHUNK):
        q = queries[start : start + _PAIRS_PER_CHUNK]
        c = candidates[start : start + _PAIRS_PER_CHUNK]
        rows, keys = scores[q], order_key[q]
        own_score, own_key = scores[q, c][:, None], order_key[q, c][:, None]
        ahead = (rows > own_score) | ((rows == own_score) & (keys < own_key))
        ranks[start : start + q.size] = ahead.sum(axis=1) + 1
    return RelevantRanks(query=queries.astype(np.int64), rank=ranks, n_queries=int(scores.shape[0]))


def recall_at_k(ranks: RelevantRanks, k: int) -> float:
    """Mean over queries of the share of relevant candidates ranked in the top ``k``.

    Parameters
    ----------
    ranks : RelevantRanks
    k : int

    Returns
    -------
    recall : float
    """
    hits = np.bincount(ranks.query, weights=ranks.rank <= k, minlength=ranks.n_queries)
    return float(np.mean(hits / ranks.relevant_per_query()))


def ndcg_at_k(ranks: RelevantRanks, k: int) -> float:
    """Mean over queries of DCG@k / ideal DCG@k with binary gains and a log2 discount.

    Parameters
    ----------
    ranks : RelevantRanks
    k : int

    Returns
    -------
    ndcg : float
    """
    gains = np.where(ranks.rank <= k, 1.0 / np.log2(ranks.rank + 1.0), 0.0)
    dcg = np.bincount(ranks.query, weights=gains, minlength=ranks.n_queries)
    ideal_table = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    ideal = ideal_table[np.minimum(ranks.relevant_per_query(), k)]
    return float(np.mean(dcg / ideal))


def mean_reciprocal_rank(ranks: RelevantRanks) -> float:
    """Mean over queries of 1 / (rank of the first relevant candidate), over the full ranking.

    Parameters
    ----------
    ranks : RelevantRanks

    Returns
    -------
    mrr : float
    """
    first = np.full(ranks.n_queries, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, ranks.query, ranks.rank)
    return float(np.mean(1.0 / first))


@dataclass(frozen=True, slots=True)
class RankingQuality:
    """The three metrics of one scorer on one set of queries."""

    recall_at_k: float
    ndcg_at_k: float
    mrr: float
    k: int
    n_queries: int


def ranking_quality(
    scores: FloatArray, relevant: BoolArray, *, k: int, tie_break: FloatArray | None = None
) -> RankingQuality:
    """Recall@k, NDCG@k and MRR of ``scores`` against ``relevant`` (see ``relevant_ranks``).

    Parameters
    ----------
    scores : ndarray of shape (n_queries, n_candidates)
    relevant : ndarray of bool, same shape
    k : int
    tie_break : ndarray broadcastable to the same shape, optional

    Returns
    -------
    quality : RankingQuality
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    ranks = relevant_ranks(scores, relevant, tie_break)
    return RankingQuality(
        recall_at_k=recall_at_k(ranks, k),
        ndcg_at_k=ndcg_at_k(ranks, k),
        mrr=mean_reciprocal_rank(ranks),
        k=k,
        n_queries=ranks.n_queries,
    )
