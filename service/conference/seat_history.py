"""Each meeting's seat through the event's schedules, oldest first: what a calendar file
needs to take a change (a SEQUENCE that grows only when the meeting's own seat changed) and
to drop a meeting that lost its seat (STATUS:CANCELLED) instead of keeping its old time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventSlot, Schedule, ScheduledMeeting


@dataclass(frozen=True, slots=True)
class PastSeat:
    slot_id: str
    starts_at: dt.datetime  # UTC, as stored
    ends_at: dt.datetime
    table: int


@dataclass(frozen=True, slots=True)
class SeatHistory:
    # One entry per schedule of the event, oldest first: the meeting's seat, or None where
    # that schedule did not seat it.
    seats: list[PastSeat | None]

    @property
    def changes(self) -> int:
        """How many times the seat changed from one schedule to the next (seated, moved or
        dropped): a calendar's SEQUENCE for the meeting."""
        return sum(1 for a, b in zip(self.seats, self.seats[1:], strict=False) if a != b)

    @property
    def seated_now(self) -> bool:
        return bool(self.seats) and self.seats[-1] is not None

    @property
    def seat_before_last_move(self) -> PastSeat | None:
        """Where a meeting seated now sat before it last moved: its most recent earlier seat
        that differs from the one it has (None if seated nowhere now, or never moved). One
        moved and moved back says where it was in between; a solve after a move by hand keeps
        the moved seat, and whoever printed the agenda before still learns where it went."""
        now = self.seats[-1] if self.seats else None
        if now is None:
            return None
        return next(
            (seat for seat in reversed(self.seats[:-1]) if seat is not None and seat != now),
            None,
        )

    @property
    def last_seat(self) -> PastSeat | None:
        """The most recent seat the meeting had (None if never seated)."""
        return next((seat for seat in reversed(self.seats) if seat is not None), None)


def histories(session: Session, event: Event, meeting_ids: Iterable[str]) -> dict[str, SeatHistory]:
    """The seat history of each of ``meeting_ids`` seated in some schedule of ``event``."""
    wanted = list(meeting_ids)
    if not wanted:
        return {}
    order = list(
        session.scalars(
            select(Schedule.id)
            .where(Schedule.event_id == event.id)
            .order_by(Schedule.created_at, Schedule.id)
        )
    )
    position = {schedule_id: index for index, schedule_id in enumerate(order)}
    seats: dict[str, list[PastSeat | None]] = {}
    for meeting_id, table, schedule_id, slot_id, starts_at, ends_at in session.execute(
        select(
            ScheduledMeeting.meeting_id,
            ScheduledMeeting.table,
            ScheduledMeeting.schedule_id,
            EventSlot.id,
            EventSlot.starts_at,
            EventSlot.ends_at,
        )
        .join(EventSlot, EventSlot.id == ScheduledMeeting.slot_id)
        .where(
            ScheduledMeeting.schedule_id.in_(order),
            ScheduledMeeting.meeting_id.in_(wanted),
        )
    ):
        row = seats.setdefault(meeting_id, [None] * len(order))
        row[position[schedule_id]] = PastSeat(slot_id, starts_at, ends_at, table)
    return {meeting_id: SeatHistory(row) for meeting_id, row in seats.items()}
