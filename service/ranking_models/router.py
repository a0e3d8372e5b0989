from __future__ import annotations

from fastapi import APIRouter

from service.core.database import SessionDep
from service.core.settings import get_settings
from service.http.auth import CommissionPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.problems import PROBLEM_RESPONSES
from service.impressions import service as impressions
from service.ranking.dependencies import MatchIndexDep
from service.ranking.serving import DEFAULT_MODEL_VERSION
from service.ranking_models import service
from service.ranking_models.presenting import comparison_out
from service.ranking_models.schemas import (
    ModelComparisonOut,
    OnlineMetricsOut,
    PositionCountsOut,
    RankingModelList,
    RankingModelVersionOut,
    TrainingOutcome,
)

router = APIRouter(
    prefix="/v1/ranking-models",
    tags=["ranking models"],
    responses=PROBLEM_RESPONSES,
    route_class=IdempotentRoute,
)


@router.get("", response_model=RankingModelList)
def list_ranking_models(principal: CommissionPrincipal, session: SessionDep) -> RankingModelList:
    """Every trained version with its held-out metrics, and the one serving now."""
    return RankingModelList(
        items=[RankingModelVersionOut.from_model(m) for m in service.list_all(session=session)],
        serving_version=service.version_label(service.active_model(session)),
    )


@router.post("/train", status_code=201, response_model=TrainingOutcome)
def train_ranking_model(
    principal: CommissionPrincipal, session: SessionDep, index: MatchIndexDep
) -> TrainingOutcome:
    """Train a candidate on feedback and deals, no account weighing more than twice the
    typical account; it is compared on accounts held out whole and on every mandate's
    ranking (see its comparison), and serves only once the commission activates it."""
    model, activated = service.train(
        session=session, principal=principal, index=index, settings=get_settings()
    )
    return TrainingOutcome(
        model=RankingModelVersionOut.from_model(model),
        activated=activated,
        serving_version=service.version_label(service.active_model(session)),
    )


@router.post("/default/activate", response_model=RankingModelList)
def restore_default_weights(
    principal: CommissionPrincipal, session: SessionDep
) -> RankingModelList:
    """Serve the default weights again."""
    service.activate(session=session, principal=principal, model=None)
    return list_ranking_models(principal, session)


@router.get("/{model_id}/comparison", response_model=ModelComparisonOut)
def ranking_model_comparison(
    model_id: str, principal: CommissionPrincipal, session: SessionDep
) -> ModelComparisonOut:
    """What activating this version would change: held-out metrics overall and per account,
    accounts flagged for their volume, weights that changed sign, each investor's top-10
    overlap with the serving model, and the pairs that moved most, with reasons."""
    model = service.get(session=session, model_id=model_id)
    return comparison_out(model, service.version_label(service.active_model(session)))


@router.post("/{model_id}/comparison", response_model=ModelComparisonOut)
def compare_ranking_model_again(
    model_id: str, principal: CommissionPrincipal, session: SessionDep, index: MatchIndexDep
) -> ModelComparisonOut:
    """Rank every mandate again with this version and the one serving now (409 for the
    version serving now, which would be compared with itself)."""
    model = service.get(session=session, model_id=model_id)
    service.compare_again(session=session, index=index, model=model)
    return comparison_out(model, service.version_label(service.active_model(session)))


@router.get("/{model_id}/online-metrics", response_model=OnlineMetricsOut)
def ranking_model_online_metrics(
    model_id: str, principal: CommissionPrincipal, session: SessionDep
) -> OnlineMetricsOut:
    """Per position, the pairs this version showed investors (``default``: the default
    weights), and how many of them the investor then marked interested, met or committed to.
    Each worker writes what it showed within about a second."""
    version = (
        DEFAULT_MODEL_VERSION
        if model_id == "default"
        else service.version_label(service.get(session=session, model_id=model_id))
    )
    summary = impressions.online_summary(session=session, model_version=version)
    return OnlineMetricsOut(
        model_version=version,
        positions=[
            PositionCountsOut.model_validate(row, from_attributes=True) for row in summary.positions
        ],
        shown=summary.shown,
        interested=summary.interested,
        meeting=summary.meeting,
        committed=summary.committed,
    )


@router.post("/{model_id}/activate", response_model=RankingModelVersionOut)
def activate_ranking_model(
    model_id: str, principal: CommissionPrincipal, session: SessionDep
) -> RankingModelVersionOut:
    """Serve this version (for example, restore the previous one)."""
    model = service.get(session=session, model_id=model_id)
    service.activate(session=session, principal=principal, model=model)
    return RankingModelVersionOut.from_model(model)
