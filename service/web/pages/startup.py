"""The startup's pages: its requests with status and review notes, a form to file and edit a
request, submitting it for review, and the investors who showed interest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Account,
    Event,
    Feedback,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingAnswer,
    MeetingSide,
    MeetingStatus,
    RequestStatus,
)
from service.audit_log import service as audit
from service.conference import meetings, programme
from service.core.database import SessionDep, start_writing
from service.events import held
from service.events import service as events
from service.feedback import service as feedback
from service.financing_requests import service as requests
from service.financing_requests.schemas import (
    FinancingRequestCreate,
    FinancingRequestUpdate,
    OwnerStatusChange,
)
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound
from service.i18n.amounts import amount_for_typing
from service.i18n.catalogs import translate
from service.i18n.event_names import event_name
from service.i18n.labels import label
from service.i18n.reasons import N_
from service.impressions import service as impressions
from service.impressions.dependencies import ImpressionLogDep
from service.outcomes import service as outcomes
from service.reference_data.catalog import get_reference_data
from service.reference_data.code_links import codes_of
from service.reports.wording import display_time_zone
from service.web.forms import FormState, amount_field, note_refusal, validated
from service.web.pages.common import (
    StartupVisitor,
    SubmittedForm,
    message_page,
    not_found,
    render,
)
from service.web.responses import redirect
from service.web.visitors import page_now

router = APIRouter(include_in_schema=False)
TWIN = N_(
    "Nothing was saved: you already have a request with this company, title, amount and stage "
    "(%(status)s). Edit that one on your requests page, or change this one."
)
# A form shown again with its problems is a page like any other (200): the problems are
# written beside the fields, and the browser logs no failed load.
HISTORY_SHOWN = 20  # a request's latest steps on its card
EDITABLE = frozenset({RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.REJECTED})
TEXT_FIELDS = (
    "company",
    "title",
    "summary",
    "title_en",
    "summary_en",
    "amount",
    "currency",
    "stage",
    "region",
    "event_id",
    "contact_name",
    "contact_phone",
    "credit_code",
)
# The fields a form may leave empty are those the API clears with null.
OPTIONAL_FIELDS = tuple(sorted(FinancingRequestUpdate.nullable_fields))


def _own_request(
    session: Session, visitor: Principal, request_id: str, *, for_update: bool = False
) -> FinancingRequest | None:
    """The visitor's own request (a startup sees only its own), or None."""
    try:
        return requests.get_visible(
            session=session, principal=visitor, request_id=request_id, for_update=for_update
        )
    except NotFound:
        return None


@dataclass(frozen=True, slots=True)
class MeetingAsked:
    """A meeting at a conference about one of the startup's requests, still to be held:
    an investor's wish to meet is interest too, and stronger than a click."""

    investor_name: str
    event_name: str
    confirmed: bool
    waiting_for_you: bool


def _asked_to_meet(
    session: Session, request_ids: list[str], now: dt.datetime
) -> dict[str, list[MeetingAsked]]:
    """The meetings investors asked for (not those the startup asked for or the commission
    proposed), at events still to come."""
    if not request_ids:
        return {}
    asked: dict[str, list[MeetingAsked]] = {}
    rows = session.execute(
        select(Meeting, InvestorProfile.name, Event.name)
        .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
        .join(Event, Event.id == Meeting.event_id)
        .where(
            Meeting.financing_request_id.in_(request_ids),
            Meeting.status.in_(meetings.LIVE),
            Meeting.requested_by == MeetingSide.INVESTOR,
        )
        .order_by(Event.date, Meeting.created_at, Meeting.id)
    ).tuples()
    over: dict[str, bool] = {}
    for meeting, investor_name, written_name in rows:
        event = session.get(Event, meeting.event_id)
        if meeting.event_id not in over:
            over[meeting.event_id] = event is None or programme.is_over(session, event, now)
        if over[meeting.event_id]:
            continue
        asked.setdefault(meeting.financing_request_id, []).append(
            MeetingAsked(
                investor_name=investor_name,
                event_name=written_name if event is None else event_name(event),
                confirmed=meeting.status is MeetingStatus.ACCEPTED,
                waiting_for_you=meeting.startup_answer is MeetingAnswer.PENDING,
            )
        )
    return asked


@dataclass(frozen=True, slots=True)
class InterestedFirm:
    """One investor firm's interest in a request: its funds (mandates) that answered, each
    with its answer. ``firm`` is named only when several of its funds answered, so a founder
    sees that "USD Growth Fund" and "China Deep Tech" are one firm."""

    firm: str | None
    answers: list[tuple[InvestorProfile, Feedback]]


def _by_firm(
    session: Session, interest: dict[str, list[tuple[InvestorProfile, Feedback]]]
) -> dict[str, list[InterestedFirm]]:
    owners = {
        profile.owner_account_id
        for answers in interest.values()
        for profile, _ in answers
        if profile.owner_account_id
    }
    chosen = select(Account.id, Account.name).where(Account.id.in_(owners))
    names = dict(session.execute(chosen).tuples().all())
    grouped: dict[str, list[InterestedFirm]] = {}
    for request_id, answers in interest.items():
        by_owner: dict[str, list[tuple[InvestorProfile, Feedback]]] = {}
        for profile, given in answers:  # newest answer first: a firm stands where its newest is
            by_owner.setdefault(profile.owner_account_id or profile.id, []).append((profile, given))
        grouped[request_id] = [
            InterestedFirm(names.get(owner) if len(funds) > 1 else None, funds)
            for owner, funds in by_owner.items()
        ]
    return grouped


def _start_of_today(now: dt.datetime) -> dt.datetime:
    zone = display_time_zone()
    midnight = dt.datetime.combine(now.astimezone(zone).date(), dt.time(), tzinfo=zone)
    return midnight.astimezone(dt.UTC)


@router.get("/startup")
def my_requests(
    request: Request, session: SessionDep, visitor: StartupVisitor, log: ImpressionLogDep
) -> Response:
    mine, _ = requests.list_page(
        session=session,
        principal=visitor,
        sector=None,
        stage=None,
        status=None,
        event_id=None,
        limit=100,
        cursor=None,
    )
    interest = feedback.interest_in_each(session=session, request_ids=[r.id for r in mine])
    # How far a published request reaches: how many investors' pages showed it near the top;
    # a count only, never who, and counted to the start of today (the pages' clock): a
    # boundary that moves once a day, so reloading the page cannot time one investor's visit.
    # Where impressions are not recorded, nothing is said.
    counted_to = _start_of_today(page_now(request))
    seen = (
        impressions.investors_who_saw(
            session=session,
            request_ids=[r.id for r in mine if r.status is RequestStatus.PUBLISHED],
            shown_before=counted_to,
        )
        if log.enabled
        else None
    )
    asked_to_meet = _asked_to_meet(session, [r.id for r in mine], page_now(request))
    # What happened to each request and who did it: the startup's own people by name, the
    # commission as the commission (its officers' names are its own business).
    histories = audit.histories_of(
        session=session,
        object_type=requests.OBJECT_TYPE,
        object_ids=[r.id for r in mine],
        limit_each=HISTORY_SHOWN,
    )
    notice = {
        "saved": translate("Saved."),
        "submitted": translate("Submitted for review."),
        "withdrawn": translate("Withdrawn: investors no longer see the request."),
        "closed": translate("Closed: the round is done and investors no longer see it."),
        "deleted": translate("Deleted."),
    }.get(request.query_params.get("done", ""))
    return render(
        request,
        visitor,
        "startup/requests.html",
        {
            "requests": mine,
            "interest": _by_firm(session, interest),
            "seen": seen,
            "counted_to": counted_to,
            "seen_top": impressions.EXPOSURE_TOP,
            "asked_to_meet": asked_to_meet,
            "histories": histories,
            "notice": notice,
            # Where each request is presented (the commission may have moved it).
            "event_names": events.names_of(
                session=session, event_ids={r.event_id for r in mine if r.event_id}
            ),
        },
    )


def _form_context(
    session: Session,
    state: FormState,
    now: dt.datetime,
    editing: FinancingRequest | None,
    **extra: Any,
) -> dict[str, Any]:
    reference = get_reference_data()
    listed, _ = events.list_page(session=session, limit=100, cursor=None)
    today = outcomes.today()
    # No event dated after today (Shanghai) is over anywhere: only the others are looked up.
    over = {e.id for e in listed if e.date <= today and held.is_over(session, e, now)}
    # A startup presents at an event still to come; one already held is offered only when it
    # is the request's own (presented there before: kept, marked as over).
    own = editing.event_id if editing is not None else None
    offered = [e for e in listed if e.id not in over or e.id == own]
    return {
        "form": state,
        "sectors": reference.sectors,
        "stages": reference.stages,
        "regions": reference.regions,
        "currencies": reference.entries("currency"),
        "events": events.soonest_first(offered, today),
        "over": over,
        "today": today,
        "editing": editing,
        **extra,
    }


def _request_form(
    request: Request,
    session: Session,
    visitor: Principal,
    state: FormState,
    editing: FinancingRequest | None,
    **extra: Any,
) -> Response:
    """The request form with ``state``'s values and problems (new when ``editing`` is None)."""
    context = _form_context(session, state, page_now(request), editing, **extra)
    return render(request, visitor, "startup/request_form.html", context)


def _blank_form(session: Session, visitor: Principal) -> FormState:
    """A new request's form, the company filled in (still editable): as the account's latest
    request names it, else the account's name (an account may be named otherwise than the
    company writes itself: the demo's "Stepfun (demo)")."""
    latest_company = session.scalar(
        select(FinancingRequest.company)
        .where(FinancingRequest.owner_account_id == visitor.account_id)
        .order_by(FinancingRequest.created_at.desc(), FinancingRequest.id.desc())
        .limit(1)
    )
    company = latest_company or visitor.name
    return FormState(values={"company": company, "currency": "CNY", "sectors": []})


def _filled_form(financing_request: FinancingRequest) -> FormState:
    values: dict[str, Any] = {name: getattr(financing_request, name) for name in TEXT_FIELDS}
    values["amount"] = amount_for_typing(financing_request.amount)
    values["sectors"] = codes_of(financing_request.sector_links)
    values["revision"] = financing_request.revision
    return FormState(values={k: ("" if v is None else v) for k, v in values.items()})


def _typed(form: Any) -> FormState:
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip() for name in (*TEXT_FIELDS, "revision")
    }
    values["sectors"] = [str(code) for code in form.getlist("sectors")]
    return FormState(values=values)


def _data(state: FormState) -> dict[str, Any] | None:
    """The typed values as the API's body: amounts parsed, empty choices left out."""
    amount = amount_field(state, "amount", state.values.get("currency") or None)
    data: dict[str, Any] = {
        name: state.values[name] for name in ("company", "title", "summary", "currency", "stage")
    }
    data["sectors"] = state.values["sectors"]
    for name in OPTIONAL_FIELDS:
        data[name] = state.values[name] or None
    if amount is not None:
        data["amount"] = amount
    return data


@router.get("/startup/requests/new")
def new_request_form(request: Request, session: SessionDep, visitor: StartupVisitor) -> Response:
    return _request_form(request, session, visitor, _blank_form(session, visitor), None)


@router.post("/startup/requests/new")
async def create_request(
    request: Request, session: SessionDep, visitor: StartupVisitor, form: SubmittedForm
) -> Response:
    state = _typed(form)
    data = _data(state)
    submit = form.get("action") == "submit"
    body = {**(data or {}), "status": "submitted" if submit else "draft"}
    checked = validated(FinancingRequestCreate, body, state)
    if checked is None:
        return _request_form(request, session, visitor, state, None)
    start_writing(session)
    twin = (
        None
        if visitor.account_id is None
        else requests.open_twin(session, visitor.account_id, checked)
    )
    if twin is not None:
        # Checked inside the writing transaction: a form sent twice at once files one.
        session.rollback()
        state.errors["__all__"] = translate(TWIN) % {"status": label(twin.status)}
        return _request_form(request, session, visitor, state, None)
    try:
        requests.create(session=session, principal=visitor, data=checked, now=page_now(request))
    except Invalid as refusal:
        session.rollback()  # nothing written on error
        note_refusal(state, refusal)
        return _request_form(request, session, visitor, state, None)
    return redirect(request, f"/startup?done={'submitted' if submit else 'saved'}")


@router.get("/startup/requests/{request_id}/edit")
def edit_request_form(
    request_id: str, request: Request, session: SessionDep, visitor: StartupVisitor
) -> Response:
    financing_request = _own_request(session, visitor, request_id)
    if financing_request is None:
        return not_found(request, visitor)
    if financing_request.status not in requests.EDITABLE:
        # Not a form that fails on saving: investors have seen it, or it is over.
        return message_page(
            request,
            visitor,
            translate("This request can no longer be edited"),
            translate(
                "Once published, a request stays as investors saw it. To change it, withdraw "
                "it on your requests page and file a new one."
            )
            if financing_request.status is RequestStatus.PUBLISHED
            else translate(
                "It is withdrawn or closed and stays on record as it was. To raise again, file "
                "a new request."
            ),
            409,
        )
    filled = _filled_form(financing_request)
    return _request_form(request, session, visitor, filled, financing_request)


@router.post("/startup/requests/{request_id}/edit")
async def update_request(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    form: SubmittedForm,
) -> Response:
    start_writing(session)
    financing_request = _own_request(session, visitor, request_id, for_update=True)
    if financing_request is None:
        return not_found(request, visitor)
    state = _typed(form)
    if str(financing_request.revision) != state.values["revision"]:
        # Someone changed it since this form was opened: show what is there now.
        filled = _filled_form(financing_request)
        return _request_form(request, session, visitor, filled, financing_request, conflict=True)
    data = _data(state)
    submit = form.get("action") == "submit"
    if submit and financing_request.status is not RequestStatus.SUBMITTED:
        data = {**(data or {}), "status": "submitted"}
    checked = validated(FinancingRequestUpdate, data or {}, state)
    if checked is None:
        return _request_form(request, session, visitor, state, financing_request)
    try:
        requests.update(
            session=session,
            principal=visitor,
            financing_request=financing_request,
            data=checked,
            now=page_now(request),
        )
    except Conflict:
        session.rollback()  # nothing written on error
        state.errors["__all__"] = translate("This request can no longer be edited.")
        return _request_form(request, session, visitor, state, financing_request)
    except Invalid as refusal:
        session.rollback()  # nothing written on error
        note_refusal(state, refusal)
        return _request_form(request, session, visitor, state, financing_request)
    return redirect(request, f"/startup?done={'submitted' if submit else 'saved'}")


# Ending a request: withdrawn (the startup stops it), closed (the round is done), or deleted
# when investors never saw it. Each asks first on the page.


def _end(
    request: Request, session: Session, visitor: Principal, request_id: str, ending: str
) -> Response:
    start_writing(session)
    financing_request = _own_request(session, visitor, request_id, for_update=True)
    if financing_request is None:
        return not_found(request, visitor)
    try:
        if ending == "deleted":
            requests.delete(session=session, principal=visitor, financing_request=financing_request)
        else:
            requests.update(
                session=session,
                principal=visitor,
                financing_request=financing_request,
                data=FinancingRequestUpdate(status=OwnerStatusChange(ending)),
            )
    except Conflict:
        seen = ending == "deleted" and financing_request.published_at is not None
        return message_page(
            request,
            visitor,
            translate("Not possible for this request"),
            translate(
                "Investors have seen it, so it stays on record: it can be withdrawn or closed, "
                "not deleted."
            )
            if seen
            else translate(
                "Its status changed meanwhile: see your requests page for what it is now."
            ),
            409,
        )
    return redirect(request, f"/startup?done={ending}")


@router.post("/startup/requests/{request_id}/withdraw")
def withdraw_request(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    form: SubmittedForm,
) -> Response:
    return _end(request, session, visitor, request_id, OwnerStatusChange.WITHDRAWN.value)


@router.post("/startup/requests/{request_id}/close")
def close_request(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    form: SubmittedForm,
) -> Response:
    return _end(request, session, visitor, request_id, OwnerStatusChange.CLOSED.value)


@router.post("/startup/requests/{request_id}/delete")
def delete_request(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: StartupVisitor,
    form: SubmittedForm,
) -> Response:
    return _end(request, session, visitor, request_id, "deleted")
