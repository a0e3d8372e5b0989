"""The commission's list of financing requests by status: where a request is found again once
it has left the review queue (published, sent back, withdrawn, closed)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request, Response

from models import FinancingRequest, RequestStatus
from service.core.database import SessionDep
from service.events import service as events
from service.financing_requests import service as requests
from service.http.problems import Invalid
from service.web.pages.common import CommissionVisitor, render

router = APIRouter(include_in_schema=False)

# More than a conference presents at once (216 projects at one Shanghai conference); the
# rest are a "next page" away.
SHOWN = 300


@router.get("/commission/requests")
def request_list(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    query = request.query_params
    # An unknown status in the address is read as the default, as a filter left empty.
    status = next(
        (s for s in RequestStatus if s.value == query.get("status")), RequestStatus.PUBLISHED
    )

    def page_at(cursor: str | None) -> tuple[Sequence[FinancingRequest], str | None]:
        return requests.list_page(
            session=session,
            principal=visitor,
            sector=None,
            stage=None,
            status=status,
            event_id=None,
            limit=SHOWN,
            cursor=cursor,
        )

    try:
        listed, next_cursor = page_at(query.get("cursor") or None)
    except Invalid:  # a cursor this service did not issue (an address typed by hand)
        listed, next_cursor = page_at(None)
    context = {
        "status": status,
        "statuses": list(RequestStatus),
        "counts": requests.count_by_status(session=session),
        "listed": listed,
        "next_cursor": next_cursor,
        "event_names": events.names_of(
            session=session, event_ids={r.event_id for r in listed if r.event_id}
        ),
    }
    return render(request, visitor, "commission/requests.html", context)
