from __future__ import annotations

from fastapi import APIRouter, Response, status

from models import InvestorProfile
from service.core.database import SessionDep
from service.deals import service
from service.deals.schemas import DealOut, DealWrite
from service.http.auth import InvestorSidePrincipal, Principal
from service.http.idempotency import IdempotentRoute
from service.http.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_offset_cursor,
    encode_offset_cursor,
)
from service.http.problems import PROBLEM_RESPONSES
from service.investors import service as investors

router = APIRouter(tags=["deals"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)


def _profile(session: SessionDep, principal: Principal, investor_id: str) -> InvestorProfile:
    return investors.get_visible(
        session=session, principal=principal, investor_id=investor_id, with_codes=False
    )


@router.post(
    "/v1/investors/{investor_id}/deals",
    response_model=DealOut,
    status_code=status.HTTP_201_CREATED,
)
def record_deal(
    investor_id: str, body: DealWrite, principal: InvestorSidePrincipal, session: SessionDep
) -> DealOut:
    """Add a deal to the investor's track record (the owner investor or the commission).

    A learned ranker that uses deal history reads it on the next ranking.
    """
    profile = _profile(session, principal, investor_id)
    return DealOut.from_model(
        service.record(session=session, principal=principal, profile=profile, data=body)
    )


@router.get("/v1/investors/{investor_id}/deals", response_model=Page[DealOut])
def list_deals(
    investor_id: str,
    principal: InvestorSidePrincipal,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[DealOut]:
    """The investor's track record, latest deal first."""
    profile = _profile(session, principal, investor_id)
    offset = decode_offset_cursor(cursor)
    deals, total = service.list_for_investor(
        session=session, profile=profile, limit=limit, offset=offset
    )
    return Page(
        items=[DealOut.from_model(deal) for deal in deals],
        next_cursor=encode_offset_cursor(offset + limit) if offset + limit < total else None,
    )


@router.delete(
    "/v1/investors/{investor_id}/deals/{deal_id}", status_code=status.HTTP_204_NO_CONTENT
)
def delete_deal(
    investor_id: str, deal_id: str, principal: InvestorSidePrincipal, session: SessionDep
) -> Response:
    """Remove a deal recorded by mistake."""
    profile = _profile(session, principal, investor_id)
    deal = service.get(session=session, profile=profile, deal_id=deal_id)
    service.delete(session=session, principal=principal, deal=deal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
