from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from models import InvestorProfile
from service.auth import InvestorSidePrincipal
from service.db import SessionDep
from service.errors import PROBLEM_RESPONSES
from service.idempotency import IdempotentRoute
from service.investors import service
from service.investors.schemas import InvestorCreate, InvestorOut, InvestorUpdate
from service.pagination import CursorQuery, LimitQuery, Page
from service.schema_types import SectorQuery, StageQuery

router = APIRouter(
    prefix="/v1/investors",
    tags=["investors"],
    responses=PROBLEM_RESPONSES,
    route_class=IdempotentRoute,
)


def visible_investor_profile(
    investor_id: str, session: SessionDep, principal: InvestorSidePrincipal
) -> InvestorProfile:
    return service.get_visible(session=session, principal=principal, investor_id=investor_id)


VisibleInvestorProfile = Annotated[InvestorProfile, Depends(visible_investor_profile)]


@router.post("", status_code=201, response_model=InvestorOut)
def create_investor(
    body: InvestorCreate, session: SessionDep, principal: InvestorSidePrincipal
) -> InvestorOut:
    """Create an investor profile (a mandate) owned by the caller."""
    profile = service.create(session=session, principal=principal, data=body)
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


@router.get("/{investor_id}", response_model=InvestorOut)
def read_investor(profile: VisibleInvestorProfile) -> InvestorOut:
    """Read one investor profile."""
    return InvestorOut.from_model(profile)


@router.patch("/{investor_id}", response_model=InvestorOut)
def update_investor(
    body: InvestorUpdate,
    profile: VisibleInvestorProfile,
    session: SessionDep,
    principal: InvestorSidePrincipal,
) -> InvestorOut:
    """Change some fields of an investor profile."""
    profile = service.update(session=session, principal=principal, profile=profile, data=body)
    return InvestorOut.from_model(profile)


@router.delete("/{investor_id}", status_code=204, response_class=Response)
def delete_investor(
    profile: VisibleInvestorProfile, session: SessionDep, principal: InvestorSidePrincipal
) -> Response:
    """Delete an investor profile."""
    service.delete(session=session, principal=principal, profile=profile)
    return Response(status_code=204)
