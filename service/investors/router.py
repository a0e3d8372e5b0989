from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.core.database import SessionDep
from service.http.auth import InvestorSidePrincipal
from service.http.fields import SectorQuery, StageQuery
from service.http.idempotency import IdempotentRoute
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.preconditions import tag_response, with_etag
from service.http.problems import PRECONDITION_RESPONSES, PROBLEM_RESPONSES
from service.investors import service
from service.investors.dependencies import EditableInvestorProfile, VisibleInvestorProfile
from service.investors.schemas import InvestorCreate, InvestorOut, InvestorUpdate

router = APIRouter(
    prefix="/v1/investors",
    tags=["investors"],
    responses=PROBLEM_RESPONSES,
    route_class=IdempotentRoute,
)


@router.post("", status_code=201, response_model=InvestorOut, responses=with_etag(201))
def create_investor(
    body: InvestorCreate, session: SessionDep, principal: InvestorSidePrincipal, response: Response
) -> InvestorOut:
    """Create an investor profile (a mandate) owned by the caller."""
    profile = service.create(session=session, principal=principal, data=body)
    tag_response(response, profile.revision)
    return InvestorOut.from_model(profile)


@router.get("", response_model=Page[InvestorOut])
def list_investors(
    session: SessionDep,
    principal: InvestorSidePrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    sector: Annotated[SectorQuery, Query()] = None,
    stage: Annotated[StageQuery, Query()] = None,
) -> Page[InvestorOut]:
    """List the profiles the caller may see, newest first."""
    profiles, next_cursor = service.list_page(
        session=session,
        principal=principal,
        sector=sector,
        stage=stage,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[InvestorOut.from_model(p) for p in profiles], next_cursor=next_cursor)


@router.get("/{investor_id}", response_model=InvestorOut, responses=with_etag(200))
def read_investor(profile: VisibleInvestorProfile, response: Response) -> InvestorOut:
    """Read one investor profile; its ETag is what PATCH and DELETE send as If-Match."""
    tag_response(response, profile.revision)
    return InvestorOut.from_model(profile)


@router.patch(
    "/{investor_id}",
    response_model=InvestorOut,
    responses={**PRECONDITION_RESPONSES, **with_etag(200)},
)
def update_investor(
    body: InvestorUpdate,
    profile: EditableInvestorProfile,
    session: SessionDep,
    principal: InvestorSidePrincipal,
    response: Response,
) -> InvestorOut:
    """Change some fields of an investor profile (If-Match: the ETag you read)."""
    profile = service.update(session=session, principal=principal, profile=profile, data=body)
    tag_response(response, profile.revision)
    return InvestorOut.from_model(profile)


@router.delete(
    "/{investor_id}", status_code=204, response_class=Response, responses=PRECONDITION_RESPONSES
)
def delete_investor(
    profile: EditableInvestorProfile, session: SessionDep, principal: InvestorSidePrincipal
) -> Response:
    """Delete an investor profile (If-Match: the ETag you read)."""
    service.delete(session=session, principal=principal, profile=profile)
    return Response(status_code=204)
