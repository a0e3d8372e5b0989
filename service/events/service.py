"""Events: the conferences and campaigns the commission runs."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import Event, EventSlot, Schedule
from service.audit_log.writer import record_audit
from service.events import held
from service.events.schemas import EventCreate, EventUpdate
from service.http.auth import Principal
from service.http.pagination import fetch_page
from service.http.problems import Conflict, Invalid, NotFound, field_problem
from service.i18n.event_names import event_name

OBJECT_TYPE = "event"


def create(*, session: Session, principal: Principal, data: EventCreate) -> Event:
    if session.scalar(select(Event.id).where(Event.name == data.name)) is not None:
        raise Conflict(f"An event named {data.name!r} exists already; names are unique.")
    event = Event(
        name=data.name,
        name_en=data.name_en,
        date=data.date,
        place=data.place,
        place_en=data.place_en,
        registration_due_months=data.registration_due_months,
        production_due_months=data.production_due_months,
    )
    session.add(event)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="event.create",
        object_type=OBJECT_TYPE,
        object_id=event.id,
        changes=data.model_dump(mode="json", exclude_none=True),
    )
    return event


def _name_taken() -> Conflict:
    message = "An event with this name exists already; names are unique"
    return Conflict(message, errors=[field_problem("name", "name_taken", message)])


def update(
    *, session: Session, principal: Principal, event: Event, data: EventUpdate, now: dt.datetime
) -> Event:
    """Change the fields given; a name another event has is a conflict naming the field. The
    audit trail keeps what changed, from what to what. A new day moves the event's meeting
    programme with it (see ``_move_programme``)."""
    given = data.model_dump(exclude_unset=True)
    for required in ("name", "date", "registration_due_months", "production_due_months"):
        if required in given and given[required] is None:
            message = "This field cannot be emptied"
            raise Invalid(message, errors=[field_problem(required, "missing", message)])
    changes: dict[str, object] = {}
    for field, value in given.items():
        if getattr(event, field) != value:
            changes[field] = {
                "from": _as_json(getattr(event, field)),
                "to": _as_json(value),
            }
    if "name" in changes:
        taken = session.scalar(
            select(Event.id).where(Event.name == given["name"], Event.id != event.id)
        )
        if taken is not None:
            raise _name_taken()
    if not changes:
        return event
    if "date" in changes:
        moved = _move_programme(session, event, given["date"] - event.date, now)
        if moved:
            changes["programme_days_moved"] = moved
    for field in changes:
        if field in given:
            setattr(event, field, given[field])
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="event.update",
        object_type=OBJECT_TYPE,
        object_id=event.id,
        changes=changes,
    )
    return event


def _move_programme(session: Session, event: Event, by: dt.timedelta, now: dt.datetime) -> int:
    """Move the event's meeting slots by as many days as its date moves, at the same wall-clock
    times where it is held (a conference moved to next Thursday keeps its 13:30 start); the
    number of days moved (0: no programme). People's availability names slots, so it moves
    with them. Refused once a schedule is solved (seats and downloaded agendas name the old
    times: cancel and plan again, or make a new event) and for a day before today (meetings
    are planned ahead)."""
    slots = session.scalars(
        select(EventSlot).where(EventSlot.event_id == event.id).order_by(EventSlot.starts_at)
    ).all()
    zone = zoneinfo.ZoneInfo(event.time_zone)
    if not slots or slots[-1].starts_at.astimezone(zone).date() < now.astimezone(zone).date():
        return 0  # a held event keeps the programme it was held with; its date is a record
    if session.scalar(select(exists().where(Schedule.event_id == event.id))):
        message = "This event's meetings are scheduled at its slots; its day can no longer move"
        raise Conflict(message, errors=[field_problem("date", "event_scheduled", message)])
    if slots[0].starts_at.astimezone(zone).date() + by < now.astimezone(zone).date():
        message = "The moved programme would start before today"
        raise Invalid(message, errors=[field_problem("date", "day_in_the_past", message)])
    # Later slots first when moving later (earlier first when moving earlier), so that no
    # slot lands on a start another still holds: a start is unique within an event.
    moved: dict[tuple[str, str], dt.datetime] = {}
    for slot in slots:
        for column in ("starts_at", "ends_at"):
            local = getattr(slot, column).astimezone(zone)
            wall = dt.datetime.combine(local.date() + by, local.time(), tzinfo=zone)
            instant = wall.astimezone(dt.UTC)
            if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
                # The clocks jump past this time on the new day (summer time begins).
                message = f"{wall:%H:%M} does not exist on {wall:%Y-%m-%d} in {event.time_zone}"
                raise Invalid(message, errors=[field_problem("date", "no_such_time", message)])
            moved[slot.id, column] = instant
    for slot in reversed(slots) if by > dt.timedelta(0) else slots:
        for column in ("starts_at", "ends_at"):
            setattr(slot, column, moved[slot.id, column])
        session.flush()
    return by.days


def _as_json(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def get(*, session: Session, event_id: str, for_update: bool = False) -> Event:
    """The event (``for_update``: read again and locked until the commit, PostgreSQL)."""
    event = session.get(Event, event_id, with_for_update=True if for_update else None)
    if event is None:
        raise NotFound(f"No event {event_id}.")
    return event


def soonest_first(listed: Sequence[Event], today: dt.date) -> list[Event]:
    """Events as a person looks for one: those still to come first, soonest first; then
    those held, latest first."""
    coming = sorted((e for e in listed if e.date >= today), key=lambda e: (e.date, e.name))
    past = sorted((e for e in listed if e.date < today), key=lambda e: (e.date, e.name))
    return [*coming, *reversed(past)]


def names_of(*, session: Session, event_ids: set[str]) -> dict[str, str]:
    """Each of these events' names in the reader's language, by id (an id of no event is
    left out)."""
    if not event_ids:
        return {}
    found = session.scalars(select(Event).where(Event.id.in_(event_ids)))
    return {event.id: event_name(event) for event in found}


def by_name(*, session: Session, name: str) -> Event | None:
    return session.scalars(select(Event).where(Event.name == name)).first()


def check_exists(*, session: Session, event_id: str | None, field: str = "event_id") -> None:
    """A named event must exist: an unknown id is bad input naming ``field``."""
    if event_id is None:
        return
    if session.scalar(select(Event.id).where(Event.id == event_id)) is None:
        raise Invalid(
            f"No event {event_id}.",
            errors=[field_problem(field, "unknown_event", "No event with this id")],
        )


def check_still_to_come(
    *, session: Session, event_id: str | None, now: dt.datetime, field: str = "event_id"
) -> None:
    """A request is put forward only for an event still to come: one that has been held is
    bad input naming ``field``."""
    if event_id is None:
        return
    event = session.get(Event, event_id)
    if event is not None and held.is_over(session, event, now):
        raise Invalid(
            f"The event ended on {held.last_day(session, event).isoformat()}; choose an event "
            "still to come, or none.",
            errors=[field_problem(field, "event_over", "The event is over")],
        )


def list_page(
    *, session: Session, limit: int, cursor: str | None
) -> tuple[Sequence[Event], str | None]:
    return fetch_page(
        session=session,
        statement=select(Event),
        created_at_column=Event.created_at,
        id_column=Event.id,
        limit=limit,
        cursor=cursor,
    )
