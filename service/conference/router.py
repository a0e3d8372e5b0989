"""Conference day over HTTP: the programme, meetings, availability, schedules, proposals,
agendas and the table plan. Thin: every rule lives in the service modules."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from models import Event, Meeting, MeetingStatus, Role
from service.conference import (
    agendas,
    availability,
    meetings,
    programme,
    proposals,
    roster,
    scheduling,
    seat_moves,
)
from service.conference.exports import (
    PDF_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    PdfUnavailable,
    render_table_plan,
)
from service.conference.presenting import agenda_out, proposals_out, table_plan_out
from service.conference.schemas import (
    AgendaOut,
    AvailabilityOut,
    AvailabilityWrite,
    MeetingAnswerWrite,
    MeetingCancel,
    MeetingCreate,
    MeetingOut,
    ProgrammeOut,
    ProgrammeWrite,
    ProposalsCreate,
    ProposalsOut,
    ScheduleCreate,
    ScheduleOut,
    SeatWrite,
    TablePlanOut,
)
from service.core.clock import Now
from service.core.database import SessionDep
from service.events import service as events
from service.financing_requests import service as financing_requests
from service.financing_requests.schemas import FinancingRequestOut
from service.http.auth import CommissionPrincipal, CurrentPrincipal, Principal, require_roles
from service.http.downloads import content_disposition, name_for_reader
from service.http.idempotency import IdempotentRoute
from service.http.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_offset_cursor,
    encode_offset_cursor,
)
from service.http.preconditions import tag_response, with_etag
from service.http.problems import (
    PROBLEM_RESPONSES,
    Invalid,
    ServiceUnavailable,
    field_problem,
)
from service.i18n.languages import current_language
from service.i18n.reasons import N_
from service.ranking.dependencies import MatchIndexDep

# Role checks come first in each signature (FastAPI resolves dependencies in order), so a
# caller of the wrong role gets 403 whether or not the event exists.
router = APIRouter(tags=["conference"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)
PartyPrincipal = Annotated[Principal, Depends(require_roles(Role.INVESTOR, Role.STARTUP))]
ICALENDAR = "text/calendar; charset=utf-8"


def _event(session: SessionDep, principal: CurrentPrincipal, event_id: str) -> Event:
    """Any signed-in caller may read an event's programme: it is the conference's timetable.
    (The caller is authenticated first, so nobody learns which events exist without a key.)"""
    return events.get(session=session, event_id=event_id)


EventInPath = Annotated[Event, Depends(_event)]


def _meeting(session: SessionDep, principal: CurrentPrincipal, meeting_id: str) -> Meeting:
    return meetings.get_visible(session=session, principal=principal, meeting_id=meeting_id)


MeetingInPath = Annotated[Meeting, Depends(_meeting)]


def _one(session: SessionDep, meeting: Meeting) -> MeetingOut:
    event = events.get(session=session, event_id=meeting.event_id)
    return meetings.meetings_out(session, [meeting], event)[0]


@router.put(
    "/v1/events/{event_id}/programme", response_model=ProgrammeOut, responses=with_etag(200)
)
def replace_programme(
    principal: CommissionPrincipal,
    event: EventInPath,
    body: ProgrammeWrite,
    session: SessionDep,
    response: Response,
    now: Now,
) -> ProgrammeOut:
    """Set the event's days, slots, tables and cap per investor (commission only). The days
    are today or later in the event's time zone, from the event's date to 13 days after it
    (422 day_in_the_past, day_before_event or day_after_event otherwise); meetings last whole
    fives of minutes. Once a schedule is solved, the programme can only grow: every slot kept
    as it is, in the same time zone, tables and the cap not lowered (409 otherwise, its
    errors naming each field to correct)."""
    slots = programme.replace(session=session, principal=principal, event=event, data=body, now=now)
    tag_response(response, event.revision)
    return programme.programme_out(event, slots)


@router.get(
    "/v1/events/{event_id}/programme", response_model=ProgrammeOut, responses=with_etag(200)
)
def read_programme(
    event: EventInPath, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> ProgrammeOut:
    """The event's slots (UTC and local times), tables and cap; every signed-in caller."""
    tag_response(response, event.revision)
    return programme.programme_out(event, programme.slots_of(session, event.id))


@router.post(
    "/v1/events/{event_id}/meetings",
    status_code=201,
    response_model=MeetingOut,
    responses=with_etag(201),
)
def request_meeting(
    event: EventInPath,
    body: MeetingCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    index: MatchIndexDep,
    response: Response,
    now: Now,
) -> MeetingOut:
    """Ask to meet. An investor names one of its mandates and a published request of the
    event; a startup one of its requests and an investor that showed interest in it; the
    commission proposes any such pair. The other side (both, for a proposal) answers.
    An event whose last day has passed takes no more requests (409). A pair is asked once
    per event (409), and a firm meets a request once per event: while another of its
    mandates has a pending or accepted meeting with the request there, asking again is
    refused (409, firm_meets_already, naming that meeting)."""
    meeting = meetings.create(
        session=session,
        principal=principal,
        index=index,
        event=event,
        financing_request_id=body.financing_request_id,
        investor_profile_id=body.investor_profile_id,
        now=now,
    )
    tag_response(response, meeting.revision)
    return meetings.meetings_out(session, [meeting], event)[0]


@router.put(
    "/v1/events/{event_id}/roster/{financing_request_id}",
    response_model=FinancingRequestOut,
    responses=with_etag(200),
)
def present_request(
    principal: CommissionPrincipal,
    event: EventInPath,
    financing_request_id: str,
    session: SessionDep,
    response: Response,
    now: Now,
) -> FinancingRequestOut:
    """Present a published request at the event (commission only; a no-op when it is there
    already). 422 for a request not published; 409 when the event is over
    (``/problems/event-over``), or when the request has pending or accepted meetings at the
    coming event it is presented at now (``/problems/request-has-meetings``)."""
    financing_request = financing_requests.get_visible(
        session=session, principal=principal, request_id=financing_request_id, for_update=True
    )
    roster.present(
        session=session,
        principal=principal,
        event=event,
        financing_request=financing_request,
        now=now,
    )
    tag_response(response, financing_request.revision)
    return FinancingRequestOut.from_model(financing_request, viewer=principal)


@router.get("/v1/events/{event_id}/meetings", response_model=Page[MeetingOut])
def list_meetings(
    event: EventInPath,
    session: SessionDep,
    principal: CurrentPrincipal,
    status: Annotated[MeetingStatus | None, Query(description="Only meetings in this status")] = (
        None
    ),
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[MeetingOut]:
    """The meetings at the event the caller is part of (all of them for the commission),
    oldest first."""
    offset = decode_offset_cursor(cursor)
    found = meetings.list_for_event(
        session=session, principal=principal, event_id=event.id, status=status
    )
    page = found[offset : offset + limit]
    more = offset + limit < len(found)
    return Page(
        items=meetings.meetings_out(session, page, event),
        next_cursor=encode_offset_cursor(offset + limit) if more else None,
    )


@router.get("/v1/meetings/{meeting_id}", response_model=MeetingOut, responses=with_etag(200))
def read_meeting(meeting: MeetingInPath, session: SessionDep, response: Response) -> MeetingOut:
    """One meeting the caller is part of."""
    tag_response(response, meeting.revision)
    return _one(session, meeting)


@router.post(
    "/v1/meetings/{meeting_id}/answer", response_model=MeetingOut, responses=with_etag(200)
)
def answer_meeting(
    principal: PartyPrincipal,
    meeting: MeetingInPath,
    body: MeetingAnswerWrite,
    session: SessionDep,
    response: Response,
    now: Now,
) -> MeetingOut:
    """Accept, or decline with a reason, for your side of the meeting (until the event is
    over: 409 after its last day). A side that declined may still accept: the meeting is
    pending again (accepted, if the other side had agreed), while its request is still
    published and presented at the meeting's event (else 409, code not_presented). Any other
    answer to a meeting that is not pending is a 409."""
    meetings.answer(session=session, principal=principal, meeting=meeting, data=body, now=now)
    tag_response(response, meeting.revision)
    return _one(session, meeting)


@router.post(
    "/v1/meetings/{meeting_id}/cancel", response_model=MeetingOut, responses=with_etag(200)
)
def cancel_meeting(
    meeting: MeetingInPath,
    body: MeetingCancel,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
) -> MeetingOut:
    """Call a pending or accepted meeting off, saying why (either side or the commission)."""
    meetings.cancel(session=session, principal=principal, meeting=meeting, reason=body.reason)
    tag_response(response, meeting.revision)
    return _one(session, meeting)


@router.get("/v1/events/{event_id}/availability", response_model=AvailabilityOut)
def read_availability(
    principal: PartyPrincipal, event: EventInPath, session: SessionDep
) -> AvailabilityOut:
    """The slots your account said it can meet in (every slot until you say)."""
    return availability.read(session=session, principal=principal, event=event)


@router.put("/v1/events/{event_id}/availability", response_model=AvailabilityOut)
def replace_availability(
    principal: PartyPrincipal,
    event: EventInPath,
    body: AvailabilityWrite,
    session: SessionDep,
    now: Now,
) -> AvailabilityOut:
    """Say in which of the event's slots your people can meet (409 once the event is over)."""
    return availability.replace(
        session=session, principal=principal, event=event, data=body, now=now
    )


@router.post("/v1/events/{event_id}/schedules", status_code=201, response_model=ScheduleOut)
def solve_schedule(
    principal: CommissionPrincipal,
    event: EventInPath,
    body: ScheduleCreate,
    session: SessionDep,
    now: Now,
) -> ScheduleOut:
    """Solve the accepted meetings into slots and tables with CP-SAT: coverage first (requests
    with at least k meetings), then keeping the previous schedule's seats, then the sum of
    match scores; beside it a greedy plan by score (commission only; 409 once the event is
    over)."""
    schedule = scheduling.create(
        session=session, principal=principal, event=event, data=body, now=now
    )
    return scheduling.schedule_out(session, event, schedule)


@router.put(
    "/v1/events/{event_id}/schedules/current/seats/{meeting_id}", response_model=ScheduleOut
)
def move_meeting(
    principal: CommissionPrincipal,
    event: EventInPath,
    meeting_id: Annotated[str, Path(max_length=36)],
    body: SeatWrite,
    session: SessionDep,
    now: Now,
) -> ScheduleOut:
    """Seat one confirmed meeting at this slot and table by hand (or seat one the solver left
    out), keeping every other seat: the result is a new schedule, the event's current one,
    and the meeting's people see where it was (commission only). 422 for a slot not the
    event's or a table beyond its tables; 409 naming the field for a table taken then
    (seat_taken), a side meeting someone else then (party_busy) or not free then
    (not_available), an investor at its cap (investor_cap), no schedule yet, or an event
    that is over. The seat it has already changes nothing."""
    schedule = seat_moves.move(
        session=session,
        principal=principal,
        event=event,
        meeting_id=meeting_id,
        data=body,
        now=now,
    )
    return scheduling.schedule_out(session, event, schedule)


@router.get("/v1/events/{event_id}/schedules/current", response_model=ScheduleOut)
def read_current_schedule(
    principal: CommissionPrincipal, event: EventInPath, session: SessionDep
) -> ScheduleOut:
    """The event's newest schedule (commission only)."""
    schedule = scheduling.current(session=session, event=event)
    return scheduling.schedule_out(session, event, schedule)


@router.get("/v1/events/{event_id}/schedules/{schedule_id}", response_model=ScheduleOut)
def read_schedule(
    principal: CommissionPrincipal, event: EventInPath, schedule_id: str, session: SessionDep
) -> ScheduleOut:
    """One schedule of the event (commission only)."""
    schedule = scheduling.get(session=session, event=event, schedule_id=schedule_id)
    return scheduling.schedule_out(session, event, schedule)


@router.post("/v1/events/{event_id}/proposals", response_model=ProposalsOut)
def propose_meetings(
    principal: CommissionPrincipal,
    event: EventInPath,
    body: ProposalsCreate,
    session: SessionDep,
    index: MatchIndexDep,
    now: Now,
) -> ProposalsOut:
    """For the event's requests with fewer than k live meetings, propose the ranking's best
    remaining investors above min_score, within the investors' caps; list the requests that
    stay below k as outreach targets (commission only; 409 once the event is over)."""
    made = proposals.propose(
        session=session, principal=principal, index=index, event=event, data=body, now=now
    )
    return proposals_out(session, event, made)


AGENDA_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}
}


@router.get("/v1/events/{event_id}/agenda", response_model=AgendaOut, responses=AGENDA_RESPONSES)
def read_agenda(
    event: EventInPath,
    session: SessionDep,
    principal: CurrentPrincipal,
    format: Annotated[Literal["json", "ics"], Query(description="ics: an iCalendar file")] = "json",
    account_id: Annotated[
        str | None, Query(description="The commission: whose agenda (an account id)")
    ] = None,
) -> AgendaOut | Response:
    """Your meetings in the event's newest schedule, in time order; as an iCalendar file with
    format=ics. The commission reads any investor's or startup's with account_id."""
    if principal.is_commission:
        if account_id is None:
            raise Invalid(
                "Name the account whose agenda to read.",
                errors=[field_problem("account_id", "missing", "Required", location="query")],
            )
        holder = account_id
    else:
        if account_id is not None and account_id != principal.account_id:
            raise Invalid(
                "You can read only your own agenda.",
                errors=[field_problem("account_id", "not_allowed", "Not yours", location="query")],
            )
        assert principal.account_id is not None  # an investor or startup acts as its account
        holder = principal.account_id
    agenda = agendas.agenda_for(session=session, event=event, account_id=holder)
    if format == "ics":
        return Response(
            content=agendas.as_icalendar(agenda),
            media_type=ICALENDAR,
            headers={
                "Content-Disposition": content_disposition(
                    "attachment",
                    f"agenda-{event.date.isoformat()}-{event.id[:8]}.ics",
                    name_for_reader(N_("My agenda"), event.date.isoformat(), extension="ics"),
                )
            },
        )
    return agenda_out(agenda)


TABLE_PLAN_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/html": {}, PDF_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}
}


@router.get(
    "/v1/events/{event_id}/table-plan",
    response_model=TablePlanOut,
    responses=TABLE_PLAN_RESPONSES,
)
def read_table_plan(
    principal: CommissionPrincipal,
    event: EventInPath,
    session: SessionDep,
    now: Now,
    format: Annotated[
        Literal["json", "html", "pdf", "xlsx"],
        Query(description="html, pdf or xlsx: the plan for people, in the reader's language"),
    ] = "json",
) -> TablePlanOut | Response:
    """Who sits at which table in every slot of the newest schedule (commission only); as a
    page to print, a PDF or an Excel workbook with format, in the language of
    Accept-Language (Chinese unless English comes first), times in the event's zone."""
    plan = agendas.table_plan(session=session, event=event, now=now)
    if format == "json":
        return table_plan_out(plan)
    try:
        content, media_type, filename = render_table_plan(plan, format, current_language())
    except PdfUnavailable as error:
        raise ServiceUnavailable(str(error)) from error
    disposition = "attachment" if format == "xlsx" else "inline"
    readable = name_for_reader(N_("Table plan"), event.date.isoformat(), extension=format)
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(disposition, filename, readable)},
    )
