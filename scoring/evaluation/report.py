"""The report of one evaluation run: every scorer's metrics on one split and direction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from scoring.evaluation.metrics import RankingQuality

BASELINE_NAMES = ("random", "popularity", "category", "mix")
"""The data README's baselines: the target is measured against the best of them."""


class Direction(StrEnum):
    """What a query is: a project (rank investors for it) or an investor (rank projects)."""

    PROJECT = "project"
    INVESTOR = "investor"


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
