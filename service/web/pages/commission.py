"""The commission's pages: a dashboard, the review queue (publish or reject, several at once),
and each request's detail with its ranked investors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from models import RequestStatus
from service.audit_log import service as audit
from service.core.database import SessionDep, start_writing
from service.events import service as events
from service.feedback import service as feedback
from service.financing_requests import service as requests
from service.financing_requests.schemas import ReviewDecision
from service.http.problems import Conflict, NotFound
from service.i18n.catalogs import translate
from service.i18n.languages import current_language
from service.matches.service import rank_investors_for_request
from service.outcomes.figures import FiguresBy, commission_figures
from service.outcomes.presenting import figures_out
from service.ranking.dependencies import MatchIndexDep
from service.ranking.ranker import RankingWindow
from service.reference_data.code_links import codes_of
from service.reports import service as reports
from service.reports.findings import find
from service.reports.outcome_wording import rate_text
from service.reports.wording import Wording
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


@router.get("/commission/review")
def review_queue(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
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
    context: dict[str, Any] = {
        "waiting": waiting,
        "error": translate("A rejection needs a note for the startup.")
        if query.get("problem") == "note"
        else translate("Choose at least one request.")
        if query.get("problem") == "none"
        else None,
        "notice": translate("%(count)s reviewed.") % {"count": query.get("done")}
        if query.get("done", "").isdigit()
        else None,
        "skipped": int(query.get("skipped", "0") or 0) if query.get("skipped", "").isdigit() else 0,
    }
    return render(request, visitor, "commission/review.html", context)


@router.post("/commission/review")
async def review_requests(
    request: Request, session: SessionDep, visitor: CommissionVisitor, form: SubmittedForm
) -> Response:
    """Publish or reject every chosen request; one that changed since the page was opened
    is left for another look (counted as skipped)."""
    decision = str(form.get("decision", ""))
    note = str(form.get("note", "")).strip() or None
    chosen = [str(value).partition(":") for value in form.getlist("chosen")]
    if not chosen:
        return redirect(request, "/commission/review?problem=none")
    if decision == "reject" and note is None:
        return redirect(request, "/commission/review?problem=note")
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
    return redirect(request, f"/commission/review?done={done}&skipped={skipped}")


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
        "history": history,
    }
    return render(request, visitor, "commission/request.html", context)
