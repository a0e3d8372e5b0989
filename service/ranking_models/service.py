"""Learned ranker versions: train on feedback, compare on held-out data, activate, restore."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ModelStatus, RankingModel
from models.types import utc_now
from scoring.learned import RANKING_FEATURES, REGULARIZATION, LearnedRanker
from service.audit_log.writer import record_audit
from service.http.auth import Principal
from service.http.problems import Conflict, NotFound
from service.ranking.index import MatchIndex
from service.ranking.serving import DEFAULT_MODEL_VERSION
from service.ranking.training_pairs import labelled_pairs

MIN_TRAINING_PAIRS = 30
HELD_OUT_SHARE = 0.25


def version_label(model: RankingModel | None) -> str:
    return DEFAULT_MODEL_VERSION if model is None else f"learned-v{model.version}"


def active_model(session: Session) -> RankingModel | None:
    return session.scalars(
        select(RankingModel).where(RankingModel.status == ModelStatus.ACTIVE)
    ).first()


def _serving_scores(
    serving: LearnedRanker, features: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """A stored model's scores; it may read fewer features (an older version)."""
    columns = [RANKING_FEATURES.index(name) for name in serving.feature_names]
    return serving.predict_scores(features[:, columns])


def _auc(outcomes: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]) -> float:
    return float(roc_auc_score(outcomes, scores))


def train(
    *,
    session: Session,
    principal: Principal,
    index: MatchIndex,
    min_pairs: int = MIN_TRAINING_PAIRS,
) -> tuple[RankingModel, bool]:
    """Fit a new version on the older pairs (feedback and recorded deals), compare it with
    the serving model on the newest, and activate it only if it ranks those held-out pairs
    better (ROC AUC)."""
    scorer = index.current(session).scorer
    pairs = labelled_pairs(session, scorer)
    held_out = max(1, int(len(pairs.outcomes) * HELD_OUT_SHARE))
    train_x, test_x = pairs.features[:-held_out], pairs.features[-held_out:]
    train_y, test_y = pairs.outcomes[:-held_out], pairs.outcomes[-held_out:]
    if (
        len(pairs.outcomes) < min_pairs
        or len(set(train_y.tolist())) < 2
        or len(set(test_y.tolist())) < 2
    ):
        raise Conflict(
            f"Too little feedback and deal history to learn from: {len(pairs.outcomes)} "
            f"labelled pairs, at least {min_pairs} needed with both outcomes in the older and "
            "the newest quarter; the serving model stays."
        )
    candidate = LearnedRanker(feature_names=RANKING_FEATURES, regularization=REGULARIZATION).fit(
        train_x, train_y
    )
    serving = active_model(session)
    auc_candidate = _auc(test_y, candidate.predict_scores(test_x))
    serving_scores = (
        pairs.default_scores[-held_out:]
        if serving is None
        else _serving_scores(LearnedRanker.from_dict(serving.parameters), test_x)
    )
    auc_serving = _auc(test_y, serving_scores)
    better = auc_candidate > auc_serving
    version = (session.scalar(select(func.max(RankingModel.version))) or 0) + 1
    model = RankingModel(
        version=version,
        status=ModelStatus.CANDIDATE,
        parameters=candidate.to_dict(),
        metrics={
            "training_pairs": len(train_y),
            "held_out_pairs": len(test_y),
            "held_out_auc": auc_candidate,
            "serving_version": version_label(serving),
            "serving_held_out_auc": auc_serving,
        },
        trained_by=principal.name,
    )
    session.add(model)
    session.flush()
    if better:
        activate(session=session, principal=principal, model=model)
    record_audit(
        session=session,
        principal=principal,
        action="ranking_model.train",
        object_type="ranking_model",
        object_id=model.id,
        changes={"version": version, "activated": better, **model.metrics},
    )
    return model, better


def activate(*, session: Session, principal: Principal, model: RankingModel | None) -> None:
    """Serve ``model`` (None: the default weights); the one it replaces is retired."""
    serving = active_model(session)
    if serving is not None and (model is None or serving.id != model.id):
        serving.status = ModelStatus.RETIRED
    if model is not None:
        model.status = ModelStatus.ACTIVE
        model.activated_at = utc_now()
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="ranking_model.activate",
        object_type="ranking_model",
        object_id=model.id if model else DEFAULT_MODEL_VERSION,
        changes={"version": version_label(model)},
    )


def get(*, session: Session, model_id: str) -> RankingModel:
    model = session.get(RankingModel, model_id)
    if model is None:
        raise NotFound(f"No ranking model {model_id}.")
    return model


def list_all(*, session: Session) -> Sequence[RankingModel]:
    return session.scalars(select(RankingModel).order_by(RankingModel.version.desc())).all()
