"""Match reports: compute a frozen snapshot, store it, read it back."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Report
from models.base import new_id
from models.types import utc_now
from service.audit_log.writer import record_audit
from service.http.auth import Principal
from service.http.pagination import fetch_page
from service.http.problems import Invalid, NotFound, field_problem
from service.ranking.index import MatchIndex
from service.reports.compute import compute_report
from service.reports.document import ReportDocument
from service.reports.loading import ReportScope
from service.reports.schemas import ReportCreate

OBJECT_TYPE = "report"
SUMMARY_KEYS = ("scope", "top_k", "min_score", "model", "counts", "totals", "coverage")


def create(
    *, session: Session, principal: Principal, index: MatchIndex, data: ReportCreate
) -> Report:
    """Compute the report over the current data and store it as it is now."""
    event = None
    if data.event_id is not None:
        event = session.get(Event, data.event_id)
        if event is None:
            raise Invalid(
                f"No event {data.event_id}.",
                errors=[field_problem("event_id", "unknown_event", "No event with this id")],
            )
    report_id, created_at = new_id(), utc_now()
    document = compute_report(
        session=session,
        index=index,
        scope=ReportScope(
            event_id=data.event_id,
            event_name=None if event is None else event.name,
            sectors=tuple(data.sectors),
            stages=tuple(data.stages),
            event_date=None if event is None else event.date,
            event_place=None if event is None else event.place,
            event_name_en=None if event is None else event.name_en,
            event_place_en=None if event is None else event.place_en,
        ),
        top_k=data.top_k,
        min_score=data.min_score,
        title=data.title,
        report_id=report_id,
        created_at=created_at,
        created_by_account_id=principal.account_id,
        created_by_user_id=principal.user_id,
        created_by_name=principal.display_name,
    )
    stored = document.model_dump(mode="json")
    report = Report(
        id=report_id,
        created_at=created_at,
        created_by_account_id=principal.account_id,
        created_by_user_id=principal.user_id,
        created_by_name=principal.display_name,
        title=document.title,
        event_id=data.event_id,
        summary={key: stored[key] for key in SUMMARY_KEYS},
        document=stored,
    )
    session.add(report)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="report.create",
        object_type=OBJECT_TYPE,
        object_id=report.id,
        changes={
            **data.model_dump(mode="json", exclude_none=True),
            "model": document.model.version,
            "requests": document.totals.requests,
        },
    )
    return report


def get(*, session: Session, report_id: str) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"No report {report_id}.")
    return report


# A stored report never changes, so its parsed document can be kept: reading back a
# thousand-row document (the JSON, then the model) takes hundreds of milliseconds, and the
# commission's dashboard shows the latest report on every visit.
_PARSED: OrderedDict[str, ReportDocument] = OrderedDict()
_PARSED_LOCK = threading.Lock()
PARSED_KEPT = 8


def document_of(report: Report) -> ReportDocument:
    """The stored document, read back into the model it was written from."""
    with _PARSED_LOCK:
        kept = _PARSED.get(report.id)
        if kept is not None:
            _PARSED.move_to_end(report.id)
            return kept
    document = ReportDocument.model_validate(report.document)
    with _PARSED_LOCK:
        _PARSED[report.id] = document
        while len(_PARSED) > PARSED_KEPT:
            _PARSED.popitem(last=False)
    return document


def list_page(
    *, session: Session, event_id: str | None, limit: int, cursor: str | None
) -> tuple[Sequence[Report], str | None]:
    statement = select(Report)
    if event_id is not None:
        statement = statement.where(Report.event_id == event_id)
    return fetch_page(
        session=session,
        statement=statement,
        created_at_column=Report.created_at,
        id_column=Report.id,
        limit=limit,
        cursor=cursor,
    )
