"""Path dependencies other routers share: the investor profile a caller may see or edit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from models import InvestorProfile
from service.core.database import SessionDep
from service.http.auth import InvestorSidePrincipal
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
