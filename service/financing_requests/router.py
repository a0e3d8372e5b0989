from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from models import FinancingRequest, RequestStatus
from service.core.clock import Now
from service.core.database import SessionDep
from service.financing_requests import service
from service.financing_requests.dependencies import (
    EditableFinancingRequest,
    VisibleFinancingRequest,
)
from service.financing_requests.schemas import (
    FinancingRequestCreate,
    FinancingRequestOut,
    FinancingRequestUpdate,
    ReviewDecision,
)
from service.http.auth import CommissionPrincipal, CurrentPrincipal, StartupSidePrincipal
from service.http.fields import SectorQuery, StageQuery
from service.http.idempotency import IdempotentRoute
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.preconditions import IfMatchHeader, require_current, tag_response, with_etag
from service.http.problems import PRECONDITION_RESPONSES, PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/financing-requests",
    tags=["financing requests"],
    responses=PROBLEM_RESPONSES,
    route_class=IdempotentRoute,
)


@router.post("", status_code=201, response_model=FinancingRequestOut, responses=with_etag(201))
def create_financing_request(
    body: FinancingRequestCreate,
    session: SessionDep,
    principal: StartupSidePrincipal,
    response: Response,
    now: Now,
) -> FinancingRequestOut:
    """File a financing request (submitted for review, or a draft). A startup names only an
    event still to come: a held one is 422 with ``event_over`` on ``event_id``. The commission,
    recording where a request was presented, may name a held event (presenting a published
    request at one through the event's roster is refused: 409 ``/problems/event-over``)."""
    financing_request = service.create(session=session, principal=principal, data=body, now=now)
    tag_response(response, financing_request.revision)
    return FinancingRequestOut.from_model(financing_request, viewer=principal)


@router.get("", response_model=Page[FinancingRequestOut])
def list_financing_requests(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    sector: Annotated[SectorQuery, Query()] = None,
    stage: Annotated[StageQuery, Query()] = None,
    status: RequestStatus | None = None,
    event_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[FinancingRequestOut]:
    """List the requests the caller may see (investors: published only), newest first."""
    requests, next_cursor = service.list_page(
        session=session,
        principal=principal,
        sector=sector,
        stage=stage,
        status=status,
        event_id=event_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=[FinancingRequestOut.from_model(r, viewer=principal) for r in requests],
        next_cursor=next_cursor,
    )


@router.get("/{financing_request_id}", response_model=FinancingRequestOut, responses=with_etag(200))
def read_financing_request(
    financing_request: VisibleFinancingRequest, principal: CurrentPrincipal, response: Response
) -> FinancingRequestOut:
    """Read one financing request; its ETag is what PATCH and DELETE send as If-Match."""
    tag_response(response, financing_request.revision)
    return FinancingRequestOut.from_model(financing_request, viewer=principal)


@router.patch(
    "/{financing_request_id}",
    response_model=FinancingRequestOut,
    responses={**PRECONDITION_RESPONSES, **with_etag(200)},
)
def update_financing_request(
    body: FinancingRequestUpdate,
    principal: StartupSidePrincipal,
    financing_request: EditableFinancingRequest,
    session: SessionDep,
    response: Response,
    now: Now,
) -> FinancingRequestOut:
    """Edit a request before publication, or move its status (If-Match: the ETag you read). A
    startup moving it to a held event is 422 with ``event_over`` on ``event_id``; a request
    kept at the held event it sits at saves its other changes."""
    financing_request = service.update(
        session=session,
        principal=principal,
        financing_request=financing_request,
        data=body,
        now=now,
    )
    tag_response(response, financing_request.revision)
    return FinancingRequestOut.from_model(financing_request, viewer=principal)


@router.delete(
    "/{financing_request_id}",
    status_code=204,
    response_class=Response,
    responses=PRECONDITION_RESPONSES,
)
def delete_financing_request(
    principal: StartupSidePrincipal,
    financing_request: EditableFinancingRequest,
    session: SessionDep,
) -> Response:
    """Delete a request that was never published (If-Match: the ETag you read)."""
    service.delete(session=session, principal=principal, financing_request=financing_request)
    return Response(status_code=204)


def reviewable_financing_request(
    financing_request_id: str,
    session: SessionDep,
    principal: CommissionPrincipal,
    if_match: IfMatchHeader = None,
) -> FinancingRequest:
    """The request, locked for the review; If-Match must name its current revision."""
    financing_request = service.get_visible(
        session=session, principal=principal, request_id=financing_request_id, for_update=True
    )
    require_current(if_match, financing_request.revision)
    return financing_request


@router.post(
    "/{financing_request_id}/review",
    response_model=FinancingRequestOut,
    responses={**PRECONDITION_RESPONSES, **with_etag(200)},
)
def review_financing_request(
    body: ReviewDecision,
    principal: CommissionPrincipal,
    financing_request: Annotated[FinancingRequest, Depends(reviewable_financing_request)],
    session: SessionDep,
    response: Response,
) -> FinancingRequestOut:
    """Publish or reject a submitted request (commission only).

    If-Match: the ETag of the revision you read, so the decision is about exactly what you
    saw (428 without it; 412 if the startup changed the request since).
    """
    financing_request = service.review(
        session=session, principal=principal, financing_request=financing_request, decision=body
    )
    tag_response(response, financing_request.revision)
    return FinancingRequestOut.from_model(financing_request, viewer=principal)
