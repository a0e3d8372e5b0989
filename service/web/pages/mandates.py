"""The investor's own mandate that a page's path names (another account's is not found)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import InvestorProfile
from service.http.auth import Principal
from service.http.problems import NotFound
from service.investors import service as investors


def own_mandate(session: Session, visitor: Principal, mandate_id: str) -> InvestorProfile | None:
    try:
        return investors.get_visible(session=session, principal=visitor, investor_id=mandate_id)
    except NotFound:
        return None
