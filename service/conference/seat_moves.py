"""Moving one meeting by hand: the commission puts a confirmed meeting at another slot and
table (or seats one the solver left out), on the conference day or before it, without
solving again. The result is a new schedule, the event's current one, so that the people
whose meeting moved are told where it was (``meetings.earlier_seats``)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from sqlalchemy.orm import Session

from models import Event, Schedule, ScheduledMeeting
from service.audit_log.writer import record_audit
from service.conference import availability
from service.conference.meetings import HAND_EDITED, latest_schedule
from service.conference.programme import refuse_when_over, slots_of
from service.conference.scheduling import OBJECT_TYPE, MeetingParties, accepted_meetings, seated
from service.conference.schemas import SeatWrite
from service.events import service as events
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound, field_problem
from service.webhooks import outbox


def _refused(field: str, code: str, message: str) -> Conflict:
    return Conflict(message, errors=[field_problem(field, code, message)])


def move(
    *,
    session: Session,
    principal: Principal,
    event: Event,
    meeting_id: str,
    data: SeatWrite,
    now: dt.datetime,
) -> Schedule:
    """Seat ``meeting_id`` at ``data``'s slot and table in a new schedule that keeps every
    other seat. Refused, naming the field, where the seat cannot hold it: a slot that is not
    the event's or a table beyond its tables (422), a table taken then, a side meeting
    someone else then or not free then, or an investor at its cap (409). The same seat
    again changes nothing."""
    refuse_when_over(session, event, now, "moving a meeting")
    # One change of the event's schedule at a time: two officers moving meetings at once
    # would each build on the same schedule, and the later would undo the earlier.
    events.get(session=session, event_id=event.id, for_update=True)
    current = latest_schedule(session, event.id)
    if current is None:
        raise Conflict(
            "This event has no schedule yet: solve it first "
            f"(POST /v1/events/{event.id}/schedules)."
        )
    confirmed = {m.meeting.id: m for m in accepted_meetings(session, event.id)}
    moving = confirmed.get(meeting_id)
    if moving is None:
        raise NotFound(f"No confirmed meeting {meeting_id} at this event.")
    slots = {slot.id: slot for slot in slots_of(session, event.id)}
    problems = []
    if data.slot_id not in slots:
        problems.append(field_problem("slot_id", "unknown_slot", "Not a slot of this event"))
    if data.table > (event.tables or 0):
        problems.append(
            field_problem("table", "less_than_equal", f"The event has {event.tables} tables")
        )
    if problems:
        raise Invalid("This seat is not one of the event's.", errors=problems)
    seats = {
        seat_meeting: (row.slot_id, row.table)
        for seat_meeting, row in seated(session, current).items()
        if seat_meeting in confirmed  # a meeting called off since gives its seat up
    }
    before = seats.get(meeting_id)
    if before == (data.slot_id, data.table):
        return current
    _check_seat(session, event, confirmed, seats, moving, data)
    seats[meeting_id] = (data.slot_id, data.table)
    return _store(session, principal, event, current, confirmed, seats, moving, before)


def _check_seat(
    session: Session,
    event: Event,
    confirmed: dict[str, MeetingParties],
    seats: dict[str, tuple[str, int]],
    moving: MeetingParties,
    data: SeatWrite,
) -> None:
    others = {m: seat for m, seat in seats.items() if m != moving.meeting.id}
    if (data.slot_id, data.table) in others.values():
        raise _refused("table", "seat_taken", "Another meeting sits at this table then")
    parties = (moving.investor_party, moving.startup_party)
    for other_id, (slot_id, _table) in others.items():
        other = confirmed[other_id]
        if slot_id == data.slot_id and {other.investor_party, other.startup_party} & set(parties):
            raise _refused("slot_id", "party_busy", "A side has another meeting then")
    stated = availability.stated_by(session, event.id, parties)
    if any(party in stated and data.slot_id not in stated[party] for party in parties):
        raise _refused("slot_id", "not_available", "A side has said it is not free then")
    cap = event.investor_meeting_cap
    if cap is not None and moving.meeting.id not in seats:
        load = Counter(confirmed[m].investor_party for m in others)
        if load[moving.investor_party] >= cap:
            raise _refused(
                "slot_id", "investor_cap", f"The investor has its {cap} meetings already"
            )


def _store(
    session: Session,
    principal: Principal,
    event: Event,
    current: Schedule,
    confirmed: dict[str, MeetingParties],
    seats: dict[str, tuple[str, int]],
    moving: MeetingParties,
    before: tuple[str, int] | None,
) -> Schedule:
    """The new schedule: ``seats`` (the moved meeting's new one among them) and the figures
    they give; ``before``: where the moved meeting sat, if anywhere."""
    per_request = Counter(confirmed[m].meeting.financing_request_id for m in seats)
    requests = {m.meeting.financing_request_id for m in confirmed.values()}
    schedule = Schedule(
        event_id=event.id,
        created_by_account_id=principal.account_id,
        status=HAND_EDITED,
        coverage_k=current.coverage_k,
        coverage=sum(1 for r in requests if per_request[r] >= current.coverage_k),
        greedy_coverage=current.greedy_coverage,
        score_sum=math.fsum(confirmed[m].meeting.score for m in sorted(seats)),
        greedy_score_sum=current.greedy_score_sum,
        gap=current.gap,
        kept=len(seats) - 1,  # every other seat stays where it was
        moved=1 if before is not None else 0,
        time_limit_seconds=0.0,
        wall_seconds=0.0,
        # Still confirmed, and still without a seat.
        left_out=[
            left
            for left in current.left_out
            if str(left["meeting_id"]) in confirmed and str(left["meeting_id"]) not in seats
        ],
        requests_below_k=sorted(r for r in requests if per_request[r] < current.coverage_k),
    )
    session.add(schedule)
    session.flush()
    session.add_all(
        ScheduledMeeting(schedule_id=schedule.id, meeting_id=m, slot_id=slot_id, table=table)
        for m, (slot_id, table) in seats.items()
    )
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="schedule.move",
        object_type=OBJECT_TYPE,
        object_id=schedule.id,
        changes={
            "event_id": event.id,
            "meeting_id": moving.meeting.id,
            "from": None if before is None else {"slot_id": before[0], "table": before[1]},
            "to": dict(zip(("slot_id", "table"), seats[moving.meeting.id], strict=True)),
        },
    )
    outbox.emit_scheduled(session, schedule)
    return schedule
