"""Deals after the handshake: opened between a mandate and a published request, then taken
step by step to producing (or abandoned). The investor and the startup record the steps of
their own deals, the commission of any; every step is audited and kept.

A tranche can never bring the funds in place above the signed amount: the signed amount is
changed only by an explicit amendment, with its reason, which is itself a step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import (
    Event,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeStage,
    OutcomeStep,
    OutcomeStepKind,
    RequestStatus,
    Role,
)
from scoring.amounts import format_money
from service.audit_log.writer import record_audit
from service.core.settings import get_settings
from service.feedback import service as feedback
from service.financing_requests import service as financing_requests
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound, field_problem
from service.investors import service as investors
from service.outcomes.deadlines import deadlines_of
from service.outcomes.schemas import OutcomeOut, OutcomeStepWrite, OutcomeWrite
from service.webhooks import outbox

OBJECT_TYPE = "outcome"

# Which steps each stage can take, and the stage each step leads to (None: stays).
ALLOWED: dict[OutcomeStage, tuple[OutcomeStepKind, ...]] = {
    OutcomeStage.NEGOTIATING: (OutcomeStepKind.SIGN, OutcomeStepKind.ABANDON),
    OutcomeStage.SIGNED: (OutcomeStepKind.REGISTER, OutcomeStepKind.AMEND, OutcomeStepKind.ABANDON),
    OutcomeStage.REGISTERED: (
        OutcomeStepKind.TRANCHE,
        OutcomeStepKind.AMEND,
        OutcomeStepKind.ABANDON,
    ),
    OutcomeStage.FUNDS_IN_PLACE: (
        OutcomeStepKind.TRANCHE,
        OutcomeStepKind.PRODUCE,
        OutcomeStepKind.AMEND,
        OutcomeStepKind.ABANDON,
    ),
    # Tranches may still arrive once the project produces; it is no longer abandoned.
    OutcomeStage.PRODUCING: (OutcomeStepKind.TRANCHE, OutcomeStepKind.AMEND),
    OutcomeStage.ABANDONED: (),
}


def visible_to(principal: Principal) -> Select[tuple[Outcome]]:
    """The deals the caller is party to (every deal for the commission)."""
    statement = select(Outcome)
    if principal.is_commission:
        return statement
    if principal.role is Role.INVESTOR:
        mine = select(InvestorProfile.id).where(
            InvestorProfile.owner_account_id == principal.account_id
        )
        return statement.where(Outcome.investor_profile_id.in_(mine))
    own_requests = select(FinancingRequest.id).where(
        FinancingRequest.owner_account_id == principal.account_id
    )
    return statement.where(Outcome.financing_request_id.in_(own_requests))


def get_visible(*, session: Session, principal: Principal, outcome_id: str) -> Outcome:
    outcome = session.scalars(visible_to(principal).where(Outcome.id == outcome_id)).first()
    if outcome is None:
        raise NotFound(f"No outcome {outcome_id}.")
    return outcome


def steps_of(session: Session, outcome_ids: Sequence[str]) -> dict[str, list[OutcomeStep]]:
    """Each outcome's steps in the order they were recorded."""
    found: dict[str, list[OutcomeStep]] = {outcome_id: [] for outcome_id in outcome_ids}
    if not outcome_ids:
        return found
    for step in session.scalars(
        select(OutcomeStep)
        .where(OutcomeStep.outcome_id.in_(outcome_ids))
        .order_by(OutcomeStep.created_at, OutcomeStep.id)
    ):
        found[step.outcome_id].append(step)
    return found


def outcomes_out(session: Session, outcomes: Sequence[Outcome]) -> list[OutcomeOut]:
    """The outcomes as responses: their steps, due days and overdue flags (two queries)."""
    ids = [outcome.id for outcome in outcomes]
    steps = steps_of(session, ids)
    event_ids = {outcome.event_id for outcome in outcomes if outcome.event_id is not None}
    events = (
        {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
        if event_ids
        else {}
    )
    day = today()
    return [
        OutcomeOut.from_model(
            outcome,
            steps[outcome.id],
            deadlines_of(outcome, events.get(outcome.event_id or ""), day),
        )
        for outcome in outcomes
    ]


def list_visible(
    *,
    session: Session,
    principal: Principal,
    stage: OutcomeStage | None,
    event_id: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Outcome], int]:
    """The caller's deals, newest first (ties by id)."""
    query = visible_to(principal)
    if stage is not None:
        query = query.where(Outcome.stage == stage)
    if event_id is not None:
        query = query.where(Outcome.event_id == event_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    outcomes = session.scalars(
        query.order_by(Outcome.created_at.desc(), Outcome.id).limit(limit).offset(offset)
    ).all()
    return outcomes, total


def _unknown(field: str, message: str) -> Invalid:
    """An id in the body that names nothing the caller may see: a field problem (a 404 is for
    the object a path names), worded the same whether it exists or not."""
    return Invalid(message, errors=[field_problem(field, "not_found", message)])


def _published(
    session: Session, principal: Principal, financing_request_id: str
) -> FinancingRequest:
    try:
        financing_request = financing_requests.get_visible(
            session=session, principal=principal, request_id=financing_request_id
        )
    except NotFound:
        raise _unknown("financing_request_id", "No such financing request") from None
    if financing_request.status is not RequestStatus.PUBLISHED:
        raise Invalid(
            "A deal is opened on a published request.",
            errors=[field_problem("financing_request_id", "not_published", "Not published")],
        )
    return financing_request


def _engaged_profile(
    session: Session, financing_request: FinancingRequest, profile_id: str
) -> InvestorProfile:
    """A startup names only an investor that showed interest in its request or has a meeting
    about it (not declined); any other profile is not its to see."""
    met = session.scalar(
        select(Meeting.id).where(
            Meeting.financing_request_id == financing_request.id,
            Meeting.investor_profile_id == profile_id,
            Meeting.status.in_((MeetingStatus.PENDING, MeetingStatus.ACCEPTED)),
        )
    )
    if met is not None:
        profile = session.get(InvestorProfile, profile_id)
        if profile is not None:
            return profile
    for profile, _ in feedback.interest_in(session=session, financing_request=financing_request):
        if profile.id == profile_id:
            return profile
    raise _unknown(
        "investor_profile_id", "No investor profile that met or showed interest in this request"
    )


def open_deal(
    *,
    session: Session,
    principal: Principal,
    data: OutcomeWrite,
    met_at_event_id: str | None = None,
) -> Outcome:
    """A deal in negotiation between a mandate and a published request; one live deal (not
    abandoned) per pair. It counts for the event the pair met at (``met_at_event_id``, from a
    meeting), else for the one presenting the request now: the commission may have put the
    request on a later event's roster since they met."""
    if principal.is_commission or principal.role is Role.INVESTOR:
        try:
            profile = investors.get_visible(
                session=session,
                principal=principal,
                investor_id=data.investor_profile_id,
                with_codes=False,
            )
        except NotFound:
            raise _unknown("investor_profile_id", "No such investor profile") from None
        financing_request = _published(session, principal, data.financing_request_id)
    else:
        financing_request = _published(session, principal, data.financing_request_id)
        profile = _engaged_profile(session, financing_request, data.investor_profile_id)
    live = session.scalar(
        select(Outcome.id).where(
            Outcome.investor_profile_id == profile.id,
            Outcome.financing_request_id == financing_request.id,
            Outcome.stage != OutcomeStage.ABANDONED,
        )
    )
    if live is not None:
        raise Conflict(f"This investor and this request have a deal under way already: {live}.")
    outcome = Outcome(
        investor_profile_id=profile.id,
        financing_request_id=financing_request.id,
        event_id=met_at_event_id or financing_request.event_id,
        stage=OutcomeStage.NEGOTIATING,
        currency=financing_request.currency,
        funds_in_place=Decimal(0),
        created_by_account_id=principal.account_id,
    )
    session.add(outcome)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="outcome.open",
        object_type=OBJECT_TYPE,
        object_id=outcome.id,
        changes={
            "investor_profile_id": profile.id,
            "financing_request_id": financing_request.id,
            "event_id": financing_request.event_id,
        },
    )
    return outcome


def today() -> dt.date:
    """Today where the commission works (a step dated today in Shanghai is not 'future' while
    UTC is still on yesterday)."""
    return dt.datetime.now(ZoneInfo(get_settings().display_time_zone)).date()


def _money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, whole_without_cents=True)


def _not_before(step: OutcomeStepWrite, earliest: dt.date | None, what: str) -> None:
    if earliest is not None and step.happened_on < earliest:
        day = earliest.isoformat()
        raise Invalid(
            f"A '{step.kind.value}' step cannot be dated before {what} ({day}).",
            errors=[field_problem("happened_on", "too_early", f"Not before {day}")],
        )


def _sign(outcome: Outcome, step: OutcomeStepWrite) -> str | None:
    assert step.amount is not None  # the body's rules require it
    outcome.signed_amount, outcome.signed_on = step.amount, step.happened_on
    outcome.stage = OutcomeStage.SIGNED
    return None


def _register(outcome: Outcome, step: OutcomeStepWrite) -> str | None:
    _not_before(step, outcome.signed_on, "the signing")
    outcome.credit_code, outcome.registered_on = step.credit_code, step.happened_on
    outcome.stage = OutcomeStage.REGISTERED
    return step.credit_code


def _tranche(outcome: Outcome, step: OutcomeStepWrite) -> str | None:
    assert step.amount is not None
    assert outcome.signed_amount is not None  # signed before registered
    _not_before(step, outcome.registered_on, "the registration")
    funds = outcome.funds_in_place + step.amount
    if funds > outcome.signed_amount:
        raise Conflict(
            f"This tranche would bring the funds in place to {_money(funds, outcome.currency)}, "
            f"above the signed {_money(outcome.signed_amount, outcome.currency)}; record an "
            "'amend' step with the new signed amount and its reason first."
        )
    outcome.funds_in_place = funds
    first = outcome.funds_in_place_on
    outcome.funds_in_place_on = step.happened_on if first is None else min(first, step.happened_on)
    if outcome.stage is OutcomeStage.REGISTERED:
        outcome.stage = OutcomeStage.FUNDS_IN_PLACE
    return None


def _produce(outcome: Outcome, step: OutcomeStepWrite) -> str | None:
    _not_before(step, outcome.funds_in_place_on, "the first tranche")
    outcome.producing_on = step.happened_on
    outcome.stage = OutcomeStage.PRODUCING
    return None


def _amend(outcome: Outcome, step: OutcomeStepWrite) -> str | None:
    assert step.amount is not None
    _not_before(step, outcome.signed_on, "the signing")
    if step.amount < outcome.funds_in_place:
        raise Conflict(
            "The signed amount cannot go below the funds already in place "
            f"({_money(outcome.funds_in_place, outcome.currency)})."
        )
    if step.amount == outcome.signed_amount:
        raise Conflict("That is the signed amount already.")
    outcome.signed_amount = step.amount
    return step.reason


def _abandon(outcome: Outcome, step: OutcomeStepWrite) -> str | None:
    known = (outcome.signed_on, outcome.registered_on, outcome.funds_in_place_on)
    _not_before(step, max((day for day in known if day), default=None), "the deal's last step")
    outcome.abandoned_on, outcome.abandoned_reason = step.happened_on, step.reason
    outcome.stage = OutcomeStage.ABANDONED
    return step.reason


# Steps that close or change the whole deal: never dated before any step recorded (a tranche
# may be recorded late, dated before an earlier-recorded one; these may not).
FOLLOW_EVERY_STEP = frozenset(
    {OutcomeStepKind.PRODUCE, OutcomeStepKind.AMEND, OutcomeStepKind.ABANDON}
)

# Each kind of step: its checks and what it changes; returns the step's detail.
_STEPS: dict[OutcomeStepKind, Callable[[Outcome, OutcomeStepWrite], str | None]] = {
    OutcomeStepKind.SIGN: _sign,
    OutcomeStepKind.REGISTER: _register,
    OutcomeStepKind.TRANCHE: _tranche,
    OutcomeStepKind.PRODUCE: _produce,
    OutcomeStepKind.AMEND: _amend,
    OutcomeStepKind.ABANDON: _abandon,
}


def record_step(
    *, session: Session, principal: Principal, outcome: Outcome, step: OutcomeStepWrite
) -> Outcome:
    """Take the deal one step on, if its stage allows that step (409 otherwise)."""
    allowed = ALLOWED[outcome.stage]
    if step.kind not in allowed:
        can = ", ".join(kind.value for kind in allowed) or "nothing more"
        raise Conflict(
            f"A deal that is {outcome.stage.value} cannot take a '{step.kind.value}' step; "
            f"it can take: {can}."
        )
    if step.happened_on > today():
        raise Invalid(
            "A step cannot happen in the future.",
            errors=[field_problem("happened_on", "future", "Must not be after today")],
        )
    if step.kind in FOLLOW_EVERY_STEP:
        latest = session.scalar(
            select(func.max(OutcomeStep.happened_on)).where(OutcomeStep.outcome_id == outcome.id)
        )
        _not_before(step, latest, "the deal's last step")
    detail = _STEPS[step.kind](outcome, step)
    session.add(
        OutcomeStep(
            outcome_id=outcome.id,
            kind=step.kind,
            happened_on=step.happened_on,
            amount=step.amount,
            detail=detail,
            recorded_by_account_id=principal.account_id,
        )
    )
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action=f"outcome.{step.kind.value}",
        object_type=OBJECT_TYPE,
        object_id=outcome.id,
        changes=step.model_dump(mode="json", exclude_none=True),
    )
    outbox.emit_outcome_step(
        session,
        outcome_id=outcome.id,
        profile_id=outcome.investor_profile_id,
        request_id=outcome.financing_request_id,
        data={
            **step.model_dump(mode="json", exclude_none=True),
            "stage": outcome.stage,
            "currency": outcome.currency,
            "signed_amount": outcome.signed_amount,
            "funds_in_place": outcome.funds_in_place,
        },
    )
    return outcome
