"""Who can meet when: each account states the slots of an event in which its people are
free. An account that has not said is taken to be free in every slot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Availability, Event, EventSlot
from service.audit_log.writer import record_audit
from service.conference.programme import refuse_when_over
from service.conference.schemas import AvailabilityOut, AvailabilityWrite
from service.http.auth import Principal
from service.http.problems import Forbidden, Invalid, field_problem

OBJECT_TYPE = "event"


def _account_of(principal: Principal) -> str:
    if principal.account_id is None or principal.is_commission:
        raise Forbidden("Availability is stated by the investors and startups who meet.")
    return principal.account_id


def read(*, session: Session, principal: Principal, event: Event) -> AvailabilityOut:
    stated = session.get(Availability, (event.id, _account_of(principal)))
    if stated is None:
        return AvailabilityOut(event_id=event.id, stated=False, slot_ids=[], revision=0)
    return AvailabilityOut(
        event_id=event.id, stated=True, slot_ids=stated.slot_ids, revision=stated.revision
    )


def replace(
    *,
    session: Session,
    principal: Principal,
    event: Event,
    data: AvailabilityWrite,
    now: dt.datetime,
) -> AvailabilityOut:
    """Say in which of the event's slots the principal's account can meet; refused once the
    event is over (its schedule stays as it was)."""
    refuse_when_over(session, event, now, "saying when you can meet")
    account_id = _account_of(principal)
    known = set(session.scalars(select(EventSlot.id).where(EventSlot.event_id == event.id)))
    unknown = [
        field_problem(f"slot_ids.{i}", "unknown_slot", "Not a slot of this event")
        for i, slot_id in enumerate(data.slot_ids)
        if slot_id not in known
    ]
    if unknown:
        raise Invalid("Some slots are not this event's.", errors=unknown)
    slot_ids = sorted(set(data.slot_ids))
    stated = session.get(Availability, (event.id, account_id))
    if stated is None:
        stated = Availability(event_id=event.id, account_id=account_id, slot_ids=slot_ids)
        session.add(stated)
    else:
        stated.slot_ids = slot_ids
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="availability.replace",
        object_type=OBJECT_TYPE,
        # The event: an audit record names one object, and the account is the actor's.
        object_id=event.id,
        changes={"account_id": account_id, "slot_ids": slot_ids},
    )
    return AvailabilityOut(
        event_id=event.id, stated=True, slot_ids=slot_ids, revision=stated.revision
    )


def stated_by(session: Session, event_id: str, account_ids: Iterable[str]) -> dict[str, set[str]]:
    """The stated slots of each of these accounts that said (the rest are free throughout)."""
    wanted = list(set(account_ids))
    if not wanted:
        return {}
    return {
        row.account_id: set(row.slot_ids)
        for row in session.scalars(
            select(Availability).where(
                Availability.event_id == event_id, Availability.account_id.in_(wanted)
            )
        )
    }
