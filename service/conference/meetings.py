"""Meeting requests at an event: asked for by one side (or proposed by the commission),
accepted or declined by the other, cancelled by either. Everyone sees only the meetings they
are part of; the commission sees all."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import (
    Account,
    Event,
    EventSlot,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingAnswer,
    MeetingSide,
    MeetingStatus,
    RequestStatus,
    Role,
    Schedule,
    ScheduledMeeting,
    WebhookEventType,
)
from service.audit_log.writer import record_audit
from service.conference import seat_history
from service.conference.programme import local, refuse_when_over
from service.conference.schemas import MeetingAnswerWrite, MeetingOut, SeatOut
from service.feedback import service as feedback
from service.financing_requests import service as financing_requests
from service.financing_requests.titles import title_as_read
from service.http.auth import Principal
from service.http.problems import Conflict, Forbidden, Invalid, NotFound, field_problem
from service.investors import service as investors
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow, rank_investors
from service.ranking.serving import rounded_score
from service.webhooks import outbox

OBJECT_TYPE = "meeting"
# Meetings that still hold a place in people's plans (a pending one may yet be accepted).
LIVE = (MeetingStatus.PENDING, MeetingStatus.ACCEPTED)


class FirmMeetsAlready(Conflict):
    """Another mandate of the same firm has a live meeting with the request at the event: the
    startup would meet one investor twice (a walk saw Sequoia's three funds each ask MiniMax)."""

    def __init__(self, meeting: Meeting, mandate_name: str) -> None:
        message = (
            f"The firm's mandate {mandate_name!r} has a meeting with this request at this event "
            f"already ({meeting.status.value}): {meeting.id}. A firm meets a request once per "
            "event; its other funds join that meeting."
        )
        super().__init__(
            message, errors=[field_problem("investor_profile_id", "firm_meets_already", message)]
        )
        self.meeting = meeting
        self.mandate_name = mandate_name


# A schedule changed by hand (``seat_moves``): no solver made it.
HAND_EDITED = "edited"


def visible_to(principal: Principal) -> Select[tuple[Meeting]]:
    """The meetings the caller is part of (every meeting for the commission)."""
    statement = select(Meeting)
    if principal.is_commission:
        return statement
    if principal.role is Role.INVESTOR:
        mine = select(InvestorProfile.id).where(
            InvestorProfile.owner_account_id == principal.account_id
        )
        return statement.where(Meeting.investor_profile_id.in_(mine))
    own_requests = select(FinancingRequest.id).where(
        FinancingRequest.owner_account_id == principal.account_id
    )
    return statement.where(Meeting.financing_request_id.in_(own_requests))


def latest_by_mandate(session: Session, financing_request_id: str) -> dict[str, Meeting]:
    """A request's meetings by mandate, the latest asked where a mandate has several (at
    different events): for the commission's page of the request."""
    asked = session.scalars(
        select(Meeting)
        .where(Meeting.financing_request_id == financing_request_id)
        .order_by(Meeting.created_at, Meeting.id)
    )
    return {meeting.investor_profile_id: meeting for meeting in asked}


def get_visible(*, session: Session, principal: Principal, meeting_id: str) -> Meeting:
    meeting = session.scalars(visible_to(principal).where(Meeting.id == meeting_id)).first()
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting


def list_for_event(
    *, session: Session, principal: Principal, event_id: str, status: MeetingStatus | None
) -> list[Meeting]:
    statement = visible_to(principal).where(Meeting.event_id == event_id)
    if status is not None:
        statement = statement.where(Meeting.status == status)
    return list(session.scalars(statement.order_by(Meeting.created_at, Meeting.id)))


@dataclass(frozen=True, slots=True)
class PairFit:
    """A pair as the serving ranker sees it: its score, and whether it is a match at all."""

    score: float
    within_mandate: bool


def pair_fit(
    *, session: Session, index: MatchIndex, financing_request: FinancingRequest, profile_id: str
) -> PairFit:
    """The pair's score from the serving ranker (near misses too: a meeting asked for by
    people is theirs to ask, whatever the ranking says) and whether it is a match: the
    request within the mandate's sectors, ticket and stages, and not closed to a foreign
    investor by the negative list."""
    ranked = rank_investors(
        session=session,
        index=index,
        financing_request=financing_request,
        window=RankingWindow(limit=0, include_near_misses=True),
    )
    for position, investor in enumerate(ranked.investors):
        if investor.id == profile_id:
            return PairFit(
                score=rounded_score(float(ranked.scores[position])),
                within_mandate=bool(ranked.matches[position]),
            )
    return PairFit(score=0.0, within_mandate=False)


def _presented_request(
    session: Session, principal: Principal, event: Event, request_id: str
) -> FinancingRequest:
    """A published request of this event that the caller may see (404 otherwise)."""
    # Locked (PostgreSQL): a request being moved to another event meanwhile is met where
    # it ends up, never at the event it just left.
    financing_request = financing_requests.get_visible(
        session=session, principal=principal, request_id=request_id, for_update=True
    )
    if financing_request.status is not RequestStatus.PUBLISHED:
        raise Invalid(
            "Only a published request can be met.",
            errors=[field_problem("financing_request_id", "not_published", "Not published")],
        )
    if financing_request.event_id != event.id:
        raise Invalid(
            "This request is not presented at this event.",
            errors=[
                field_problem("financing_request_id", "not_at_event", "Not presented at this event")
            ],
        )
    return financing_request


def _interested_profile(
    session: Session, financing_request: FinancingRequest, profile_id: str
) -> InvestorProfile:
    """A startup may ask only investors that showed interest in its request; any other
    profile is not its to see (404)."""
    for profile, _ in feedback.interest_in(session=session, financing_request=financing_request):
        if profile.id == profile_id:
            return profile
    raise NotFound(f"No investor profile {profile_id} showed interest in this request.")


@dataclass(frozen=True, slots=True)
class FirmsMeeting:
    """An event's live meetings by (request, firm): the mandates meeting the request."""

    live: dict[tuple[str, str], set[str]]
    firm_of: dict[str, str]

    def meets_elsewhere(self, request_id: str, profile_id: str) -> bool:
        """Another mandate of ``profile_id``'s firm has a live meeting with the request."""
        firm = self.firm_of.get(profile_id)
        return firm is not None and bool(self.live.get((request_id, firm), set()) - {profile_id})


def firms_meeting(session: Session, event_id: str) -> FirmsMeeting:
    """Who meets whom at ``event_id`` by firm: what a declined meeting's page needs to know
    whether agreeing after all would be refused."""
    rows = session.execute(
        select(
            Meeting.financing_request_id,
            InvestorProfile.owner_account_id,
            Meeting.investor_profile_id,
            Meeting.status,
        )
        .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
        .where(Meeting.event_id == event_id, InvestorProfile.owner_account_id.is_not(None))
    ).tuples()
    live: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    firm_of: dict[str, str] = {}
    for request_id, firm, profile_id, status in rows:
        if firm is None:  # excluded by the query; the column is typed Optional
            continue
        firm_of[profile_id] = firm
        if status in LIVE:
            live[(request_id, firm)].add(profile_id)
    return FirmsMeeting(dict(live), firm_of)


def firm_names(session: Session, profile_ids: Iterable[str]) -> dict[str, str]:
    """For each of these mandates whose firm keeps more than one, the firm's (account's)
    name: where "红杉AI二期基金" alone does not say it is Sequoia's."""
    owners = dict(
        session.execute(
            select(InvestorProfile.id, InvestorProfile.owner_account_id).where(
                InvestorProfile.id.in_(set(profile_ids)),
                InvestorProfile.owner_account_id.is_not(None),
            )
        )
        .tuples()
        .all()
    )
    if not owners:
        return {}
    several = dict(
        session.execute(
            select(Account.id, Account.name)
            .join(InvestorProfile, InvestorProfile.owner_account_id == Account.id)
            .where(Account.id.in_(set(owners.values())))
            .group_by(Account.id, Account.name)
            .having(func.count(InvestorProfile.id) > 1)
        )
        .tuples()
        .all()
    )
    return {
        profile_id: several[owner]
        for profile_id, owner in owners.items()
        if owner is not None and owner in several
    }


def refuse_a_second_for_the_firm(
    session: Session, event_id: str, financing_request_id: str, profile: InvestorProfile
) -> None:
    """Raise FirmMeetsAlready where another mandate of ``profile``'s firm has a live meeting
    with the request at the event (the firm's oldest, which the startup agreed to first)."""
    if profile.owner_account_id is None:
        return
    firm_meeting = session.execute(
        select(Meeting, InvestorProfile.name)
        .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
        .where(
            Meeting.event_id == event_id,
            Meeting.financing_request_id == financing_request_id,
            Meeting.investor_profile_id != profile.id,
            Meeting.status.in_(LIVE),
            InvestorProfile.owner_account_id == profile.owner_account_id,
        )
        .order_by(Meeting.created_at, Meeting.id)
        .limit(1)
    ).first()
    if firm_meeting is not None:
        held, mandate_name = firm_meeting
        raise FirmMeetsAlready(held, mandate_name)


def create(
    *,
    session: Session,
    principal: Principal,
    index: MatchIndex,
    event: Event,
    financing_request_id: str,
    investor_profile_id: str,
    now: dt.datetime,
    side: MeetingSide | None = None,
) -> Meeting:
    """Ask for a meeting; the asking side has accepted it, the other side has to answer.
    A commission proposal waits for both sides. Not once the event is over."""
    if principal.is_commission:
        financing_request = _presented_request(session, principal, event, financing_request_id)
        profile = investors.get_visible(
            session=session,
            principal=principal,
            investor_id=investor_profile_id,
            with_codes=False,
        )
        side = MeetingSide.COMMISSION
    elif principal.role is Role.INVESTOR:
        profile = investors.get_visible(
            session=session,
            principal=principal,
            investor_id=investor_profile_id,
            with_codes=False,
        )
        financing_request = _presented_request(session, principal, event, financing_request_id)
        side = MeetingSide.INVESTOR
    else:
        financing_request = _presented_request(session, principal, event, financing_request_id)
        profile = _interested_profile(session, financing_request, investor_profile_id)
        side = MeetingSide.STARTUP
    refuse_when_over(session, event, now, "asking to meet")
    existing = session.scalar(
        select(Meeting.id).where(
            Meeting.event_id == event.id,
            Meeting.financing_request_id == financing_request.id,
            Meeting.investor_profile_id == profile.id,
        )
    )
    if existing is not None:
        raise Conflict(f"This pair has a meeting at this event already: {existing}.")
    # Safe from a concurrent ask: _presented_request locked the request's row (PostgreSQL),
    # and SQLite writes one transaction at a time.
    refuse_a_second_for_the_firm(session, event.id, financing_request.id, profile)
    fit = pair_fit(
        session=session, index=index, financing_request=financing_request, profile_id=profile.id
    )
    meeting = Meeting(
        event_id=event.id,
        financing_request_id=financing_request.id,
        investor_profile_id=profile.id,
        requested_by=side,
        investor_answer=(
            MeetingAnswer.ACCEPTED if side is MeetingSide.INVESTOR else MeetingAnswer.PENDING
        ),
        startup_answer=(
            MeetingAnswer.ACCEPTED if side is MeetingSide.STARTUP else MeetingAnswer.PENDING
        ),
        status=MeetingStatus.PENDING,
        score=fit.score,
        within_mandate=fit.within_mandate,
    )
    session.add(meeting)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="meeting.request",
        object_type=OBJECT_TYPE,
        object_id=meeting.id,
        changes={
            "event_id": event.id,
            "financing_request_id": financing_request.id,
            "investor_profile_id": profile.id,
            "requested_by": side.value,
        },
    )
    outbox.emit_meeting(session, WebhookEventType.MEETING_REQUESTED, meeting)
    return meeting


def _side_of(principal: Principal) -> MeetingSide:
    """Which side of the meeting the caller answers for."""
    if principal.is_commission:
        raise Forbidden("The parties answer a meeting request; the commission proposes.")
    if principal.role is Role.INVESTOR:
        return MeetingSide.INVESTOR
    return MeetingSide.STARTUP


def answer(
    *,
    session: Session,
    principal: Principal,
    meeting: Meeting,
    data: MeetingAnswerWrite,
    now: dt.datetime,
) -> Meeting:
    """The caller's side accepts or declines; both accepted makes the meeting accepted, one
    decline declines it. An answer can change while the meeting is pending, until the event
    is over; and the side that declined may still agree (a decline made by mistake, or a
    change of mind), which reopens the meeting. The side that was declined cannot ask
    again: the other side's no stands until that side changes it."""
    side = _side_of(principal)
    reopening = data.answer is MeetingAnswer.ACCEPTED and declined_by(meeting) == {side}
    if meeting.status is not MeetingStatus.PENDING and not reopening:
        raise Conflict(
            f"This meeting is {meeting.status.value}; only a pending one is answered, or a "
            "declined one agreed to by the side that declined it (cancel an accepted "
            "meeting instead)."
        )
    refuse_when_over(
        session, session.get_one(Event, meeting.event_id), now, "answering a meeting request"
    )
    if reopening:
        presented = session.get_one(FinancingRequest, meeting.financing_request_id)
        if (
            presented.status is not RequestStatus.PUBLISHED
            or presented.event_id != meeting.event_id
        ):
            message = "The request is no longer presented at this event: ask to meet again there"
            raise Conflict(message, errors=[field_problem("answer", "not_presented", message)])
        # Meanwhile another of the firm's funds may have been asked: the firm meets once.
        refuse_a_second_for_the_firm(
            session,
            meeting.event_id,
            meeting.financing_request_id,
            session.get_one(InvestorProfile, meeting.investor_profile_id),
        )
    if side is MeetingSide.INVESTOR:
        meeting.investor_answer = MeetingAnswer(data.answer)
    else:
        meeting.startup_answer = MeetingAnswer(data.answer)
    if MeetingAnswer.DECLINED in (meeting.investor_answer, meeting.startup_answer):
        meeting.status = MeetingStatus.DECLINED
        meeting.reason = data.reason
    elif meeting.investor_answer is meeting.startup_answer is MeetingAnswer.ACCEPTED:
        meeting.status = MeetingStatus.ACCEPTED
        meeting.reason = None
    else:
        meeting.status = MeetingStatus.PENDING
        meeting.reason = None
    session.flush()
    changes: dict[str, object] = {
        "side": side.value,
        "answer": data.answer.value,
        "reason": data.reason,
    }
    if reopening:
        changes["reopened"] = True
    record_audit(
        session=session,
        principal=principal,
        action="meeting.answer",
        object_type=OBJECT_TYPE,
        object_id=meeting.id,
        changes=changes,
    )
    # A reopened meeting still waiting for the other side sends nothing: that side was never
    # told of the decline, so its request simply stands (and a side cannot nag by
    # declining and agreeing in turn).
    if meeting.status is MeetingStatus.ACCEPTED:
        outbox.emit_meeting(session, WebhookEventType.MEETING_ACCEPTED, meeting)
    return meeting


def declined_by(meeting: Meeting) -> set[MeetingSide]:
    """The sides whose answer to ``meeting`` is no."""
    return {
        side
        for side, given in (
            (MeetingSide.INVESTOR, meeting.investor_answer),
            (MeetingSide.STARTUP, meeting.startup_answer),
        )
        if given is MeetingAnswer.DECLINED
    }


def cancel(*, session: Session, principal: Principal, meeting: Meeting, reason: str) -> Meeting:
    """Either side (or the commission) calls a pending or accepted meeting off; the next
    schedule leaves it out and keeps the others where they were."""
    if meeting.status not in LIVE:
        raise Conflict(f"This meeting is {meeting.status.value} already.")
    meeting.status = MeetingStatus.CANCELLED
    meeting.reason = reason
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="meeting.cancel",
        object_type=OBJECT_TYPE,
        object_id=meeting.id,
        changes={"reason": reason},
    )
    outbox.emit_meeting(session, WebhookEventType.MEETING_CANCELLED, meeting)
    return meeting


def latest_schedule(session: Session, event_id: str) -> Schedule | None:
    return session.scalars(
        select(Schedule)
        .where(Schedule.event_id == event_id)
        .order_by(Schedule.created_at.desc(), Schedule.id.desc())
        .limit(1)
    ).first()


def earlier_seats(session: Session, event: Event, meeting_ids: Iterable[str]) -> dict[str, SeatOut]:
    """Where each of ``meeting_ids`` seated in the event's newest schedule sat before it last
    moved (``SeatHistory.seat_before_last_move``); a meeting never moved is not in the
    answer."""
    time_zone = event.time_zone or "UTC"
    return {
        meeting_id: SeatOut(
            slot_id=was.slot_id,
            starts_at=was.starts_at,
            ends_at=was.ends_at,
            local_start=local(was.starts_at, time_zone),
            table=was.table,
        )
        for meeting_id, history in seat_history.histories(session, event, meeting_ids).items()
        if (was := history.seat_before_last_move) is not None
    }


def newly_seated(session: Session, event_id: str) -> int:
    """How many meetings the newest schedule seats that the one before it did not (meetings
    confirmed since, or left out before): neither kept in their seat nor moved, so a
    comparison of the two schedules names them apart. 0 with fewer than two schedules."""
    newest_two = session.scalars(
        select(Schedule.id)
        .where(Schedule.event_id == event_id)
        .order_by(Schedule.created_at.desc(), Schedule.id.desc())
        .limit(2)
    ).all()
    if len(newest_two) < 2:
        return 0

    def seated(schedule_id: str) -> set[str]:
        return set(
            session.scalars(
                select(ScheduledMeeting.meeting_id).where(
                    ScheduledMeeting.schedule_id == schedule_id
                )
            )
        )

    return len(seated(newest_two[0]) - seated(newest_two[1]))


def seats_in(session: Session, schedule: Schedule | None, time_zone: str) -> dict[str, SeatOut]:
    """Each meeting's seat in ``schedule``, by meeting id."""
    if schedule is None:
        return {}
    rows = session.execute(
        select(ScheduledMeeting, EventSlot)
        .join(EventSlot, EventSlot.id == ScheduledMeeting.slot_id)
        .where(ScheduledMeeting.schedule_id == schedule.id)
    ).tuples()
    return {
        seat.meeting_id: SeatOut(
            slot_id=slot.id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            local_start=local(slot.starts_at, time_zone),
            table=seat.table,
        )
        for seat, slot in rows
    }


def meetings_out(session: Session, meetings: Sequence[Meeting], event: Event) -> list[MeetingOut]:
    """Meetings with the company, the mandate's name and the seat in the newest schedule
    (an accepted meeting only: a cancelled one has no seat any more)."""
    request_ids = {m.financing_request_id for m in meetings}
    profile_ids = {m.investor_profile_id for m in meetings}
    requests = {
        row.id: (row.company, row.title)
        for row in session.execute(
            select(FinancingRequest.id, FinancingRequest.company, title_as_read()).where(
                FinancingRequest.id.in_(request_ids)
            )
        )
    }
    names = dict(
        session.execute(
            select(InvestorProfile.id, InvestorProfile.name).where(
                InvestorProfile.id.in_(profile_ids)
            )
        )
        .tuples()
        .all()
    )
    seats = seats_in(session, latest_schedule(session, event.id), event.time_zone)
    return [
        MeetingOut(
            id=m.id,
            event_id=m.event_id,
            financing_request_id=m.financing_request_id,
            company=requests[m.financing_request_id][0],
            request_title=requests[m.financing_request_id][1],
            investor_profile_id=m.investor_profile_id,
            investor_name=names[m.investor_profile_id],
            requested_by=m.requested_by,
            investor_answer=m.investor_answer,
            startup_answer=m.startup_answer,
            status=m.status,
            reason=m.reason,
            score=m.score,
            within_mandate=m.within_mandate,
            seat=seats.get(m.id) if m.status is MeetingStatus.ACCEPTED else None,
            created_at=m.created_at,
            updated_at=m.updated_at,
            revision=m.revision,
        )
        for m in meetings
    ]
