"""The commission's pages: a dashboard, the review queue (publish or reject, several at once),
and each request's detail with its ranked investors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from models import FinancingRequest, RequestStatus
from service.audit_log import service as audit
from service.conference import meetings
from service.core.database import SessionDep, start_writing
from service.events import service as events
from service.feedback import service as feedback
from service.financing_requests import service as requests
from service.financing_requests.schemas import ReviewDecision
from service.http.auth import Principal
from service.http.problems import Conflict, NotFound
from service.i18n.catalogs import translate
from service.i18n.labels import label
from service.i18n.languages import current_language
from service.i18n.reasons import N_
from service.matches.service import rank_investors_for_request
from service.outcomes.figures import FiguresBy, commission_figures
from service.outcomes.presenting import figures_out
from service.ranking.dependencies import MatchIndexDep
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow
from service.reference_data.code_links import codes_of
from service.reports import service as reports
from service.reports.findings import find
from service.reports.outcome_wording import rate_text
from service.reports.wording import Wording
from service.web.forms import FormState
from service.web.pages.common import (
    CommissionVisitor,
    SubmittedForm,
    not_found,
    render,
)
from service.web.pages.outcomes import short_money
from service.web.responses import redirect

router = APIRouter(include_in_schema=False)
INVESTORS_SHOWN = 20
HISTORY_SHOWN = 50


@router.get("/commission")
def dashboard(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    counts = requests.count_by_status(session=session)
    # Coverage and capital come from the latest report: computing them over every published
    # request on each visit would cost seconds; a report is that computation, kept.
    latest, _ = reports.list_page(session=session, event_id=None, limit=1, cursor=None)
    context: dict[str, Any] = {"counts": counts, "latest": None}
    # What the meetings became, now (one pass over the meetings and deals).
    figures = commission_figures(session, FiguresBy.EVENT, current_language())
    context.update(outcomes=figures_out(figures).total, rate=rate_text, short_money=short_money)
    if latest:
        document = reports.document_of(latest[0])
        words = Wording.for_reader()
        context.update(
            latest=latest[0],
            document=document,
            words=words,
            title=words.title(document),
            summary=words.summary(find(document), document.min_score),
        )
    return render(request, visitor, "commission/dashboard.html", context)


_REVIEWED_NOTICES = {
    "publish": N_("%(count)s published."),
    "reject": N_("%(count)s sent back to the startup."),
}


def _review_page(
    request: Request,
    session: Session,
    visitor: Principal,
    *,
    form: FormState | None = None,
    chosen: frozenset[str] = frozenset(),
) -> Response:
    """The queue; with ``form``, the decision that was not made shown again: the rows that
    were ticked still ticked, the note as typed, each problem beside its field (422)."""
    waiting, _ = requests.list_page(
        session=session,
        principal=visitor,
        sector=None,
        stage=None,
        status=RequestStatus.SUBMITTED,
        event_id=None,
        limit=100,
        cursor=None,
    )
    query = request.query_params
    done, decision = query.get("done", ""), query.get("decision", "")
    notice = (
        translate(_REVIEWED_NOTICES.get(decision, N_("%(count)s reviewed."))) % {"count": done}
        if done.isdigit() and form is None
        else None
    )
    skipped = query.get("skipped", "")
    context: dict[str, Any] = {
        "waiting": waiting,
        "form": form or FormState(values={}),
        "chosen": chosen,
        "notice": notice,
        "skipped": int(skipped) if skipped.isdigit() and form is None else 0,
    }
    status_code = 422 if form is not None and form.errors else 200
    return render(request, visitor, "commission/review.html", context, status_code=status_code)


@router.get("/commission/review")
def review_queue(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    return _review_page(request, session, visitor)


@router.post("/commission/review")
async def review_requests(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    form: SubmittedForm,
    index: MatchIndexDep,
) -> Response:
    """Publish or reject every chosen request; one that changed since the page was opened
    is left for another look (counted as skipped). Nothing is reviewed while a problem is
    shown."""
    decision = str(form.get("decision", ""))
    typed_note = str(form.get("note", ""))
    note = typed_note.strip() or None
    ticked = [str(value) for value in form.getlist("chosen")]
    chosen = [value.partition(":") for value in ticked]
    state = FormState(values={"note": typed_note})
    if not chosen:
        state.errors["chosen"] = translate("Choose at least one request.")
    if decision == "reject" and note is None:
        state.errors["note"] = translate("A rejection needs a note for the startup.")
    if decision not in _REVIEWED_NOTICES:
        state.errors["decision"] = translate("Choose to publish or to send back.")
    if state.errors:
        # Decided on the request's own page: its problem is shown there, beside the note,
        # with the request still in view (not in the queue, where the officer must find it).
        from_page = str(form.get("from_request", ""))
        if from_page and [value for value, _, _ in chosen] == [from_page]:
            try:
                found = requests.get_visible(
                    session=session, principal=visitor, request_id=from_page
                )
            except NotFound:
                return not_found(request, visitor)
            if found.status is RequestStatus.SUBMITTED:
                return _request_page(request, session, visitor, index, found, form=state)
            # Reviewed by someone else meanwhile: its page has no review form any more, so it
            # says what happened instead of a problem with a note nobody needs now.
            problem = translate(
                "Nothing was changed: this request was reviewed meanwhile and is now %(status)s."
            ) % {"status": label(found.status)}
            return _request_page(request, session, visitor, index, found, problem=problem)
        return _review_page(request, session, visitor, form=state, chosen=frozenset(ticked))
    checked = ReviewDecision.model_validate({"decision": decision, "note": note})
    start_writing(session)
    done = skipped = 0
    for request_id, _, revision in chosen:
        try:
            found = requests.get_visible(
                session=session, principal=visitor, request_id=request_id, for_update=True
            )
        except NotFound:
            skipped += 1
            continue
        if str(found.revision) != revision:
            skipped += 1
            continue
        try:
            requests.review(
                session=session, principal=visitor, financing_request=found, decision=checked
            )
        except Conflict:
            skipped += 1
            continue
        done += 1
    return redirect(
        request, f"/commission/review?done={done}&skipped={skipped}&decision={checked.decision}"
    )


@router.get("/commission/requests/{request_id}")
def request_detail(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    index: MatchIndexDep,
) -> Response:
    try:
        found = requests.get_visible(session=session, principal=visitor, request_id=request_id)
    except NotFound:
        return not_found(request, visitor)
    return _request_page(request, session, visitor, index, found)


def _request_page(
    request: Request,
    session: Session,
    visitor: Principal,
    index: MatchIndex,
    found: FinancingRequest,
    *,
    form: FormState | None = None,
    problem: str | None = None,
) -> Response:
    """A request as the commission reads it; with ``form``, its review decision that was not
    made, each problem beside its field (422); with ``problem``, why nothing was done (409)."""
    ranked = (
        rank_investors_for_request(
            session=session,
            index=index,
            financing_request=found,
            window=RankingWindow(INVESTORS_SHOWN),
        )
        if found.status is RequestStatus.PUBLISHED
        else None
    )
    interested = feedback.interest_in(session=session, financing_request=found)
    # Who answered what and who meets it where: beside each ranked investor, so the officer
    # reads a ranking and its follow-up together.
    answers = feedback.answers_on(session=session, financing_request_id=found.id)
    meetings_by_mandate = meetings.latest_by_mandate(session, found.id)
    history, _ = audit.list_page(
        session=session,
        filters=audit.AuditFilters(object_id=found.id),
        limit=HISTORY_SHOWN,
        cursor=None,
    )
    context = {
        "item": found,
        "sectors": codes_of(found.sector_links),
        # What the officer approves: the event it is presented at, besides sector and stage.
        "event": events.get(session=session, event_id=found.event_id) if found.event_id else None,
        "ranked": ranked,
        "interested": interested,
        "answers": answers,
        "meetings_by_mandate": meetings_by_mandate,
        "history": history,
        "form": form or FormState(values={}),
        "problem": problem,
    }
    status_code = 422 if form is not None and form.errors else 409 if problem else 200
    return render(request, visitor, "commission/request.html", context, status_code=status_code)
