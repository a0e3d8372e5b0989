from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.core.database import SessionDep
from service.financing_requests.dependencies import VisibleFinancingRequest
from service.http.auth import StartupSidePrincipal
from service.http.idempotency import IdempotentRoute
from service.http.problems import PROBLEM_RESPONSES
from service.ranking.dependencies import MatchIndexDep
from service.syndicates import service
from service.syndicates.schemas import SyndicateList

router = APIRouter(tags=["syndicates"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)

SyndicateLimitQuery = Annotated[
    int,
    Query(
        ge=1,
        le=service.MAX_LIMIT,
        description=f"How many syndicates at most, each led by another investor "
        f"(at most {service.MAX_LIMIT})",
    ),
]


@router.get(
    "/v1/financing-requests/{financing_request_id}/syndicates", response_model=SyndicateList
)
def financing_request_syndicates(
    principal: StartupSidePrincipal,
    financing_request: VisibleFinancingRequest,
    session: SessionDep,
    index: MatchIndexDep,
    limit: SyndicateLimitQuery = service.DEFAULT_LIMIT,
) -> SyndicateList:
    """Syndicates for a large ask: a lead (invests at the request's stage, carries the
    largest ticket and at least a fifth of the ask, preferably with a history of leading)
    and followers from other accounts, each ticket within its mandate's range, together
    within 10% of the ask; ranked by combined fit (scores weighted by tickets), each
    explained. Empty, with a note saying why, when the mandates cannot make one.

    The commission: every matching investor. The startup that owns the request: once an
    investor has shown interest (403 before), only syndicates of the matching investors
    that showed interest, without their reasons (a mandate is never shown to a startup).
    """
    return service.syndicates_for_request(
        session=session,
        index=index,
        financing_request=financing_request,
        viewer=principal,
        limit=limit,
    )
