from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.audit_log import service
from service.audit_log.schemas import AuditRecordOut
from service.core.database import SessionDep
from service.http.auth import CommissionPrincipal
from service.http.fields import IsoDateTime
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.problems import PROBLEM_RESPONSES
from service.http.routing import AuthFirstRoute

router = APIRouter(
    route_class=AuthFirstRoute, prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES
)
IdQuery = Annotated[str | None, Query(min_length=1, max_length=36)]
TimeQuery = Annotated[
    IsoDateTime | None,
    Query(description="ISO 8601; without an offset it is read as UTC"),
]


@router.get("", response_model=Page[AuditRecordOut])
def list_audit_records(
    session: SessionDep,
    principal: CommissionPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    object_type: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="e.g. financing_request, event, report"),
    ] = None,
    object_id: IdQuery = None,
    actor_account_id: IdQuery = None,
    actor_user_id: IdQuery = None,
    since: Annotated[TimeQuery, Query(description="At or after this time")] = None,
    until: Annotated[TimeQuery, Query(description="Before this time")] = None,
) -> Page[AuditRecordOut]:
    """The audit trail, newest first (commission only): every write, who, what, when."""
    records, next_cursor = service.list_page(
        session=session,
        filters=service.AuditFilters(
            object_type=object_type,
            object_id=object_id,
            actor_account_id=actor_account_id,
            actor_user_id=actor_user_id,
            since=since,
            until=until,
        ),
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[AuditRecordOut.from_model(r) for r in records], next_cursor=next_cursor)
