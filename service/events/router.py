from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from service.core.clock import Now
from service.core.database import SessionDep
from service.events import service
from service.events.schemas import EventCreate, EventOut, EventUpdate
from service.http.auth import CommissionPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.preconditions import IfMatchHeader, require_current, tag_response, with_etag
from service.http.problems import PRECONDITION_RESPONSES, PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/events", tags=["events"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute
)


@router.post("", status_code=201, response_model=EventOut, responses=with_etag(201))
def create_event(
    body: EventCreate, session: SessionDep, principal: CommissionPrincipal, response: Response
) -> EventOut:
    """Create a conference or campaign (commission only)."""
    event = service.create(session=session, principal=principal, data=body)
    tag_response(response, event.revision)
    return EventOut.from_model(event)


@router.get("", response_model=Page[EventOut])
def list_events(
    session: SessionDep,
    principal: CommissionPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[EventOut]:
    """Events, newest first (commission only)."""
    events, next_cursor = service.list_page(session=session, limit=limit, cursor=cursor)
    return Page(items=[EventOut.from_model(e) for e in events], next_cursor=next_cursor)


@router.get("/{event_id}", response_model=EventOut, responses=with_etag(200))
def read_event(
    event_id: str, session: SessionDep, principal: CommissionPrincipal, response: Response
) -> EventOut:
    """One event (commission only)."""
    event = service.get(session=session, event_id=event_id)
    tag_response(response, event.revision)
    return EventOut.from_model(event)


@router.patch(
    "/{event_id}",
    response_model=EventOut,
    responses={**PRECONDITION_RESPONSES, **with_etag(200)},
)
def update_event(
    event_id: Annotated[str, Path(max_length=36)],
    body: EventUpdate,
    session: SessionDep,
    principal: CommissionPrincipal,
    response: Response,
    now: Now,
    if_match: IfMatchHeader = None,
) -> EventOut:
    """Change an event's name, day, place or deal deadlines (commission only; If-Match: the
    ETag you read). A name another event has is a 409 naming the field. A new day moves the
    meeting programme's slots by as many days, at the same local times; refused once its
    meetings are scheduled (409, code event_scheduled) or when the slots would start before
    today (422, code day_in_the_past)."""
    event = service.get(session=session, event_id=event_id, for_update=True)
    require_current(if_match, event.revision)
    service.update(session=session, principal=principal, event=event, data=body, now=now)
    tag_response(response, event.revision)
    return EventOut.from_model(event)
