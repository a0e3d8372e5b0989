"""What a hand move of a meeting changed, for people reading the trail: whose meeting, from
which seat to which (the record keeps ids; the trail shows names and local times). Read in
one query per kind on the page, never per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditRecord, Event, EventSlot, FinancingRequest, InvestorProfile, Meeting
from service.audit_log.object_names import PAIR_SEPARATOR
from service.conference.programme import local

MOVE_ACTION = "schedule.move"


@dataclass(frozen=True, slots=True)
class MovedSeat:
    """A seat of a hand move: its slot's local start (None where the slot is gone) and
    table."""

    starts_at: dt.datetime | None
    table: int


@dataclass(frozen=True, slots=True)
class HandMove:
    pair: str  # investor · company, or the meeting's first characters where it is gone
    before: MovedSeat | None  # None: the meeting had no seat (it was left out)
    after: MovedSeat


def hand_moves(session: Session, records: Iterable[AuditRecord]) -> dict[str, HandMove]:
    """Each hand move among ``records``, by record id."""
    moves = [r for r in records if r.action == MOVE_ACTION and isinstance(r.changes, dict)]
    if not moves:
        return {}
    meeting_ids = {str(r.changes.get("meeting_id")) for r in moves}
    slot_ids = {
        str(seat["slot_id"])
        for r in moves
        for seat in (r.changes.get("from"), r.changes.get("to"))
        if isinstance(seat, dict)
    }
    pairs = {
        meeting_id: f"{investor}{PAIR_SEPARATOR}{company}"
        for meeting_id, investor, company in session.execute(
            select(Meeting.id, InvestorProfile.name, FinancingRequest.company)
            .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
            .join(FinancingRequest, FinancingRequest.id == Meeting.financing_request_id)
            .where(Meeting.id.in_(meeting_ids))
        )
    }
    starts = {
        slot_id: local(starts_at, time_zone or "UTC")
        for slot_id, starts_at, time_zone in session.execute(
            select(EventSlot.id, EventSlot.starts_at, Event.time_zone)
            .join(Event, Event.id == EventSlot.event_id)
            .where(EventSlot.id.in_(slot_ids))
        )
    }

    def seat(said: Any) -> MovedSeat | None:
        if not isinstance(said, dict):
            return None
        return MovedSeat(starts.get(str(said.get("slot_id"))), int(said.get("table", 0)))

    found: dict[str, HandMove] = {}
    for record in moves:
        meeting_id = str(record.changes.get("meeting_id"))
        after = seat(record.changes.get("to"))
        if after is None:
            continue
        found[record.id] = HandMove(
            pair=pairs.get(meeting_id, meeting_id[:8]),
            before=seat(record.changes.get("from")),
            after=after,
        )
    return found
