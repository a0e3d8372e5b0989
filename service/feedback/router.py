from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from models import InvestorProfile, Role
from service.core.database import SessionDep
from service.feedback import service
from service.feedback.schemas import FeedbackOut, FeedbackWrite, InterestedInvestorOut, InterestList
from service.financing_requests.dependencies import VisibleFinancingRequest
from service.http.auth import InvestorSidePrincipal, Principal, StartupSidePrincipal, require_roles
from service.http.idempotency import IdempotentRoute
from service.http.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_offset_cursor,
    encode_offset_cursor,
)
from service.http.preconditions import tag_response, with_etag
from service.http.problems import PROBLEM_RESPONSES
from service.impressions import service as impressions
from service.impressions.dependencies import ImpressionLogDep
from service.investors import service as investors

router = APIRouter(tags=["feedback"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)
InvestorPrincipal = Annotated[Principal, Depends(require_roles(Role.INVESTOR))]


def _mandate(session: SessionDep, principal: Principal, investor_id: str) -> InvestorProfile:
    return investors.get_visible(
        session=session, principal=principal, investor_id=investor_id, with_codes=False
    )


@router.put(
    "/v1/investors/{investor_id}/feedback/{financing_request_id}",
    response_model=FeedbackOut,
    responses=with_etag(200),
)
def give_feedback(
    investor_id: str,
    financing_request_id: str,
    body: FeedbackWrite,
    principal: InvestorPrincipal,
    session: SessionDep,
    log: ImpressionLogDep,
    response: Response,
) -> FeedbackOut:
    """Record what the investor did with a match; the latest action wins, history is kept.
    ``shown`` says whether its pages of matches had shown it the request first."""
    profile = _mandate(session, principal, investor_id)
    feedback, events = service.record(
        session=session,
        principal=principal,
        profile=profile,
        financing_request_id=financing_request_id,
        data=body,
        shown=impressions.was_shown(
            session=session,
            log=log,
            investor_profile_id=profile.id,
            financing_request_id=financing_request_id,
        ),
    )
    tag_response(response, feedback.revision)
    return FeedbackOut.from_model(feedback, events)


@router.get("/v1/investors/{investor_id}/feedback", response_model=Page[FeedbackOut])
def list_feedback(
    investor_id: str,
    principal: InvestorSidePrincipal,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[FeedbackOut]:
    """The profile's feedback, most recent first, each with its history."""
    profile = _mandate(session, principal, investor_id)
    offset = decode_offset_cursor(cursor)
    items, total = service.list_for_investor(
        session=session, profile=profile, limit=limit, offset=offset
    )
    return Page(
        items=[FeedbackOut.from_model(f, events) for f, events in items],
        next_cursor=encode_offset_cursor(offset + limit) if offset + limit < total else None,
    )


@router.get("/v1/financing-requests/{financing_request_id}/interest", response_model=InterestList)
def request_interest(
    principal: StartupSidePrincipal,
    financing_request: VisibleFinancingRequest,
    session: SessionDep,
) -> InterestList:
    """Investors whose latest action is interested, meeting or committed (owner, commission)."""
    return InterestList(
        items=[
            InterestedInvestorOut.from_models(profile, feedback)
            for profile, feedback in service.interest_in(
                session=session, financing_request=financing_request
            )
        ]
    )
