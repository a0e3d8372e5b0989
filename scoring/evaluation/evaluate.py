"""Offline ranking quality on a date split of real deals, in both matching directions.

Profiles and features come only from deals before the split; the learned ranker is trained on
an earlier sub-split of those deals (features before ``split - training_window_days``,
outcomes in the window up to the split), so nothing after the split reaches any scorer.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from scoring.evaluation import baselines
from scoring.evaluation.deals import DealTable, Rounds
from scoring.evaluation.features import (
    FEATURE_NAMES,
    LEARNED_FEATURES,
    MandateMatcher,
    pair_features,
)
from scoring.evaluation.history import DealHistory, as_day
from scoring.evaluation.metrics import RankingQuality, ranking_quality
from scoring.evaluation.profiles import InferenceSettings
from scoring.learned import (
    COMPONENT_FEATURES,
    NEGATIVES_PER_POSITIVE,
    REGULARIZATION,
    TRAINING_WINDOW_DAYS,
    LearnedRanker,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SCORER_NAMES = (
    "random",
    "popularity",
    "category",
    "mix",
    "follow_on",
    "default",
    "learned_components",
    "learned",
)
"""``learned_components``: a LearnedRanker over the MatchScorer components only, the form
the service trains on feedback; ``learned``: components plus deal-history features."""
BASELINE_NAMES = ("random", "popularity", "category", "mix")
"""The data README's baselines: the target is measured against the best of them."""
_INVESTORS_PER_BLOCK = 32


class Direction(StrEnum):
    """What a query is: a project (rank investors for it) or an investor (rank projects)."""

    PROJECT = "project"
    INVESTOR = "investor"


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    """Fixed once for every split and direction (see docs/evaluation.md for how).

    Parameters
    ----------
    k : int
        Cut-off of Recall@k and NDCG@k.
    min_rounds : int
        Candidates (and investor queries) are investors with at least this many rounds
        before the split.
    training_window_days : int
        Length of the window before the split whose deals are the learned ranker's outcomes.
    negatives_per_positive : int
        Non-chosen pairs sampled per chosen one, half sharing its round (other investors),
        half sharing its investor (other rounds).
    regularization : float
        Inverse L2 strength of the learned ranker's logistic regression.
    seed : int
        Seeds negative sampling, the random baseline and the tie-break.
    features : tuple of str
        The learned ranker's inputs (names from ``features.FEATURE_NAMES``).
    inference : InferenceSettings
        How mandates are inferred from the deal histories.
    """

    k: int = 10
    min_rounds: int = 5
    training_window_days: int = TRAINING_WINDOW_DAYS
    negatives_per_positive: int = NEGATIVES_PER_POSITIVE
    regularization: float = REGULARIZATION
    seed: int = 0
    features: tuple[str, ...] = LEARNED_FEATURES
    inference: InferenceSettings = field(default_factory=InferenceSettings)


@dataclass(frozen=True, slots=True)
class Window:
    """Rounds dated in [start, end] and their relevance for a set of investors."""

    investors: IntArray
    rounds: Rounds
    relevant: BoolArray
    """(investors x rounds): True where the investor took part in the round."""


def window_between(
    table: DealTable, history: DealHistory, start: dt.date, end: dt.date, min_rounds: int
) -> Window:
    """The rounds dated from ``start`` to ``end`` inclusive and the history's active investors.

    Parameters
    ----------
    table : DealTable
    history : DealHistory
        Deals before ``start``: chooses the investors.
    start, end : date
    min_rounds : int

    Returns
    -------
    window : Window
    """
    dates = table.rounds.funded_at
    round_rows = np.flatnonzero((dates >= as_day(start)) & (dates <= as_day(end)))
    investors = history.active_investors(min_rounds)
    investor_position = np.full(len(table.investors), -1, dtype=np.int64)
    investor_position[investors] = np.arange(investors.size)
    round_position = np.full(len(table.rounds), -1, dtype=np.int64)
    round_position[round_rows] = np.arange(round_rows.size)
    rows, columns = investor_position[table.investor], round_position[table.round_row]
    inside = (rows >= 0) & (columns >= 0)
    relevant = np.zeros((investors.size, round_rows.size), dtype=np.bool_)
    relevant[rows[inside], columns[inside]] = True
    return Window(investors=investors, rounds=table.rounds.take(round_rows), relevant=relevant)


def _blocks(count: int) -> list[range]:
    return [
        range(start, min(start + _INVESTORS_PER_BLOCK, count))
        for start in range(0, count, _INVESTORS_PER_BLOCK)
    ]


def training_pairs(
    table: DealTable, split: dt.date, settings: EvaluationSettings
) -> tuple[FloatArray, IntArray]:
    """Feature rows and 0/1 outcomes of (investor, round) pairs, all from before ``split``.

    Features come from deals before ``split - training_window_days``; the outcomes are the
    deals from then until the day before the split. Every such deal of an active investor is
    a positive; the negatives are sampled (see ``EvaluationSettings``).

    Parameters
    ----------
    table : DealTable
    split : date
    settings : EvaluationSettings

    Returns
    -------
    features : ndarray of shape (n_pairs, len(settings.features))
    outcomes : ndarray of int, shape (n_pairs,)
    """
    rng = np.random.default_rng(settings.seed)
    start = split - dt.timedelta(days=settings.training_window_days)
    history = DealHistory.before(table, start)
    train = window_between(table, history, start, split - dt.timedelta(days=1), settings.min_rounds)
    n_investors, n_rounds = train.relevant.shape
    positive_investor, positive_round = np.nonzero(train.relevant)
    if positive_investor.size == 0:
        raise ValueError(f"no deals of active investors in the training window before {split}")
    half = max(settings.negatives_per_positive // 2, 1)
    other_investors = rng.integers(0, n_investors, size=(positive_investor.size, half))
    other_rounds = rng.integers(0, n_rounds, size=(positive_investor.size, half))
    pair_investor = np.concatenate(
        [positive_investor, other_investors.ravel(), np.repeat(positive_investor, half)]
    )
    pair_round = np.concatenate(
        [positive_round, np.repeat(positive_round, half), other_rounds.ravel()]
    )
    outcome = train.relevant[pair_investor, pair_round].astype(np.int64)
    matcher = MandateMatcher(history, train.investors, train.rounds, settings=settings.inference)
    rows: list[FloatArray] = []
    outcomes: list[IntArray] = []
    for block in _blocks(n_investors):
        in_block = (pair_investor >= block.start) & (pair_investor < block.stop)
        if not in_block.any():
            continue
        features = pair_features(history, matcher, block, settings.features)
        rows.append(features[pair_investor[in_block] - block.start, pair_round[in_block]])
        outcomes.append(outcome[in_block])
    return np.vstack(rows), np.concatenate(outcomes)


def train_learned_ranker(
    table: DealTable, split: dt.date, settings: EvaluationSettings
) -> tuple[LearnedRanker, int]:
    """A LearnedRanker trained only on deals before ``split`` (see ``training_pairs``).

    Parameters
    ----------
    table : DealTable
    split : date
    settings : EvaluationSettings

    Returns
    -------
    ranker : LearnedRanker
    n_pairs : int
        Training pairs used.
    """
    features, outcomes = training_pairs(table, split, settings)
    ranker = LearnedRanker(feature_names=settings.features, regularization=settings.regularization)
    return ranker.fit(features, outcomes), int(outcomes.size)


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Metrics of every scorer on one split and direction."""

    direction: Direction
    split: dt.date
    test_until: dt.date
    k: int
    n_queries: int
    n_candidates: int
    mean_relevant: float
    quality: dict[str, RankingQuality]
    seconds: float
    training_pairs: int
    learned_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``LearnedRanker.to_dict()`` of each learned scorer run."""

    def lift_over(
        self, references: tuple[str, ...] = BASELINE_NAMES, scorer: str = "learned"
    ) -> dict[str, float]:
        """Relative gain of ``scorer`` over the best of ``references`` per metric (0.3: +30%).

        Parameters
        ----------
        references : tuple of str
            Scorers to compare with (those not run are skipped); the best is taken per metric.
        scorer : str

        Returns
        -------
        lifts : dict of str to float
            Keyed by ``recall_at_k``, ``ndcg_at_k`` and ``mrr``; empty if nothing to compare.
        """
        present = [name for name in references if name in self.quality]
        if scorer not in self.quality or not present:
            return {}
        lifts: dict[str, float] = {}
        for metric in ("recall_at_k", "ndcg_at_k", "mrr"):
            best = max(getattr(self.quality[name], metric) for name in present)
            value = getattr(self.quality[scorer], metric)
            lifts[metric] = value / best - 1.0 if best > 0 else float("inf")
        return lifts

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form of the report."""
        return {
            "direction": self.direction.value,
            "split": self.split.isoformat(),
            "test_until": self.test_until.isoformat(),
            "k": self.k,
            "queries": self.n_queries,
            "candidates": self.n_candidates,
            "mean_relevant": round(self.mean_relevant, 3),
            "seconds": round(self.seconds, 1),
            "training_pairs": self.training_pairs,
            "scorers": {
                name: {
                    f"recall@{self.k}": round(q.recall_at_k, 6),
                    f"ndcg@{self.k}": round(q.ndcg_at_k, 6),
                    "mrr": round(q.mrr, 6),
                }
                for name, q in self.quality.items()
            },
            "learned_lift_over_best_baseline": {
                metric: round(value, 4) for metric, value in self.lift_over().items()
            },
            "learned_lift_over_follow_on": {
                metric: round(value, 4) for metric, value in self.lift_over(("follow_on",)).items()
            },
            "learned_models": self.learned_models,
        }

    def to_markdown(self) -> str:
        """The metrics as a Markdown table, one row per scorer."""
        k = self.k
        lines = [
            f"| scorer | Recall@{k} | NDCG@{k} | MRR |",
            "|---|---|---|---|",
        ]
        for name, q in self.quality.items():
            lines.append(f"| {name} | {q.recall_at_k:.3f} | {q.ndcg_at_k:.3f} | {q.mrr:.3f} |")
        return "\n".join(lines)


def evaluate(
    table: DealTable,
    *,
    split: dt.date,
    direction: Direction,
    test_until: dt.date | None = None,
    settings: EvaluationSettings = EvaluationSettings(),
    scorers: tuple[str, ...] = SCORER_NAMES,
) -> EvaluationReport:
    """Rank held-out deals with every scorer and measure Recall@k, NDCG@k and MRR.

    Candidates are the investors with at least ``min_rounds`` rounds before ``split``; the
    test rounds are those dated from ``split`` to ``test_until`` inclusive. Direction
    ``project``: each test round with at least one candidate investor ranks all candidates.
    Direction ``investor``: each candidate with a test round ranks all test rounds.

    Parameters
    ----------
    table : DealTable
    split : date
        First day of the test window; everything the scorers see is dated before it.
    direction : Direction
    test_until : date, optional
        Last day of the test window (default: the last date in the data).
    settings : EvaluationSettings
    scorers : tuple of str
        Which of ``SCORER_NAMES`` to run.

    Returns
    -------
    report : EvaluationReport
    """
    unknown = set(scorers) - set(SCORER_NAMES)
    if unknown:
        raise ValueError(f"unknown scorers: {sorted(unknown)}")
    started = time.perf_counter()
    end = test_until or table.rounds.funded_at.max().astype(dt.date)
    history = DealHistory.before(table, split)
    test = window_between(table, history, split, end, settings.min_rounds)
    if direction is Direction.PROJECT:
        query_rounds = np.flatnonzero(test.relevant.any(axis=0))
        rows = np.arange(test.investors.size)
        relevant = test.relevant[:, query_rounds].T
    else:
        query_rounds = np.arange(len(test.rounds))
        rows = np.flatnonzero(test.relevant.any(axis=1))
        relevant = test.relevant[rows]
    if relevant.size == 0 or not relevant.any():
        raise ValueError("no test deals by investors active before the split")
    investors = test.investors[rows]
    rounds = test.rounds.take(query_rounds)
    rng = np.random.default_rng(settings.seed)
    tie_break = rng.random(relevant.shape)

    def oriented(matrix: FloatArray) -> FloatArray:
        """(investors x rounds) scores as (queries x candidates)."""
        return matrix.T if direction is Direction.PROJECT else matrix

    matchers: list[MandateMatcher] = []

    def matcher() -> MandateMatcher:
        """The mandates and the fitted MatchScorer, built once if a scorer needs them."""
        if not matchers:
            matchers.append(MandateMatcher(history, investors, rounds, settings=settings.inference))
        return matchers[0]

    def mix_scores() -> FloatArray:
        # Shares are taken over every candidate investor, whichever the direction.
        return baselines.popularity_mix_scores(history, test.investors, rounds)[rows]

    def popularity_scores() -> FloatArray:
        if direction is Direction.PROJECT:
            return baselines.investor_popularity_scores(history, investors, rounds)
        # Ranking rounds for one investor, its own activity is a constant: the popularity
        # of the round's category stands in.
        by_category = baselines.category_popularity_scores(history, rounds)
        return np.broadcast_to(by_category[None, :], (investors.size, len(rounds)))

    # Every learned scorer is trained on the same pairs and scored in one pass over them.
    inputs = {"learned": settings.features, "learned_components": COMPONENT_FEATURES}
    learned_names = [name for name in scorers if name in inputs]
    learned_scores: dict[str, FloatArray] = {}
    learned_models: dict[str, dict[str, Any]] = {}
    n_training_pairs = 0
    if learned_names:
        needed = tuple(f for f in FEATURE_NAMES if any(f in inputs[n] for n in learned_names))
        columns = {n: [needed.index(f) for f in inputs[n]] for n in learned_names}
        pairs, outcomes = training_pairs(table, split, replace(settings, features=needed))
        n_training_pairs = int(outcomes.size)
        rankers = {
            n: LearnedRanker(feature_names=inputs[n], regularization=settings.regularization).fit(
                pairs[:, columns[n]], outcomes
            )
            for n in learned_names
        }
        learned_models = {n: ranker.to_dict() for n, ranker in rankers.items()}
        blocks: dict[str, list[FloatArray]] = {n: [] for n in learned_names}
        for block in _blocks(investors.size):
            features = pair_features(history, matcher(), block, needed)
            flat = features.reshape(-1, len(needed))
            for n, ranker in rankers.items():
                predicted = ranker.predict_scores(flat[:, columns[n]])
                blocks[n].append(predicted.reshape(len(block), len(rounds)))
        learned_scores = {n: np.vstack(blocks[n]) for n in learned_names}

    score_of: dict[str, Callable[[], FloatArray]] = {
        "random": lambda: baselines.random_scores(investors, rounds, rng),
        "popularity": popularity_scores,
        "category": lambda: baselines.within_category_scores(history, investors, rounds),
        "mix": mix_scores,
        "follow_on": lambda: baselines.follow_on_scores(history, investors, rounds, mix_scores()),
        "default": lambda: matcher().default_scores(range(investors.size)),
        "learned_components": lambda: learned_scores["learned_components"],
        "learned": lambda: learned_scores["learned"],
    }
    quality: dict[str, RankingQuality] = {}
    for name in scorers:
        scores = score_of[name]()
        quality[name] = ranking_quality(
            oriented(np.asarray(scores, dtype=np.float64)),
            relevant,
            k=settings.k,
            tie_break=tie_break,
        )
    return EvaluationReport(
        direction=direction,
        split=split,
        test_until=end,
        k=settings.k,
        n_queries=int(relevant.shape[0]),
        n_candidates=int(relevant.shape[1]),
        mean_relevant=float(relevant.sum(axis=1).mean()),
        quality=quality,
        seconds=time.perf_counter() - started,
        training_pairs=n_training_pairs,
        learned_models=learned_models,
    )
