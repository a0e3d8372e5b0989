"""What a page of ranked investors shows of each mandate besides its codes: the profile's own
columns, read once per roster and kept by the worker (a roster holds while no mandate
changes, so neither do these)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import InvestorProfile


@dataclass(frozen=True, slots=True)
class ProfileCard:
    """A mandate's own columns (its sectors, stages and regions are the ranking's record of
    it). Immutable, so one card serves every thread of a worker."""

    id: str
    owner_account_id: str | None
    name: str
    kind: str
    origin: str
    thesis: str
    ticket_min: Decimal
    ticket_max: Decimal
    currency: str
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int


# Plain columns rather than ORM instances: a card outlives the session that read it and is
# shared between threads, which an instance attached to one session must not be.
_CARDS = select(
    InvestorProfile.id,
    InvestorProfile.owner_account_id,
    InvestorProfile.name,
    InvestorProfile.kind,
    InvestorProfile.origin,
    InvestorProfile.thesis,
    InvestorProfile.ticket_min,
    InvestorProfile.ticket_max,
    InvestorProfile.currency,
    InvestorProfile.created_at,
    InvestorProfile.updated_at,
    InvestorProfile.revision,
).where(InvestorProfile.id.in_(bindparam("ids", expanding=True)))


def load_cards(session: Session, ids: Sequence[str]) -> dict[str, ProfileCard]:
    """The cards of these mandates that exist, by id (one statement)."""
    if not ids:
        return {}
    return {row.id: ProfileCard(*row) for row in session.execute(_CARDS, {"ids": list(ids)})}
