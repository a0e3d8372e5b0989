"""Feedback on matches: the latest action per pair, its history, and who showed interest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import (
    Feedback,
    FeedbackAction,
    FeedbackEvent,
    FinancingRequest,
    InvestorProfile,
    RequestStatus,
)
from models.types import utc_now
from service.audit_log.writer import audit_value, record_audit
from service.feedback.schemas import FeedbackWrite
from service.http.auth import Principal
from service.http.problems import Conflict, NotFound

INTEREST = (FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED)
OBJECT_TYPE = "feedback"


def _event_of(
    feedback: Feedback, actor_account_id: str | None, *, undoes: str | None = None
) -> FeedbackEvent:
    """The history's entry for the answer ``feedback`` holds now: given, or taken back
    (``undoes``: the entry of the answer taken back)."""
    return FeedbackEvent(
        investor_profile_id=feedback.investor_profile_id,
        financing_request_id=feedback.financing_request_id,
        action=feedback.action,
        reason=feedback.reason,
        amount=feedback.amount,
        currency=feedback.currency,
        note=feedback.note,
        actor_account_id=actor_account_id,
        undoes_event_id=undoes,
    )


def record(
    *,
    session: Session,
    principal: Principal,
    profile: InvestorProfile,
    financing_request_id: str,
    data: FeedbackWrite,
    shown: bool,
) -> tuple[Feedback, list[FeedbackEvent]]:
    """Set the latest action on a published request; the previous ones stay in the history.
    ``shown``: whether a page of matches had shown the request to this mandate, kept from
    the first answer (training weighs unsolicited answers less)."""
    financing_request = session.get(FinancingRequest, financing_request_id)
    if financing_request is None or financing_request.status is not RequestStatus.PUBLISHED:
        raise NotFound(f"No published financing request {financing_request_id}.")
    currency = data.currency or (financing_request.currency if data.amount else None)
    feedback = session.get(Feedback, (profile.id, financing_request_id))
    if feedback is None:
        feedback = Feedback(
            investor_profile_id=profile.id,
            financing_request_id=financing_request_id,
            shown=shown,
        )
        session.add(feedback)
    feedback.action = data.action
    feedback.reason = data.reason
    feedback.amount = data.amount
    feedback.currency = currency
    feedback.note = data.note
    feedback.updated_at = utc_now()
    session.add(_event_of(feedback, principal.account_id))
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action=f"feedback.{data.action.value}",
        object_type=OBJECT_TYPE,
        object_id=financing_request_id,
        changes={
            "investor_id": profile.id,
            **{k: audit_value(v) for k, v in data.model_dump(exclude_none=True).items()},
        },
    )
    return feedback, history(
        session=session, profile_id=profile.id, request_ids=[financing_request_id]
    )[financing_request_id]


def history(
    *, session: Session, profile_id: str, request_ids: Sequence[str]
) -> dict[str, list[FeedbackEvent]]:
    events: defaultdict[str, list[FeedbackEvent]] = defaultdict(list)
    for event in session.scalars(
        select(FeedbackEvent)
        .where(
            FeedbackEvent.investor_profile_id == profile_id,
            FeedbackEvent.financing_request_id.in_(request_ids),
        )
        .order_by(FeedbackEvent.occurred_at, FeedbackEvent.id)
    ):
        events[event.financing_request_id].append(event)
    return events


def list_for_investor(
    *, session: Session, profile: InvestorProfile, limit: int, offset: int
) -> tuple[list[tuple[Feedback, list[FeedbackEvent]]], int]:
    """The profile's feedback, most recent first, each with its history."""
    everything = session.scalars(
        select(Feedback)
        .where(Feedback.investor_profile_id == profile.id)
        .order_by(Feedback.updated_at.desc(), Feedback.financing_request_id)
    ).all()
    page = everything[offset : offset + limit]
    events = history(
        session=session, profile_id=profile.id, request_ids=[f.financing_request_id for f in page]
    )
    return [(f, events[f.financing_request_id]) for f in page], len(everything)


# Read with every page of matches: built once, so its cache key is computed once (building
# and keying it on every call made the read 2.5 times as slow).
_PASSED = select(Feedback.financing_request_id).where(
    Feedback.investor_profile_id == bindparam("profile_id"),
    Feedback.action == FeedbackAction.PASS,
)


def passed_request_ids(*, session: Session, profile_id: str) -> frozenset[str]:
    """Requests this profile passed on: matches leave them out unless asked."""
    return frozenset(session.execute(_PASSED, {"profile_id": profile_id}).scalars())


def passed_by_profile(*, session: Session) -> dict[str, frozenset[str]]:
    """``passed_request_ids`` of every profile that passed on something, in one query."""
    rows = session.execute(
        select(Feedback.investor_profile_id, Feedback.financing_request_id).where(
            Feedback.action == FeedbackAction.PASS
        )
    )
    passed: defaultdict[str, set[str]] = defaultdict(set)
    for profile_id, request_id in rows.tuples():
        passed[profile_id].add(request_id)
    return {profile_id: frozenset(ids) for profile_id, ids in passed.items()}


def interest_in(
    *, session: Session, financing_request: FinancingRequest
) -> list[tuple[InvestorProfile, Feedback]]:
    """Profiles whose latest action on the request is interested, meeting or committed."""
    return interest_in_each(session=session, request_ids=[financing_request.id]).get(
        financing_request.id, []
    )


def interest_in_each(
    *, session: Session, request_ids: Sequence[str]
) -> dict[str, list[tuple[InvestorProfile, Feedback]]]:
    """``interest_in`` for many requests in one query (a startup's list of its requests)."""
    if not request_ids:
        return {}
    interest: defaultdict[str, list[tuple[InvestorProfile, Feedback]]] = defaultdict(list)
    for profile, feedback in session.execute(
        select(InvestorProfile, Feedback)
        .join(Feedback, Feedback.investor_profile_id == InvestorProfile.id)
        .where(
            Feedback.financing_request_id.in_(list(request_ids)),
            Feedback.action.in_(INTEREST),
        )
        .order_by(Feedback.updated_at.desc(), InvestorProfile.id)
    ).tuples():
        interest[feedback.financing_request_id].append((profile, feedback))
    return dict(interest)


def answers_on(*, session: Session, financing_request_id: str) -> dict[str, Feedback]:
    """Each mandate's latest answer on one request, by mandate id (the commission's view of
    the request: who said what)."""
    rows = session.scalars(
        select(Feedback).where(Feedback.financing_request_id == financing_request_id)
    )
    return {row.investor_profile_id: row for row in rows}


def latest_for(
    *, session: Session, profile_id: str, request_ids: Sequence[str]
) -> dict[str, Feedback]:
    """The profile's latest action on each of these requests that has one."""
    if not request_ids:
        return {}
    rows = session.scalars(
        select(Feedback).where(
            Feedback.investor_profile_id == profile_id,
            Feedback.financing_request_id.in_(list(request_ids)),
        )
    )
    return {row.financing_request_id: row for row in rows}


def standing(events: Sequence[FeedbackEvent]) -> list[FeedbackEvent]:
    """The answers still standing among ``events`` (a pair's history, oldest first), the
    latest last: every answer no undo has named."""
    taken_back = {event.undoes_event_id for event in events if event.undoes_event_id}
    return [
        event for event in events if event.undoes_event_id is None and event.id not in taken_back
    ]


def undo_tokens(*, session: Session, profile_id: str, request_ids: Sequence[str]) -> dict[str, str]:
    """For each of these requests with an answer, the history entry an undo would take back:
    a page's undo names it, so that an undo sent from a page drawn before the answer changed
    (a second press, another tab) takes nothing back. An entry's id, not the answer's
    revision: an answer taken back whole and given again starts at revision 1 again."""
    events = history(session=session, profile_id=profile_id, request_ids=list(request_ids))
    tokens = {}
    for request_id, entries in events.items():
        answers = standing(entries)
        if answers:
            tokens[request_id] = answers[-1].id
    return tokens


class StaleAnswer(Conflict):
    """An undo sent for an answer that has changed since (a second press, another tab)."""

    def __init__(self) -> None:
        super().__init__("The answer changed since this page was drawn; nothing was taken back.")


def undo(
    *,
    session: Session,
    principal: Principal,
    profile: InvestorProfile,
    financing_request_id: str,
    answer_id: str | None = None,
) -> Feedback | None:
    """Take back the latest answer on a request: the one given before it stands again, or,
    when there was none, the request has no answer. Each undo goes one answer further back.
    The history keeps everything that happened, the undo included. ``answer_id``: the entry
    of the answer the investor saw (``undo_tokens``); when another stands now, or none, a
    second press or another tab, nothing is taken back."""
    feedback = session.get(Feedback, (profile.id, financing_request_id))
    if feedback is None:
        if answer_id is not None:
            raise StaleAnswer()
        raise NotFound(f"No feedback on financing request {financing_request_id}.")
    events = history(session=session, profile_id=profile.id, request_ids=[financing_request_id])
    answers = standing(events[financing_request_id])
    if answer_id is not None and (not answers or answers[-1].id != answer_id):
        raise StaleAnswer()
    earlier = answers[:-1]
    taken_back = feedback.action.value
    if answers:
        session.add(_event_of(feedback, principal.account_id, undoes=answers[-1].id))
    if earlier:
        previous = earlier[-1]
        feedback.action = previous.action
        feedback.reason = previous.reason
        feedback.amount = previous.amount
        feedback.currency = previous.currency
        feedback.note = previous.note
        feedback.updated_at = utc_now()
    else:
        session.delete(feedback)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="feedback.undo",
        object_type=OBJECT_TYPE,
        object_id=financing_request_id,
        changes={
            "investor_id": profile.id,
            "undone": taken_back,
            "now": earlier[-1].action.value if earlier else None,
        },
    )
    return feedback if earlier else None
