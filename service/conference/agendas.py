"""Agendas from the event's newest schedule: each investor's and startup's meetings (as data
and as an iCalendar file in the event's time zone), and the commission's table plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import icalendar
from sqlalchemy import Select, select
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
from service.conference import availability, seat_history
from service.conference.meetings import latest_schedule
from service.conference.programme import is_over, local
from service.conference.scheduling import ScheduleDrift, drift_since_solved
from service.financing_requests.titles import title_as_read
from service.http.problems import NotFound
from service.i18n.catalogs import translate
from service.i18n.event_names import event_name, event_place

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
    """Where a meeting sat before it last moved (``SeatHistory.seat_before_last_move``)."""

    starts_at: dt.datetime  # in the event's time zone
    table: int


@dataclass(frozen=True, slots=True)
class DroppedEntry:
    """A meeting that lost its seat: its last one, and whether it was called off (else it is
    still confirmed and waits for a seat)."""

    entry: AgendaEntry
    called_off: bool


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
    # Each meeting's SEQUENCE in a calendar file (RFC 5545): how many times its own seat
    # changed, so a calendar takes a change, and only a change, as newer.
    sequences: dict[str, int] = field(default_factory=dict)
    # Meetings of the holder's that had a seat and have none now (left out, or called off):
    # a calendar that imported them must be told, or it keeps their old time.
    dropped: list[DroppedEntry] = field(default_factory=list)
    # Confirmed meetings of the holder's with no seat in the newest schedule.
    unplaced: int = 0
    # Seated meetings in a slot the holder has since said it is not free in: they stand
    # until the commission moves them, and the holder should not read them as settled.
    not_free: frozenset[str] = frozenset()


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
    # What has moved since the schedule was solved: a plan printed from a stale schedule
    # would send people to tables at times they said they cannot come.
    drift: ScheduleDrift
    # Held already: the plan is the record of the day, and nothing can be solved again.
    over: bool = False

    @property
    def seats_out_of_date(self) -> bool:
        """Whether the plan seats a meeting at a time one side has since said it is not free
        (a called-off meeting's seat is already shown free), while it can still be solved."""
        return not self.over and self.drift.no_longer_free > 0

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
            title_as_read(),
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
    not_free: frozenset[str] = frozenset()
    if schedule is not None:
        statement = _seated(schedule)
        if account.role is Role.INVESTOR:
            statement = statement.where(InvestorProfile.owner_account_id == account.id)
        else:
            statement = statement.where(FinancingRequest.owner_account_id == account.id)
        rows = session.execute(statement).tuples().all()
        entries = [_entry(*row, time_zone=event.time_zone) for row in rows]
        free = availability.stated_by(session, event.id, [account.id]).get(account.id)
        if free is not None:
            not_free = frozenset(meeting.id for meeting, _, slot, *_ in rows if slot.id not in free)
    mine = _holders_meetings(session, event, account)
    past = seat_history.histories(session, event, [m.id for m, *_ in mine])
    seated = {entry.meeting_id for entry in entries}
    dropped = []
    for meeting, company, title, investor_name in mine:
        history = past.get(meeting.id)
        last = None if history is None else history.last_seat
        if meeting.id in seated or history is None or last is None:
            continue
        entry = AgendaEntry(
            meeting_id=meeting.id,
            starts_at=local(last.starts_at, event.time_zone),
            ends_at=local(last.ends_at, event.time_zone),
            table=last.table,
            company=company,
            request_title=title,
            investor_name=investor_name,
        )
        dropped.append(DroppedEntry(entry, meeting.status is not MeetingStatus.ACCEPTED))
    return Agenda(
        event=event,
        holder=account.name,
        role=account.role,
        entries=entries,
        schedule=schedule,
        moved=_moved(event, entries, past),
        sequences={
            meeting_id: history.changes
            # A meeting called off keeps its seat in the schedule until the next solve: its
            # cancellation is a change the seats do not show.
            + (1 if history.seated_now and meeting_id not in seated else 0)
            for meeting_id, history in past.items()
        },
        dropped=dropped,
        unplaced=sum(
            1
            for meeting, *_ in mine
            if meeting.status is MeetingStatus.ACCEPTED and meeting.id not in seated
        ),
        not_free=not_free,
    )


def _holders_meetings(
    session: Session, event: Event, account: Account
) -> list[tuple[Meeting, str, str, str]]:
    """Every meeting of the account's at the event, whatever its status, with the names an
    agenda shows."""
    statement = (
        select(Meeting, FinancingRequest.company, title_as_read(), InvestorProfile.name)
        .join(FinancingRequest, FinancingRequest.id == Meeting.financing_request_id)
        .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
        .where(Meeting.event_id == event.id)
        .order_by(Meeting.created_at, Meeting.id)
    )
    if account.role is Role.INVESTOR:
        statement = statement.where(InvestorProfile.owner_account_id == account.id)
    else:
        statement = statement.where(FinancingRequest.owner_account_id == account.id)
    return list(session.execute(statement).tuples())


def _moved(
    event: Event, entries: list[AgendaEntry], past: dict[str, seat_history.SeatHistory]
) -> dict[str, EarlierSeat]:
    """The entries whose meeting sat elsewhere before it last moved."""
    moved: dict[str, EarlierSeat] = {}
    for entry in entries:
        history = past.get(entry.meeting_id)
        was = None if history is None else history.seat_before_last_move
        if was is not None:
            moved[entry.meeting_id] = EarlierSeat(
                starts_at=local(was.starts_at, event.time_zone), table=was.table
            )
    return moved


def table_plan(*, session: Session, event: Event, now: dt.datetime) -> TablePlan:
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
        drift=drift_since_solved(session, event),
        over=is_over(session, event, now),
    )


def _said_when(earlier: dt.datetime, now: dt.datetime) -> str:
    """The earlier time, with its day when the move changed the day."""
    if earlier.date() == now.date():
        return earlier.strftime("%H:%M")
    return earlier.strftime("%Y-%m-%d %H:%M")


def as_icalendar(agenda: Agenda) -> bytes:
    """The agenda as an iCalendar file (RFC 5545): one event per meeting, its times in the
    event's time zone with the zone's definition included, stable UIDs and a SEQUENCE that
    grows each time the meeting's seat changed, so a calendar that imports the file again
    updates the meetings instead of doubling or ignoring them; a moved meeting's earlier seat
    in its description; a meeting that lost its seat (left out, or called off) at its last
    time with STATUS:CANCELLED, so the calendar drops it. Its words in the reader's language
    (the browser's, for a link followed from a page)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{event_name(agenda.event)}: {agenda.holder}")
    calendar.add("x-wr-timezone", agenda.event.time_zone)
    stamp = agenda.schedule.created_at if agenda.schedule is not None else agenda.event.created_at
    for entry in agenda.entries:
        description = _described(entry)
        earlier = agenda.moved.get(entry.meeting_id)
        if earlier is not None:
            description += "\n" + translate("Moved: it was at %(time)s, table %(table)s.") % {
                "time": _said_when(earlier.starts_at, entry.starts_at),
                "table": earlier.table,
            }
        calendar.add_component(_calendar_event(agenda, entry, stamp, description))
    for dropped in agenda.dropped:
        said = (
            translate("Called off.")
            if dropped.called_off
            else translate(
                "No longer in the schedule: the commission is finding it a new time, which "
                "your agenda will show."
            )
        )
        meeting = _calendar_event(
            agenda, dropped.entry, stamp, f"{said}\n{_described(dropped.entry)}"
        )
        meeting.add("status", "CANCELLED")
        calendar.add_component(meeting)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def _described(entry: AgendaEntry) -> str:
    return translate("%(company)s (%(title)s) meets %(investor)s at %(table)s.") % {
        "company": entry.company,
        "title": entry.request_title,
        "investor": entry.investor_name,
        "table": translate("Table %(number)s") % {"number": entry.table},
    }


def _calendar_event(
    agenda: Agenda, entry: AgendaEntry, stamp: dt.datetime, description: str
) -> icalendar.Event:
    meeting = icalendar.Event()
    meeting.add("uid", f"{entry.meeting_id}@matchmaker")
    meeting.add("dtstamp", stamp.astimezone(dt.UTC))
    meeting.add("sequence", agenda.sequences.get(entry.meeting_id, 0))
    meeting.add("dtstart", entry.starts_at)
    meeting.add("dtend", entry.ends_at)
    counterpart = entry.investor_name if agenda.role is Role.STARTUP else entry.company
    meeting.add("summary", f"{counterpart}: {entry.request_title}")
    table = translate("Table %(number)s") % {"number": entry.table}
    place = event_place(agenda.event)
    meeting.add("location", f"{place} · {table}" if place else table)
    meeting.add("description", description)
    return meeting
