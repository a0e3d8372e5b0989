"""What the conference-day pages of every role share: the events with a meeting programme,
an event's slots by local day, meetings with their event and seat as a page shows them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Meeting, MeetingAnswer, MeetingSide, MeetingStatus
from service.conference import meetings, programme, scheduling
from service.conference.schemas import MeetingOut, SeatOut, SlotOut
from service.events import service as events
from service.http.problems import NotFound
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.web.forms import FormState

# The reason fields of each meeting's forms on a page: decline-<id>, cancel-<id>.
DECLINE, CANCEL = "decline", "cancel"
REASON_MESSAGES = {
    DECLINE: N_("Say why you decline: the other side reads it."),
    CANCEL: N_("Say why you cancel: the other side reads it."),
}


def programme_events(session: Session) -> list[Event]:
    """The events with a meeting programme (tables set), soonest first."""
    return list(
        session.scalars(
            select(Event).where(Event.tables.is_not(None)).order_by(Event.date, Event.name)
        )
    )


def find_event(session: Session, event_id: str | None) -> Event | None:
    if not event_id:
        return None
    try:
        return events.get(session=session, event_id=event_id)
    except NotFound:
        return None


@dataclass(frozen=True, slots=True)
class Day:
    day: dt.date
    slots: list[SlotOut]


def slots_by_day(session: Session, event: Event) -> list[Day]:
    """The event's slots in its local time, grouped by local day."""
    slots = [
        programme.slot_out(slot, event.time_zone) for slot in programme.slots_of(session, event.id)
    ]
    return [
        Day(day, list(group))
        for day, group in itertools.groupby(slots, key=lambda slot: slot.local_start.date())
    ]


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting as a page shows it: its event, its seat's local end, and where it stands
    for the reader (``waiting_for_you``: the reader's side has not answered)."""

    meeting: MeetingOut
    event: Event
    seat_end: dt.datetime | None
    waiting_for_you: bool
    # The event has a schedule: a confirmed meeting without a seat was left out of it.
    event_scheduled: bool
    # The event has been held: the meeting is on record, nothing more to answer or call off.
    over: bool = False
    # Where the schedule before the newest one had seated it, when the newest moved it: the
    # people who noted the old time (or downloaded it) are told.
    moved_from: SeatOut | None = None
    # The reader's side declined it and may still agree (until the event is over).
    declined_by_you: bool = False
    # ...unless another mandate of the same firm meets the request at the event meanwhile:
    # agreeing would be refused (a firm meets a request once per event).
    firm_meets_elsewhere: bool = False
    # The mandate's firm, where the firm keeps several mandates (None: the name says it).
    firm_name: str | None = None
    # Seated at a time one side has since said it is not free: it will move.
    seat_in_question: bool = False
    # Confirmed, but its two sides share no free slot: no schedule can seat it.
    no_common_slot: bool = False

    @property
    def id(self) -> str:
        return self.meeting.id

    @property
    def live(self) -> bool:
        return self.meeting.status in meetings.LIVE and not self.over


def meeting_views(
    session: Session, found: Sequence[Meeting], side: MeetingSide | None, now: dt.datetime
) -> list[MeetingView]:
    """``found`` with their names and seats, event by event (a seat is the event's newest
    schedule's); ``side`` is the reader's side of each meeting (None: the commission)."""
    views: list[MeetingView] = []
    firm_of = meetings.firm_names(session, {meeting.investor_profile_id for meeting in found})
    by_event: dict[str, list[Meeting]] = {}
    for meeting in found:
        by_event.setdefault(meeting.event_id, []).append(meeting)
    for event_id, of_event in by_event.items():
        event = events.get(session=session, event_id=event_id)
        scheduled = meetings.latest_schedule(session, event.id) is not None
        over = programme.is_over(session, event, now)
        in_question = scheduling.seated_when_not_free(session, event) if scheduled else set()
        no_common = scheduling.without_common_slot(session, event)
        before = meetings.earlier_seats(session, event, [m.id for m in of_event])
        firms_meeting = meetings.firms_meeting(session, event.id)
        for out in meetings.meetings_out(session, of_event, event):
            answer = (
                out.investor_answer
                if side is MeetingSide.INVESTOR
                else out.startup_answer
                if side is MeetingSide.STARTUP
                else None
            )
            seat_end = (
                programme.local(out.seat.ends_at, event.time_zone) if out.seat is not None else None
            )
            views.append(
                MeetingView(
                    meeting=out,
                    event=event,
                    seat_end=seat_end,
                    waiting_for_you=(
                        out.status is MeetingStatus.PENDING
                        and answer is MeetingAnswer.PENDING
                        and not over
                    ),
                    event_scheduled=scheduled,
                    over=over,
                    moved_from=_moved_from(before.get(out.id), out.seat),
                    seat_in_question=out.id in in_question and not over,
                    no_common_slot=out.id in no_common and not over,
                    declined_by_you=(
                        out.status is MeetingStatus.DECLINED
                        and answer is MeetingAnswer.DECLINED
                        and not over
                    ),
                    firm_meets_elsewhere=firms_meeting.meets_elsewhere(
                        out.financing_request_id, out.investor_profile_id
                    ),
                    firm_name=firm_of.get(out.investor_profile_id),
                )
            )
    return sorted(views, key=lambda v: (v.event.date, v.meeting.created_at, v.meeting.id))


def _moved_from(before: SeatOut | None, now: SeatOut | None) -> SeatOut | None:
    """The earlier seat when the meeting sits elsewhere now (another slot or table)."""
    if before is None or now is None:
        return None
    return None if (before.slot_id, before.table) == (now.slot_id, now.table) else before


def reason_field(kind: str, meeting_id: str) -> str:
    return f"{kind}-{meeting_id}"


def reason_problem(state: FormState, kind: str, meeting_id: str) -> None:
    """The reason a decline or a cancellation needs, asked for beside its field."""
    state.errors[reason_field(kind, meeting_id)] = translate(REASON_MESSAGES[kind])
