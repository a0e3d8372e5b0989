"""Path dependencies other routers share: the investor profile a caller may see or edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from models import InvestorProfile
from service.core.clock import Now
from service.core.database import SessionDep
from service.http.auth import (
    INVESTOR_SIDE_ROLES,
    BearerCredentials,
    InvestorSidePrincipal,
    Principal,
    SessionCookie,
    authenticated_in_role,
)
from service.http.preconditions import IfMatchHeader, require_current
from service.investors import service


def visible_investor_profile(
    investor_id: str, session: SessionDep, principal: InvestorSidePrincipal
) -> InvestorProfile:
    return service.get_visible(session=session, principal=principal, investor_id=investor_id)


VisibleInvestorProfile = Annotated[InvestorProfile, Depends(visible_investor_profile)]


def editable_investor_profile(
    investor_id: str,
    session: SessionDep,
    principal: InvestorSidePrincipal,
    if_match: IfMatchHeader = None,
) -> InvestorProfile:
    """The profile, locked for this write, if If-Match names its current revision."""
    profile = service.get_visible(
        session=session, principal=principal, investor_id=investor_id, for_update=True
    )
    require_current(if_match, profile.revision)
    return profile


EditableInvestorProfile = Annotated[InvestorProfile, Depends(editable_investor_profile)]


def visible_mandate(
    investor_id: str, session: SessionDep, principal: InvestorSidePrincipal
) -> InvestorProfile:
    # Codes are loaded only when the mandate is not in the index's cache.
    return service.get_visible(
        session=session, principal=principal, investor_id=investor_id, with_codes=False
    )


VisibleMandate = Annotated[InvestorProfile, Depends(visible_mandate)]


@dataclass(frozen=True, slots=True)
class MandateReader:
    """An investor-side caller (an investor, or the commission) and a mandate it may see."""

    principal: Principal
    profile: InvestorProfile


def investor_side_caller_and_mandate(
    investor_id: str,
    request: Request,
    session: SessionDep,
    now: Now,
    credentials: BearerCredentials,
    session_token: SessionCookie,
) -> MandateReader:
    """``InvestorSidePrincipal`` and ``VisibleMandate`` together, checked in the same order
    (401, unreadable or unknown input, 403, 404), in one hop to a worker thread instead of two:
    for a route that reads a mandate on every call (its matches). The session is left
    holding its connection, for a route that continues on the event loop."""
    principal = authenticated_in_role(
        request, session, now, credentials, session_token, INVESTOR_SIDE_ROLES
    )
    reader = MandateReader(principal, visible_mandate(investor_id, session, principal))
    # The route goes on on the event loop, where waiting for a pooled connection could wait
    # for sessions that only the loop ends: it keeps this one (taken here, on a worker thread).
    session.connection()
    return reader


InvestorSideMandate = Annotated[MandateReader, Depends(investor_side_caller_and_mandate)]
