from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from service.core.database import SessionDep
from service.http.auth import CommissionPrincipal
from service.http.downloads import content_disposition, name_for_reader
from service.http.idempotency import IdempotentRoute
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.problems import PROBLEM_RESPONSES, ServiceUnavailable
from service.i18n.reasons import N_
from service.ranking.dependencies import MatchIndexDep
from service.reports import service
from service.reports.document import ReportDocument
from service.reports.exports import ReportFormat, render
from service.reports.pdf import MEDIA_TYPE as PDF_MEDIA_TYPE
from service.reports.pdf import PdfUnavailable
from service.reports.schemas import ReportCreate, ReportSummaryOut
from service.reports.wording import Wording
from service.reports.xlsx_export import MEDIA_TYPE as XLSX_MEDIA_TYPE

router = APIRouter(
    prefix="/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute
)
DOCUMENT_RESPONSE = {
    "model": ReportDocument,
    "description": "The report document (JSON), or the same as CSV, HTML, PDF or an Excel workbook",
    "content": {"text/csv": {}, "text/html": {}, PDF_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}},
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
        ReportFormat, Query(description="json (default), csv, html, pdf or xlsx")
    ] = ReportFormat.JSON,
) -> Response:
    """A stored report as it was computed: JSON, or for people CSV (UTF-8 with BOM), an HTML
    document, a PDF or an Excel workbook, in the language of Accept-Language (Chinese unless
    English comes first) with times in the deployment's display time zone."""
    report = service.get(session=session, report_id=report_id)
    document = service.document_of(report)
    if format is ReportFormat.JSON:
        return JSONResponse(document.model_dump(mode="json"))
    try:
        rendered = render(document, format, Wording.for_reader())
    except PdfUnavailable as error:
        raise ServiceUnavailable(str(error)) from error
    disposition = "inline" if rendered.inline else "attachment"
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={
            "Content-Disposition": content_disposition(
                disposition,
                rendered.filename(report.id, format),
                _readable_name(document, format),
            )
        },
    )


def _readable_name(document: ReportDocument, format: ReportFormat) -> str | None:
    """The report's file as its reader names it: 匹配报告-<event>-<day>.pdf, or the event's
    English name for an English reader (the day it was computed, local)."""
    words = Wording.for_reader()
    day = document.created_at.astimezone(words.zone).date().isoformat()
    return name_for_reader(
        N_("Match report"), words.event_name(document.scope), day, extension=format.value
    )
