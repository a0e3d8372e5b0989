"""Financing requests: a startup's asks, their life cycle and the commission's review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from models import FinancingRequest, FinancingRequestSector, RequestStatus, Role
from models.types import utc_now
from scoring.text import stored_text_counts
from service.accounts.service import resolve_owner
from service.audit_log.writer import audit_value, record_audit
from service.events import service as events
from service.financing_requests.schemas import (
    FinancingRequestCreate,
    FinancingRequestUpdate,
    ReviewDecision,
    StoredRequestFields,
)
from service.http.auth import Principal
from service.http.pagination import fetch_page
from service.http.problems import Conflict, Invalid, NotFound, field_problem
from service.reference_data.code_links import codes_of, overlapping_sector, sync_code_rows
from service.webhooks import outbox

OBJECT_TYPE = "financing_request"
S = RequestStatus
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED, S.REJECTED})
DELETABLE = frozenset({S.DRAFT, S.SUBMITTED, S.REJECTED, S.WITHDRAWN})
# Moves an owner may make with PATCH {"status": ...}; publishing is the commission's review.
OWNER_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.DRAFT, S.WITHDRAWN}),
    S.REJECTED: frozenset({S.DRAFT, S.SUBMITTED, S.WITHDRAWN}),
    S.PUBLISHED: frozenset({S.WITHDRAWN, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


def _visible_to(principal: Principal) -> Select[tuple[FinancingRequest]]:
    statement = select(FinancingRequest).options(selectinload(FinancingRequest.sector_links))
    if principal.is_commission:
        return statement
    if principal.role is Role.INVESTOR:
        return statement.where(FinancingRequest.status == S.PUBLISHED)
    return statement.where(FinancingRequest.owner_account_id == principal.account_id)


def get_visible(
    *, session: Session, principal: Principal, request_id: str, for_update: bool = False
) -> FinancingRequest:
    """The request if the caller may see it; otherwise NotFound, whether it exists or not.

    ``for_update=True`` locks the row until the commit (PostgreSQL), so a concurrent write
    waits and then sees this one's revision.
    """
    statement = _visible_to(principal).where(FinancingRequest.id == request_id)
    if for_update:
        statement = statement.with_for_update(of=FinancingRequest)
    financing_request = session.scalars(statement).first()
    if financing_request is None:
        raise NotFound(f"No financing request {request_id}.")
    return financing_request


def matching_text(financing_request: StoredRequestFields) -> str:
    """The words the ranker compares with an investor's thesis."""
    return text_to_match(
        financing_request.title,
        financing_request.summary,
        financing_request.title_en,
        financing_request.summary_en,
    )


def text_to_match(
    title: str, summary: str, title_en: str | None = None, summary_en: str | None = None
) -> str:
    """Title and summary, then their English versions when given: a foreign investor's
    thesis is often written in English, and should find the request's English words."""
    return "\n".join(text for text in (title, summary, title_en, summary_en) if text is not None)


def _refresh_text_features(financing_request: FinancingRequest) -> None:
    financing_request.text_features = stored_text_counts(matching_text(financing_request))


def open_twin(
    session: Session, owner_account_id: str, data: FinancingRequestCreate
) -> FinancingRequest | None:
    """The owner's request not yet ended (a draft, in review, sent back or published) with the
    same company, title, amount and stage as ``data``: the same round filed twice (a form sent
    twice, or forgotten)."""
    return session.scalars(
        select(FinancingRequest)
        .where(
            FinancingRequest.owner_account_id == owner_account_id,
            FinancingRequest.status.in_([*EDITABLE, S.PUBLISHED]),
            FinancingRequest.company == data.company,
            FinancingRequest.title == data.title,
            FinancingRequest.amount == data.amount,
            FinancingRequest.currency == data.currency,
            FinancingRequest.stage == data.stage,
        )
        .limit(1)
    ).first()


def create(
    *,
    session: Session,
    principal: Principal,
    data: FinancingRequestCreate,
    now: dt.datetime | None = None,
) -> FinancingRequest:
    """File a request as a draft or straight into the review queue."""
    owner_id = resolve_owner(
        session=session,
        principal=principal,
        owner_account_id=data.owner_account_id,
        role=Role.STARTUP,
    )
    events.check_exists(session=session, event_id=data.event_id)
    _check_event_choice(session, principal, data.event_id, now)
    financing_request = FinancingRequest(
        owner_account_id=owner_id,
        company=data.company,
        title=data.title,
        summary=data.summary,
        title_en=data.title_en,
        summary_en=data.summary_en,
        amount=data.amount,
        currency=data.currency,
        stage=data.stage,
        region=data.region,
        event_id=data.event_id,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        credit_code=data.credit_code,
        status=RequestStatus(data.status),
        sector_links=[FinancingRequestSector(code=c) for c in data.sectors],
    )
    _refresh_text_features(financing_request)
    session.add(financing_request)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="financing_request.create",
        object_type=OBJECT_TYPE,
        object_id=financing_request.id,
        changes={k: audit_value(v) for k, v in data.model_dump(exclude_none=True).items()},
    )
    return financing_request


def _check_event_choice(
    session: Session, principal: Principal, event_id: str | None, now: dt.datetime | None
) -> None:
    """A startup chooses an event it will present at, so never one already held. The
    commission may name a held one: it records where requests were presented (a spreadsheet
    of last year's conference, the demo's 2021 conference)."""
    if principal.role is Role.STARTUP:
        events.check_still_to_come(
            session=session, event_id=event_id, now=now or dt.datetime.now(dt.UTC)
        )


def _check_transition(current: RequestStatus, target: RequestStatus) -> None:
    allowed = OWNER_TRANSITIONS[current]
    if target != current and target not in allowed:
        raise Conflict(
            f"A {current.value} request cannot become {target.value}; "
            f"allowed: {', '.join(sorted(s.value for s in allowed)) or 'none'}."
        )


def update(
    *,
    session: Session,
    principal: Principal,
    financing_request: FinancingRequest,
    data: FinancingRequestUpdate,
    now: dt.datetime | None = None,
) -> FinancingRequest:
    """Edit content while the request is not yet published, and move its status."""
    changes = data.model_dump(exclude_unset=True)
    target = changes.pop("status", None)
    if changes and financing_request.status not in EDITABLE:
        raise Conflict(
            f"A {financing_request.status.value} request cannot be edited; "
            "withdraw it and file a new one."
        )
    events.check_exists(session=session, event_id=changes.get("event_id"))
    if changes.get("event_id") not in (None, financing_request.event_id):
        # Kept as it was, a held event stays (the request was presented there); a new choice
        # must be still to come.
        _check_event_choice(session, principal, changes["event_id"], now)
    audit: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "sectors":
            old_codes = codes_of(financing_request.sector_links)
            sync_code_rows(
                financing_request.sector_links, value, lambda c: FinancingRequestSector(code=c)
            )
            if old_codes != value:
                audit[field] = {"from": old_codes, "to": value}
            continue
        old = getattr(financing_request, field)
        if old != value:
            audit[field] = {"from": audit_value(old), "to": audit_value(value)}
            setattr(financing_request, field, value)
    if audit.keys() & {"title", "summary", "title_en", "summary_en"}:
        _refresh_text_features(financing_request)
    if target is not None:
        new_status = RequestStatus(target)
        _check_transition(financing_request.status, new_status)
        if new_status != financing_request.status:
            audit["status"] = {"from": financing_request.status.value, "to": new_status.value}
            financing_request.status = new_status
    if audit:
        # Touching the row bumps its revision even when only its code rows changed.
        financing_request.updated_at = utc_now()
        session.flush()
        record_audit(
            session=session,
            principal=principal,
            action="financing_request.update",
            object_type=OBJECT_TYPE,
            object_id=financing_request.id,
            changes=audit,
        )
    return financing_request


def review(
    *,
    session: Session,
    principal: Principal,
    financing_request: FinancingRequest,
    decision: ReviewDecision,
) -> FinancingRequest:
    """Publish or reject a submitted request; a rejection carries a note for the startup."""
    if financing_request.status is not S.SUBMITTED:
        raise Conflict(
            f"Only submitted requests are reviewed; this one is {financing_request.status.value}."
        )
    if decision.decision == "reject" and not decision.note:
        raise Invalid(
            "A rejection needs a note for the startup.",
            errors=[field_problem("note", "missing", "Required when rejecting")],
        )
    financing_request.status = S.PUBLISHED if decision.decision == "publish" else S.REJECTED
    financing_request.review_note = decision.note
    financing_request.reviewed_at = utc_now()
    if financing_request.status is S.PUBLISHED and financing_request.published_at is None:
        financing_request.published_at = financing_request.reviewed_at
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action=f"financing_request.{decision.decision}",
        object_type=OBJECT_TYPE,
        object_id=financing_request.id,
        changes={"status": financing_request.status.value, "note": decision.note},
    )
    outbox.emit_reviewed(session, financing_request)
    return financing_request


def delete(*, session: Session, principal: Principal, financing_request: FinancingRequest) -> None:
    if financing_request.published_at is not None:
        raise Conflict(
            "A request that investors have seen is kept on record; withdraw or close it."
        )
    if financing_request.status not in DELETABLE:
        raise Conflict(
            f"A {financing_request.status.value} request is kept on record; "
            "withdraw or close it instead."
        )
    record_audit(
        session=session,
        principal=principal,
        action="financing_request.delete",
        object_type=OBJECT_TYPE,
        object_id=financing_request.id,
        changes={"company": financing_request.company, "title": financing_request.title},
    )
    session.delete(financing_request)
    session.flush()


def list_page(
    *,
    session: Session,
    principal: Principal,
    sector: str | None,
    stage: str | None,
    status: RequestStatus | None,
    event_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[FinancingRequest], str | None]:
    """Visible requests, newest first; ``sector`` matches the code, its parents or children."""
    statement = _visible_to(principal)
    if sector is not None:
        statement = statement.where(
            overlapping_sector(
                FinancingRequest.id,
                FinancingRequestSector.financing_request_id,
                FinancingRequestSector.code,
                sector,
            )
        )
    if stage is not None:
        statement = statement.where(FinancingRequest.stage == stage)
    if status is not None:
        statement = statement.where(FinancingRequest.status == status)
    if event_id is not None:
        statement = statement.where(FinancingRequest.event_id == event_id)
    return fetch_page(
        session=session,
        statement=statement,
        created_at_column=FinancingRequest.created_at,
        id_column=FinancingRequest.id,
        limit=limit,
        cursor=cursor,
    )


def count_by_status(*, session: Session) -> dict[RequestStatus, int]:
    """How many requests are in each status (every status, zero included)."""
    counts = dict.fromkeys(RequestStatus, 0)
    for status, count in session.execute(
        select(FinancingRequest.status, func.count()).group_by(FinancingRequest.status)
    ):
        counts[status] = count
    return counts
