"""Which ranker serves now (the default weights or the active learned model), and how a
score is shown: the same for matches, reports and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import ModelStatus, RankingModel
from scoring import MatchScorer
from scoring.learned import LearnedRanker
from service.ranking.index import MatchIndex
from service.ranking.ranking_probe import ActiveModel, RankingProbe
from service.reference_data.catalog import get_reference_data

DEFAULT_MODEL_VERSION = "default-v1"
SCORE_DECIMALS = 6
"""Scores and components are shown rounded to this many decimals, clipped to [0, 1]."""


def make_default_scorer() -> MatchScorer:
    """An unfitted scorer over the deployment's taxonomy, stages and exchange rates."""
    reference = get_reference_data()
    return MatchScorer(
        sector_codes=[s.code for s in reference.sectors],
        stage_order=[s.code for s in reference.stages],
        cny_per_unit=dict(reference.cny_per_unit),
    )


def rounded_score(value: float) -> float:
    """A score or component as responses and reports show it."""
    return round(min(max(float(value), 0.0), 1.0), SCORE_DECIMALS)


@dataclass(frozen=True, slots=True)
class ServingRanker:
    """What ranks the matches now: the default weights, or the active learned version."""

    version: str
    weights: dict[str, float]
    learned: LearnedRanker | None

    @property
    def reads_history(self) -> bool:
        """Whether rankings need each investor's deal history."""
        return self.learned is not None and self.learned.uses_history


# Read by rankings that were not handed a probe: built once, so its cache key is computed
# once (building and keying it on every call made the read 2.5 times as slow).
_ACTIVE_MODEL = (
    select(RankingModel.id, RankingModel.version)
    .where(RankingModel.status == ModelStatus.ACTIVE)
    .order_by(RankingModel.id)
    .limit(1)
)
_PARAMETERS = select(RankingModel.parameters).where(RankingModel.id == bindparam("model_id"))


def serving_ranker(
    session: Session, index: MatchIndex, scorer: MatchScorer, probe: RankingProbe | None = None
) -> ServingRanker:
    """What ranks now: the active model named by ``probe`` (read now without one), its
    parameters read only when this worker has not built its ranker yet."""
    if probe is None:
        row = session.execute(_ACTIVE_MODEL).first()
        active = None if row is None else ActiveModel(row.id, row.version)
    else:
        active = probe.active_model
    if active is None:
        return ServingRanker(DEFAULT_MODEL_VERSION, scorer.weights, None)
    learned = index.cached_learned_ranker(active.id)
    if learned is None:
        parameters = session.scalar(_PARAMETERS, {"model_id": active.id})
        if parameters is None:  # deleted since the probe: it no longer serves
            return ServingRanker(DEFAULT_MODEL_VERSION, scorer.weights, None)
        learned = index.learned_ranker(active.id, parameters)
    weights = dict(zip(learned.feature_names, learned.coefficients_, strict=False))
    return ServingRanker(f"learned-v{active.version}", weights, learned)
