"""An event's roster: the published requests presented there. A startup names its event when
it files a request; the commission puts a published request on an event's roster too (the
next conference, say), since a published request is no longer the startup's to edit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Event, FinancingRequest, Meeting, RequestStatus
from service.audit_log.writer import record_audit
from service.conference.meetings import LIVE
from service.conference.programme import is_over, refuse_when_over
from service.events import service as events
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, field_problem

OBJECT_TYPE = "financing_request"


class StillMeeting(Conflict):
    """The request has meetings still to happen at the event it is presented at now."""

    slug, title = "request-has-meetings", "The request has meetings at its event"

    def __init__(self, event: Event, live: int) -> None:
        super().__init__(
            f"This request has {live} pending or accepted meetings at '{event.name}'; call "
            "them off first, or present it there."
        )
        self.event = event
        self.live = live


def present(
    *,
    session: Session,
    principal: Principal,
    event: Event,
    financing_request: FinancingRequest,
    now: dt.datetime,
) -> FinancingRequest:
    """Present ``financing_request`` at ``event`` (nothing changes when it is there already).

    Only a published request, only at an event still to come, and not away from an event
    still to come where it has meetings pending or accepted: those would be left at a
    conference the request is no longer presented at."""
    if financing_request.event_id == event.id:
        return financing_request
    if financing_request.status is not RequestStatus.PUBLISHED:
        raise Invalid(
            "Only a published request is presented at an event.",
            errors=[field_problem("financing_request_id", "not_published", "Not published")],
        )
    refuse_when_over(session, event, now, "presenting a request")
    current = (
        events.get(session=session, event_id=financing_request.event_id)
        if financing_request.event_id
        else None
    )
    if current is not None and not is_over(session, current, now):
        live = session.scalar(
            select(func.count())
            .select_from(Meeting)
            .where(
                Meeting.event_id == current.id,
                Meeting.financing_request_id == financing_request.id,
                Meeting.status.in_(LIVE),
            )
        )
        if live:
            raise StillMeeting(current, live)
    previous = financing_request.event_id
    financing_request.event_id = event.id
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="financing_request.present",
        object_type=OBJECT_TYPE,
        object_id=financing_request.id,
        changes={"event_id": {"from": previous, "to": event.id}},
    )
    return financing_request
