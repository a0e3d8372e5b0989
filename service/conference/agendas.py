"""Agendas from the event's newest schedule: each investor's and startup's meetings (as data
and as an iCalendar file in the event's time zone), and the commission's table plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import icalendar
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import (
    Account,
    Event,
    EventSlot,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingStatus,
    Role,
    Schedule,
    ScheduledMeeting,
)
from service.conference.meetings import earlier_seats, latest_schedule
from service.conference.programme import local
from service.http.problems import NotFound
from service.i18n.catalogs import translate

PRODUCT_ID = "-//Matchmaker//Conference agenda//EN"


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    meeting_id: str
    starts_at: dt.datetime  # in the event's time zone
    ends_at: dt.datetime
    table: int
    company: str
    request_title: str
    investor_name: str


@dataclass(frozen=True, slots=True)
class EarlierSeat:
    """Where a meeting sat before it last moved (``meetings.earlier_seats``)."""

    starts_at: dt.datetime  # in the event's time zone
    table: int


@dataclass(frozen=True, slots=True)
class Agenda:
    event: Event
    # Whose agenda: the account's name.
    holder: str
    role: Role
    entries: list[AgendaEntry]
    schedule: Schedule | None
    # The meetings that ever moved, with where they sat before their last move: whoever
    # printed the agenda or added it to a calendar before needs to look again.
    moved: dict[str, EarlierSeat] = field(default_factory=dict)
    # How many times the schedule changed before the newest one (0 for the first solve): a
    # calendar takes an imported meeting as newer only when its SEQUENCE grew (RFC 5545).
    revision: int = 0


@dataclass(frozen=True, slots=True)
class TablePlanSlot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    # By table number: every table of the event, None where the table is free.
    tables: list[AgendaEntry | None]


@dataclass(frozen=True, slots=True)
class TablePlan:
    event: Event
    schedule: Schedule
    slots: list[TablePlanSlot]

    @property
    def meetings(self) -> int:
        return sum(1 for slot in self.slots for entry in slot.tables if entry is not None)


def _seated(
    schedule: Schedule,
) -> Select[tuple[Meeting, ScheduledMeeting, EventSlot, str, str, str]]:
    """The schedule's seats of meetings still accepted (a cancelled one leaves its seat
    empty until the next solve), with the names an agenda shows."""
    return (
        select(
            Meeting,
            ScheduledMeeting,
            EventSlot,
            FinancingRequest.company,
            FinancingRequest.title,
            InvestorProfile.name,
        )
        .join(ScheduledMeeting, ScheduledMeeting.meeting_id == Meeting.id)
        .join(EventSlot, EventSlot.id == ScheduledMeeting.slot_id)
        .join(FinancingRequest, FinancingRequest.id == Meeting.financing_request_id)
        .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
        .where(
            ScheduledMeeting.schedule_id == schedule.id,
            Meeting.status == MeetingStatus.ACCEPTED,
        )
        .order_by(EventSlot.position, ScheduledMeeting.table)
    )


def _entry(
    meeting: Meeting,
    seat: ScheduledMeeting,
    slot: EventSlot,
    company: str,
    title: str,
    investor_name: str,
    time_zone: str,
) -> AgendaEntry:
    return AgendaEntry(
        meeting_id=meeting.id,
        starts_at=local(slot.starts_at, time_zone),
        ends_at=local(slot.ends_at, time_zone),
        table=seat.table,
        company=company,
        request_title=title,
        investor_name=investor_name,
    )


def agenda_for(*, session: Session, event: Event, account_id: str) -> Agenda:
    """An investor's or startup's meetings in the event's newest schedule, in time order."""
    account = session.get(Account, account_id)
    if account is None or account.role is Role.COMMISSION:
        raise NotFound(f"No investor or startup account {account_id}.")
    schedule = latest_schedule(session, event.id)
    entries: list[AgendaEntry] = []
    if schedule is not None:
        statement = _seated(schedule)
        if account.role is Role.INVESTOR:
            statement = statement.where(InvestorProfile.owner_account_id == account.id)
        else:
            statement = statement.where(FinancingRequest.owner_account_id == account.id)
        entries = [
            _entry(*row, time_zone=event.time_zone) for row in session.execute(statement).tuples()
        ]
    return Agenda(
        event=event,
        holder=account.name,
        role=account.role,
        entries=entries,
        schedule=schedule,
        moved=_moved(session, event, entries),
        revision=_revision(session, event, schedule),
    )


def _moved(session: Session, event: Event, entries: list[AgendaEntry]) -> dict[str, EarlierSeat]:
    """The entries whose meeting sat elsewhere before (``meetings.earlier_seats``)."""
    before = earlier_seats(session, event, [entry.meeting_id for entry in entries])
    time_zone = event.time_zone or "UTC"
    return {
        entry.meeting_id: EarlierSeat(starts_at=local(was.starts_at, time_zone), table=was.table)
        for entry in entries
        if (was := before.get(entry.meeting_id)) is not None
    }


def _revision(session: Session, event: Event, schedule: Schedule | None) -> int:
    if schedule is None:
        return 0
    earlier = session.scalar(
        select(func.count(Schedule.id)).where(
            Schedule.event_id == event.id, Schedule.created_at < schedule.created_at
        )
    )
    return int(earlier or 0)


def table_plan(*, session: Session, event: Event) -> TablePlan:
    """Every slot of the event with every table: who sits there, or free."""
    schedule = latest_schedule(session, event.id)
    if schedule is None:
        raise NotFound("This event has no schedule yet.")
    tables = event.tables or 0
    by_slot: dict[str, list[AgendaEntry | None]] = {}
    for row in session.execute(_seated(schedule)).tuples():
        entry = _entry(*row, time_zone=event.time_zone)
        seats = by_slot.setdefault(row[2].id, [None] * tables)
        if 1 <= entry.table <= tables:
            seats[entry.table - 1] = entry
    slots = session.scalars(
        select(EventSlot).where(EventSlot.event_id == event.id).order_by(EventSlot.position)
    )
    return TablePlan(
        event=event,
        schedule=schedule,
        slots=[
            TablePlanSlot(
                starts_at=local(slot.starts_at, event.time_zone),
                ends_at=local(slot.ends_at, event.time_zone),
                tables=by_slot.get(slot.id, [None] * tables),
            )
            for slot in slots
        ],
    )


def _said_when(earlier: dt.datetime, now: dt.datetime) -> str:
    """The earlier time, with its day when the move changed the day."""
    if earlier.date() == now.date():
        return earlier.strftime("%H:%M")
    return earlier.strftime("%Y-%m-%d %H:%M")


def as_icalendar(agenda: Agenda) -> bytes:
    """The agenda as an iCalendar file (RFC 5545): one event per meeting, its times in the
    event's time zone with the zone's definition included, stable UIDs and a SEQUENCE that
    grows with each change of the schedule so a calendar that imports it again updates the
    meetings instead of doubling or ignoring them, a moved meeting's earlier seat in its
    description; its words in the reader's
    language (the browser's, for a link followed from a page)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{agenda.event.name}: {agenda.holder}")
    calendar.add("x-wr-timezone", agenda.event.time_zone)
    stamp = agenda.schedule.created_at if agenda.schedule is not None else agenda.event.created_at
    for entry in agenda.entries:
        meeting = icalendar.Event()
        meeting.add("uid", f"{entry.meeting_id}@matchmaker")
        meeting.add("dtstamp", stamp.astimezone(dt.UTC))
        meeting.add("sequence", agenda.revision)
        meeting.add("dtstart", entry.starts_at)
        meeting.add("dtend", entry.ends_at)
        counterpart = entry.investor_name if agenda.role is Role.STARTUP else entry.company
        meeting.add("summary", f"{counterpart}: {entry.request_title}")
        table = translate("Table %(number)s") % {"number": entry.table}
        place = agenda.event.place
        meeting.add("location", f"{place} · {table}" if place else table)
        description = translate("%(company)s (%(title)s) meets %(investor)s at %(table)s.") % {
            "company": entry.company,
            "title": entry.request_title,
            "investor": entry.investor_name,
            "table": table,
        }
        earlier = agenda.moved.get(entry.meeting_id)
        if earlier is not None:
            description += "\n" + translate("Moved: it was at %(time)s, table %(table)s.") % {
                "time": _said_when(earlier.starts_at, entry.starts_at),
                "table": earlier.table,
            }
        meeting.add("description", description)
        calendar.add_component(meeting)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical
