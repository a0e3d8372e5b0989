"""The report of one evaluation run: every scorer's metrics on one split and direction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from scoring.evaluation.metrics import RankingQuality

README_BASELINE_NAMES = ("random", "popularity", "category", "mix")
"""The data README's baselines."""

BASELINE_NAMES = (
    *README_BASELINE_NAMES,
    "follow_on",
    "follow_on_recency_region",
    "co_investment",
    "cf_als",
)
"""Every baseline (untrained heuristics and collaborative filtering, each given only pre-split
deals): the target is measured against the strongest of them, metric by metric."""

METRICS = ("recall_at_k", "ndcg_at_k", "mrr")


class Direction(StrEnum):
    """What a query is: a project (rank investors for it) or an investor (rank projects)."""

    PROJECT = "project"
    INVESTOR = "investor"


class Task(StrEnum):
    """Which pairs count: every deal, or only discoveries.

    ``new``: an investor that backed the round's company before the split is neither a
    candidate nor relevant for that round (the company already knows it); queries left with no
    relevant item are dropped.
    """

    ALL = "all"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Metrics of every scorer on one split, direction and task."""

    direction: Direction
    task: Task
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
        return {metric: lift for metric, (_, lift) in self.strongest(references, scorer).items()}

    def strongest(
        self, references: tuple[str, ...] = BASELINE_NAMES, scorer: str = "learned"
    ) -> dict[str, tuple[str, float]]:
        """Per metric, the best of ``references`` and the relative gain of ``scorer`` over it.

        Parameters
        ----------
        references : tuple of str
            Scorers to compare with (those not run are skipped).
        scorer : str

        Returns
        -------
        strongest : dict of str to (str, float)
            Keyed by ``recall_at_k``, ``ndcg_at_k`` and ``mrr``: (the best reference's name,
            ``scorer / best - 1``); empty if nothing to compare.
        """
        present = [name for name in references if name in self.quality]
        if scorer not in self.quality or not present:
            return {}
        strongest: dict[str, tuple[str, float]] = {}
        for metric in METRICS:
            best = max(present, key=lambda name: getattr(self.quality[name], metric))
            reference = getattr(self.quality[best], metric)
            value = getattr(self.quality[scorer], metric)
            strongest[metric] = (best, value / reference - 1.0 if reference > 0 else float("inf"))
        return strongest

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form of the report."""
        return {
            "direction": self.direction.value,
            "task": self.task.value,
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
            "lift_over_strongest": {
                self._metric_label(metric): {"baseline": name, "lift": round(lift, 4)}
                for metric, (name, lift) in self.strongest().items()
            },
            "lift_over_best_readme_baseline": {
                self._metric_label(metric): round(lift, 4)
                for metric, lift in self.lift_over(README_BASELINE_NAMES).items()
            },
            "learned_models": self.learned_models,
        }

    def _metric_label(self, metric: str) -> str:
        return {"recall_at_k": f"recall@{self.k}", "ndcg_at_k": f"ndcg@{self.k}"}.get(
            metric, metric
        )

    def to_markdown(self) -> str:
        """The metrics as a Markdown table, one row per scorer."""
        k = self.k
        lines = [
            f"| scorer | Recall@{k} | NDCG@{k} | MRR |",
            "|---|---|---|---|",
        ]
        for name, q in self.quality.items():
            lines.append(f"| {name} | {q.recall_at_k:.3f} | {q.ndcg_at_k:.3f} | {q.mrr:.3f} |")
        strongest = self.strongest()
        if strongest:
            cells = [f"{lift:+.1%} over {name}" for name, lift in strongest.values()]
            lines.append(f"| learned vs strongest baseline | {' | '.join(cells)} |")
        return "\n".join(lines)
