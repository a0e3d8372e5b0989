"""Conference day for the commission, event by event: the programme (days, slots, tables, the
cap per investor), every meeting with filters, proposing a pair or proposals for coverage,
solving the schedule (with greedy's coverage beside it and why meetings were left out) and
the table plan to print or download. Each page calls the service functions the API calls."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from models import (
    Event,
    FinancingRequest,
    Meeting,
    MeetingStatus,
    RequestStatus,
    Role,
    Schedule,
)
from service.conference import (
    agendas,
    availability,
    drift_wording,
    meetings,
    programme,
    proposals,
    roster,
    scheduling,
    seat_moves,
)
from service.conference.presenting import proposals_out
from service.conference.problem import DEFAULT_COVERAGE_K, DEFAULT_TIME_LIMIT_SECONDS
from service.conference.programme import EventOver
from service.conference.roster import StillMeeting
from service.conference.schemas import (
    MAX_DAYS,
    MAX_SLOTS_PER_DAY,
    MeetingCancel,
    ProgrammeWrite,
    ProposalsCreate,
    ScheduleCreate,
    SeatWrite,
)
from service.core.clock import Now
from service.core.database import SessionDep, start_writing
from service.events import service as events
from service.financing_requests import service as financing_requests
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound
from service.i18n.catalogs import translate
from service.i18n.event_names import event_name
from service.i18n.languages import SUPPORTED_LANGUAGES, list_separator, sentences
from service.i18n.reasons import N_
from service.i18n.request_text import request_title
from service.i18n.zones import ZONE_NAMES, zone_name
from service.investors import service as investors
from service.outcomes import service as outcomes
from service.outcomes.pairs import live_deals
from service.outcomes.schemas import OutcomeWrite
from service.ranking.dependencies import MatchIndexDep
from service.web.conference_labels import clock, full_day, meeting_status, short_day
from service.web.forms import FormState, validated
from service.web.pages import seat_move_form
from service.web.pages.common import (
    CommissionVisitor,
    PageRefusal,
    SubmittedForm,
    not_found,
    render,
)
from service.web.pages.conference_common import (
    CANCEL,
    Day,
    find_event,
    meeting_views,
    reason_field,
    slots_by_day,
)
from service.web.responses import redirect
from service.web.visitors import page_now

router = APIRouter(include_in_schema=False)
LISTED = 500
NOTICES = {
    "programme": N_(
        "The programme is saved: investors and companies can now say when they can meet."
    ),
    "proposed": N_("The pair is proposed: both sides answer on their pages."),
    "cancelled": N_("The meeting is called off; both sides read the reason."),
    "solved": N_("The schedule is solved: agendas and the table plan show it now."),
    "presented": N_(
        "The request is presented at this event: its investors can ask to meet it here now."
    ),
    "moved": N_("The meeting is moved: both sides see its new time and table, and where it was."),
}
# A left-out meeting's reason when it was confirmed after the schedule was made.
CONFIRMED_AFTER = "confirmed_after"
# The roster form's field (not financing_request_id: the proposal form on the same page has
# that one).
PRESENTED = "presented_request_id"
# A period of meeting hours as typed: 09:00-12:00 (also with –, —, ~, 至 or 到).
PERIOD = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2})[:：](\d{2})\s*$")
PERIOD_SEPARATORS = re.compile(r"[,，、;；\n]+")


def event_in_path(
    event_id: str, request: Request, session: SessionDep, visitor: CommissionVisitor
) -> Event:
    """A dependency: the event ``event_id``, else the not-found page."""
    event = find_event(session, event_id)
    if event is None:
        raise PageRefusal(not_found(request, visitor))
    return event


EventInPath = Annotated[Event, Depends(event_in_path)]


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done", "")
    return translate(NOTICES[done]) if done in NOTICES else None


@dataclass(frozen=True, slots=True)
class EventSummary:
    event: Event
    days: int
    slots: int
    meetings: Counter[str]
    schedule: Schedule | None
    over: bool = False
    # The schedule seats a meeting when a side is no longer free, or one called off.
    out_of_date: bool = False


@router.get("/commission/conference")
def conference_events(
    request: Request, session: SessionDep, visitor: CommissionVisitor
) -> Response:
    """Every event with its programme, its meetings by status and its schedule."""
    listed, _ = events.list_page(session=session, limit=100, cursor=None)
    counts: dict[str, Counter[str]] = {}
    for event_id, status, count in session.execute(
        select(Meeting.event_id, Meeting.status, func.count()).group_by(
            Meeting.event_id, Meeting.status
        )
    ).tuples():
        counts.setdefault(event_id, Counter())[status.value] = count
    summaries = []
    for event in events.soonest_first(listed, outcomes.today()):
        days = slots_by_day(session, event)
        schedule = meetings.latest_schedule(session, event.id)
        over = programme.is_over(session, event, page_now(request))
        summaries.append(
            EventSummary(
                event=event,
                days=len(days),
                slots=sum(len(day.slots) for day in days),
                meetings=counts.get(event.id, Counter()),
                schedule=schedule,
                over=over,
                out_of_date=(
                    schedule is not None
                    and not over
                    and scheduling.drift_since_solved(session, event).stale
                ),
            )
        )
    return render(request, visitor, "commission/conference.html", {"summaries": summaries})


# The programme.


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _periods_of(times: list[tuple[int, int]]) -> str:
    """Back-to-back slots (start, minutes) written as the periods they fill: 09:00-12:00."""
    periods: list[list[int]] = []
    for start, minutes in sorted(times):
        if periods and periods[-1][1] == start:
            periods[-1][1] = start + minutes
        else:
            periods.append([start, start + minutes])
    return ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in periods)


def _programme_values(session: Session, event: Event) -> dict[str, Any]:
    """The form filled with the event's programme (or a usual one when it has none)."""
    days = slots_by_day(session, event)
    if not days:
        return {
            "time_zone": zone_shown(event.time_zone),
            "first_day": event.date.isoformat(),
            "days": "1",
            "hours": "09:00-12:00, 14:00-17:00",
            "minutes": "30",
            "tables": "",
            "cap": "",
        }
    first = days[0].slots
    times = [
        (s.local_start.hour * 60 + s.local_start.minute, (s.ends_at - s.starts_at).seconds // 60)
        for s in first
    ]
    return {
        "time_zone": zone_shown(event.time_zone),
        "first_day": days[0].day.isoformat(),
        "days": str(len(days)),
        "hours": _periods_of(times),
        "minutes": str(times[0][1]),
        "tables": str(event.tables or ""),
        "cap": str(event.investor_meeting_cap or ""),
    }


def _days_from(state: FormState) -> list[str] | None:
    """Consecutive days from the first day; None with the problem noted beside the field."""
    try:
        first = dt.date.fromisoformat(str(state.values["first_day"]))
    except ValueError:
        state.errors["first_day"] = translate("Choose the first day of meetings.")
        return None
    count = str(state.values["days"])
    if not count.isdigit() or not 1 <= int(count) <= MAX_DAYS:
        state.errors["days"] = translate("Write how many days, from 1 to %(count)s.") % {
            "count": MAX_DAYS
        }
        return None
    return [(first + dt.timedelta(days=n)).isoformat() for n in range(int(count))]


def _periods_from(state: FormState) -> list[tuple[int, int]] | None:
    """The typed periods of meeting hours as minutes from midnight; None with the problem
    noted beside the field."""
    typed = [p.strip() for p in PERIOD_SEPARATORS.split(str(state.values["hours"])) if p.strip()]
    if not typed:
        state.add("hours", "missing")
        return None
    periods = []
    for period in typed:
        found = PERIOD.match(period)
        if found is not None:
            start_hour, start_minute, end_hour, end_minute = (int(g) for g in found.groups())
            start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
            if max(start_minute, end_minute) < 60 and start < end <= 24 * 60:
                periods.append((start, end))
                continue
            # Only a real backwards period (both times within the day); 12:00-12:00 or
            # 25:00 keep the general message.
            if max(start_minute, end_minute) < 60 and end < start <= 24 * 60:
                state.errors["hours"] = translate(
                    "%(period)s ends before it starts: write the earlier time first."
                ) % {"period": period}
                return None
        state.errors["hours"] = translate(
            "Write periods such as 09:00-12:00, 14:00-17:30 (from–to, separated by commas)."
        )
        return None
    ordered = sorted(periods)
    if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered)):
        # Said here, before the periods are cut into slots: a period typed twice would
        # otherwise read as too many slots a day.
        state.errors["hours"] = translate("The periods overlap.")
        return None
    return periods


def _slots_from(
    state: FormState, periods: list[tuple[int, int]] | None
) -> list[dict[str, Any]] | None:
    """A day's slots: each period cut into back-to-back meetings of the typed length; None
    with the problems noted beside the fields."""
    typed = str(state.values["minutes"])
    if not typed.isdigit() or not 5 <= int(typed) <= 240 or int(typed) % 5:
        # Whole fives, as the field steps: 13:30–13:37 is no time anyone writes in a diary.
        state.errors["minutes"] = translate("A meeting lasts 5 to 240 minutes, in steps of 5.")
        return None
    if periods is None:
        return None
    minutes = int(typed)
    slots: list[dict[str, Any]] = []
    for start, end in periods:
        if start + minutes > end:
            state.errors["hours"] = translate(
                "Each period must hold at least one meeting: %(period)s is shorter."
            ) % {"period": f"{_clock(start)}-{_clock(end)}"}
            return None
        for begin in range(start, end - minutes + 1, minutes):
            slots.append({"start": _clock(begin), "minutes": minutes})
    if len(slots) > MAX_SLOTS_PER_DAY:
        # Said beside the length, with the count: a shorter meeting cut the periods too finely.
        state.errors["minutes"] = translate(
            "Meetings of %(minutes)s minutes make %(count)s slots a day; at most %(most)s fit. "
            "Make meetings longer or the periods shorter."
        ) % {"minutes": minutes, "count": len(slots), "most": MAX_SLOTS_PER_DAY}
        return None
    return slots


# What a number out of its range is told, beside its field.
RANGES = {
    "tables": N_("Write a whole number from 1 to 1000."),
    "cap": N_("Write a whole number from 1 to 200, or leave it empty."),
    "coverage_k": N_("Write a whole number from 1 to 20."),
    "min_score": N_("Write a score from 0 to 1, such as 0.6."),
    "time_limit_seconds": N_("Write a number of seconds from 1 to 120."),
}


def _explained(state: FormState) -> FormState:
    """Problems with a number written as its range."""
    for name in state.errors:
        if name in RANGES:
            state.errors[name] = translate(RANGES[name])
    return state


# What an officer may type for a venue's zone besides the clock's name in either language
# (zone_name): the city or the country, in Chinese or English (letter case aside).
ZONE_ALIASES = {
    "Asia/Shanghai": ("北京", "上海", "中国", "beijing", "shanghai", "china"),
    "Asia/Hong_Kong": ("香港", "hong kong", "hongkong"),
    "Asia/Singapore": ("新加坡", "singapore"),
    "Asia/Tokyo": ("东京", "日本", "tokyo", "japan"),
    "Europe/London": ("伦敦", "london"),
    "Europe/Berlin": ("柏林", "法兰克福", "berlin", "frankfurt"),
    "Europe/Paris": ("巴黎", "paris"),
    "America/New_York": ("纽约", "new york"),
    "America/Los_Angeles": ("旧金山", "洛杉矶", "硅谷", "san francisco", "los angeles"),
}


def _zone_by_name() -> dict[str, str]:
    names = {alias: zone for zone, aliases in ZONE_ALIASES.items() for alias in aliases}
    for zone in ZONE_NAMES:
        for language in SUPPORTED_LANGUAGES:
            names[zone_name(zone, language).casefold()] = zone
    return names


def zone_shown(zone: str) -> str:
    """The venue's zone as the reader names its clock (北京时间, 香港时间, London time); the
    zone's own name for a zone the list does not name. zone_typed reads it back."""
    return zone_name(zone)


def zone_typed(typed: str) -> str:
    """The IANA zone an officer means: a known clock, city or country name, else what was
    typed (the schema judges it)."""
    return _zone_by_name().get(" ".join(typed.split()).casefold(), typed)


# Where the schema's fields stand on the form.
PROGRAMME_FIELDS = {
    "time_zone": "time_zone",
    "days": "days",
    "slots": "hours",
    "tables": "tables",
    "investor_meeting_cap": "cap",
}


def _checked_programme(data: dict[str, Any], state: FormState) -> ProgrammeWrite | None:
    """The programme checked by the API's schema, each problem beside its field on the form
    (a slot's length beside the meeting length, the rest of the slots beside the periods)."""
    try:
        return ProgrammeWrite.model_validate(data)
    except ValidationError as invalid:
        for error in invalid.errors():
            location = [str(part) for part in error["loc"]]
            name = PROGRAMME_FIELDS.get(location[0], "__all__") if location else "__all__"
            if location[:1] == ["slots"] and location[-1:] == ["minutes"]:
                name = "minutes"
            code = str(error["type"])
            if name == "time_zone":
                state.errors.setdefault(
                    name,
                    translate("Write a city such as Shanghai or a zone such as Asia/Shanghai."),
                )
            elif name == "minutes":
                state.errors.setdefault(
                    name, translate("A meeting lasts 5 to 240 minutes, in steps of 5.")
                )
            elif name == "hours" and code == "overlap":
                state.errors.setdefault(name, translate("The periods overlap."))
            elif name in RANGES and code != "missing":
                state.errors.setdefault(name, translate(RANGES[name]))
            else:
                state.add(name, code)
        return None


def _fits_the_form(days: list[Day]) -> bool:
    """Whether the form can show the programme exactly: consecutive days, one meeting length
    (the API can set others; saving the form would replace them)."""
    consecutive = all(
        (later.day - earlier.day).days == 1 for earlier, later in itertools.pairwise(days)
    )
    lengths = {slot.ends_at - slot.starts_at for day in days for slot in day.slots}
    return consecutive and len(lengths) <= 1


def _programme_page(
    request: Request,
    session: Session,
    visitor: Principal,
    event: Event,
    state: FormState | None = None,
    problem: str | None = None,
) -> Response:
    days = slots_by_day(session, event)
    context = {
        "event": event,
        "tab": "programme",
        "over": programme.is_over(session, event, page_now(request)),
        "form": state or FormState(values=_programme_values(session, event)),
        "days": days,
        "fits": _fits_the_form(days),
        "scheduled": meetings.latest_schedule(session, event.id) is not None,
        "problem": problem,
        "notice": _notice(request),
        "unfilled": _unfilled_notice(request),
    }
    return render(request, visitor, "commission/conference_programme.html", context)


@router.get("/commission/events/{event_id}/programme")
def programme_form(
    request: Request, session: SessionDep, visitor: CommissionVisitor, event: EventInPath
) -> Response:
    return _programme_page(request, session, visitor, event)


@router.post("/commission/events/{event_id}/programme")
async def save_programme(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """Days from the first day, the day's slots from the periods of meeting hours; checked by
    the API's schema with every problem beside its field, nothing written on any."""
    names = ("time_zone", "first_day", "days", "hours", "minutes", "tables", "cap")
    state = FormState(values={name: str(form.get(name, "")).strip() for name in names})
    periods = _periods_from(state)
    slots = _slots_from(state, periods)
    days = _days_from(state)
    data: dict[str, Any] = {
        "time_zone": zone_typed(state.values["time_zone"]) or "Asia/Shanghai",
        # What could not be read is already named beside its field; a stand-in lets the
        # schema name every other problem at once.
        "days": days if days is not None else [event.date.isoformat()],
        "slots": slots if slots is not None else [{"start": "09:00", "minutes": 30}],
        "investor_meeting_cap": state.values["cap"] or None,
    }
    if state.values["tables"]:
        data["tables"] = state.values["tables"]
    checked = _checked_programme(data, state)
    if checked is None or state.errors:
        return _programme_page(request, session, visitor, event, state)
    start_writing(session)
    try:
        programme.replace(session=session, principal=visitor, event=event, data=checked, now=now)
    except Invalid as refusal:
        session.rollback()
        codes = {e.code for e in refusal.errors or []}
        if "day_before_event" in codes:
            state.add("first_day", "day_before_event", {"date": full_day(event.date)})
        elif "day_after_event" in codes:
            last = event.date + dt.timedelta(days=MAX_DAYS - 1)
            # Beside the field to correct: the first day when it is itself too late, else
            # the number of days that runs past the last.
            first_in_time = days is not None and dt.date.fromisoformat(days[0]) <= last
            state.add(
                "days" if first_in_time else "first_day",
                "day_after_event",
                {"date": full_day(event.date), "days": MAX_DAYS - 1, "last": full_day(last)},
            )
        else:
            state.add("first_day", "day_in_the_past")
        return _programme_page(request, session, visitor, event, state)
    except Conflict as refusal:
        session.rollback()
        _mark_kept_as_scheduled(session, event, state, refusal)
        problem = translate(
            "A schedule is solved for this event: nothing was saved. Slots, tables and the "
            "meeting cap can now only be added to or raised; keep every slot already there, "
            "the same time zone, and no fewer tables or a lower cap."
        )
        return _programme_page(request, session, visitor, event, state, problem)
    tails = "".join(
        f"&{UNFILLED}={_clock(start)}-{_clock(end)}~{_clock(filled)}"
        for start, end, filled in _unfilled(periods or [], int(state.values["minutes"]))
    )
    return redirect(request, f"/commission/events/{event.id}/programme?done=programme{tails}")


# The address's parameter naming a period whose end no meeting fills: 14:00-17:30~17:00.
UNFILLED = "unfilled"
_CLOCK = r"([0-2]\d:[0-5]\d)"
_UNFILLED_VALUE = re.compile(f"{_CLOCK}-{_CLOCK}~{_CLOCK}")


def _unfilled(periods: list[tuple[int, int]], minutes: int) -> list[tuple[int, int, int]]:
    """The periods whose last minutes hold no meeting (14:00-17:30 in meetings of 45 minutes
    ends at 17:00): each with where its meetings end."""
    tails = []
    for start, end in sorted(periods):
        filled = start + (end - start) // minutes * minutes
        if filled < end:
            tails.append((start, end, filled))
    return tails


def _unfilled_notice(request: Request) -> str | None:
    """Said after saving: the form shows the periods as the meetings fill them, so a period
    cut short would otherwise change without a word."""
    if request.query_params.get("done") != "programme":
        return None
    said = []
    for value in request.query_params.getlist(UNFILLED)[:MAX_SLOTS_PER_DAY]:
        found = _UNFILLED_VALUE.fullmatch(value)
        if found is None:
            continue
        start, end, filled = found.groups()
        # Only what a save can have said: times of the day, the meetings ending inside.
        if _minutes_of(start) < _minutes_of(filled) < _minutes_of(end) <= 24 * 60:
            said.append(
                translate(
                    "%(period)s holds meetings until %(filled)s; the time after it stays free."
                )
                % {"period": f"{start}-{end}", "filled": filled}
            )
    return sentences(said) or None


def _minutes_of(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _mark_kept_as_scheduled(
    session: Session, event: Event, state: FormState, refusal: Conflict
) -> None:
    """Beside each field a solved schedule keeps, what it must keep: the officer sees which
    of the seven fields to correct, and to what."""
    kept = _programme_values(session, event)
    for problem in refusal.errors or []:
        if problem.field == "time_zone":
            state.errors["time_zone"] = translate(
                "A schedule is solved: the venue's time zone stays %(zone)s."
            ) % {"zone": kept["time_zone"]}
        elif problem.field == "slots":
            state.errors["hours"] = translate(
                "A schedule is solved: keep every slot already there (%(hours)s, meetings of "
                "%(minutes)s minutes, %(days)s days from %(first)s); you may add periods or "
                "days."
            ) % {
                "hours": kept["hours"],
                "minutes": kept["minutes"],
                "days": kept["days"],
                "first": full_day(dt.date.fromisoformat(kept["first_day"])),
            }
        elif problem.field == "tables":
            state.errors["tables"] = translate(
                "A schedule is solved: tables can only be added; write %(num)s or more."
            ) % {"num": event.tables}
        elif problem.field == "investor_meeting_cap":
            state.errors["cap"] = (
                translate(
                    "A schedule is solved: the cap can only be raised; write %(num)s or more, "
                    "or leave it empty for no cap."
                )
                % {"num": event.investor_meeting_cap}
                if event.investor_meeting_cap is not None
                else translate("A schedule is solved with no cap per investor: leave it empty.")
            )


# Meetings.


def _meetings_page(
    request: Request,
    session: Session,
    visitor: Principal,
    event: Event,
    state: FormState | None = None,
    **extra: Any,
) -> Response:
    query = request.query_params
    status = query.get("status") or None
    chosen = MeetingStatus(status) if status in set(MeetingStatus) else None
    found = meetings.list_for_event(
        session=session, principal=visitor, event_id=event.id, status=chosen
    )
    presented, _ = financing_requests.list_page(
        session=session,
        principal=visitor,
        sector=None,
        stage=None,
        status=RequestStatus.PUBLISHED,
        event_id=event.id,
        limit=LISTED,
        cursor=None,
    )
    mandates, _ = investors.list_page(
        session=session, principal=visitor, sector=None, stage=None, limit=LISTED, cursor=None
    )
    published, _ = financing_requests.list_page(
        session=session,
        principal=visitor,
        sector=None,
        stage=None,
        status=RequestStatus.PUBLISHED,
        event_id=None,
        limit=LISTED,
        cursor=None,
    )
    event_names = events.names_of(
        session=session, event_ids={r.event_id for r in published if r.event_id}
    )
    counts = Counter(
        status.value
        for status in session.scalars(select(Meeting.status).where(Meeting.event_id == event.id))
    )
    views = meeting_views(session, found, None, page_now(request))
    context = {
        "event": event,
        "tab": "meetings",
        "over": programme.is_over(session, event, page_now(request)),
        "views": views,
        # Each listed pair's deal under way: a link to it, else (an accepted meeting) a button.
        "deals": live_deals(
            session,
            [(v.meeting.investor_profile_id, v.meeting.financing_request_id) for v in views],
        ),
        "deal_problem": query.get("deal_problem"),
        "statuses": list(MeetingStatus),
        "chosen": chosen,
        "counts": counts,
        "requests": sorted(presented, key=lambda r: (r.company, request_title(r))),
        # Published requests presented elsewhere or nowhere, with where: for the roster form.
        "others": [
            (r, event_names.get(r.event_id or ""))
            for r in sorted(published, key=lambda r: (r.company, request_title(r)))
            if r.event_id != event.id
        ],
        "presented_field": PRESENTED,
        "mandates": sorted(mandates, key=lambda m: m.name),
        "form": _with_proposal_defaults(state),
        "cancel": CANCEL,
        "notice": _notice(request),
        **extra,
    }
    return render(request, visitor, "commission/conference_meetings.html", context)


# What the proposals form offers until the officer types otherwise: k and a good match's score.
PROPOSAL_DEFAULTS = {"coverage_k": "3", "min_score": "0.6"}


def _with_proposal_defaults(state: FormState | None) -> FormState:
    """The page's form state, the proposals boxes filled with their defaults where another
    form on the page (a cancellation, a pairing) failed and sent back only its own values."""
    if state is None:
        return FormState(values=dict(PROPOSAL_DEFAULTS))
    for name, value in PROPOSAL_DEFAULTS.items():
        state.values.setdefault(name, value)
    return state


@router.get("/commission/events/{event_id}/meetings")
def meeting_list(
    request: Request, session: SessionDep, visitor: CommissionVisitor, event: EventInPath
) -> Response:
    return _meetings_page(request, session, visitor, event)


@router.post("/commission/events/{event_id}/meetings")
async def propose_pair(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    index: MatchIndexDep,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """Propose one pair; both sides answer."""
    names = ("financing_request_id", "investor_profile_id")
    state = FormState(values={name: str(form.get(name, "")).strip() for name in names})
    for name in names:
        if not state.values[name]:
            state.errors[name] = translate("Choose one from the list.")
    if state.errors:
        return _meetings_page(request, session, visitor, event, state)
    start_writing(session)
    try:
        meetings.create(
            session=session,
            principal=visitor,
            index=index,
            event=event,
            financing_request_id=state.values["financing_request_id"],
            investor_profile_id=state.values["investor_profile_id"],
            now=now,
        )
    except EventOver:
        # The page the officer had open was from before; it now says the event is over.
        session.rollback()
        return _meetings_page(request, session, visitor, event)
    except meetings.FirmMeetsAlready as refusal:
        state.errors["investor_profile_id"] = translate(
            "This investor's firm meets this request at this event already, through its "
            "mandate “%(mandate)s” (%(status)s): a firm meets a request once per event."
        ) % {"mandate": refusal.mandate_name, "status": meeting_status(refusal.meeting.status)}
    except Conflict:
        # Said with where that meeting stands: a declined one is not "a meeting already".
        standing = session.scalar(
            select(Meeting.status).where(
                Meeting.event_id == event.id,
                Meeting.financing_request_id == state.values["financing_request_id"],
                Meeting.investor_profile_id == state.values["investor_profile_id"],
            )
        )
        state.errors["investor_profile_id"] = translate(
            "This pair was asked to meet at this event already (%(status)s); a pair is asked "
            "once per event."
        ) % {"status": meeting_status(standing) if standing else "—"}
    except (Invalid, NotFound):
        state.errors["financing_request_id"] = translate(
            "Choose a published request presented at this event."
        )
    else:
        return redirect(request, f"/commission/events/{event.id}/meetings?done=proposed")
    return _meetings_page(request, session, visitor, event, state)


def _meeting_of(
    session: Session, visitor: Principal, event: Event, meeting_id: str
) -> Meeting | None:
    """The meeting, if it is one of this event's (else None: the page is not found)."""
    try:
        meeting = meetings.get_visible(session=session, principal=visitor, meeting_id=meeting_id)
    except NotFound:
        return None
    return meeting if meeting.event_id == event.id else None


@router.post("/commission/events/{event_id}/meetings/{meeting_id}/cancel")
async def cancel_meeting(
    meeting_id: str,
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    form: SubmittedForm,
) -> Response:
    start_writing(session)
    meeting = _meeting_of(session, visitor, event, meeting_id)
    if meeting is None:
        return not_found(request, visitor)
    field = reason_field(CANCEL, meeting.id)
    reason = str(form.get("reason", "")).strip()
    state = FormState(values={field: reason})
    problems = FormState(values={})
    checked = validated(MeetingCancel, {"reason": reason}, problems)
    if checked is None:
        state.errors[field] = (
            problems.errors.get("reason", "")
            if reason
            else translate("Say why: both sides read it.")
        )
        return _meetings_page(request, session, visitor, event, state)
    try:
        meetings.cancel(session=session, principal=visitor, meeting=meeting, reason=checked.reason)
    except Conflict:
        state.errors[field] = translate("This meeting is no longer pending or confirmed.")
        return _meetings_page(request, session, visitor, event, state)
    return redirect(request, f"/commission/events/{event.id}/meetings?done=cancelled")


@router.post("/commission/events/{event_id}/meetings/{meeting_id}/deal")
async def open_deal_of_meeting(
    meeting_id: str,
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    form: SubmittedForm,
) -> Response:
    """Open the deal (negotiating) of an accepted meeting's pair, then show it: the deal's
    page is where the officer records the signing, the registration and the funds."""
    start_writing(session)
    meeting = _meeting_of(session, visitor, event, meeting_id)
    if meeting is None:
        return not_found(request, visitor)
    refused = f"/commission/events/{event.id}/meetings?deal_problem={meeting.id}"
    if meeting.status is not MeetingStatus.ACCEPTED:
        return redirect(request, refused)
    pair = (meeting.investor_profile_id, meeting.financing_request_id)
    try:
        outcome = outcomes.open_deal(
            session=session,
            principal=visitor,
            data=OutcomeWrite(investor_profile_id=pair[0], financing_request_id=pair[1]),
            met_at_event_id=meeting.event_id,
        )
    except Conflict:
        # Opened meanwhile (another officer, or one of the two sides): show that one.
        under_way = live_deals(session, [pair]).get(pair)
        return redirect(request, f"/outcomes/{under_way}" if under_way else refused)
    except (Invalid, NotFound):
        # The request is no longer published, or the mandate is gone.
        return redirect(request, refused)
    return redirect(request, f"/outcomes/{outcome.id}?opened=1")


@router.post("/commission/events/{event_id}/roster")
async def present_at_event(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """Present a published request at this event; its investors can ask to meet it here."""
    chosen = str(form.get(PRESENTED, "")).strip()
    state = FormState(values={PRESENTED: chosen})
    if not chosen:
        state.errors[PRESENTED] = translate("Choose one from the list.")
        return _meetings_page(request, session, visitor, event, state)
    start_writing(session)
    try:
        financing_request = financing_requests.get_visible(
            session=session, principal=visitor, request_id=chosen, for_update=True
        )
        roster.present(
            session=session,
            principal=visitor,
            event=event,
            financing_request=financing_request,
            now=now,
        )
    except EventOver:
        session.rollback()
        return _meetings_page(request, session, visitor, event)
    except StillMeeting as busy:
        session.rollback()
        state.errors[PRESENTED] = translate(
            "It has %(live)s meetings still to come at “%(event)s”: call them off there first."
        ) % {"live": busy.live, "event": event_name(busy.event)}
        return _meetings_page(request, session, visitor, event, state)
    except (Invalid, NotFound):
        session.rollback()
        state.errors[PRESENTED] = translate("Choose a published request from the list.")
        return _meetings_page(request, session, visitor, event, state)
    return redirect(request, f"/commission/events/{event.id}/meetings?done=presented")


@router.get("/commission/events/{event_id}/proposals")
def proposals_address(request: Request, visitor: CommissionVisitor, event: EventInPath) -> Response:
    """The proposals' result is the answer to their form: its address, reloaded or
    bookmarked, leads to the meetings page, where the proposed meetings are listed."""
    return redirect(request, f"/commission/events/{event.id}/meetings")


@router.post("/commission/events/{event_id}/proposals")
async def propose_for_coverage(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    index: MatchIndexDep,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """For the event's requests below k meetings, propose the ranking's best remaining
    investors; the page lists what was proposed and the requests still below k."""
    names = ("coverage_k", "min_score")
    state = FormState(values={name: str(form.get(name, "")).strip() for name in names})
    # Both boxes are asked for: a box left empty is not quietly some other default.
    for name in names:
        if not state.values[name]:
            state.add(name, "missing")
    checked = validated(ProposalsCreate, state.values, state) if not state.errors else None
    if checked is None:
        return _meetings_page(request, session, visitor, event, _explained(state))
    start_writing(session)
    try:
        made = await run_in_threadpool(
            proposals.propose,
            session=session,
            principal=visitor,
            index=index,
            event=event,
            data=checked,
            now=now,
        )
    except EventOver:
        session.rollback()
        return _meetings_page(request, session, visitor, event)
    context = {
        "event": event,
        "tab": "meetings",
        "over": programme.is_over(session, event, page_now(request)),
        "made": proposals_out(session, event, made),
        "asked": checked,
    }
    return render(request, visitor, "commission/conference_proposals.html", context)


# The schedule.


@dataclass(frozen=True, slots=True)
class FreeSlots:
    """One account's free slots as read on the schedule page: 11月5日 09:00、09:30；11月6日
    14:00; empty where it ticked none, None where it has not said."""

    name: str
    role: Role
    said: str | None


def _free_slots(session: Session, event: Event) -> list[FreeSlots]:
    rows = []
    for party in availability.overview(session, event):
        said = None
        if party.slots is not None:
            days: dict[dt.date, list[str]] = {}
            for slot in party.slots:
                start = programme.local(slot.starts_at, event.time_zone)
                days.setdefault(start.date(), []).append(clock(start))
            said = translate("; ").join(
                f"{short_day(day)} {list_separator().join(times)}" for day, times in days.items()
            )
        rows.append(FreeSlots(party.name, party.role, said))
    return rows


@dataclass(frozen=True, slots=True)
class BelowK:
    request: FinancingRequest
    placed: int


def _schedule_page(
    request: Request,
    session: Session,
    visitor: Principal,
    event: Event,
    state: FormState | None = None,
    problem: str | None = None,
    move_state: FormState | None = None,
) -> Response:
    current = meetings.latest_schedule(session, event.id)
    schedule = scheduling.schedule_out(session, event, current) if current is not None else None
    left_out: list[tuple[Any, str]] = []
    below: list[BelowK] = []
    if schedule is not None:
        reasons = {left.meeting_id: left.reason.value for left in schedule.left_out}
        # Confirmed since this schedule was made, and not seated by hand: left out too.
        seated_ids = {p.meeting_id for p in schedule.placements}
        for confirmed in scheduling.accepted_meetings(session, event.id):
            if confirmed.meeting.id not in seated_ids:
                reasons.setdefault(confirmed.meeting.id, CONFIRMED_AFTER)
        stored = list(session.scalars(select(Meeting).where(Meeting.id.in_(list(reasons)))))
        left_out = [
            (view, reasons[view.id])
            for view in meeting_views(session, stored, None, page_now(request))
        ]
        placed = Counter(p.financing_request_id for p in schedule.placements)
        # Every request presented here that is short, those without any confirmed meeting
        # (the solver never saw them) first: they need outreach most.
        short = session.scalars(
            select(FinancingRequest).where(
                or_(
                    FinancingRequest.id.in_(schedule.requests_below_k),
                    and_(
                        FinancingRequest.event_id == event.id,
                        FinancingRequest.status == RequestStatus.PUBLISHED,
                    ),
                )
            )
        )
        below = sorted(
            (
                BelowK(item, placed[item.id])
                for item in short
                if placed[item.id] < schedule.coverage_k
            ),
            key=lambda b: (b.placed, b.request.company, b.request.id),
        )
    drift = scheduling.drift_since_solved(session, event)
    choices = seat_move_form.move_choices(session, event) if schedule else None
    k = str(schedule.coverage_k if schedule is not None else DEFAULT_COVERAGE_K)
    solves = session.scalar(
        select(func.count()).select_from(Schedule).where(Schedule.event_id == event.id)
    )
    context = {
        "event": event,
        "tab": "schedule",
        "over": programme.is_over(session, event, page_now(request)),
        "schedule": schedule,
        "left_out": left_out,
        "below": below,
        "drift": drift,
        "out_of_date": drift_wording.out_of_date(
            drift, translate, N_("Solve again; tick “keep everyone's seat” to move only those.")
        ),
        "has_programme": bool(event.tables),
        "first_schedule": (solves or 0) <= 1,
        "newly_seated": meetings.newly_seated(session, event.id),
        "form": state
        or FormState(
            values={"coverage_k": k, "time_limit_seconds": f"{DEFAULT_TIME_LIMIT_SECONDS:g}"}
        ),
        "problem": problem
        or (
            translate(
                "The meeting was not moved: see the fields marked under “Move one meeting” below."
            )
            if move_state is not None and move_state.errors
            else None
        ),
        "notice": _moved_notice(request, choices) or _notice(request),
        "edited": schedule is not None and schedule.status == meetings.HAND_EDITED,
        "move_form": move_state
        or FormState(values={"meeting_id": request.query_params.get("move", "")}),
        "move_choices": choices,
        "free_slots": _free_slots(session, event),
        "default_seconds": f"{DEFAULT_TIME_LIMIT_SECONDS:g}",
    }
    # A refusal the page words at its top (no programme, nothing confirmed, over) is the
    # event's state, not a field's: 409, as the API says it.
    status_code = 422 if move_state is not None and move_state.errors else 409 if problem else 200
    return render(
        request,
        visitor,
        "commission/conference_schedule.html",
        context,
        status_code=status_code,
    )


@router.get("/commission/events/{event_id}/schedule")
def schedule_page(
    request: Request, session: SessionDep, visitor: CommissionVisitor, event: EventInPath
) -> Response:
    return _schedule_page(request, session, visitor, event)


@router.post("/commission/events/{event_id}/schedule")
async def solve_schedule(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    form: SubmittedForm,
    now: Now,
) -> Response:
    names = ("coverage_k", "time_limit_seconds")
    state = FormState(values={name: str(form.get(name, "")).strip() for name in names})
    data: dict[str, object] = {name: state.values[name] for name in names if state.values[name]}
    if form.get("keep_seats"):
        # A ticked box: kept in the form so that a page with an error shows it ticked.
        state.values["keep_seats"] = "on"
        data["keep_seats"] = True
    checked = validated(ScheduleCreate, data, state)
    if checked is None:
        return _schedule_page(request, session, visitor, event, _explained(state))
    start_writing(session)
    try:
        # The solver is CPU work for up to the time limit: off the event loop.
        await run_in_threadpool(
            scheduling.create,
            session=session,
            principal=visitor,
            event=event,
            data=checked,
            now=now,
        )
    except EventOver:
        session.rollback()
        return _schedule_page(request, session, visitor, event)
    except Conflict:
        problem = (
            translate("Set the event's days, slots and tables first.")
            if not event.tables
            else translate(
                "No meeting is confirmed yet: a meeting is scheduled once both sides agree."
            )
        )
        return _schedule_page(request, session, visitor, event, state, problem)
    return redirect(request, f"/commission/events/{event.id}/schedule?done=solved")


def _moved_notice(request: Request, choices: seat_move_form.MoveChoices | None) -> str | None:
    """After a move: which meeting, and where it sits now."""
    query = request.query_params
    if query.get("done") not in ("moved", "unmoved") or choices is None:
        return None
    label = dict(choices.meetings).get(query.get("meeting", ""))
    if label is None:
        return None
    if query["done"] == "unmoved":
        return translate("Nothing changed: %(meeting)s already.") % {"meeting": label}
    return translate(
        "Moved: %(meeting)s. Both sides see the new time and table, and where it was."
    ) % {"meeting": label}


@router.post("/commission/events/{event_id}/schedule/seat")
async def move_meeting(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    event: EventInPath,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """One confirmed meeting to another slot and table, or a left-out one seated, without
    solving again; every problem beside its field, nothing written."""
    values = {name: str(form.get(name, "")).strip() for name in seat_move_form.FIELDS}
    state = FormState(values=values)
    for name, value in values.items():
        if not value:  # a list left at 请选择…
            state.add(name, "missing")
    checked = validated(SeatWrite, {"slot_id": values["slot_id"], "table": values["table"]}, state)
    if checked is None or state.errors:
        return _schedule_page(request, session, visitor, event, move_state=state)
    start_writing(session)
    before = meetings.latest_schedule(session, event.id)
    try:
        after = seat_moves.move(
            session=session,
            principal=visitor,
            event=event,
            meeting_id=values["meeting_id"],
            data=checked,
            now=now,
        )
    except EventOver:
        session.rollback()
        over = translate("The event is over: its schedule stays as it was.")
        return _schedule_page(request, session, visitor, event, problem=over)
    except NotFound:
        state.errors["meeting_id"] = translate("Choose a meeting from the list.")
    except (Conflict, Invalid) as refusal:
        if not seat_move_form.note_refusal(state, refusal, session, event):
            session.rollback()
            unsolved = translate("No schedule yet: solve it first, then move meetings in it.")
            return _schedule_page(request, session, visitor, event, problem=unsolved)
    else:
        done = "unmoved" if before is not None and after.id == before.id else "moved"
        return redirect(
            request,
            f"/commission/events/{event.id}/schedule?done={done}&meeting={values['meeting_id']}",
        )
    session.rollback()
    return _schedule_page(request, session, visitor, event, move_state=state)


# The table plan.


@router.get("/commission/events/{event_id}/table-plan")
def table_plan_page(
    request: Request, session: SessionDep, visitor: CommissionVisitor, event: EventInPath
) -> Response:
    try:
        plan = agendas.table_plan(session=session, event=event, now=page_now(request))
    except NotFound:
        plan = None
    days: list[tuple[dt.date, list[agendas.TablePlanSlot]]] = []
    if plan is not None:
        for slot in plan.slots:
            if not days or days[-1][0] != slot.starts_at.date():
                days.append((slot.starts_at.date(), []))
            days[-1][1].append(slot)
    context = {
        "event": event,
        "tab": "table-plan",
        "over": programme.is_over(session, event, page_now(request)),
        "plan": plan,
        "out_of_date": (
            drift_wording.out_of_date(
                plan.drift,
                translate,
                N_(
                    "Solve it again on the Schedule tab, ticking “keep everyone's seat” so "
                    "that only those meetings move, before printing this plan."
                ),
                seats_only=True,
            )
            if plan and not plan.over
            else None
        ),
        "days": days,
        "tables": list(range(1, (event.tables or 0) + 1)),
    }
    return render(request, visitor, "commission/conference_table_plan.html", context)
