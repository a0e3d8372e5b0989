"""The schedule page's form for moving one meeting by hand: its choices and its refusals in
the reader's words (the route is the schedule page's, in ``commission_conference``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Event
from service.conference import availability, meetings, programme, scheduling
from service.http.problems import Conflict, Invalid
from service.i18n.catalogs import translate, translate_plural
from service.i18n.languages import joined
from service.i18n.reasons import N_
from service.web.conference_labels import clock, short_day
from service.web.forms import FormState

FIELDS = ("meeting_id", "slot_id", "table")
# A slot with this many free tables or fewer names them; one with more says how many.
FREE_TABLES_NAMED = 6
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
    taken: dict[str, set[int]] = {}
    for out in meetings.meetings_out(session, confirmed, event):
        if out.seat is not None:
            taken.setdefault(out.seat.slot_id, set()).add(out.seat.table)
        # With the request's title: a company may present several requests at one event.
        pair = translate("%(company)s (%(title)s) with %(investor)s") % {
            "company": out.company,
            "title": out.request_title,
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
    tables = list(range(1, (event.tables or 0) + 1))
    slots = []
    for slot in programme.slots_of(session, event.id):
        start = programme.local(slot.starts_at, event.time_zone)
        end = programme.local(slot.ends_at, event.time_zone)
        free = [t for t in tables if t not in taken.get(slot.id, set())]
        label = f"{short_day(start.date())} {clock(start)}–{clock(end)}"
        slots.append((slot.id, f"{label} · {_free_tables(free)}"))
    return MoveChoices(labelled, slots, tables)


def _free_tables(free: list[int]) -> str:
    """The free tables of a slot, so the officer picks a seat that can hold the meeting
    instead of learning it from a refusal: their numbers while few, else how many."""
    if not free:
        return translate("no table free")
    if len(free) <= FREE_TABLES_NAMED:
        return translate_plural("free: table %(tables)s", "free: tables %(tables)s", len(free)) % {
            "tables": joined(map(str, free))
        }
    return translate("%(count)s tables free") % {"count": len(free)}


def note_refusal(
    state: FormState, refusal: Conflict | Invalid, session: Session, event: Event
) -> bool:
    """Each problem of ``refusal`` beside its field, naming who is busy or not free where it
    can; False when it names none (the event has no schedule any more)."""
    for problem in refusal.errors or []:
        field = problem.field.split(".")[0] if problem.field else ""
        if field in FIELDS:
            said = _who(session, event, state, problem.code) or translate(
                _REFUSALS.get(problem.code, "Choose one from the list.")
            )
            state.errors.setdefault(field, said)
    return bool(state.errors)


def _who(session: Session, event: Event, state: FormState, code: str) -> str | None:
    """A busy, not-free or taken refusal with the side named: who meets whom then, at which
    table; who said it is not free then; who sits at the table then. None when it cannot
    be told."""
    if code not in ("party_busy", "not_available", "seat_taken"):
        return None
    confirmed = {m.meeting.id: m for m in scheduling.accepted_meetings(session, event.id)}
    moving = confirmed.get(str(state.values.get("meeting_id", "")))
    if moving is None:
        return None
    outs = {
        out.id: out
        for out in meetings.meetings_out(session, [m.meeting for m in confirmed.values()], event)
    }
    mine = outs[moving.meeting.id]
    slot_id = str(state.values.get("slot_id", ""))
    if code == "not_available":
        stated = availability.stated_by(
            session, event.id, [moving.investor_party, moving.startup_party]
        )
        for party, name in (
            (moving.investor_party, mine.investor_name),
            (moving.startup_party, mine.company),
        ):
            if party in stated and slot_id not in stated[party]:
                return translate(
                    "%(name)s has said it is not free at this time: they can tick it on "
                    "their availability page first."
                ) % {"name": name}
        return None
    if code == "seat_taken":
        table = str(state.values.get("table", ""))
        for other_id, out in outs.items():
            seat = out.seat
            if (
                other_id != moving.meeting.id
                and seat is not None
                and (seat.slot_id, str(seat.table)) == (slot_id, table)
            ):
                return translate(
                    "%(company)s meets %(investor)s at this table then: choose another "
                    "table or time."
                ) % {"company": out.company, "investor": out.investor_name}
        return None
    for other_id, out in outs.items():
        other = confirmed[other_id]
        if other_id == moving.meeting.id or out.seat is None or out.seat.slot_id != slot_id:
            continue
        if other.investor_party == moving.investor_party:
            busy, partner = mine.investor_name, out.company
        elif other.startup_party == moving.startup_party:
            busy, partner = mine.company, out.investor_name
        else:
            continue
        return translate("%(busy)s meets %(partner)s at this time (table %(table)s).") % {
            "busy": busy,
            "partner": partner,
            "table": out.seat.table,
        }
    return None
