"""Who can meet when: each account states the slots of an event in which its people are
free. An account that has not said is taken to be free in every slot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Account,
    Availability,
    Event,
    EventSlot,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingStatus,
    Role,
)
from service.audit_log.writer import record_audit
from service.conference.programme import refuse_when_over, slots_of
from service.conference.schemas import AvailabilityOut, AvailabilityWrite
from service.http.auth import Principal
from service.http.problems import Forbidden, Invalid, field_problem

OBJECT_TYPE = "event"
# Meetings whose parties' free slots matter: asked for or confirmed.
LIVE_STATUSES = (MeetingStatus.PENDING, MeetingStatus.ACCEPTED)


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


@dataclass(frozen=True, slots=True)
class PartyAvailability:
    """One account meeting at the event, for the commission: the slots it said it is free
    in, in time order, or None where it has not said (free throughout)."""

    account_id: str
    name: str
    role: Role
    slots: list[EventSlot] | None


def overview(session: Session, event: Event) -> list[PartyAvailability]:
    """Every account with a meeting asked or confirmed at the event, investors first, then
    startups, by name: what the commission needs to see why a meeting found no slot and whom
    to call about another."""
    investors = select(InvestorProfile.owner_account_id).join(
        Meeting, Meeting.investor_profile_id == InvestorProfile.id
    )
    startups = select(FinancingRequest.owner_account_id).join(
        Meeting, Meeting.financing_request_id == FinancingRequest.id
    )
    live = (Meeting.event_id == event.id, Meeting.status.in_(LIVE_STATUSES))
    owners = [*session.scalars(investors.where(*live)), *session.scalars(startups.where(*live))]
    account_ids = {owner for owner in owners if owner is not None}
    if not account_ids:
        return []
    accounts = session.scalars(select(Account).where(Account.id.in_(account_ids))).all()
    stated = stated_by(session, event.id, account_ids)
    slots = slots_of(session, event.id)
    order = {Role.INVESTOR: 0, Role.STARTUP: 1}
    return [
        PartyAvailability(
            account_id=account.id,
            name=account.name,
            role=account.role,
            slots=[s for s in slots if s.id in stated[account.id]]
            if account.id in stated
            else None,
        )
        for account in sorted(
            accounts, key=lambda a: (order.get(a.role, 2), a.name.casefold(), a.id)
        )
    ]
