"""Conference day for investors and startups: their meetings (answer, decline with a reason,
cancel), asking for a meeting (an investor from its matches, a startup of an investor that
showed interest), the slots they can meet in, and their agenda to print or to add to a
calendar. Each page calls the service functions the API calls, in one unit of work."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from models import (
    Event,
    InvestorProfile,
    Meeting,
    MeetingAnswer,
    MeetingSide,
    MeetingStatus,
    RequestStatus,
    Role,
)
from service.conference import agendas, availability, meetings, programme
from service.conference.programme import EventOver
from service.conference.schemas import AvailabilityWrite, MeetingAnswerWrite, MeetingCancel
from service.core.clock import Now
from service.core.database import SessionDep, start_writing
from service.events import service as events
from service.feedback import service as feedback
from service.financing_requests import service as financing_requests
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound
from service.i18n.catalogs import translate
from service.i18n.languages import joined
from service.i18n.reasons import N_
from service.i18n.request_text import request_title
from service.investors import service as investors
from service.ranking.dependencies import MatchIndexDep
from service.reference_data.catalog import CodeKind, get_reference_data
from service.web.conference_labels import time_of_day
from service.web.forms import FormState, validated
from service.web.pages.common import (
    InvestorVisitor,
    StartupVisitor,
    SubmittedForm,
    not_found,
    render,
)
from service.web.pages.conference_common import (
    CANCEL,
    DECLINE,
    MeetingView,
    find_event,
    meeting_views,
    programme_events,
    reason_field,
    reason_problem,
    slots_by_day,
)
from service.web.pages.mandates import OwnMandate
from service.web.responses import redirect
from service.web.visitors import page_now

router = APIRouter(include_in_schema=False)
NOTICES = {
    "requested": N_("Your request to meet is sent; the other side answers on their page."),
    "confirmed": N_(
        "The meeting is confirmed. Tick the slots you are free in, if you have not yet: the "
        "commission places it in one of them, and its time and table then appear in your agenda."
    ),
    "accepted": N_("You agreed; the meeting is confirmed once the other side agrees too."),
    "declined": N_("You declined; the other side reads your reason."),
    "cancelled": N_("The meeting is called off; the other side reads your reason."),
    "availability": N_("Your free slots are saved."),
    "availability_moving": N_(
        "Your free slots are saved. Some of your confirmed meetings are now at a time you are "
        "not free: the commission will move them, and your meetings page will show the new "
        "time."
    ),
    # Saved on purpose, perhaps, but it keeps every meeting of theirs out of the schedule.
    "availability_none": N_(
        "Saved: you are free at no time, so no meeting of yours can be placed. Tick the slots "
        "you can meet in."
    ),
}
# Saved, but the party should read it as a caution, not as a plain "done".
CAUTIONS = frozenset({"availability_moving", "availability_none"})
PROBLEMS = {
    "over": N_(
        "This event is over: meetings there can no longer be asked for or answered. Meetings "
        "at events still to come are asked for the same way."
    ),
    "changed": N_("This meeting changed meanwhile; it can no longer be answered or called off."),
    "exists": N_("You have a meeting with them at this event already."),
    "firm_exists": N_(
        "Your firm has a meeting with this company at this event already, through another of "
        "its mandates: your funds meet them there, together."
    ),
    "their_firm_exists": N_(
        "This investor's firm has a meeting with you at this event already, through another of "
        "its mandates: you meet the firm there."
    ),
    "not_presented": N_(
        "This request is not presented at an event with a meeting programme, or not published."
    ),
}


# What the matches page is told after an ask to meet: not "meeting", which is the answer
# "met" (the investor records that it has met the company).
MEETING_REQUESTED = "meeting_requested"

# The matches page's filters, kept on the way back from an answer or an ask to meet.
MATCH_FILTERS = ("sector", "stage", "region", "event_id", "min_score")


# Longer than any filter's value (an id, a code, a score): not a filter, and not echoed back
# into every form's address and the next redirect.
_LONGEST_FILTER = 64
_CODED_FILTERS: dict[str, CodeKind] = {"sector": "sector", "stage": "stage", "region": "region"}


def kept_filters(items: Iterable[tuple[str, str]]) -> str:
    """The matches page's filters among ``items``, as a query string: a code only when it
    names one, nothing overlong."""
    reference = get_reference_data()
    return urlencode(
        [
            (name, value)
            for name, value in items
            if name in MATCH_FILTERS
            and value
            and len(value) <= _LONGEST_FILTER
            and (name not in _CODED_FILTERS or reference.resolve(_CODED_FILTERS[name], value))
        ]
    )


def filters_query(items: Iterable[tuple[str, str]]) -> str:
    """The matches page's filters as a query string ("" when none): the forms on the page
    post to their address with it, so an answer comes back to the page as it was filtered."""
    kept = kept_filters(items)
    return f"?{kept}" if kept else ""


def back_to_matches(mandate_id: str, items: Iterable[tuple[str, str]], outcome: str) -> str:
    """The matches page, filtered as it was when a form on it was sent, then ``outcome``
    (what became of the form, and where the page opens)."""
    kept = kept_filters(items)
    return f"/investor/mandates/{mandate_id}/matches?{kept}{'&' if kept else ''}{outcome}"


@dataclass(frozen=True, slots=True)
class Party:
    """Investors' or startups' pages: where they live and which side of a meeting they are."""

    role: Role
    prefix: str
    side: MeetingSide


INVESTOR = Party(Role.INVESTOR, "/investor", MeetingSide.INVESTOR)
STARTUP = Party(Role.STARTUP, "/startup", MeetingSide.STARTUP)


def _notices(request: Request) -> tuple[str | None, str | None]:
    query = request.query_params
    done, problem = query.get("done", ""), query.get("problem", "")
    return (
        translate(NOTICES[done]) if done in NOTICES else None,
        translate(PROBLEMS[problem]) if problem in PROBLEMS else None,
    )


def _my_meetings(session: Session, visitor: Principal) -> list[Meeting]:
    return list(session.scalars(meetings.visible_to(visitor).order_by(Meeting.created_at)))


def _own_presented(session: Session, visitor: Principal, event_ids: set[str]) -> list[Any]:
    """A startup's published requests presented at one of these events."""
    mine, _ = financing_requests.list_page(
        session=session,
        principal=visitor,
        sector=None,
        stage=None,
        status=RequestStatus.PUBLISHED,
        event_id=None,
        limit=100,
        cursor=None,
    )
    return [r for r in mine if r.event_id in event_ids]


def _party_events(
    session: Session, visitor: Principal, party: Party, found: list[Meeting]
) -> list[Event]:
    """The events the party's pages name: every event with a programme for an investor (it
    may attend any), the events presenting one of its requests for a startup; and every
    event where it has a meeting."""
    with_programme = programme_events(session)
    if party is STARTUP:
        presented = {
            r.event_id for r in _own_presented(session, visitor, {e.id for e in with_programme})
        }
        with_programme = [e for e in with_programme if e.id in presented]
    shown = {e.id: e for e in with_programme}
    for meeting in found:
        if meeting.event_id not in shown:
            shown[meeting.event_id] = events.get(session=session, event_id=meeting.event_id)
    return sorted(shown.values(), key=lambda e: (e.date, e.name))


@dataclass(frozen=True, slots=True)
class Invitable:
    """A startup's request and the interested investors it has no meeting with yet."""

    request_id: str
    title: str
    event: Event
    profiles: list[tuple[str, str]]  # (profile id, name)


def _invitable(
    session: Session,
    visitor: Principal,
    chosen: list[Event],
    found: list[Meeting],
    now: dt.datetime,
) -> list[Invitable]:
    by_id = {e.id: e for e in chosen if e.tables and not programme.is_over(session, e, now)}
    asked = {(m.financing_request_id, m.investor_profile_id, m.event_id) for m in found}
    # A firm meets a request once per event: its other funds are not offered meanwhile.
    live = [m for m in found if m.status in meetings.LIVE]
    # .all(): a Result has keys(), so dict() would read it as a mapping.
    owner_of = dict(
        session.execute(
            select(InvestorProfile.id, InvestorProfile.owner_account_id).where(
                InvestorProfile.id.in_({m.investor_profile_id for m in live})
            )
        )
        .tuples()
        .all()
    )
    meeting_firms = {
        (m.financing_request_id, owner_of[m.investor_profile_id], m.event_id)
        for m in live
        if owner_of.get(m.investor_profile_id) is not None
    }
    own = _own_presented(session, visitor, set(by_id))
    interest = feedback.interest_in_each(session=session, request_ids=[r.id for r in own])
    listed = []
    for item in own:
        profiles = [
            (profile.id, profile.name)
            for profile, _ in interest.get(item.id, [])
            if (item.id, profile.id, item.event_id) not in asked
            and (item.id, profile.owner_account_id, item.event_id) not in meeting_firms
        ]
        if profiles:
            listed.append(Invitable(item.id, request_title(item), by_id[item.event_id], profiles))
    return listed


def _meetings_page(
    request: Request,
    session: Session,
    visitor: Principal,
    party: Party,
    state: FormState | None = None,
) -> Response:
    found = _my_meetings(session, visitor)
    shown_events = _party_events(session, visitor, party, found)
    chosen_id = request.query_params.get("event_id")
    chosen = next((e for e in shown_events if e.id == chosen_id), None)
    if chosen is not None:
        found = [m for m in found if m.event_id == chosen.id]
    views = meeting_views(session, found, party.side, page_now(request))
    notice, problem = _notices(request)
    context: dict[str, Any] = {
        "party": party.role.value,
        "prefix": party.prefix,
        "events": shown_events,
        "chosen": chosen,
        "waiting_for_you": [v for v in views if v.waiting_for_you],
        "waiting_for_them": [v for v in views if v.live and not v.waiting_for_you and not _ok(v)],
        "confirmed": [v for v in views if _ok(v)],
        "closed": [v for v in views if not v.live and not _ok(v)],
        "form": state or FormState(values={}),
        "decline": DECLINE,
        "cancel": CANCEL,
        "notice": notice,
        "problem": problem,
        "invitable": (
            _invitable(
                session, visitor, [chosen] if chosen else shown_events, found, page_now(request)
            )
            if party is STARTUP
            else []
        ),
    }
    if party is INVESTOR:
        mandates, _ = investors.list_page(
            session=session, principal=visitor, sector=None, stage=None, limit=100, cursor=None
        )
        context["mandates"] = mandates
    return render(request, visitor, "conference/meetings.html", context)


def _ok(view: MeetingView) -> bool:
    return view.meeting.status is MeetingStatus.ACCEPTED


async def _answer(
    request: Request,
    session: Session,
    visitor: Principal,
    party: Party,
    meeting_id: str,
    form: FormData,
    now: dt.datetime,
) -> Response:
    """Agree, or decline with a reason; without one nothing is written and the page asks
    for it beside the field."""
    start_writing(session)
    try:
        meeting = meetings.get_visible(session=session, principal=visitor, meeting_id=meeting_id)
    except NotFound:
        return not_found(request, visitor)
    answer = str(form.get("answer", ""))
    reason = str(form.get("reason", "")).strip() or None
    field = reason_field(DECLINE, meeting.id)
    state = FormState(values={field: reason or ""})
    declining = answer == MeetingAnswer.DECLINED.value
    if declining and reason is None:
        reason_problem(state, DECLINE, meeting.id)
        return _meetings_page(request, session, visitor, party, state)
    data: dict[str, Any] = {"answer": answer, "reason": reason if declining else None}
    problems = FormState(values={})
    checked = validated(MeetingAnswerWrite, data, problems)
    if checked is None and "reason" in problems.errors:  # too long
        state.errors[field] = problems.errors["reason"]
        return _meetings_page(request, session, visitor, party, state)
    if checked is None:  # not an answer the page offers
        return redirect(request, f"{party.prefix}/meetings")
    try:
        meetings.answer(session=session, principal=visitor, meeting=meeting, data=checked, now=now)
    except EventOver:
        session.rollback()
        return redirect(request, f"{party.prefix}/meetings?problem=over")
    except meetings.FirmMeetsAlready:
        # Agreeing after all to a fund's meeting while another of the firm's funds meets them.
        problem = "firm_exists" if party is INVESTOR else "their_firm_exists"
        return redirect(request, f"{party.prefix}/meetings?problem={problem}")
    except Conflict:
        return redirect(request, f"{party.prefix}/meetings?problem=changed")
    done = (
        "declined"
        if checked.answer is MeetingAnswer.DECLINED
        else "confirmed"
        if meeting.status is MeetingStatus.ACCEPTED
        else "accepted"
    )
    return redirect(request, f"{party.prefix}/meetings?done={done}#meeting-{meeting.id}")


async def _cancel(
    request: Request,
    session: Session,
    visitor: Principal,
    party: Party,
    meeting_id: str,
    form: FormData,
) -> Response:
    start_writing(session)
    try:
        meeting = meetings.get_visible(session=session, principal=visitor, meeting_id=meeting_id)
    except NotFound:
        return not_found(request, visitor)
    field = reason_field(CANCEL, meeting.id)
    reason = str(form.get("reason", "")).strip()
    state = FormState(values={field: reason})
    problems = FormState(values={})
    checked = validated(MeetingCancel, {"reason": reason}, problems)
    if checked is None:
        if reason:  # too long
            state.errors[field] = problems.errors.get("reason", "")
        else:
            reason_problem(state, CANCEL, meeting.id)
        return _meetings_page(request, session, visitor, party, state)
    try:
        meetings.cancel(session=session, principal=visitor, meeting=meeting, reason=checked.reason)
    except Conflict:
        return redirect(request, f"{party.prefix}/meetings?problem=changed")
    return redirect(request, f"{party.prefix}/meetings?done=cancelled#meeting-{meeting.id}")


def _availability_page(
    request: Request,
    session: Session,
    visitor: Principal,
    party: Party,
    event: Event,
    state: FormState | None = None,
) -> Response:
    stated = availability.read(session=session, principal=visitor, event=event)
    days = slots_by_day(session, event)
    if state is None:
        every = [slot.id for day in days for slot in day.slots]
        state = FormState(values={"slot_ids": stated.slot_ids if stated.stated else every})
    notice, _ = _notices(request)
    cautioned = request.query_params.get("done", "") in CAUTIONS
    confirmed = sum(
        1
        for m in _my_meetings(session, visitor)
        if m.event_id == event.id and m.status is MeetingStatus.ACCEPTED
    )
    slot_ids = {slot.id for day in days for slot in day.slots}
    # Only the event's slots count: a stated slot the programme no longer has holds nothing.
    free = len(slot_ids & set(stated.slot_ids)) if stated.stated else len(slot_ids)
    context = {
        "prefix": party.prefix,
        "event": event,
        "days": days,
        "stated": stated.stated,
        "over": programme.is_over(session, event, page_now(request)),
        # Each side meets once per slot: fewer free slots than confirmed meetings leaves some
        # meetings out of any schedule, which the party should learn here, not on the day.
        "confirmed": confirmed,
        "free_slots": free,
        "form": state,
        "notice": None if cautioned else notice,
        "warning": notice if cautioned else None,
        # So unticking a slot that holds a confirmed meeting is done knowingly.
        "seated": _seated(session, visitor, event, party),
    }
    return render(request, visitor, "conference/availability.html", context)


def _seated(session: Session, visitor: Principal, event: Event, party: Party) -> dict[str, str]:
    """The slots where the current schedule seats a confirmed meeting of the visitor's at
    ``event``, with whom they meet there (the company, or the investor's mandate)."""
    mine = [
        m
        for m in _my_meetings(session, visitor)
        if m.event_id == event.id and m.status is MeetingStatus.ACCEPTED
    ]
    met: dict[str, list[str]] = {}
    for out in meetings.meetings_out(session, mine, event):
        if out.seat is not None:
            other = out.company if party is INVESTOR else out.investor_name
            met.setdefault(out.seat.slot_id, []).append(other)
    return {slot_id: joined(names) for slot_id, names in met.items()}


def _seated_outside(
    session: Session, visitor: Principal, event: Event, party: Party, free: set[str]
) -> bool:
    """Whether a confirmed meeting of the visitor's at ``event`` sits in the current
    schedule at a slot they are no longer free in (the commission will have to move it)."""
    return any(slot_id not in free for slot_id in _seated(session, visitor, event, party))


async def _save_availability(
    request: Request,
    session: Session,
    visitor: Principal,
    party: Party,
    event_id: str,
    form: FormData,
) -> Response:
    event = find_event(session, event_id)
    if event is None:
        return not_found(request, visitor)
    chosen = [str(value) for value in form.getlist("slot_ids")]
    state = FormState(values={"slot_ids": chosen})
    checked = validated(AvailabilityWrite, {"slot_ids": chosen}, state)
    if checked is not None:
        start_writing(session)
        try:
            availability.replace(
                session=session,
                principal=visitor,
                event=event,
                data=checked,
                now=page_now(request),
            )
        except EventOver:
            session.rollback()
            state.errors["slot_ids"] = translate("The event is over: its schedule stays as it was.")
        except Invalid:
            state.errors["slot_ids"] = translate("Choose among this event's slots.")
        else:
            done = (
                "availability_none"
                if not checked.slot_ids
                else "availability_moving"
                if _seated_outside(session, visitor, event, party, set(checked.slot_ids))
                else "availability"
            )
            return redirect(request, f"{party.prefix}/events/{event.id}/availability?done={done}")
    return _availability_page(request, session, visitor, party, event, state)


@dataclass(frozen=True, slots=True)
class AgendaView:
    """An agenda with its meetings by local day."""

    agenda: agendas.Agenda
    days: list[tuple[dt.date, list[agendas.AgendaEntry]]]

    @property
    def moved(self) -> dict[str, agendas.EarlierSeat]:
        return self.agenda.moved

    def earlier(self, entry: agendas.AgendaEntry) -> str | None:
        """Where a moved meeting sat before, in the reader's words (its day too where the
        move changed the day); None when it did not move."""
        was = self.agenda.moved.get(entry.meeting_id)
        if was is None:
            return None
        return translate("(moved; it was at %(time)s, table %(table)s)") % {
            "time": time_of_day(was.starts_at, entry.starts_at.date()),
            "table": was.table,
        }

    @classmethod
    def of(cls, agenda: agendas.Agenda) -> AgendaView:
        days = [
            (day, list(entries))
            for day, entries in itertools.groupby(agenda.entries, key=lambda e: e.starts_at.date())
        ]
        return cls(agenda, days)


def _agenda_page(request: Request, session: Session, visitor: Principal, party: Party) -> Response:
    assert visitor.account_id is not None  # an investor or startup acts as its account
    mine = _my_meetings(session, visitor)
    # Only the conferences where the visitor has a meeting asked for or confirmed: an agenda
    # of an event they merely may attend would only say "no times yet".
    meeting_at = {m.event_id for m in mine if m.status in meetings.LIVE}
    shown = [e for e in _party_events(session, visitor, party, mine) if e.id in meeting_at]
    chosen_id = request.query_params.get("event_id")
    if chosen_id:
        shown = [e for e in shown if e.id == chosen_id]
    holder = visitor.account_id
    agenda_list = [
        AgendaView.of(agendas.agenda_for(session=session, event=event, account_id=holder))
        for event in shown
    ]
    context = {
        "prefix": party.prefix,
        "agendas": agenda_list,
        "party": party.role.value,
        "only": chosen_id is not None and len(agenda_list) == 1,
    }
    return render(request, visitor, "conference/agenda.html", context)


# The investor's pages.


@router.get("/investor/meetings")
def investor_meetings(request: Request, session: SessionDep, visitor: InvestorVisitor) -> Response:
    return _meetings_page(request, session, visitor, INVESTOR)


@router.post("/investor/meetings/{meeting_id}/answer")
async def investor_answer(
    meeting_id: str,
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    form: SubmittedForm,
    now: Now,
) -> Response:
    return await _answer(request, session, visitor, INVESTOR, meeting_id, form, now)


@router.post("/investor/meetings/{meeting_id}/cancel")
async def investor_cancel(
    meeting_id: str,
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    form: SubmittedForm,
) -> Response:
    return await _cancel(request, session, visitor, INVESTOR, meeting_id, form)


@router.get("/investor/events/{event_id}/availability")
def investor_availability(
    event_id: str, request: Request, session: SessionDep, visitor: InvestorVisitor
) -> Response:
    event = find_event(session, event_id)
    if event is None:
        return not_found(request, visitor)
    return _availability_page(request, session, visitor, INVESTOR, event)


@router.post("/investor/events/{event_id}/availability")
async def investor_save_availability(
    event_id: str,
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    form: SubmittedForm,
) -> Response:
    return await _save_availability(request, session, visitor, INVESTOR, event_id, form)


@router.get("/investor/agenda")
def investor_agenda(request: Request, session: SessionDep, visitor: InvestorVisitor) -> Response:
    return _agenda_page(request, session, visitor, INVESTOR)


@router.post("/investor/mandates/{mandate_id}/meetings/{request_id}")
async def investor_requests_meeting(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    mandate: OwnMandate,
    index: MatchIndexDep,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """Ask to meet the company of a matched request at the event presenting it."""
    filters = request.query_params.multi_items()
    # The page opens at the request and says there what became of the ask.
    at_request = f"answered={request_id}#request-{request_id}"
    start_writing(session)
    try:
        financing_request = financing_requests.get_visible(
            session=session, principal=visitor, request_id=request_id
        )
    except NotFound:
        return not_found(request, visitor)
    event = find_event(session, financing_request.event_id)
    if event is None or not event.tables:
        return redirect(
            request, back_to_matches(mandate.id, filters, f"problem=not_presented&{at_request}")
        )
    try:
        meetings.create(
            session=session,
            principal=visitor,
            index=index,
            event=event,
            financing_request_id=financing_request.id,
            investor_profile_id=mandate.id,
            now=now,
        )
    except EventOver:
        return redirect(request, back_to_matches(mandate.id, filters, f"problem=over&{at_request}"))
    except meetings.FirmMeetsAlready:
        return redirect(
            request, back_to_matches(mandate.id, filters, f"problem=firm_exists&{at_request}")
        )
    except Conflict:
        return redirect(
            request, back_to_matches(mandate.id, filters, f"problem=exists&{at_request}")
        )
    except Invalid:
        return redirect(
            request, back_to_matches(mandate.id, filters, f"problem=not_presented&{at_request}")
        )
    return redirect(
        request, back_to_matches(mandate.id, filters, f"done={MEETING_REQUESTED}&{at_request}")
    )


# The startup's pages.


@router.get("/startup/meetings")
def startup_meetings(request: Request, session: SessionDep, visitor: StartupVisitor) -> Response:
    return _meetings_page(request, session, visitor, STARTUP)


@router.post("/startup/meetings/{meeting_id}/answer")
async def startup_answer(
    meeting_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    form: SubmittedForm,
    now: Now,
) -> Response:
    return await _answer(request, session, visitor, STARTUP, meeting_id, form, now)


@router.post("/startup/meetings/{meeting_id}/cancel")
async def startup_cancel(
    meeting_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    form: SubmittedForm,
) -> Response:
    return await _cancel(request, session, visitor, STARTUP, meeting_id, form)


@router.get("/startup/events/{event_id}/availability")
def startup_availability(
    event_id: str, request: Request, session: SessionDep, visitor: StartupVisitor
) -> Response:
    event = find_event(session, event_id)
    if event is None:
        return not_found(request, visitor)
    return _availability_page(request, session, visitor, STARTUP, event)


@router.post("/startup/events/{event_id}/availability")
async def startup_save_availability(
    event_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    form: SubmittedForm,
) -> Response:
    return await _save_availability(request, session, visitor, STARTUP, event_id, form)


@router.get("/startup/agenda")
def startup_agenda(request: Request, session: SessionDep, visitor: StartupVisitor) -> Response:
    return _agenda_page(request, session, visitor, STARTUP)


@router.post("/startup/requests/{request_id}/meetings")
async def startup_requests_meeting(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    index: MatchIndexDep,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """Ask an investor that showed interest in the request to meet at its event."""
    start_writing(session)
    try:
        financing_request = financing_requests.get_visible(
            session=session, principal=visitor, request_id=request_id
        )
    except NotFound:
        return not_found(request, visitor)
    event = find_event(session, financing_request.event_id)
    if event is None or not event.tables:
        return redirect(request, "/startup/meetings?problem=not_presented")
    try:
        meetings.create(
            session=session,
            principal=visitor,
            index=index,
            event=event,
            financing_request_id=financing_request.id,
            investor_profile_id=str(form.get("investor_profile_id", "")),
            now=now,
        )
    except NotFound:
        return not_found(request, visitor)
    except EventOver:
        return redirect(request, "/startup/meetings?problem=over")
    except meetings.FirmMeetsAlready:
        return redirect(request, "/startup/meetings?problem=their_firm_exists")
    except Conflict:
        return redirect(request, "/startup/meetings?problem=exists")
    except Invalid:
        return redirect(request, "/startup/meetings?problem=not_presented")
    return redirect(request, "/startup/meetings?done=requested")
