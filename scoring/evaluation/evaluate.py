"""Offline ranking quality on a date split of real deals, in both matching directions.

Profiles and features come only from deals before the split; the learned ranker is trained on
an earlier sub-split of those deals (features before ``split - training_window_days``,
outcomes in the window up to the split), so nothing after the split reaches any scorer.
The training pairs are the service's construction (``scoring.training_pairs``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from scoring.evaluation import baselines, collaborative
from scoring.evaluation.deals import DealTable, Rounds
from scoring.evaluation.features import (
    FEATURE_NAMES,
    LEARNED_FEATURES,
    MandateMatcher,
    pair_features,
)
from scoring.evaluation.history import DealHistory
from scoring.evaluation.metrics import RankingQuality, ranking_quality
from scoring.evaluation.profiles import InferenceSettings
from scoring.evaluation.report import Direction, EvaluationReport, Task
from scoring.history import RECENT_DAYS, BoolArray, FloatArray, HistoryCounts
from scoring.learned import (
    COMPONENT_FEATURES,
    NEGATIVES_PER_POSITIVE,
    REGULARIZATION,
    TRAINING_WINDOW_DAYS,
    LearnedRanker,
)
from scoring.training_pairs import DealWindow, deal_window, pair_feature_rows, sample_deal_pairs

_INVESTORS_PER_BLOCK = 32


class ScorerName(StrEnum):
    """The scorers an evaluation runs (docs/evaluation.md describes each)."""

    RANDOM = "random"
    POPULARITY = "popularity"
    CATEGORY = "category"
    MIX = "mix"
    FOLLOW_ON = "follow_on"
    FOLLOW_ON_RECENCY_REGION = "follow_on_recency_region"
    CO_INVESTMENT = "co_investment"
    CF_ALS = "cf_als"
    """Collaborative filtering: implicit ALS (``collaborative.als_scores``)."""
    DEFAULT = "default"
    LEARNED_COMPONENTS = "learned_components"
    """A LearnedRanker over the MatchScorer components only: the form the service trains on
    feedback."""
    LEARNED = "learned"
    """A LearnedRanker over the components plus the deal-history features."""


SCORER_NAMES = tuple(name.value for name in ScorerName)


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


def _blocks(count: int) -> list[range]:
    return [
        range(start, min(start + _INVESTORS_PER_BLOCK, count))
        for start in range(0, count, _INVESTORS_PER_BLOCK)
    ]


def training_pairs(
    table: DealTable, split: dt.date, settings: EvaluationSettings
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Feature rows and 0/1 outcomes of (investor, round) pairs, all from before ``split``.

    ``scoring.training_pairs.sample_deal_pairs`` over the window of ``training_window_days``
    before the split: histories count the deals before the window, candidates are the
    investors with ``min_rounds`` rounds then; mandates are inferred from the same history.

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
    history = DealHistory.before(table, split - dt.timedelta(days=settings.training_window_days))
    pairs = sample_deal_pairs(
        table.columns(),
        history.counts,
        end=split - dt.timedelta(days=1),
        min_rounds=settings.min_rounds,
        negatives_per_positive=settings.negatives_per_positive,
        seed=settings.seed,
    )
    investors = pairs.window.investors
    matcher = MandateMatcher(
        history, investors, table.rounds.take(pairs.window.rounds), settings=settings.inference
    )
    features, _ = pair_feature_rows(
        matcher.scorer,
        matcher.investor_features,
        history.investor_histories(investors),
        matcher.scorer.catalogue_,
        matcher.catalogue_rows,
        pairs.investor,
        pairs.round,
        settings.features,
    )
    return features, pairs.outcome


def train_learned_ranker(
    table: DealTable, split: dt.date, settings: EvaluationSettings
) -> tuple[LearnedRanker, int]:
    """A LearnedRanker trained only on deals before ``split`` (the pairs of
    ``training_pairs``), and how many pairs it was trained on."""
    features, outcomes = training_pairs(table, split, settings)
    ranker = LearnedRanker(feature_names=settings.features, regularization=settings.regularization)
    return ranker.fit(features, outcomes), int(outcomes.size)


@dataclass(frozen=True, slots=True)
class LearnedScores:
    """The learned scorers of one run: trained together on the same pairs."""

    scores: dict[ScorerName, FloatArray]
    """(investors x rounds) per scorer."""
    models: dict[str, dict[str, Any]]
    """``LearnedRanker.to_dict()`` per scorer."""
    training_pairs: int


def _learned_inputs(name: ScorerName, settings: EvaluationSettings) -> tuple[str, ...]:
    return COMPONENT_FEATURES if name is ScorerName.LEARNED_COMPONENTS else settings.features


class HeldOutQueries:
    """The test window of one split as queries of one direction, and what scorers share
    (built once, when a scorer first asks: the mandates, the popularity mix, the learned
    rankers).

    Scores are (investors x rounds): ``investors`` are the candidate investors (project
    direction) or the queries (investor direction), ``rounds`` the other side.
    """

    def __init__(
        self,
        table: DealTable,
        *,
        split: dt.date,
        end: dt.date,
        direction: Direction,
        settings: EvaluationSettings,
        task: Task = Task.ALL,
        learned: Sequence[ScorerName] = (),
    ) -> None:
        self.table, self.split, self.direction, self.settings = table, split, direction, settings
        self.learned_names = tuple(learned)
        self.history = DealHistory.before(table, split)
        self.window: DealWindow = deal_window(
            table.columns(), self.history.counts, end=end, min_rounds=settings.min_rounds
        )
        self.task = task
        # (candidates x window rounds): the investor backed the round's company before the split.
        window_rounds = table.rounds.take(self.window.rounds)
        known = (
            self.history.counts.portfolio[self.window.investors][:, window_rounds.company].toarray()
            > 0
        )
        if task is Task.ALL:
            known[:] = False
        relevant = self.window.relevant & ~known
        if direction is Direction.PROJECT:
            query_rounds = np.flatnonzero(relevant.any(axis=0))
            self.rows = np.arange(self.window.investors.size)
            self.relevant: BoolArray = relevant[:, query_rounds].T
            self.excluded: BoolArray = known[:, query_rounds].T
        else:
            query_rounds = np.arange(self.window.rounds.size)
            self.rows = np.flatnonzero(relevant.any(axis=1))
            self.relevant = relevant[self.rows]
            self.excluded = known[self.rows]
        if self.relevant.size == 0 or not self.relevant.any():
            raise ValueError("no test deals by investors active before the split")
        self.investors = self.window.investors[self.rows]
        self.rounds: Rounds = table.rounds.take(self.window.rounds[query_rounds])
        self.rng = np.random.default_rng(settings.seed)
        self.tie_break = self.rng.random(self.relevant.shape)

    def quality(self, scores: FloatArray) -> RankingQuality:
        """Metrics of (investors x rounds) scores on these queries."""
        matrix = np.asarray(scores, dtype=np.float64)
        oriented = matrix.T if self.direction is Direction.PROJECT else matrix
        # An excluded candidate ranked below every other is the same as one not ranked: it is
        # never relevant, so no relevant candidate's rank counts it.
        oriented = np.where(self.excluded, -np.inf, oriented)
        return ranking_quality(oriented, self.relevant, k=self.settings.k, tie_break=self.tie_break)

    @cached_property
    def matcher(self) -> MandateMatcher:
        """The inferred mandates and the fitted MatchScorer."""
        return MandateMatcher(
            self.history, self.investors, self.rounds, settings=self.settings.inference
        )

    @cached_property
    def mix(self) -> FloatArray:
        """The popularity mix; shares are taken over every candidate, whichever the
        direction."""
        mix = baselines.popularity_mix_scores(self.history, self.window.investors, self.rounds)
        scores: FloatArray = mix[self.rows]
        return scores

    @cached_property
    def recent(self) -> HistoryCounts:
        """The candidates' deals of the ``RECENT_DAYS`` before the split."""
        return baselines.counts_between(
            self.table, self.split - dt.timedelta(days=RECENT_DAYS), self.split
        )

    @cached_property
    def learned(self) -> LearnedScores:
        """Every learned scorer of the run, trained on the same pairs, scored in one pass."""
        inputs = {name: _learned_inputs(name, self.settings) for name in self.learned_names}
        needed = tuple(f for f in FEATURE_NAMES if any(f in i for i in inputs.values()))
        columns = {name: [needed.index(f) for f in i] for name, i in inputs.items()}
        pairs, outcomes = training_pairs(
            self.table, self.split, replace(self.settings, features=needed)
        )
        rankers = {
            name: LearnedRanker(
                feature_names=inputs[name], regularization=self.settings.regularization
            ).fit(pairs[:, columns[name]], outcomes)
            for name in self.learned_names
        }
        blocks: dict[ScorerName, list[FloatArray]] = {name: [] for name in rankers}
        for block in _blocks(self.investors.size):
            flat = pair_features(self.history, self.matcher, block, needed).reshape(-1, len(needed))
            for name, ranker in rankers.items():
                predicted = ranker.predict_scores(flat[:, columns[name]])
                blocks[name].append(predicted.reshape(len(block), len(self.rounds)))
        return LearnedScores(
            scores={name: np.vstack(blocks[name]) for name in rankers},
            models={name.value: ranker.to_dict() for name, ranker in rankers.items()},
            training_pairs=int(outcomes.size),
        )


def random_scores(queries: HeldOutQueries) -> FloatArray:
    return baselines.random_scores(queries.investors, queries.rounds, queries.rng)


def popularity_scores(queries: HeldOutQueries) -> FloatArray:
    """Rounds before the split; ranking rounds for one investor, its own activity is a
    constant, so the popularity of the round's category stands in."""
    if queries.direction is Direction.PROJECT:
        return baselines.investor_popularity_scores(
            queries.history, queries.investors, queries.rounds
        )
    by_category = baselines.category_popularity_scores(queries.history, queries.rounds)
    return np.broadcast_to(by_category[None, :], (queries.investors.size, len(queries.rounds)))


def category_scores(queries: HeldOutQueries) -> FloatArray:
    return baselines.within_category_scores(queries.history, queries.investors, queries.rounds)


def mix_scores(queries: HeldOutQueries) -> FloatArray:
    return queries.mix


def follow_on_scores(queries: HeldOutQueries) -> FloatArray:
    return baselines.follow_on_scores(
        queries.history, queries.investors, queries.rounds, queries.mix
    )


def follow_on_recency_region_scores(queries: HeldOutQueries) -> FloatArray:
    return baselines.follow_on_recency_region_scores(
        queries.history, queries.recent, queries.window.investors, queries.investors, queries.rounds
    )


def co_investment_scores(queries: HeldOutQueries) -> FloatArray:
    return baselines.co_investment_scores(
        queries.history, queries.investors, queries.rounds, queries.mix
    )


def cf_als_scores(queries: HeldOutQueries) -> FloatArray:
    return collaborative.als_scores(queries.history, queries.investors, queries.rounds)


def default_scores(queries: HeldOutQueries) -> FloatArray:
    return queries.matcher.default_scores(range(queries.investors.size))


def learned_components_scores(queries: HeldOutQueries) -> FloatArray:
    return queries.learned.scores[ScorerName.LEARNED_COMPONENTS]


def learned_scores(queries: HeldOutQueries) -> FloatArray:
    return queries.learned.scores[ScorerName.LEARNED]


SCORERS: Mapping[ScorerName, Callable[[HeldOutQueries], FloatArray]] = MappingProxyType(
    {
        ScorerName.RANDOM: random_scores,
        ScorerName.POPULARITY: popularity_scores,
        ScorerName.CATEGORY: category_scores,
        ScorerName.MIX: mix_scores,
        ScorerName.FOLLOW_ON: follow_on_scores,
        ScorerName.FOLLOW_ON_RECENCY_REGION: follow_on_recency_region_scores,
        ScorerName.CO_INVESTMENT: co_investment_scores,
        ScorerName.CF_ALS: cf_als_scores,
        ScorerName.DEFAULT: default_scores,
        ScorerName.LEARNED_COMPONENTS: learned_components_scores,
        ScorerName.LEARNED: learned_scores,
    }
)
"""How each scorer scores the test queries."""

LEARNED_SCORERS = (ScorerName.LEARNED_COMPONENTS, ScorerName.LEARNED)


def scorer_names(scorers: Sequence[str]) -> tuple[ScorerName, ...]:
    """``scorers`` as ``ScorerName``s; ValueError naming the unknown ones."""
    unknown = sorted(set(scorers) - set(SCORER_NAMES))
    if unknown:
        raise ValueError(f"unknown scorers: {unknown}")
    return tuple(ScorerName(name) for name in scorers)


def evaluate(
    table: DealTable,
    *,
    split: dt.date,
    direction: Direction,
    test_until: dt.date | None = None,
    settings: EvaluationSettings = EvaluationSettings(),
    scorers: Sequence[str] = SCORER_NAMES,
    task: Task = Task.ALL,
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
    scorers : sequence of str
        Which of ``SCORER_NAMES`` to run.
    task : Task
        ``all`` deals, or ``new`` ones only: an investor that backed the round's company before
        the split is neither a candidate nor relevant for that round.

    Returns
    -------
    report : EvaluationReport
    """
    names = scorer_names(scorers)
    started = time.perf_counter()
    end = test_until or table.rounds.funded_at.max().astype(dt.date)
    queries = HeldOutQueries(
        table,
        split=split,
        end=end,
        direction=direction,
        settings=settings,
        task=task,
        learned=[name for name in names if name in LEARNED_SCORERS],
    )
    quality = {name.value: queries.quality(SCORERS[name](queries)) for name in names}
    learned = queries.learned if queries.learned_names else None
    relevant = queries.relevant
    return EvaluationReport(
        direction=direction,
        task=task,
        split=split,
        test_until=end,
        k=settings.k,
        n_queries=int(relevant.shape[0]),
        n_candidates=int(relevant.shape[1]),
        mean_relevant=float(relevant.sum(axis=1).mean()),
        quality=quality,
        seconds=time.perf_counter() - started,
        training_pairs=learned.training_pairs if learned else 0,
        learned_models=learned.models if learned else {},
    )
