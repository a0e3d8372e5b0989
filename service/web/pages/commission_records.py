"""The commission's records: events, match reports (create, list, read, download) and the
audit trail with filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from models import Event, Report
from service.accounts import service as accounts
from service.api_keys.service import ACCOUNT_KEY_NAME
from service.audit_log import service as audit
from service.audit_log.object_names import object_names
from service.conference import meetings, moves_in_trail
from service.core.database import SessionDep, start_writing
from service.events import service as events
from service.events.schemas import EventCreate, EventUpdate
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound
from service.i18n.audit_wording import AUDIT_OBJECT_TYPES
from service.i18n.catalogs import translate
from service.i18n.model_names import model_name
from service.outcomes import service as outcomes
from service.ranking.dependencies import MatchIndexDep
from service.ranking.serving import DEFAULT_MODEL_VERSION
from service.reports import service as reports
from service.reports.document import Scope
from service.reports.findings import find
from service.reports.schemas import ReportCreate
from service.reports.wording import Wording, display_time_zone
from service.web.conference_labels import full_day, time_of_day, weekday_name
from service.web.forms import FormState, note_refusal, validated
from service.web.pages.common import (
    CommissionVisitor,
    SubmittedForm,
    not_found,
    render,
)
from service.web.pages.conference_common import find_event
from service.web.responses import redirect
from service.web.visitors import page_now

router = APIRouter(include_in_schema=False)
LISTED = 50


def _by_date(listed: Sequence[Event]) -> list[Event]:
    """As on the conference page: the coming events first, soonest first, then those held,
    latest first (an officer looks an event up by when it is)."""
    return events.soonest_first(listed, outcomes.today())


@router.get("/commission/events")
def event_list(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    listed, _ = events.list_page(session=session, limit=100, cursor=None)
    state = FormState(values={})
    query = request.query_params
    created = find_event(session, query.get("created"))
    changed = find_event(session, query.get("changed"))
    today = outcomes.today()
    notice = (
        translate("Event created: %(name)s, on %(day)s.")
        % {"name": created.name, "day": full_day(created.date)}
        if created is not None
        else translate("Event saved: %(name)s, on %(day)s.")
        % {"name": changed.name, "day": full_day(changed.date)}
        if changed is not None
        else None
    )
    shown = created or changed
    warning = None
    if created is not None and created.date < today:
        warning = translate(
            "That day has passed: the event is on record as held, for its deals and reports; "
            "no meetings can be asked for at it."
        )
    elif shown is not None and shown.date >= today and _weekend(shown.date):
        # Not refused: conferences are held at weekends, and China's adjusted working days
        # make some weekends workdays; but a slip of the calendar should not go unnoticed,
        # so it is said apart from the confirmation, in the page's warning box.
        warning = translate("That day is a %(weekday)s: if it is not meant, correct the date.") % {
            "weekday": weekday_name(shown.date)
        }
    context = {
        "events": _by_date(listed),
        "form": state,
        "notice": notice,
        "warning": warning,
        "today": today,
    }
    return render(request, visitor, "commission/events.html", context)


def _weekend(day: dt.date) -> bool:
    return day.isoweekday() >= ISO_SATURDAY


ISO_SATURDAY = 6


EVENT_FIELDS = ("name", "name_en", "date", "place", "place_en")
OPTIONAL_EVENT_FIELDS = ("name_en", "place", "place_en")
"""Left empty, these are none: no English name (English readers read the name), no place."""


def _event_data(values: dict[str, str]) -> dict[str, str | None]:
    return {
        name: (value or None) if name in OPTIONAL_EVENT_FIELDS else value
        for name, value in values.items()
    }


@router.post("/commission/events")
async def create_event(
    request: Request, session: SessionDep, visitor: CommissionVisitor, form: SubmittedForm
) -> Response:
    values = {name: str(form.get(name, "")).strip() for name in EVENT_FIELDS}
    state = FormState(values=values)
    checked = validated(EventCreate, _event_data(values), state)
    if checked is not None and events.by_name(session=session, name=checked.name) is not None:
        state.errors["name"] = translate("An event with this name exists already.")
        checked = None
    if checked is None:
        listed, _ = events.list_page(session=session, limit=100, cursor=None)
        context = {"events": _by_date(listed), "form": state, "today": outcomes.today()}
        return render(request, visitor, "commission/events.html", context, status_code=422)
    start_writing(session)
    event = events.create(session=session, principal=visitor, data=checked)
    return redirect(request, f"/commission/events?created={event.id}")


def _event_form(event: Event) -> FormState:
    return FormState(
        values={
            "name": event.name,
            "name_en": event.name_en or "",
            "date": event.date.isoformat(),
            "place": event.place or "",
            "place_en": event.place_en or "",
        }
    )


def _edit_page(
    request: Request,
    session: Session,
    visitor: Principal,
    event: Event,
    form: FormState,
    *,
    stale: bool = False,
) -> Response:
    scheduled = meetings.latest_schedule(session, event.id) is not None
    context = {"event": event, "form": form, "stale": stale, "scheduled": scheduled}
    status_code = 422 if form.errors else 200
    return render(request, visitor, "commission/event_edit.html", context, status_code=status_code)


@router.get("/commission/events/{event_id}/edit")
def event_edit_form(
    event_id: str, request: Request, session: SessionDep, visitor: CommissionVisitor
) -> Response:
    try:
        event = events.get(session=session, event_id=event_id)
    except NotFound:
        return not_found(request, visitor)
    return _edit_page(request, session, visitor, event, _event_form(event))


@router.post("/commission/events/{event_id}/edit")
async def update_event(
    event_id: str,
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    form: SubmittedForm,
) -> Response:
    """Change the name, day or place; a change made meanwhile by someone else is shown, not
    overwritten; every problem beside its field, nothing written."""
    start_writing(session)
    try:
        event = events.get(session=session, event_id=event_id, for_update=True)
    except NotFound:
        return not_found(request, visitor)
    if str(form.get("revision", "")) != str(event.revision):
        return _edit_page(request, session, visitor, event, _event_form(event), stale=True)
    values = {name: str(form.get(name, "")).strip() for name in EVENT_FIELDS}
    state = FormState(values=values)
    checked = validated(EventUpdate, _event_data(values), state)
    if checked is not None:
        try:
            events.update(
                session=session,
                principal=visitor,
                event=event,
                data=checked,
                now=page_now(request),
            )
        except Conflict as refusal:
            if any(problem.code == "event_scheduled" for problem in refusal.errors or []):
                state.errors["date"] = translate(
                    "The meetings are scheduled already: the date can no longer change. To "
                    "hold the event on another day, call its meetings off or create a new event."
                )
            else:
                state.errors["name"] = translate("An event with this name exists already.")
        except Invalid as refusal:
            note_refusal(state, refusal)
        else:
            return redirect(request, f"/commission/events?changed={event.id}")
    return _edit_page(request, session, visitor, event, state)


@router.get("/commission/reports")
def report_list(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    context = _reports_page(session, FormState(values={}))
    return render(request, visitor, "commission/reports.html", context)


def _report_title(report: Report) -> str:
    """A report's title in the reader's language (a title somebody typed, as typed)."""
    scope = Scope.model_validate(report.summary["scope"])
    return Wording.for_reader().title_of(report.title, scope)


def _reports_page(session: SessionDep, form: FormState) -> dict[str, Any]:
    """The reports so far, each titled in the reader's language, and the form."""
    listed, _ = reports.list_page(session=session, event_id=None, limit=LISTED, cursor=None)
    known_events, _ = events.list_page(session=session, limit=100, cursor=None)
    titles = {report.id: _report_title(report) for report in listed}
    return {"reports": listed, "titles": titles, "events": known_events, "form": form}


@router.post("/commission/reports")
async def create_report(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    form: SubmittedForm,
    index: MatchIndexDep,
) -> Response:
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip() for name in ("event_id", "top_k", "min_score")
    }
    state = FormState(values=values)
    # The form offers the defaults (5 and 0.6); a box emptied on purpose is asked for (an
    # empty box is "missing" to ``validated``), not silently filled with a figure the officer
    # did not see.
    data = {
        "event_id": values["event_id"] or None,
        "top_k": values["top_k"] or None,
        "min_score": values["min_score"] or None,
    }
    checked = validated(ReportCreate, data, state)
    if checked is None:
        context = _reports_page(session, state)
        return render(request, visitor, "commission/reports.html", context, status_code=422)
    start_writing(session)
    try:
        report = reports.create(session=session, principal=visitor, index=index, data=checked)
    except Invalid:
        return not_found(request, visitor)
    return redirect(request, f"/commission/reports/{report.id}")


@router.get("/commission/reports/{report_id}")
def read_report(
    report_id: str, request: Request, session: SessionDep, visitor: CommissionVisitor
) -> Response:
    """The report read in the page: its written summary and the requests not covered; the
    whole document as HTML, PDF, Excel or CSV to download."""
    try:
        report = reports.get(session=session, report_id=report_id)
    except NotFound:
        return not_found(request, visitor)
    document = reports.document_of(report)
    words = Wording.for_reader()
    findings = find(document)
    context = {
        "report": report,
        "document": document,
        "words": words,
        "title": words.title(document),
        "summary": words.summary(findings, document.min_score),
        "findings": findings,
    }
    return render(request, visitor, "commission/report.html", context)


def _moment(value: str | None) -> dt.datetime | None:
    """A date typed in a filter, as the start of that day on the clocks the page shows times
    in (Beijing time by default): the day the officer means."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=display_time_zone())


# Where the trail's objects have a page of their own (while they exist: named below).
_OBJECT_PAGES = {
    "financing_request": "/commission/requests/{id}",
    "feedback": "/commission/requests/{id}",
    "report": "/commission/reports/{id}",
    "ranking_model": "/commission/ranking-models/{id}",
    "event": "/commission/events/{id}/programme",
}


def _move_details(session: Session, records: Sequence[Any]) -> dict[str, str]:
    """Each hand move's meeting and seats, in the reader's words, by record id: the record
    keeps ids, and "moved one meeting" alone does not say whose or where to."""

    def seat(moved: moves_in_trail.MovedSeat, day_said: dt.date | None = None) -> str:
        """The seat's day (unless ``day_said`` already said it), time and table."""
        table = translate("Table %(number)s") % {"number": moved.table}
        if moved.starts_at is None:
            return table
        return f"{time_of_day(moved.starts_at, day_said)} · {table}"

    def worded(move: moves_in_trail.HandMove) -> str:
        before = move.before
        said = before.starts_at.date() if before is not None and before.starts_at else None
        return translate("%(pair)s: %(before)s → %(after)s") % {
            "pair": move.pair,
            "before": translate("no seat") if before is None else seat(before),
            "after": seat(move.after, said),
        }

    return {
        record_id: worded(move)
        for record_id, move in moves_in_trail.hand_moves(session, records).items()
    }


@router.get("/commission/audit")
def audit_trail(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    query = request.query_params
    object_type = query.get("object_type") or None
    known_accounts, _ = accounts.list_page(session=session, role=None, limit=200, cursor=None)
    account_ids = {a.id for a in known_accounts}
    chosen = {
        "object_type": object_type if object_type in AUDIT_OBJECT_TYPES else None,
        "actor": query.get("actor") if query.get("actor") in account_ids else None,
        "since": query.get("since") or "",
        "until": query.get("until") or "",
    }
    since, until = _moment(chosen["since"]), _moment(chosen["until"])
    errors: dict[str, str] = {}
    if since is not None and until is not None and since > until:
        # Nothing is filtered by a range that holds no day; the officer is told which field.
        errors["until"] = translate("The end date is before the start date.")
        since = until = None
    until_end = None if until is None else until + dt.timedelta(days=1)
    records, next_cursor = audit.list_page(
        session=session,
        filters=audit.AuditFilters(
            object_type=chosen["object_type"],
            actor_account_id=chosen["actor"],
            since=since,
            until=until_end,
        ),
        limit=LISTED,
        cursor=query.get("cursor") or None,
    )
    names = object_names(
        session,
        records,
        model_name=model_name,
        account_key_name=lambda name: (
            translate("The account's own key") if name == ACCOUNT_KEY_NAME else name
        ),
        report_title=_report_title,
    )
    links = {
        (kind, object_id): page.format(id=object_id)
        for kind, object_id in names
        if (page := _OBJECT_PAGES.get(kind)) and object_id != DEFAULT_MODEL_VERSION
    }
    context = {
        "records": records,
        "details": _move_details(session, records),
        "object_names": names,
        "object_links": links,
        "form": FormState(values=chosen, errors=errors),
        "chosen": chosen,
        "object_types": AUDIT_OBJECT_TYPES,
        "accounts": known_accounts,
        "next_cursor": next_cursor,
    }
    return render(request, visitor, "commission/audit.html", context)
