"""When an event is over: its last day (its date, or its programme's last slot's day) has
passed where it is held. Down here, beside the events, so that a request's choice of event
and the conference's rules read one answer."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Event, EventSlot


def local(moment: dt.datetime, time_zone: str) -> dt.datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone))


def last_day(session: Session, event: Event) -> dt.date:
    """The event's last day in its own time zone: its date, or its last slot's day when
    the meeting programme runs on past it."""
    # The last slot's start: a slot ending at midnight belongs to the day it started.
    last_start = session.scalar(
        select(func.max(EventSlot.starts_at)).where(EventSlot.event_id == event.id)
    )
    if last_start is None:
        return event.date
    return max(event.date, local(last_start, event.time_zone).date())


def is_over(session: Session, event: Event, now: dt.datetime) -> bool:
    """Whether the event's last day has passed where it is held (its day itself is not
    over: people still ask to meet between the sessions)."""
    return local(now, event.time_zone).date() > last_day(session, event)
