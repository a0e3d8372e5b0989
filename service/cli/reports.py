"""``matchmaker report``: compute and store a match report, write it as JSON, CSV or HTML."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from service.cli.common import built_index, command_line_principal, migrated_session
from service.events import service as events
from service.reports import service as reports
from service.reports.csv_export import render_report_csv
from service.reports.html import render_report_html
from service.reports.schemas import ReportCreate


class ReportFormat(enum.StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def _codes(values: list[str] | None) -> list[str]:
    return [code.strip() for value in values or [] for code in value.split(",") if code.strip()]


def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write")],
    event: Annotated[str | None, typer.Option(help="Event name (as in GET /v1/events)")] = None,
    sectors: Annotated[
        list[str] | None, typer.Option(help="Sector codes (repeat, or comma-separated)")
    ] = None,
    stages: Annotated[
        list[str] | None, typer.Option(help="Stage codes (repeat, or comma-separated)")
    ] = None,
    top_k: Annotated[int, typer.Option(help="Top pairs listed per request and investor")] = 5,
    min_score: Annotated[float, typer.Option(help="A good match scores at least this")] = 0.6,
    title: Annotated[str | None, typer.Option(help="Title (default: from the scope)")] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="json, csv or html")
    ] = ReportFormat.JSON,
) -> None:
    """Compute and store a match report (as POST /v1/reports does) and write it to a file."""
    with migrated_session() as session:
        event_id = None
        if event is not None:
            found = events.by_name(session=session, name=event)
            if found is None:
                typer.echo(f"no event named {event!r}", err=True)
                raise typer.Exit(code=1)
            event_id = found.id
        try:
            body = ReportCreate.model_validate(
                {
                    "event_id": event_id,
                    "sectors": _codes(sectors),
                    "stages": _codes(stages),
                    "top_k": top_k,
                    "min_score": min_score,
                    "title": title,
                }
            )
        except ValidationError as error:
            for problem in error.errors():
                field = ".".join(str(part) for part in problem["loc"])
                typer.echo(f"{field}: {problem['msg']}", err=True)
            raise typer.Exit(code=2) from error
        stored = reports.create(
            session=session,
            principal=command_line_principal(),
            index=built_index(session),
            data=body,
        )
        document = reports.document_of(stored)
    if output_format is ReportFormat.CSV:
        output.write_bytes(render_report_csv(document).encode("utf-8"))
    elif output_format is ReportFormat.HTML:
        output.write_text(render_report_html(document), encoding="utf-8")
    else:
        output.write_text(
            json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    coverage, totals = document.coverage, document.totals
    typer.echo(
        f"report {document.id}: {totals.requests} requests, {totals.investors} investors,"
        f" {coverage.covered} covered, {coverage.uncovered} uncovered; wrote {output}",
        err=True,
    )
