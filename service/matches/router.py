from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.core.database import SessionDep, end_unit_of_work
from service.financing_requests.dependencies import VisibleFinancingRequest
from service.http.auth import CommissionPrincipal
from service.http.fields import RegionQuery, SectorQuery, StageQuery
from service.http.idempotency import IdempotentRoute
from service.http.openapi_document import may_answer
from service.http.pagination import (
    CursorQuery,
    LimitQuery,
    decode_offset_cursor,
)
from service.http.problems import PROBLEM_RESPONSES
from service.http.responses import json_response
from service.impressions.dependencies import ImpressionLogDep
from service.investors.dependencies import InvestorSideMandate
from service.matches import service
from service.matches.dependencies import MatchPageCacheDep
from service.matches.schemas import InvestorMatchOut, MatchPage, RequestMatchOut
from service.ranking.dependencies import MatchIndexDep
from service.ranking.ranker import RankingWindow

router = APIRouter(tags=["matches"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)


MinScoreQuery = Annotated[float, Query(ge=0, le=1, description="Leave out weaker matches")]
NearMissesQuery = Annotated[
    bool,
    Query(
        description=(
            "Also list near misses: pairs where sector, ticket or stage has no fit at all, "
            "each labelled with near_miss and what it misses"
        )
    ),
]


@router.get("/v1/investors/{investor_id}/matches", response_model=MatchPage[RequestMatchOut])
@may_answer(403)  # its role is checked with its mandate, by InvestorSideMandate
async def investor_matches(
    caller: InvestorSideMandate,
    session: SessionDep,
    index: MatchIndexDep,
    log: ImpressionLogDep,
    cache: MatchPageCacheDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    sector: Annotated[SectorQuery, Query()] = None,
    stage: Annotated[StageQuery, Query()] = None,
    region: Annotated[RegionQuery, Query()] = None,
    event_id: Annotated[str | None, Query(max_length=36)] = None,
    min_score: MinScoreQuery = 0.0,
    include_passed: Annotated[
        bool, Query(description="Also list requests this investor passed on")
    ] = False,
    include_near_misses: NearMissesQuery = False,
) -> Response:
    """Published financing requests ranked for this mandate, best first, with reasons."""
    # On the event loop, where serve_requests_for_investor_promptly finds it quick, with the
    # connection the caller's check left in the session.
    principal, profile = caller.principal, caller.profile
    window = RankingWindow(limit, decode_offset_cursor(cursor), min_score, include_near_misses)
    served = await service.serve_requests_for_investor_promptly(
        session=session,
        index=index,
        profile=profile,
        viewer=principal,
        filters=service.MatchFilters(sector=sector, stage=stage, region=region, event_id=event_id),
        include_passed=include_passed,
        window=window,
        cache=cache,
    )
    service.note_shown(log=log, profile=profile, viewer=principal, page=served.page, window=window)
    end_unit_of_work(session)
    return json_response(served.json())


@router.get(
    "/v1/financing-requests/{financing_request_id}/matches",
    response_model=MatchPage[InvestorMatchOut],
)
def financing_request_matches(
    principal: CommissionPrincipal,
    financing_request: VisibleFinancingRequest,
    session: SessionDep,
    index: MatchIndexDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    min_score: MinScoreQuery = 0.0,
    include_near_misses: NearMissesQuery = False,
) -> MatchPage[InvestorMatchOut]:
    """Investor profiles ranked for one financing request (commission only)."""
    return service.rank_investors_for_request(
        session=session,
        index=index,
        financing_request=financing_request,
        window=RankingWindow(limit, decode_offset_cursor(cursor), min_score, include_near_misses),
    )
