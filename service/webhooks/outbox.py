"""The outbox: the events webhooks tell of, written by the code that makes each change, in
its own unit of work (so an event exists exactly when its change was committed), with one
delivery per endpoint that asked for that kind of event and may know of it.

Who may know: the accounts the change concerns (the investor that owns the mandate, the
startup that owns the request) and every commission account. ``match.created`` is not written
here: a request's publication is, marked for the delivery worker to rank and turn into one
match event per mandate that scores at least an endpoint's threshold; so is a mandate's creation
or change, which the worker ranks against every published request (a pair is told once).

This sits low in the layers (below every package that writes events) and reads only tables.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import (
    Account,
    DeliveryStatus,
    EventSlot,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    RequestStatus,
    Role,
    Schedule,
    ScheduledMeeting,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookMatchNotice,
)
from models.types import utc_now

# The internal event a publication leaves for the worker (never sent as it is).
PUBLICATION = "financing_request.published"
# The internal event a mandate's creation or change leaves for the worker: it may now match
# requests published before (never sent as it is).
MANDATE_CHANGE = "investor_profile.changed"


def new_event_id() -> str:
    """A message id as Standard Webhooks shows them: ``msg_`` and a random part."""
    return "msg_" + uuid.uuid4().hex


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")


def payload_text(event_id: str, event_type: str, created_at: dt.datetime, data: Any) -> str:
    """The body every delivery of the event sends: ``type``, ``timestamp`` (UTC) and
    ``data`` (Standard Webhooks' shape), plus the event's id."""
    body = {"type": event_type, "timestamp": created_at, "id": event_id, "data": data}
    return json.dumps(body, default=_json_value, ensure_ascii=False, separators=(",", ":"))


def subscribed_endpoints(
    session: Session, event_type: str, account_ids: Iterable[str | None], *, commission: bool
) -> list[WebhookEndpoint]:
    """The enabled endpoints of these accounts (and of commission accounts) that want
    ``event_type``."""
    owners = sorted({account_id for account_id in account_ids if account_id})
    conditions = [WebhookEndpoint.account_id.in_(owners)] if owners else []
    if commission:
        commission_accounts = select(Account.id).where(Account.role == Role.COMMISSION)
        conditions.append(WebhookEndpoint.account_id.in_(commission_accounts))
    if not conditions:
        return []
    endpoints = session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.enabled.is_(True), or_(*conditions))
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return [endpoint for endpoint in endpoints if event_type in endpoint.event_types]


def add_event(
    session: Session,
    event_type: str,
    data: Mapping[str, Any],
    endpoints: Iterable[WebhookEndpoint],
    *,
    event_id: str | None = None,
    subject_id: str | None = None,
    created_at: dt.datetime | None = None,
) -> WebhookEvent | None:
    """One event and its deliveries to ``endpoints``; nothing when no endpoint wants it.
    ``subject_id``: what the event is about, for finding it again (a match event's mandate)."""
    targets = list(endpoints)
    if not targets:
        return None
    now = created_at or utc_now()
    event_id = event_id or new_event_id()
    event = WebhookEvent(
        id=event_id,
        type=event_type,
        payload=payload_text(event_id, event_type, now, dict(data)),
        expand_pending=False,
        subject_id=subject_id,
        created_at=now,
    )
    session.add(event)
    session.flush()  # the event before its deliveries (they refer to it)
    session.add_all(
        WebhookDelivery(
            event_id=event_id,
            endpoint_id=endpoint.id,
            event_type=event_type,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in targets
    )
    return event


def emit(
    session: Session,
    event_type: WebhookEventType,
    data: Mapping[str, Any],
    *,
    account_ids: Iterable[str | None],
) -> WebhookEvent | None:
    """Write an event for the endpoints of ``account_ids`` and of the commission that want
    it, in the caller's transaction."""
    endpoints = subscribed_endpoints(session, event_type.value, account_ids, commission=True)
    return add_event(session, event_type.value, data, endpoints)


def owners_of(session: Session, *, profile_id: str, request_id: str) -> list[str | None]:
    """The accounts a pair concerns: the mandate's owner and the request's."""
    investor = session.scalar(
        select(InvestorProfile.owner_account_id).where(InvestorProfile.id == profile_id)
    )
    startup = session.scalar(
        select(FinancingRequest.owner_account_id).where(FinancingRequest.id == request_id)
    )
    return [investor, startup]


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting_id": meeting.id,
        "event_id": meeting.event_id,
        "financing_request_id": meeting.financing_request_id,
        "investor_profile_id": meeting.investor_profile_id,
        "status": meeting.status,
        "requested_by": meeting.requested_by,
        "reason": meeting.reason,
    }


def emit_meeting(session: Session, event_type: WebhookEventType, meeting: Meeting) -> None:
    """A meeting asked for, accepted or cancelled, to both parties and the commission."""
    owners = owners_of(
        session, profile_id=meeting.investor_profile_id, request_id=meeting.financing_request_id
    )
    emit(session, event_type, meeting_data(meeting), account_ids=owners)


def emit_scheduled(session: Session, schedule: Schedule) -> None:
    """meeting.scheduled for each meeting the new schedule seats where the event's previous
    schedule did not (a new seat, or a moved one); the meetings kept in place say nothing."""
    previous_id = session.scalar(
        select(Schedule.id)
        .where(
            Schedule.event_id == schedule.event_id,
            Schedule.id != schedule.id,
            Schedule.created_at <= schedule.created_at,
        )
        .order_by(Schedule.created_at.desc(), Schedule.id.desc())
        .limit(1)
    )
    before: dict[str, tuple[str, int]] = {}
    if previous_id is not None:
        before = {
            seat.meeting_id: (seat.slot_id, seat.table)
            for seat in session.scalars(
                select(ScheduledMeeting).where(ScheduledMeeting.schedule_id == previous_id)
            )
        }
    rows = session.execute(
        select(ScheduledMeeting, Meeting, EventSlot)
        .join(Meeting, Meeting.id == ScheduledMeeting.meeting_id)
        .join(EventSlot, EventSlot.id == ScheduledMeeting.slot_id)
        .where(ScheduledMeeting.schedule_id == schedule.id)
        .order_by(EventSlot.starts_at, ScheduledMeeting.table)
    ).all()
    for seat, meeting, slot in rows:
        if before.get(meeting.id) == (seat.slot_id, seat.table):
            continue
        data = {
            **meeting_data(meeting),
            "schedule_id": schedule.id,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "table": seat.table,
        }
        owners = owners_of(
            session,
            profile_id=meeting.investor_profile_id,
            request_id=meeting.financing_request_id,
        )
        emit(session, WebhookEventType.MEETING_SCHEDULED, data, account_ids=owners)


def emit_reviewed(session: Session, financing_request: FinancingRequest) -> None:
    """financing_request.reviewed to the startup and the commission; a publication is also
    left for the worker to turn into match.created events (when any endpoint wants them)."""
    data = {
        "financing_request_id": financing_request.id,
        "title": financing_request.title,
        "status": financing_request.status,
        "note": financing_request.review_note,
        "reviewed_at": financing_request.reviewed_at,
    }
    emit(
        session,
        WebhookEventType.FINANCING_REQUEST_REVIEWED,
        data,
        account_ids=[financing_request.owner_account_id],
    )
    if financing_request.status is not RequestStatus.PUBLISHED:
        return
    wanted = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True)))
    if not any(WebhookEventType.MATCH_CREATED.value in e.event_types for e in wanted):
        return
    now = utc_now()
    event_id = new_event_id()
    session.add(
        WebhookEvent(
            id=event_id,
            type=PUBLICATION,
            payload=payload_text(event_id, PUBLICATION, now, data),
            expand_pending=True,
            subject_id=financing_request.id,
            created_at=now,
        )
    )


def emit_mandate_changed(session: Session, profile: InvestorProfile) -> None:
    """A mandate created or changed may match requests published before it: left for the
    worker to rank, when its owner has an enabled endpoint that wants match.created."""
    if profile.owner_account_id is None:
        return
    wanted = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.account_id == profile.owner_account_id,
        )
    )
    if not any(WebhookEventType.MATCH_CREATED.value in e.event_types for e in wanted):
        return
    now = utc_now()
    event_id = new_event_id()
    data = {"investor_profile_id": profile.id}
    session.add(
        WebhookEvent(
            id=event_id,
            type=MANDATE_CHANGE,
            payload=payload_text(event_id, MANDATE_CHANGE, now, data),
            expand_pending=True,
            subject_id=profile.id,
            created_at=now,
        )
    )


def notified_requests(session: Session, profile_ids: Iterable[str]) -> set[tuple[str, str]]:
    """The (mandate, request) pairs a match.created event has already told of."""
    ids = sorted(set(profile_ids))
    if not ids:
        return set()
    told = session.execute(
        select(
            WebhookMatchNotice.investor_profile_id, WebhookMatchNotice.financing_request_id
        ).where(WebhookMatchNotice.investor_profile_id.in_(ids))
    )
    return {(profile_id, request_id) for profile_id, request_id in told}


def add_match_event(
    session: Session,
    data: Mapping[str, Any],
    endpoints: Iterable[WebhookEndpoint],
) -> bool:
    """match.created for one (mandate, request) pair to ``endpoints``, unless the pair was
    told of before; and the note that it was told of (kept after the event is deleted).
    Nothing when no endpoint wants it.

    The note is written first, skipped on a conflict: two workers telling the same pair at
    once (a publication and a mandate change, expanded side by side) write it once, the
    second waiting for the first's commit and then writing neither note nor event."""
    targets = list(endpoints)
    if not targets:
        return False
    now = utc_now()
    event_id = new_event_id()
    note = {
        "investor_profile_id": data["investor_profile_id"],
        "financing_request_id": data["financing_request_id"],
        "event_id": event_id,
        "told_at": now,
    }
    if not _note_written(session, note):
        return False
    add_event(
        session,
        WebhookEventType.MATCH_CREATED.value,
        data,
        targets,
        event_id=event_id,
        subject_id=data["investor_profile_id"],
        created_at=now,
    )
    return True


def _note_written(session: Session, note: Mapping[str, Any]) -> bool:
    """Insert the note unless the pair has one; whether it was inserted."""
    if session.get_bind().dialect.name == "postgresql":
        # The row count came back -1 here (psycopg 3 through SQLAlchemy, in this service's
        # tests): the returned key says it instead.
        inserted = session.execute(
            postgresql_insert(WebhookMatchNotice)
            .values(**note)
            .on_conflict_do_nothing()
            .returning(WebhookMatchNotice.event_id)
        ).first()
        return inserted is not None
    # SQLite before 3.35 has no RETURNING; its row count says it.
    written = session.connection().execute(
        sqlite_insert(WebhookMatchNotice).values(**note).on_conflict_do_nothing()
    )
    return bool(written.rowcount == 1)


def emit_outcome_step(
    session: Session,
    *,
    outcome_id: str,
    profile_id: str,
    request_id: str,
    data: Mapping[str, Any],
) -> None:
    """outcome.step to both parties of the deal and the commission."""
    owners = owners_of(session, profile_id=profile_id, request_id=request_id)
    emit(
        session,
        WebhookEventType.OUTCOME_STEP,
        {"outcome_id": outcome_id, **data},
        account_ids=owners,
    )
