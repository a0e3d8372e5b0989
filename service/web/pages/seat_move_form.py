"""The schedule page's form for moving one meeting by hand: its choices and its refusals in
the reader's words (the route is the schedule page's, in ``commission_conference``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Event
from service.conference import meetings, programme, scheduling
from service.http.problems import Conflict, Invalid
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.web.conference_labels import clock, short_day
from service.web.forms import FormState

FIELDS = ("meeting_id", "slot_id", "table")
# A refusal's code, in words beside the field the service names.
_REFUSALS = {
    "seat_taken": N_("Another meeting sits at this table then: choose another table or time."),
    "party_busy": N_("One side has another meeting at this time."),
    "not_available": N_(
        "One side has said it is not free at this time: they can tick it on their "
        "availability page first."
    ),
    "investor_cap": N_("This investor has as many meetings as the event allows."),
    "unknown_slot": N_("Choose a time from the list."),
    "less_than_equal": N_("Choose a table from the list."),
}


@dataclass(frozen=True, slots=True)
class MoveChoices:
    """What the form offers: each confirmed meeting (with where it sits now), each slot and
    each table, as (value, label)."""

    meetings: list[tuple[str, str]]
    slots: list[tuple[str, str]]
    tables: list[int]


def move_choices(session: Session, event: Event) -> MoveChoices:
    confirmed = [m.meeting for m in scheduling.accepted_meetings(session, event.id)]
    labelled = []
    for out in meetings.meetings_out(session, confirmed, event):
        pair = translate("%(company)s with %(investor)s") % {
            "company": out.company,
            "investor": out.investor_name,
        }
        if out.seat is None:
            where = translate("no seat yet")
        else:
            when = f"{short_day(out.seat.local_start.date())} {clock(out.seat.local_start)}"
            where = translate("now %(when)s, table %(table)s") % {
                "when": when,
                "table": out.seat.table,
            }
        labelled.append((out.id, f"{pair} · {where}"))
    labelled.sort(key=lambda choice: choice[1])
    slots = []
    for slot in programme.slots_of(session, event.id):
        start = programme.local(slot.starts_at, event.time_zone)
        end = programme.local(slot.ends_at, event.time_zone)
        slots.append((slot.id, f"{short_day(start.date())} {clock(start)}–{clock(end)}"))
    return MoveChoices(labelled, slots, list(range(1, (event.tables or 0) + 1)))


def note_refusal(state: FormState, refusal: Conflict | Invalid) -> bool:
    """Each problem of ``refusal`` beside its field; False when it names none (the event
    has no schedule any more)."""
    for problem in refusal.errors or []:
        field = problem.field.split(".")[0] if problem.field else ""
        if field in FIELDS:
            state.errors.setdefault(
                field, translate(_REFUSALS.get(problem.code, "Choose one from the list."))
            )
    return bool(state.errors)
