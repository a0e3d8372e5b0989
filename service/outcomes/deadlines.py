"""When a deal is due registered and producing, and whether it is overdue: each event sets how
many months after signing (three and twelve unless it says otherwise)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from models import Event, Outcome, OutcomeStage

DEFAULT_REGISTRATION_MONTHS = 3
DEFAULT_PRODUCTION_MONTHS = 12


class Overdue(StrEnum):
    REGISTRATION = "registration"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class Deadlines:
    registration_due_on: dt.date | None
    production_due_on: dt.date | None
    overdue: tuple[Overdue, ...]


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 March plus
    one month is 30 April)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadlines_of(outcome: Outcome, event: Event | None, today: dt.date) -> Deadlines:
    """Due days from the signing; a deal is overdue for registration while it is signed but
    not registered past its day, and for production while it is signed but not producing (nor
    abandoned) past its day."""
    if outcome.signed_on is None:
        return Deadlines(None, None, ())
    registration_months = (
        event.registration_due_months if event is not None else DEFAULT_REGISTRATION_MONTHS
    )
    production_months = (
        event.production_due_months if event is not None else DEFAULT_PRODUCTION_MONTHS
    )
    registration_due = months_after(outcome.signed_on, registration_months)
    production_due = months_after(outcome.signed_on, production_months)
    overdue: list[Overdue] = []
    if outcome.stage is OutcomeStage.SIGNED and today > registration_due:
        overdue.append(Overdue.REGISTRATION)
    still_to_produce = (OutcomeStage.SIGNED, OutcomeStage.REGISTERED, OutcomeStage.FUNDS_IN_PLACE)
    if outcome.stage in still_to_produce and today > production_due:
        overdue.append(Overdue.PRODUCTION)
    return Deadlines(registration_due, production_due, tuple(overdue))
