"""Outcomes over HTTP: open a deal, record its steps, read the caller's deals. Thin: the
rules live in ``service.outcomes.service``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from models import Outcome, OutcomeStage
from service.core.database import SessionDep
from service.http.auth import CommissionPrincipal, CurrentPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_offset_cursor,
    encode_offset_cursor,
)
from service.http.preconditions import tag_response, with_etag
from service.http.problems import PROBLEM_RESPONSES
from service.i18n.languages import current_language
from service.outcomes import service
from service.outcomes.figures import FiguresBy, commission_figures
from service.outcomes.presenting import figures_out
from service.outcomes.schemas import FiguresOut, OutcomeOut, OutcomeStepWrite, OutcomeWrite

router = APIRouter(tags=["outcomes"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)


def _outcome(session: SessionDep, principal: CurrentPrincipal, outcome_id: str) -> Outcome:
    return service.get_visible(session=session, principal=principal, outcome_id=outcome_id)


OutcomeInPath = Annotated[Outcome, Depends(_outcome)]


def _one(session: SessionDep, outcome: Outcome) -> OutcomeOut:
    return service.outcomes_out(session, [outcome])[0]


@router.post(
    "/v1/outcomes",
    response_model=OutcomeOut,
    status_code=status.HTTP_201_CREATED,
    responses=with_etag(201),
)
def open_outcome(
    principal: CurrentPrincipal, body: OutcomeWrite, session: SessionDep, response: Response
) -> OutcomeOut:
    """Open a deal (negotiating) between a mandate and a published request: the investor for
    its own mandates, the startup for its own requests with an investor that met it or showed
    interest, the commission for any pair."""
    outcome = service.open_deal(session=session, principal=principal, data=body)
    tag_response(response, outcome.revision)
    return _one(session, outcome)


@router.get("/v1/outcomes", response_model=Page[OutcomeOut])
def list_outcomes(
    principal: CurrentPrincipal,
    session: SessionDep,
    stage: Annotated[OutcomeStage | None, Query(description="Only deals at this stage")] = None,
    event_id: Annotated[
        str | None, Query(max_length=36, description="Only deals of requests at this event")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[OutcomeOut]:
    """The deals the caller is party to (all of them for the commission), newest first."""
    offset = decode_offset_cursor(cursor)
    outcomes, total = service.list_visible(
        session=session,
        principal=principal,
        stage=stage,
        event_id=event_id,
        limit=limit,
        offset=offset,
    )
    return Page(
        items=service.outcomes_out(session, outcomes),
        next_cursor=encode_offset_cursor(offset + limit) if offset + limit < total else None,
    )


@router.get("/v1/outcomes/figures", response_model=FiguresOut)
def read_figures(
    principal: CommissionPrincipal,
    session: SessionDep,
    by: Annotated[FiguresBy, Query(description="Rows by event, sector, region or origin")] = (
        FiguresBy.EVENT
    ),
) -> FiguresOut:
    """The commission's figures: accepted meetings, deals, signing rate, funds in place
    against signed (in CNY), overdue deals and abandoned ones, per row and in total; and
    companies claimed by deals in two regions or events."""
    return figures_out(commission_figures(session, by, current_language()))


@router.get("/v1/outcomes/{outcome_id}", response_model=OutcomeOut, responses=with_etag(200))
def read_outcome(outcome: OutcomeInPath, session: SessionDep, response: Response) -> OutcomeOut:
    """One deal the caller is party to, with every step."""
    tag_response(response, outcome.revision)
    return _one(session, outcome)


@router.post("/v1/outcomes/{outcome_id}/steps", response_model=OutcomeOut, responses=with_etag(200))
def record_outcome_step(
    principal: CurrentPrincipal,
    outcome: OutcomeInPath,
    body: OutcomeStepWrite,
    session: SessionDep,
    response: Response,
) -> OutcomeOut:
    """Take the deal one step on: sign (amount), register (credit code), a tranche that
    arrived (never above the signed amount), produce, amend the signed amount (with a
    reason), or abandon (with a reason)."""
    service.record_step(session=session, principal=principal, outcome=outcome, step=body)
    tag_response(response, outcome.revision)
    return _one(session, outcome)
