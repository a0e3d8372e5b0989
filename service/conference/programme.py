"""An event's meeting programme: its slots (days × slot times, in the event's time zone),
tables per slot and the cap of meetings per investor."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from models import Event, EventSlot, Schedule
from service.audit_log.writer import record_audit
from service.conference.schemas import MAX_DAYS, ProgrammeOut, ProgrammeWrite, SlotOut
from service.events.held import is_over as is_over
from service.events.held import last_day as last_day
from service.events.held import local as local
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, field_problem

OBJECT_TYPE = "event"


def slots_of(session: Session, event_id: str) -> list[EventSlot]:
    return list(
        session.scalars(
            select(EventSlot).where(EventSlot.event_id == event_id).order_by(EventSlot.position)
        )
    )


class EventOver(Conflict):
    """What is asked belongs to a conference still to come, and this one has been held."""

    slug, title = "event-over", "The event is over"


def refuse_when_over(session: Session, event: Event, now: dt.datetime, doing: str) -> None:
    """Conflict when the event is over: meetings are asked for, answered, proposed and
    seated for a conference still to come, never for one that has been held."""
    if is_over(session, event, now):
        raise EventOver(
            f"The event ended on {last_day(session, event).isoformat()}; {doing} is for "
            "events still to come."
        )


def slot_out(slot: EventSlot, time_zone: str) -> SlotOut:
    return SlotOut(
        id=slot.id,
        position=slot.position,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        local_start=local(slot.starts_at, time_zone),
        local_end=local(slot.ends_at, time_zone),
    )


def programme_out(event: Event, slots: Sequence[EventSlot]) -> ProgrammeOut:
    return ProgrammeOut(
        event_id=event.id,
        name=event.name,
        date=event.date,
        place=event.place,
        time_zone=event.time_zone,
        tables=event.tables,
        investor_meeting_cap=event.investor_meeting_cap,
        slots=[slot_out(slot, event.time_zone) for slot in slots],
        revision=event.revision,
    )


def _slot_spans(data: ProgrammeWrite) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every slot's start and end in UTC, in time order (local times are wall-clock times
    of the event's zone, so a day that changes offset still gets the right instants)."""
    zone = zoneinfo.ZoneInfo(data.time_zone)
    spans = []
    for day in sorted(data.days):
        for slot in sorted(data.slots, key=lambda s: s.start):
            start = dt.datetime.combine(day, slot.start, tzinfo=zone)
            end = start + dt.timedelta(minutes=slot.minutes)
            spans.append((start.astimezone(dt.UTC), end.astimezone(dt.UTC)))
    return spans


EXTEND_ONLY = (
    "This event has a solved schedule whose seats point at its slots and tables: slots, "
    "tables and the meeting cap can now only be added to or raised, every slot already there "
    "kept as it is, in the same time zone."
)


def _extended(
    session: Session, event: Event, data: ProgrammeWrite, existing: list[EventSlot]
) -> list[EventSlot]:
    """The programme of a scheduled event, grown: every existing slot kept (the seats and
    availability pointing at it stay true), new slots added and all renumbered in time order,
    tables and the cap not lowered. Anything else is a Conflict naming what may change."""
    spans = _slot_spans(data)
    # The slots typed, read on the event's own clock: a changed time zone is one problem,
    # not also every slot seeming gone.
    on_its_clock = _slot_spans(data.model_copy(update={"time_zone": event.time_zone}))
    kept = {(slot.starts_at, slot.ends_at) for slot in existing}
    # No cap is the highest; a cap where there was none lowers it.
    lowered_cap = data.investor_meeting_cap is not None and (
        event.investor_meeting_cap is None or data.investor_meeting_cap < event.investor_meeting_cap
    )
    problems = []
    if data.time_zone != event.time_zone:
        problems.append(
            field_problem("time_zone", "scheduled_kept", f"Kept as scheduled: {event.time_zone}")
        )
    if not kept <= set(on_its_clock):
        problems.append(
            field_problem("slots", "scheduled_kept", "Every slot already there is kept")
        )
    if data.tables < (event.tables or 0):
        problems.append(field_problem("tables", "scheduled_lowered", f"At least {event.tables}"))
    if lowered_cap:
        problems.append(
            field_problem(
                "investor_meeting_cap",
                "scheduled_lowered",
                f"At least {event.investor_meeting_cap}, or none"
                if event.investor_meeting_cap is not None
                else "None, as scheduled",
            )
        )
    if problems:
        # Each field named, so a form marks the one to correct (a page said only "nothing
        # saved" and left the officer to find which of seven fields was at fault).
        raise Conflict(EXTEND_ONLY, errors=problems)
    added = [
        EventSlot(event_id=event.id, position=0, starts_at=start, ends_at=end)
        for start, end in spans
        if (start, end) not in kept
    ]
    session.add_all(added)
    slots = sorted([*existing, *added], key=lambda slot: slot.starts_at)
    # Positions are unique only by convention (no constraint): renumbered in one pass.
    for position, slot in enumerate(slots):
        slot.position = position
    return slots


def _check_days(days: set[dt.date], event: Event, now: dt.datetime, time_zone: str) -> None:
    """Days of meetings are today or later where the event is held, from the event's own
    date to at most MAX_DAYS - 1 days after it (a slip of the calendar otherwise); Invalid
    naming the field otherwise."""
    if not days:
        return
    today = local(now, time_zone).date()
    if min(days) < today:
        raise Invalid(
            f"A day of meetings is before today ({today.isoformat()} in {time_zone}).",
            errors=[field_problem("days", "day_in_the_past", "Before today")],
        )
    if min(days) < event.date:
        raise Invalid(
            f"A day of meetings is before the event's date ({event.date.isoformat()}).",
            errors=[field_problem("days", "day_before_event", "Before the event's date")],
        )
    # Meetings belong to the event they are planned for: a day a year on is a slip of the
    # calendar too, and would leave the event's pages naming one date and its slots another.
    last = event.date + dt.timedelta(days=MAX_DAYS - 1)
    if max(days) > last:
        raise Invalid(
            f"A day of meetings is more than {MAX_DAYS - 1} days after the event's date "
            f"({event.date.isoformat()}): the last allowed is {last.isoformat()}.",
            errors=[field_problem("days", "day_after_event", "Too long after the event's date")],
        )


def replace(
    *,
    session: Session,
    principal: Principal,
    event: Event,
    data: ProgrammeWrite,
    now: dt.datetime,
) -> list[EventSlot]:
    """Set the programme; its slots are replaced while no schedule points at them, and only
    added to (with tables and the cap raised, never lowered) once one does. Its days
    are today or later where the event is held: meetings are planned, not recorded. An
    event that is over keeps the programme it was held with (new days would reopen it)."""
    refuse_when_over(session, event, now, "changing the programme")
    scheduled = session.scalar(select(exists().where(Schedule.event_id == event.id)))
    existing = slots_of(session, event.id) if scheduled else []
    # Growing a scheduled programme sends its days again, the first perhaps already past
    # (day 2 of a conference): only the days it adds are checked.
    held = {local(slot.starts_at, event.time_zone).date() for slot in existing}
    _check_days(set(data.days) - held, event, now, data.time_zone)
    if scheduled:
        slots = _extended(session, event, data, existing)
    else:
        session.execute(delete(EventSlot).where(EventSlot.event_id == event.id))
        slots = [
            EventSlot(event_id=event.id, position=position, starts_at=start, ends_at=end)
            for position, (start, end) in enumerate(_slot_spans(data))
        ]
        session.add_all(slots)
    event.time_zone = data.time_zone
    event.tables = data.tables
    event.investor_meeting_cap = data.investor_meeting_cap
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="event.programme",
        object_type=OBJECT_TYPE,
        object_id=event.id,
        changes=data.model_dump(mode="json"),
    )
    return slots
