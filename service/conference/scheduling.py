"""Solving an event's schedule: the accepted meetings, everyone's availability and the
previous schedule in; a stored schedule out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Event,
    EventSlot,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingStatus,
    RequestStatus,
    Schedule,
    ScheduledMeeting,
)
from service.audit_log.writer import record_audit
from service.conference import availability
from service.conference.meetings import HAND_EDITED, latest_schedule, seats_in
from service.conference.problem import MeetingSpec, ScheduleProblem, Seat, SlotSpec
from service.conference.programme import refuse_when_over, slots_of
from service.conference.schemas import (
    LeftOutOut,
    PlacementOut,
    ScheduleCreate,
    ScheduleOut,
)
from service.conference.solver import solve
from service.http.auth import Principal
from service.http.problems import Conflict, NotFound
from service.webhooks import outbox

OBJECT_TYPE = "schedule"


@dataclass(frozen=True, slots=True)
class MeetingParties:
    """An accepted meeting and who sits at its table."""

    meeting: Meeting
    investor_party: str
    startup_party: str


def investor_party(owner_account_id: str | None, profile_id: str) -> str:
    """The people behind a mandate: its account (one account's mandates share people), or the
    mandate itself when the commission keeps it without an account."""
    return owner_account_id or f"profile:{profile_id}"


def startup_party(owner_account_id: str | None, request_id: str) -> str:
    return owner_account_id or f"request:{request_id}"


def accepted_meetings(session: Session, event_id: str) -> list[MeetingParties]:
    """The event's accepted meetings whose request is still published, with their parties."""
    rows = session.execute(
        select(Meeting, InvestorProfile.owner_account_id, FinancingRequest.owner_account_id)
        .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
        .join(FinancingRequest, FinancingRequest.id == Meeting.financing_request_id)
        .where(
            Meeting.event_id == event_id,
            Meeting.status == MeetingStatus.ACCEPTED,
            FinancingRequest.status == RequestStatus.PUBLISHED,
        )
        .order_by(Meeting.id)
    ).tuples()
    return [
        MeetingParties(
            meeting=meeting,
            investor_party=investor_party(investor_owner, meeting.investor_profile_id),
            startup_party=startup_party(startup_owner, meeting.financing_request_id),
        )
        for meeting, investor_owner, startup_owner in rows
    ]


def seated(session: Session, schedule: Schedule | None) -> dict[str, ScheduledMeeting]:
    """Each meeting's seat in ``schedule`` (none without a schedule), by meeting id."""
    if schedule is None:
        return {}
    return {
        row.meeting_id: row
        for row in session.scalars(
            select(ScheduledMeeting).where(ScheduledMeeting.schedule_id == schedule.id)
        )
    }


def build_problem(
    session: Session, event: Event, slots: list[EventSlot], data: ScheduleCreate
) -> ScheduleProblem:
    meetings = accepted_meetings(session, event.id)
    every_slot = {slot.id for slot in slots}
    stated = availability.stated_by(
        session,
        event.id,
        [p for m in meetings for p in (m.investor_party, m.startup_party)],
    )

    def free(party: str) -> set[str]:
        return stated.get(party, every_slot) & every_slot

    previous = {
        meeting_id: Seat(slot_id=row.slot_id, table=row.table)
        for meeting_id, row in seated(session, latest_schedule(session, event.id)).items()
    }
    return ScheduleProblem(
        slots=tuple(SlotSpec(id=slot.id, position=slot.position) for slot in slots),
        meetings=tuple(
            MeetingSpec(
                id=m.meeting.id,
                request_id=m.meeting.financing_request_id,
                investor_party=m.investor_party,
                startup_party=m.startup_party,
                score=m.meeting.score,
                slots=frozenset(free(m.investor_party) & free(m.startup_party)),
            )
            for m in meetings
        ),
        tables=event.tables or 0,
        investor_cap=event.investor_meeting_cap,
        coverage_k=data.coverage_k,
        previous=previous,
        time_limit_seconds=data.time_limit_seconds,
        keep_seats=data.keep_seats,
    )


def create(
    *,
    session: Session,
    principal: Principal,
    event: Event,
    data: ScheduleCreate,
    now: dt.datetime,
) -> Schedule:
    """Solve and store a new schedule; it becomes the event's schedule. Not once the event
    is over: the schedule people met by stays as it was."""
    refuse_when_over(session, event, now, "scheduling meetings")
    # One change of the event's schedule at a time (a solve, or a meeting moved by hand).
    session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    slots = slots_of(session, event.id)
    if not slots or not event.tables:
        raise Conflict(
            "This event has no meeting programme yet: set its days, slots and tables first "
            f"(PUT /v1/events/{event.id}/programme)."
        )
    problem = build_problem(session, event, slots, data)
    if not problem.meetings:
        raise Conflict(
            "This event has no accepted meetings to schedule: a meeting is scheduled once "
            "both sides have accepted it."
        )
    solution = solve(problem)
    schedule = Schedule(
        event_id=event.id,
        created_by_account_id=principal.account_id,
        status=solution.status,
        coverage_k=problem.coverage_k,
        coverage=solution.plan.coverage,
        greedy_coverage=solution.greedy.coverage,
        score_sum=solution.plan.score_sum,
        greedy_score_sum=solution.greedy.score_sum,
        gap=solution.gap,
        kept=solution.kept,
        moved=solution.moved,
        time_limit_seconds=problem.time_limit_seconds,
        wall_seconds=solution.wall_seconds,
        left_out=[
            {"meeting_id": left.meeting_id, "reason": left.reason.value}
            for left in solution.left_out
        ],
        requests_below_k=list(solution.requests_below_k),
    )
    session.add(schedule)
    session.flush()
    session.add_all(
        ScheduledMeeting(
            schedule_id=schedule.id,
            meeting_id=placement.meeting_id,
            slot_id=placement.seat.slot_id,
            table=placement.seat.table,
        )
        for placement in solution.plan.placements
    )
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="schedule.solve",
        object_type=OBJECT_TYPE,
        object_id=schedule.id,
        changes={
            "event_id": event.id,
            "status": solution.status,
            "coverage_k": problem.coverage_k,
            "coverage": solution.plan.coverage,
            "greedy_coverage": solution.greedy.coverage,
            "placed": len(solution.plan.placements),
            "left_out": len(solution.left_out),
            "moved": solution.moved,
        },
    )
    outbox.emit_scheduled(session, schedule)
    return schedule


def get(*, session: Session, event: Event, schedule_id: str) -> Schedule:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None or schedule.event_id != event.id:
        raise NotFound(f"No schedule {schedule_id} for this event.")
    return schedule


def current(*, session: Session, event: Event) -> Schedule:
    schedule = latest_schedule(session, event.id)
    if schedule is None:
        raise NotFound("This event has no schedule yet.")
    return schedule


def schedule_out(session: Session, event: Event, schedule: Schedule) -> ScheduleOut:
    seats = seats_in(session, schedule, event.time_zone)
    names = dict(
        session.execute(
            select(Meeting.id, InvestorProfile.name)
            .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
            .where(Meeting.event_id == event.id)
        )
        .tuples()
        .all()
    )
    pairs = {
        meeting_id: (request_id, company, profile_id)
        for meeting_id, request_id, company, profile_id in session.execute(
            select(
                Meeting.id,
                Meeting.financing_request_id,
                FinancingRequest.company,
                Meeting.investor_profile_id,
            )
            .join(FinancingRequest, FinancingRequest.id == Meeting.financing_request_id)
            .where(Meeting.event_id == event.id)
        ).tuples()
    }
    placements = sorted(
        (
            PlacementOut(
                meeting_id=meeting_id,
                financing_request_id=pairs[meeting_id][0],
                company=pairs[meeting_id][1],
                investor_profile_id=pairs[meeting_id][2],
                investor_name=names[meeting_id],
                seat=seat,
            )
            for meeting_id, seat in seats.items()
        ),
        key=lambda p: (p.seat.starts_at, p.seat.table),
    )
    return ScheduleOut(
        id=schedule.id,
        event_id=schedule.event_id,
        status=(
            "optimal"
            if schedule.status == "optimal"
            else "edited"
            if schedule.status == HAND_EDITED
            else "feasible"
        ),
        gap=schedule.gap,
        coverage_k=schedule.coverage_k,
        requests=len(
            {pairs[p.meeting_id][0] for p in placements}
            | {pairs[str(left["meeting_id"])][0] for left in schedule.left_out}
        ),
        coverage=schedule.coverage,
        greedy_coverage=schedule.greedy_coverage,
        score_sum=schedule.score_sum,
        greedy_score_sum=schedule.greedy_score_sum,
        kept=schedule.kept,
        moved=schedule.moved,
        time_limit_seconds=schedule.time_limit_seconds,
        wall_seconds=schedule.wall_seconds,
        placements=placements,
        left_out=[LeftOutOut.model_validate(left) for left in schedule.left_out],
        requests_below_k=list(schedule.requests_below_k),
        created_at=schedule.created_at,
    )


@dataclass(frozen=True, slots=True)
class ScheduleDrift:
    """How far the event has moved since its current schedule was solved: what solving again
    would change. ``unplaced``: confirmed meetings without a seat (confirmed since, or left
    out); ``no_longer_free``: seated meetings at a time one side has since said it is not
    free; ``called_off``: seats of meetings no longer confirmed."""

    confirmed: int
    unplaced: int
    no_longer_free: int
    called_off: int

    @property
    def stale(self) -> bool:
        return bool(self.no_longer_free or self.called_off)


def drift_since_solved(session: Session, event: Event) -> ScheduleDrift:
    """The confirmed meetings against the current schedule and everyone's availability now."""
    meetings = accepted_meetings(session, event.id)
    seats = _current_slots(session, event)
    confirmed = {m.meeting.id for m in meetings}
    return ScheduleDrift(
        confirmed=len(meetings),
        unplaced=sum(1 for m in meetings if m.meeting.id not in seats),
        no_longer_free=len(_seated_when_not_free(session, event, meetings, seats)),
        called_off=sum(1 for meeting_id in seats if meeting_id not in confirmed),
    )


def seated_when_not_free(session: Session, event: Event) -> set[str]:
    """The confirmed meetings the current schedule seats at a time one side has since said
    it is not free: the next solve moves them, and their people are told so meanwhile."""
    meetings = accepted_meetings(session, event.id)
    return _seated_when_not_free(session, event, meetings, _current_slots(session, event))


def without_common_slot(session: Session, event: Event) -> set[str]:
    """The confirmed meetings whose two sides share no free slot: no solve can seat them
    until one side ticks more, which both are told before the commission solves."""
    every_slot = set(session.scalars(select(EventSlot.id).where(EventSlot.event_id == event.id)))
    if not every_slot:
        return set()
    meetings = accepted_meetings(session, event.id)
    stated = availability.stated_by(
        session, event.id, [p for m in meetings for p in (m.investor_party, m.startup_party)]
    )

    def free(party: str) -> set[str]:
        return stated.get(party, every_slot) & every_slot

    return {m.meeting.id for m in meetings if not free(m.investor_party) & free(m.startup_party)}


def _current_slots(session: Session, event: Event) -> dict[str, str]:
    """Each seated meeting's slot in the event's current schedule."""
    return {
        meeting_id: row.slot_id
        for meeting_id, row in seated(session, latest_schedule(session, event.id)).items()
    }


def _seated_when_not_free(
    session: Session, event: Event, meetings: list[MeetingParties], seats: dict[str, str]
) -> set[str]:
    stated = availability.stated_by(
        session, event.id, [p for m in meetings for p in (m.investor_party, m.startup_party)]
    )

    def free_at(party: str, slot_id: str) -> bool:
        return party not in stated or slot_id in stated[party]

    return {
        m.meeting.id
        for m in meetings
        if (slot := seats.get(m.meeting.id)) is not None
        and not (free_at(m.investor_party, slot) and free_at(m.startup_party, slot))
    }
