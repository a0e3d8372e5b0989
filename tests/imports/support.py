"""Files, commands and database reads shared by the import tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, undefer
from typer.testing import CliRunner, Result

from models import (
    AuditRecord,
    Event,
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    Role,
)
from service.cli.main import app as cli
from service.core.database import create_db_engine, create_session_factory
from service.events import service as events
from service.events.schemas import EventCreate
from service.http.auth import Principal

runner = CliRunner()
Cells = Sequence[object]

REQUEST_HEADERS = ["company", "title", "summary", "sectors", "amount", "stage", "region", "event"]
STEPFUN = [
    "阶跃星辰",
    "基础大模型",
    "多模态基础大模型研发",
    "ai.foundation_models",
    "30亿元",
    "growth",
    "xuhui",
    "CIIE 2026",
]
CIXTECH = [
    "此芯科技 Cixtech",
    "Smart-driving chips, series B",
    "芯片设计",
    "semiconductors.design；ai",
    "5000万",
    "series_b",
    "pudong",
    "",
]
QBOSON = [
    "QBoson 玻色量子",
    "Quantum computers",
    "",
    "quantum",
    "3,000,000,000",
    "series_a",
    "",
    "",
]
BAD_AMOUNT = ["Typo Co", "Bad amount", "", "ai", "30亿亿", "seed", "", ""]

INVESTOR_HEADERS = [
    "name",
    "kind",
    "origin",
    "sectors",
    "stages",
    "ticket_min",
    "ticket_max",
    "owner",
]

CIIE_2026 = "CIIE 2026"


def create_event(url: str, name: str) -> str:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine).begin() as session:
            event = events.create(
                session=session,
                principal=Principal(None, Role.COMMISSION, "test"),
                data=EventCreate(name=name, date=dt.date(2026, 11, 5), place="Shanghai"),
            )
            return event.id
    finally:
        engine.dispose()


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Cells], encoding: str) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Cells]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def run_import(kind: str, path: Path, *options: str) -> Result:
    return runner.invoke(cli, ["import", kind, str(path), *options])


def count_rows(url: str, model: type[object]) -> int:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def table_counts(url: str) -> dict[str, int]:
    tables = (FinancingRequest, FinancingRequestSector, InvestorProfile, AuditRecord)
    return {model.__name__: count_rows(url, model) for model in tables}


def stored_requests(url: str, *, with_text_features: bool = False) -> dict[str, FinancingRequest]:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            statement = select(FinancingRequest)
            if with_text_features:
                statement = statement.options(undefer(FinancingRequest.text_features))
            found = session.scalars(statement).all()
            return {r.company: r for r in found}
    finally:
        engine.dispose()


def event_id_of(url: str, name: str) -> str:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            found = session.scalar(select(Event.id).where(Event.name == name))
            assert found is not None
            return found
    finally:
        engine.dispose()


def sectors_of(url: str, request_id: str) -> list[str]:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            return list(
                session.scalars(
                    select(FinancingRequestSector.code)
                    .where(FinancingRequestSector.financing_request_id == request_id)
                    .order_by(FinancingRequestSector.code)
                )
            )
    finally:
        engine.dispose()


def stored_profiles(url: str) -> dict[str, InvestorProfile]:
    """Every investor profile by name, with its sectors, stages and regions loaded."""
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            found = session.scalars(
                select(InvestorProfile).options(
                    selectinload(InvestorProfile.sector_links),
                    selectinload(InvestorProfile.stage_links),
                    selectinload(InvestorProfile.region_links),
                )
            ).all()
            return {p.name: p for p in found}
    finally:
        engine.dispose()


def audit_records(url: str, object_id: str) -> list[AuditRecord]:
    """The object's audit trail, oldest first."""
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            return list(
                session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.object_id == object_id)
                    .order_by(AuditRecord.occurred_at, AuditRecord.id)
                )
            )
    finally:
        engine.dispose()
