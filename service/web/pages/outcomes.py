"""Deals after the handshake, as pages: an investor's and a startup's own deals (opened from an
accepted meeting or shown interest), one deal with its steps and the form for the next one,
and the commission's view of every deal with its figures. The rules are the outcome
service's; these handlers read the form, call it, and show its problems beside the fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Outcome, OutcomeStage, OutcomeStepKind
from service.core.database import SessionDep, start_writing
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound
from service.i18n.amounts import compact_amount
from service.i18n.catalogs import translate
from service.i18n.event_names import event_name
from service.i18n.languages import current_language
from service.i18n.reasons import N_
from service.outcomes import service as outcomes
from service.outcomes.deadlines import deadlines_of
from service.outcomes.figures import FiguresBy, commission_figures
from service.outcomes.pairs import openable_pairs, sides_of
from service.outcomes.presenting import figures_out
from service.outcomes.schemas import NEEDS, OutcomeStepWrite, OutcomeWrite
from service.reports.outcome_wording import rate_text
from service.web.forms import FormState, amount_field, validated
from service.web.pages.common import (
    CommissionVisitor,
    PageRefusal,
    SubmittedForm,
    not_found,
    render,
)
from service.web.responses import redirect, sign_in_location
from service.web.visitors import Visitor

router = APIRouter(include_in_schema=False)
SHOWN = 200
STEP_FIELDS = ("kind", "happened_on", "amount", "credit_code", "reason")

STAGE_LABELS = {
    OutcomeStage.NEGOTIATING: N_("Negotiating"),
    OutcomeStage.SIGNED: N_("Signed"),
    OutcomeStage.REGISTERED: N_("Registered"),
    OutcomeStage.FUNDS_IN_PLACE: N_("Funds in place"),
    OutcomeStage.PRODUCING: N_("Producing"),
    OutcomeStage.ABANDONED: N_("Abandoned"),
}
STEP_LABELS = {
    OutcomeStepKind.SIGN: N_("Sign (amount)"),
    OutcomeStepKind.REGISTER: N_("Register the company (credit code)"),
    OutcomeStepKind.TRANCHE: N_("Funds arrived (a tranche)"),
    OutcomeStepKind.PRODUCE: N_("Start production"),
    OutcomeStepKind.AMEND: N_("Amend the signed amount (with a reason)"),
    OutcomeStepKind.ABANDON: N_("Abandon (with a reason)"),
}
# A step as the deal's history and the notice after recording it say it: what happened.
DONE_LABELS = {
    OutcomeStepKind.SIGN: N_("Signed"),
    OutcomeStepKind.REGISTER: N_("Company registered"),
    OutcomeStepKind.TRANCHE: N_("Funds arrived"),
    OutcomeStepKind.PRODUCE: N_("Production started"),
    OutcomeStepKind.AMEND: N_("Signed amount amended"),
    OutcomeStepKind.ABANDON: N_("Abandoned"),
}
OVERDUE_LABELS = {
    "registration": N_("Registration overdue"),
    "production": N_("Production overdue"),
}
DIMENSION_LABELS = {
    FiguresBy.EVENT: N_("By event"),
    FiguresBy.SECTOR: N_("By sector"),
    FiguresBy.REGION: N_("By region"),
    FiguresBy.ORIGIN: N_("By investor origin"),
}
# A problem the outcome service reports, as the person reads it beside the field.
_STEP_PROBLEMS = {
    "future": N_("A step cannot be dated after today."),
    "too_early": N_("A step cannot be dated before the deal's previous step."),
}
_TRANCHE_ABOVE_SIGNED = N_(
    "This tranche would bring the funds in place above the signed amount: record an amendment "
    "of the signed amount first."
)
_AMEND_REFUSED = N_("The signed amount cannot go below the funds in place, nor stay the same.")
_NOTHING_YET = N_("Nothing yet")
_STEP_NOT_ALLOWED = N_("This deal cannot take that step now.")
_PAIR_PROBLEMS = {
    "conflict": N_("This investor and this request have a deal under way already."),
    "invalid": N_("A deal can no longer be opened on this pair."),
}


def stage_label(stage: OutcomeStage | str) -> str:
    return translate(STAGE_LABELS.get(OutcomeStage(stage), str(stage)))


def step_label(kind: OutcomeStepKind | str) -> str:
    return translate(STEP_LABELS.get(OutcomeStepKind(kind), str(kind)))


def done_label(kind: OutcomeStepKind | str) -> str:
    return translate(DONE_LABELS.get(OutcomeStepKind(kind), str(kind)))


def overdue_label(flag: str) -> str:
    return translate(OVERDUE_LABELS.get(str(flag), str(flag)))


def short_money(amount: Decimal | None, currency: str) -> str:
    """An amount for a table: 35亿元 (the deal's page has the exact figure); none yet is said."""
    if amount is None:
        return "—"
    return translate(_NOTHING_YET) if amount == 0 else compact_amount(amount, currency)


LABELS = {
    "short_money": short_money,
    "stage_label": stage_label,
    "step_label": step_label,
    "done_label": done_label,
    "overdue_label": overdue_label,
    "rate": rate_text,
}


def _signed_in(request: Request, visitor: Principal | None) -> Principal:
    if visitor is None:
        raise PageRefusal(redirect(request, sign_in_location(request)))
    return visitor


def _party(request: Request, visitor: Principal | None) -> Principal:
    """An investor or a startup; the commission reads every deal on its own page."""
    party = _signed_in(request, visitor)
    if party.is_commission:
        raise PageRefusal(redirect(request, "/commission/outcomes"))
    return party


def _deals_context(session: Session, visitor: Principal, **extra: Any) -> dict[str, Any]:
    found, total = outcomes.list_visible(
        session=session, principal=visitor, stage=None, event_id=None, limit=SHOWN, offset=0
    )
    deals = outcomes.outcomes_out(session, found)
    sides = sides_of(session, [(d.investor_profile_id, d.financing_request_id) for d in deals])
    return {
        "deals": deals,
        "total": total,
        "sides": sides,
        "pairs": openable_pairs(session, visitor),
        **LABELS,
        **extra,
    }


@router.get("/outcomes")
def own_deals(request: Request, session: SessionDep, visitor: Visitor) -> Response:
    party = _party(request, visitor)
    return render(request, party, "outcomes/deals.html", _deals_context(session, party))


@router.post("/outcomes")
async def open_deal(
    request: Request, session: SessionDep, visitor: Visitor, form: SubmittedForm
) -> Response:
    party = _party(request, visitor)
    data = {
        "investor_profile_id": str(form.get("investor_profile_id", "")),
        "financing_request_id": str(form.get("financing_request_id", "")),
    }
    state = FormState(values=data)
    checked = validated(OutcomeWrite, data, state)
    problem = "invalid"
    if checked is not None:
        start_writing(session)
        try:
            with session.begin_nested():
                outcome = outcomes.open_deal(session=session, principal=party, data=checked)
        except Conflict:
            problem = "conflict"
        except Invalid:
            problem = "invalid"
        else:
            return redirect(request, f"/outcomes/{outcome.id}")
    context = _deals_context(session, party, error=translate(_PAIR_PROBLEMS[problem]))
    return render(request, party, "outcomes/deals.html", context)


def _deal_context(
    session: Session, visitor: Principal, outcome: Outcome, form: FormState | None = None
) -> dict[str, Any]:
    deal = outcomes.outcomes_out(session, [outcome])[0]
    sides = sides_of(session, [(deal.investor_profile_id, deal.financing_request_id)])
    event = session.get(Event, deal.event_id) if deal.event_id else None
    allowed = outcomes.ALLOWED[outcome.stage]
    return {
        "deal": deal,
        "sides": sides,
        "event": event,
        "allowed": allowed,
        "form": form
        or FormState(
            values={
                "kind": allowed[0].value if allowed else "",
                "happened_on": outcomes.today().isoformat(),
            }
        ),
        "back": "/commission/outcomes" if visitor.is_commission else "/outcomes",
        **LABELS,
    }


def _visible(session: Session, visitor: Principal, outcome_id: str) -> Outcome | None:
    try:
        return outcomes.get_visible(session=session, principal=visitor, outcome_id=outcome_id)
    except NotFound:
        return None


@router.get("/outcomes/{outcome_id}")
def one_deal(outcome_id: str, request: Request, session: SessionDep, visitor: Visitor) -> Response:
    reader = _signed_in(request, visitor)
    outcome = _visible(session, reader, outcome_id)
    if outcome is None:
        return not_found(request, reader)
    context = _deal_context(session, reader, outcome)
    recorded = request.query_params.get("recorded", "")
    if recorded in OutcomeStepKind.__members__.values():
        context["notice"] = translate(N_("Recorded: %(step)s.")) % {"step": done_label(recorded)}
    elif request.query_params.get("opened"):
        context["notice"] = translate(
            N_("The deal is open (negotiating): record its signing, registration and funds here.")
        )
    return render(request, reader, "outcomes/deal.html", context)


def _step_data(state: FormState, kind: OutcomeStepKind | None, currency: str) -> dict[str, Any]:
    """The step as the API takes it: only the fields its kind states (others are ignored);
    its amount in the deal's ``currency``."""
    data: dict[str, Any] = {
        "kind": state.values["kind"],
        "happened_on": state.values["happened_on"] or None,
    }
    needed = NEEDS.get(kind, frozenset()) if kind is not None else frozenset()
    if "amount" in needed:
        data["amount"] = amount_field(state, "amount", currency, currency_fixed=True)
    for name in ("credit_code", "reason"):
        if name in needed:
            data[name] = state.values[name] or None
    return data


@router.post("/outcomes/{outcome_id}/steps")
async def record_step(
    outcome_id: str,
    request: Request,
    session: SessionDep,
    visitor: Visitor,
    form: SubmittedForm,
) -> Response:
    """One step; on any problem the form comes back with it beside its field, nothing
    written."""
    reader = _signed_in(request, visitor)
    outcome = _visible(session, reader, outcome_id)
    if outcome is None:
        return not_found(request, reader)
    state = FormState(values={name: str(form.get(name, "")).strip() for name in STEP_FIELDS})
    try:
        kind: OutcomeStepKind | None = OutcomeStepKind(state.values["kind"])
    except ValueError:
        kind = None
    if kind is None or kind not in outcomes.ALLOWED[outcome.stage]:
        state.errors["kind"] = translate(_STEP_NOT_ALLOWED)
    checked = validated(OutcomeStepWrite, _step_data(state, kind, outcome.currency), state)
    if checked is not None and not state.errors:
        start_writing(session)
        try:
            with session.begin_nested():
                outcomes.record_step(
                    session=session, principal=reader, outcome=outcome, step=checked
                )
        except Invalid as invalid:
            for problem in invalid.errors or []:
                message = _STEP_PROBLEMS.get(problem.code)
                state.errors[problem.field] = translate(message) if message else problem.message
        except Conflict:
            refused = _TRANCHE_ABOVE_SIGNED if kind is OutcomeStepKind.TRANCHE else _AMEND_REFUSED
            state.errors["amount"] = translate(refused)
        else:
            return redirect(request, f"/outcomes/{outcome.id}?recorded={checked.kind.value}")
        session.refresh(outcome)
    context = _deal_context(session, reader, outcome, form=state)
    return render(request, reader, "outcomes/deal.html", context)


@router.get("/commission/outcomes")
def every_deal(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    """Every deal (or the overdue ones), the figures by one dimension, companies claimed
    twice."""
    query = request.query_params
    try:
        by = FiguresBy(query.get("by", FiguresBy.EVENT.value))
    except ValueError:
        by = FiguresBy.EVENT
    overdue_only = query.get("show") == "overdue"
    found = session.scalars(
        outcomes.visible_to(visitor).order_by(Outcome.created_at.desc(), Outcome.id)
    ).all()
    # Overdue flags from the due days alone; only the deals shown are read with their steps.
    events = {e.id: e for e in session.scalars(select(Event))}
    day = outcomes.today()
    overdue = [o for o in found if deadlines_of(o, events.get(o.event_id or ""), day).overdue]
    shown = outcomes.outcomes_out(session, (overdue if overdue_only else found)[:SHOWN])
    figures = figures_out(commission_figures(session, by, current_language()))
    sides = sides_of(session, [(d.investor_profile_id, d.financing_request_id) for d in shown])
    claimed = {i for claim in figures.double_claims for i in claim.outcome_ids}
    claim_sides = {
        o.id: (o.investor_profile_id, o.financing_request_id)
        for o in session.scalars(select(Outcome).where(Outcome.id.in_(claimed)))
    }
    claim_names = sides_of(session, claim_sides.values())
    context = {
        "by": by,
        "dimensions": [(d, translate(label)) for d, label in DIMENSION_LABELS.items()],
        "figures": figures,
        "deals": shown,
        "total": len(found),
        "overdue_count": len(overdue),
        "overdue_only": overdue_only,
        "sides": sides,
        "claim_sides": claim_sides,
        "claim_names": claim_names,
        "events": {event_id: event_name(event) for event_id, event in events.items()},
        **LABELS,
    }
    return render(request, visitor, "commission/outcomes.html", context)
