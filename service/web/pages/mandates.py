"""The investor's own mandate that a page's path names (another account's is not found)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from models import InvestorProfile
from service.core.database import SessionDep
from service.http.auth import Principal
from service.http.problems import NotFound
from service.investors import service as investors
from service.web.pages.common import InvestorVisitor, PageRefusal, not_found


def own_mandate(session: Session, visitor: Principal, mandate_id: str) -> InvestorProfile | None:
    try:
        return investors.get_visible(session=session, principal=visitor, investor_id=mandate_id)
    except NotFound:
        return None


def mandate_in_path(
    mandate_id: str, request: Request, session: SessionDep, visitor: InvestorVisitor
) -> InvestorProfile:
    """A dependency: the visitor's mandate ``mandate_id``, else the not-found page."""
    mandate = own_mandate(session, visitor, mandate_id)
    if mandate is None:
        raise PageRefusal(not_found(request, visitor))
    return mandate


OwnMandate = Annotated[InvestorProfile, Depends(mandate_in_path)]
