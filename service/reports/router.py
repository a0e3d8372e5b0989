from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service.core.database import SessionDep
from service.http.auth import CommissionPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.problems import PROBLEM_RESPONSES
from service.ranking.dependencies import MatchIndexDep
from service.reports import service
from service.reports.csv_export import render_report_csv
from service.reports.document import ReportDocument
from service.reports.html import render_report_html
from service.reports.schemas import ReportCreate, ReportSummaryOut

router = APIRouter(
    prefix="/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute
)
DOCUMENT_RESPONSE = {
    "model": ReportDocument,
    "description": "The report document (JSON), or the same as CSV or HTML",
    "content": {"text/csv": {}, "text/html": {}},
}


@router.post(
    "",
    status_code=201,
    response_class=JSONResponse,
    responses={201: {"model": ReportDocument, "description": "The new report's document"}},
)
def create_report(
    body: ReportCreate,
    session: SessionDep,
    principal: CommissionPrincipal,
    index: MatchIndexDep,
) -> JSONResponse:
    """Compute a match report over the current data and keep it as a frozen snapshot."""
    report = service.create(session=session, principal=principal, index=index, data=body)
    return JSONResponse(
        service.document_of(report).model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/v1/reports/{report.id}"},
    )


@router.get("", response_model=Page[ReportSummaryOut])
def list_reports(
    session: SessionDep,
    principal: CommissionPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    event_id: Annotated[str | None, Query(min_length=1, max_length=36)] = None,
) -> Page[ReportSummaryOut]:
    """Reports, newest first (commission only)."""
    reports, next_cursor = service.list_page(
        session=session, event_id=event_id, limit=limit, cursor=cursor
    )
    return Page(items=[ReportSummaryOut.from_model(r) for r in reports], next_cursor=next_cursor)


@router.get("/{report_id}", response_class=JSONResponse, responses={200: DOCUMENT_RESPONSE})
def read_report(
    report_id: str,
    session: SessionDep,
    principal: CommissionPrincipal,
    format: Annotated[
        Literal["json", "csv", "html"], Query(description="json (default), csv or html")
    ] = "json",
) -> Response:
    """A stored report as it was computed: JSON, CSV (UTF-8 with BOM) or an HTML document."""
    report = service.get(session=session, report_id=report_id)
    document = service.document_of(report)
    if format == "csv":
        return Response(
            render_report_csv(document).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="report-{report.id}.csv"'},
        )
    if format == "html":
        return HTMLResponse(render_report_html(document))
    return JSONResponse(document.model_dump(mode="json"))
