"""Path dependencies other routers share: the financing request a caller may see or edit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from models import FinancingRequest
from service.core.database import SessionDep
from service.financing_requests import service
from service.http.auth import CurrentPrincipal
from service.http.preconditions import IfMatchHeader, require_current


def visible_financing_request(
    financing_request_id: str, session: SessionDep, principal: CurrentPrincipal
) -> FinancingRequest:
    return service.get_visible(
        session=session, principal=principal, request_id=financing_request_id
    )


VisibleFinancingRequest = Annotated[FinancingRequest, Depends(visible_financing_request)]


def editable_financing_request(
    financing_request_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    if_match: IfMatchHeader = None,
) -> FinancingRequest:
    """The request, locked for this write, if If-Match names its current revision."""
    financing_request = service.get_visible(
        session=session, principal=principal, request_id=financing_request_id, for_update=True
    )
    require_current(if_match, financing_request.revision)
    return financing_request


EditableFinancingRequest = Annotated[FinancingRequest, Depends(editable_financing_request)]
