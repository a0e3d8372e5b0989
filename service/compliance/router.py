"""The foreign-investment negative lists in force and the commission's compliance check."""

from __future__ import annotations

from fastapi import APIRouter

from service.compliance.presenting import check_out, lists_out
from service.compliance.schemas import ComplianceCheckOut, NegativeListsOut
from service.compliance.service import check_compliance
from service.core.database import SessionDep
from service.http.auth import CommissionPrincipal, CurrentPrincipal
from service.http.problems import PROBLEM_RESPONSES
from service.http.routing import AuthFirstRoute
from service.i18n.languages import current_language
from service.ranking.dependencies import MatchIndexDep
from service.reference_data.foreign_investment import current_rules

router = APIRouter(
    route_class=AuthFirstRoute,
    prefix="/v1/compliance",
    tags=["compliance"],
    responses=PROBLEM_RESPONSES,
)


@router.get("/lists", response_model=NegativeListsOut)
def read_negative_lists(principal: CurrentPrincipal) -> NegativeListsOut:
    """The foreign-investment negative lists the matching reads: editions, sources, which
    region reads which list, and each item's sectors, measure and restriction, flagged
    illustrative where it was not checked against a public source."""
    return lists_out(current_rules(), current_language())


@router.get("/blocked-pairs", response_model=ComplianceCheckOut)
def read_blocked_pairs(
    principal: CommissionPrincipal, session: SessionDep, index: MatchIndexDep
) -> ComplianceCheckOut:
    """The commission's compliance check: published requests the negative list of their
    region restricts or closes to foreign investment, the foreign mandates concerned, the
    pairs blocked (they would match; the list closes the request) and the restricted pairs
    (they match, with a reason stating the restriction)."""
    return check_out(check_compliance(session, index, current_language()))
