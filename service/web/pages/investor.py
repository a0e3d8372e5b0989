"""The investor's pages: its mandates, and for each its ranked matches with reasons and
filters, with one-click feedback."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Feedback,
    FeedbackAction,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    PassReason,
    RequestStatus,
)
from service.conference import meetings, programme
from service.core.database import SessionDep, start_writing
from service.events import service as events
from service.feedback import service as feedback
from service.feedback.schemas import FeedbackWrite
from service.http.auth import Principal
from service.http.problems import Invalid, NotFound
from service.i18n.catalogs import translate
from service.i18n.labels import label
from service.i18n.reasons import N_
from service.impressions import service as impressions
from service.impressions.dependencies import ImpressionLogDep
from service.impressions.log import ImpressionLog
from service.investors import service as investors
from service.matches.service import MatchFilters, note_shown, rank_requests_for_investor
from service.outcomes import service as outcomes
from service.ranking.dependencies import MatchIndexDep
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow
from service.reference_data.catalog import CodeKind, get_reference_data
from service.web.forms import FormState, amount_field, validated
from service.web.pages import conference_parties
from service.web.pages.common import (
    InvestorVisitor,
    SubmittedForm,
    not_found,
    render,
)
from service.web.pages.conference_common import programme_events
from service.web.pages.mandates import OwnMandate
from service.web.responses import redirect
from service.web.visitors import page_now

router = APIRouter(include_in_schema=False)
MATCHES_PER_PAGE = 20
MANDATES_PER_PAGE = 20


@router.get("/investor")
def my_mandates(request: Request, session: SessionDep, visitor: InvestorVisitor) -> Response:
    """The account's mandates, newest first, a page at a time."""
    cursor = request.query_params.get("cursor") or None
    try:
        mandates, next_cursor = investors.list_page(
            session=session,
            principal=visitor,
            sector=None,
            stage=None,
            limit=MANDATES_PER_PAGE,
            cursor=cursor,
        )
    except Invalid:  # a cursor this page did not write: the first page
        mandates, next_cursor = investors.list_page(
            session=session,
            principal=visitor,
            sector=None,
            stage=None,
            limit=MANDATES_PER_PAGE,
            cursor=None,
        )
    context = {
        "mandates": mandates,
        "next_cursor": next_cursor,
        "notice": translate("Saved.") if request.query_params.get("done") else None,
    }
    return render(request, visitor, "investor/mandates.html", context)


def _known(kind: CodeKind, value: str | None) -> str | None:
    """A filter's code when the list offered it; anything else is no filter."""
    if not value:
        return None
    reference = get_reference_data()
    return reference.resolve(kind, value)


_SHOWN_PLACES = Decimal("0.01")  # the cards show the fit to two decimals


def _min_score(value: str | None) -> Decimal:
    """The lowest fit asked for, to the two decimals the cards show it with."""
    try:
        score = Decimal(value) if value else Decimal(0)
    except InvalidOperation:
        score = Decimal(0)
    if not score.is_finite():
        score = Decimal(0)
    return min(max(score, Decimal(0)), Decimal(1)).quantize(_SHOWN_PLACES, ROUND_HALF_UP)


def _lowest_score_shown_as(figure: Decimal) -> float:
    """The lowest score a card shows as ``figure`` or more: a card shows 0.799 as 0.80, so
    "at least 0.80" keeps it. Formatting a float to two places rounds its exact binary value,
    half to even, so the boundary is the first float near ``figure - 0.005`` that the card
    shows as ``figure`` (the nearest float to that decimal may lie just below it, or on it
    and round down: 0.125 reads 0.12)."""
    if figure <= 0:
        return 0.0
    lowest = float(figure - _SHOWN_PLACES / 2)
    while Decimal(f"{lowest:.2f}") < figure:
        lowest = math.nextafter(lowest, math.inf)
    return lowest


def _matches_notice(done: str | None) -> str | None:
    if done == conference_parties.MEETING_REQUESTED:
        return translate(conference_parties.NOTICES["requested"])
    if done == "undone":
        return translate("Your answer was taken back.")
    if done == "undo_stale":
        return translate(
            "Your answer had changed since the page was drawn, so nothing was taken back. "
            "This is your answer now."
        )
    if done == "created":
        return translate("The mandate is created. These are the requests that fit it best.")
    if done in _ANSWER_NOTICES:
        return translate(_ANSWER_NOTICES[done])
    return translate("Saved.") if done else None


# What an answer did, said after it: who now sees it, or where the request went.
_ANSWER_NOTICES = {
    FeedbackAction.INTERESTED.value: N_(
        "Saved: you are interested. The startup now sees your fund among the interested investors."
    ),
    FeedbackAction.PASS.value: N_("Saved: passed. The request is now in your list of passes."),
    FeedbackAction.MEETING.value: N_("Saved: you have met this company."),
    FeedbackAction.COMMITTED.value: N_(
        "Saved: your commitment is recorded, and counts in your deal history."
    ),
}


@router.get("/investor/mandates/{mandate_id}/matches")
def mandate_matches(
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    mandate: OwnMandate,
    index: MatchIndexDep,
    log: ImpressionLogDep,
) -> Response:
    return _matches_page(request, session, visitor, mandate, index, log)


def _passed_requests(
    session: Session, profile_id: str, passed_ids: frozenset[str]
) -> list[tuple[FinancingRequest, Feedback]]:
    """The published requests this mandate passed on, with the answer, by company: they
    leave the matches, and are listed apart so that a pass can be seen and taken back."""
    if not passed_ids:
        return []
    rows = session.execute(
        select(FinancingRequest, Feedback)
        .join(Feedback, Feedback.financing_request_id == FinancingRequest.id)
        .where(
            Feedback.investor_profile_id == profile_id,
            Feedback.action == FeedbackAction.PASS,
            FinancingRequest.status == RequestStatus.PUBLISHED,
        )
        .order_by(FinancingRequest.company, FinancingRequest.id)
    )
    return list(rows.tuples())


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """An answer that was not saved: which request it was about, what was typed, and the
    problem beside each field."""

    request_id: str
    form: FormState

    @property
    def said(self) -> str:
        """Each problem after the name of its field, for the banner at the top: the field
        itself is further down the page, in the request's card."""
        return " ".join(
            f"{translate(_ANSWER_FIELDS[name])}{translate(': ')}{message}"
            if name in _ANSWER_FIELDS
            else message
            for name, message in self.form.errors.items()
        )


# The answer's fields, as the card names them.
_ANSWER_FIELDS = {
    "amount": N_("Amount committed"),
    "reason": N_("Reason"),
    "note": N_("Your note"),
}


def _matches_page(
    request: Request,
    session: SessionDep,
    visitor: Principal,
    mandate: InvestorProfile,
    index: MatchIndex,
    log: ImpressionLog,
    problem: AnswerProblem | None = None,
) -> Response:
    """The mandate's ranked matches; with ``problem``, the answer that was not saved shown
    again beside its request (status 422)."""
    query = request.query_params
    known_events, _ = events.list_page(session=session, limit=100, cursor=None)
    event_ids = {e.id for e in known_events}
    chosen: dict[str, Any] = {
        "sector": _known("sector", query.get("sector")),
        "stage": _known("stage", query.get("stage")),
        "region": _known("region", query.get("region")),
        "event_id": query.get("event_id") if query.get("event_id") in event_ids else None,
        "min_score": _min_score(query.get("min_score")),
    }
    window = RankingWindow(MATCHES_PER_PAGE, 0, _lowest_score_shown_as(chosen["min_score"]), False)
    passed_ids = feedback.passed_request_ids(session=session, profile_id=mandate.id)
    matches = rank_requests_for_investor(
        session=session,
        index=index,
        profile=mandate,
        viewer=visitor,
        filters=MatchFilters(
            sector=chosen["sector"],
            stage=chosen["stage"],
            region=chosen["region"],
            event_id=chosen["event_id"],
            excluded_ids=passed_ids,
        ),
        window=window,
    )
    note_shown(log=log, profile=mandate, viewer=visitor, page=matches, window=window)
    given = feedback.latest_for(
        session=session,
        profile_id=mandate.id,
        request_ids=[m.financing_request.id for m in matches.items],
    )
    reference = get_reference_data()
    shown_ids = [m.financing_request.id for m in matches.items]
    # The request answered, where the page shows it (else the notice goes to the top).
    answered = query.get("answered")
    if answered not in shown_ids and answered not in passed_ids:
        answered = None
    notice = _matches_notice(query.get("done"))
    if notice and query.get("done") == FeedbackAction.PASS.value and answered in passed_ids:
        # A pass does not call a meeting off: the startup still expects it, so say so.
        still_meeting = session.scalars(
            meetings.visible_to(visitor).where(
                Meeting.investor_profile_id == mandate.id,
                Meeting.financing_request_id == answered,
                Meeting.status.in_(meetings.LIVE),
            )
        ).first()
        if still_meeting is not None:
            notice = " ".join(
                (
                    notice,
                    translate(
                        "You still have a meeting with this company at the conference: if you "
                        "will not meet, call it off under My meetings."
                    ),
                )
            )
    if notice and query.get("done") == "undone" and answered is not None:
        # What stands after the undo, said where the investor looks: an undo steps back one
        # answer, so the one before it may stand now, or none.
        # (Read for this request alone: a pass standing now takes it off the ranked list.)
        standing = feedback.latest_for(
            session=session, profile_id=mandate.id, request_ids=[answered]
        ).get(answered)
        notice = (
            translate("Your answer was taken back. Your answer now: %(answer)s.")
            % {"answer": label(standing.action)}
            if standing is not None
            else translate("Your answer was taken back. You have no answer on this request now.")
        )
    with_programme = programme_events(session)
    context = {
        "mandate": mandate,
        "matches": matches,
        # Conference day: a request presented at an event with a meeting programme can be
        # asked for a meeting (once per event); the ones asked show where they stand...
        "with_programme": {e.id: e for e in with_programme},
        # ...unless the event has been held: it is named, with no button.
        "over_events": {
            e.id for e in with_programme if programme.is_over(session, e, page_now(request))
        },
        "asked": {
            meeting.financing_request_id: meeting
            for meeting in session.scalars(
                meetings.visible_to(visitor).where(
                    Meeting.investor_profile_id == mandate.id,
                    Meeting.financing_request_id.in_(shown_ids),
                )
            )
        },
        # A firm meets a company once per event: where another of the firm's mandates has
        # a live meeting with a request, this mandate's card says so instead of offering one.
        "firm_asked": {
            meeting.financing_request_id: (meeting, name)
            for meeting, name in session.execute(
                meetings.visible_to(visitor)
                .add_columns(InvestorProfile.name)
                .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
                .join(FinancingRequest, FinancingRequest.id == Meeting.financing_request_id)
                .where(
                    Meeting.investor_profile_id != mandate.id,
                    Meeting.financing_request_id.in_(shown_ids),
                    # At the event presenting the request now, the one the card names.
                    Meeting.event_id == FinancingRequest.event_id,
                    Meeting.status.in_(meetings.LIVE),
                )
                # The oldest last, so it is kept: the one a second ask is refused with.
                .order_by(Meeting.created_at.desc(), Meeting.id.desc())
            ).tuples()
        },
        "chosen": chosen,
        "given": given,
        "sectors": reference.sectors,
        "stages": reference.stages,
        "regions": reference.regions,
        "events": events.soonest_first(known_events, outcomes.today()),
        "pass_reasons": list(PassReason),
        # After an answer the page opens at that request (or at the passes): the notice is
        # shown there, where the investor looks, not at the top of the page.
        "answered": answered,
        "notice": None if answered else notice,
        "answered_notice": notice,
        # The filters the page was opened with: its forms post with them, to come back to it.
        "filters_query": conference_parties.filters_query(query.multi_items()),
        "problem": (
            translate(conference_parties.PROBLEMS[query["problem"]])
            if query.get("problem") in conference_parties.PROBLEMS
            else None
        ),
        "answer_problem": problem,
        "passed": _passed_requests(session, mandate.id, passed_ids),
        # What each undo on the page takes back: an undo from a page drawn before the answer
        # changed takes nothing back.
        "undo_tokens": feedback.undo_tokens(
            session=session, profile_id=mandate.id, request_ids=[*shown_ids, *passed_ids]
        ),
        "passed_ids": passed_ids,
    }
    return render(
        request,
        visitor,
        "investor/matches.html",
        context,
        status_code=200 if problem is None else 422,
    )


@router.post("/investor/mandates/{mandate_id}/feedback/{request_id}")
async def give_feedback(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    mandate: OwnMandate,
    index: MatchIndexDep,
    log: ImpressionLogDep,
    form: SubmittedForm,
) -> Response:
    state = FormState(values={k: str(v) for k, v in form.items()})
    data: dict[str, Any] = {"action": state.values.get("action", "")}
    if data["action"] == FeedbackAction.PASS.value:
        data["reason"] = state.values.get("reason") or None
        if data["reason"] is None:
            state.add("reason", "pass_reason")
        data["note"] = state.values.get("note", "").strip() or None
    if data["action"] == FeedbackAction.COMMITTED.value:
        answered = session.get(FinancingRequest, request_id)
        amount = amount_field(
            state, "amount", answered.currency if answered else None, currency_fixed=True
        )
        data["amount"] = Decimal(amount) if amount is not None else None
    checked = validated(FeedbackWrite, data, state)
    if checked is None:
        problem = AnswerProblem(request_id=request_id, form=state)
        return _matches_page(request, session, visitor, mandate, index, log, problem)
    start_writing(session)
    try:
        feedback.record(
            session=session,
            principal=visitor,
            profile=mandate,
            financing_request_id=request_id,
            data=checked,
            shown=impressions.was_shown(
                session=session,
                log=log,
                investor_profile_id=mandate.id,
                financing_request_id=request_id,
            ),
        )
    except NotFound:
        return not_found(request, visitor)
    # A request passed on leaves the matches for the list of passes below them.
    anchor = "passed" if checked.action is FeedbackAction.PASS else f"request-{request_id}"
    return redirect(
        request,
        conference_parties.back_to_matches(
            mandate.id,
            request.query_params.multi_items(),
            f"done={checked.action.value}&answered={request_id}#{anchor}",
        ),
    )


@router.post("/investor/mandates/{mandate_id}/feedback/{request_id}/undo")
async def undo_feedback(
    request_id: str,
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    mandate: OwnMandate,
    form: SubmittedForm,
) -> Response:
    """Take the latest answer back; pressed again, the one before it too, down to none."""
    answer_id = str(form.get("answer", "")) or None
    start_writing(session)
    try:
        feedback.undo(
            session=session,
            principal=visitor,
            profile=mandate,
            financing_request_id=request_id,
            answer_id=answer_id,
        )
    except NotFound:
        return not_found(request, visitor)
    except feedback.StaleAnswer:
        done = "undo_stale"
    else:
        done = "undone"
    return redirect(
        request,
        conference_parties.back_to_matches(
            mandate.id,
            request.query_params.multi_items(),
            f"done={done}&answered={request_id}#request-{request_id}",
        ),
    )
