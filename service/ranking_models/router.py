from __future__ import annotations

from fastapi import APIRouter

from service.core.database import SessionDep
from service.http.auth import CommissionPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.problems import PROBLEM_RESPONSES
from service.ranking.dependencies import MatchIndexDep
from service.ranking_models import service
from service.ranking_models.schemas import (
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
    """Train on feedback; the new version serves only if it beats the serving one held out."""
    model, activated = service.train(session=session, principal=principal, index=index)
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


@router.post("/{model_id}/activate", response_model=RankingModelVersionOut)
def activate_ranking_model(
    model_id: str, principal: CommissionPrincipal, session: SessionDep
) -> RankingModelVersionOut:
    """Serve this version (for example, restore the previous one)."""
    model = service.get(session=session, model_id=model_id)
    service.activate(session=session, principal=principal, model=model)
    return RankingModelVersionOut.from_model(model)
