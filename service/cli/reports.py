"""``matchmaker report``: compute and store a match report, write it as JSON, CSV, HTML, PDF or
an Excel workbook."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from service.cli.common import built_index, command_line_principal, migrated_session
from service.events import service as events
from service.reference_data.catalog import Language
from service.reports import service as reports
from service.reports.exports import ReportFormat, render
from service.reports.pdf import pdf_unavailable
from service.reports.schemas import ReportCreate
from service.reports.wording import Wording


class ReportLanguage(enum.StrEnum):
    ZH = "zh"
    EN = "en"


LANGUAGES: dict[ReportLanguage, Language] = {ReportLanguage.ZH: "zh", ReportLanguage.EN: "en"}


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
        ReportFormat, typer.Option("--format", help="json, csv, html, pdf or xlsx")
    ] = ReportFormat.JSON,
    language: Annotated[
        ReportLanguage,
        typer.Option("--lang", help="zh (default) or en: the HTML, PDF and workbook's language"),
    ] = ReportLanguage.ZH,
) -> None:
    """Compute and store a match report (as POST /v1/reports does) and write it to a file."""
    if output_format is ReportFormat.PDF and (missing := pdf_unavailable()) is not None:
        # Said before anything is computed or stored.
        typer.echo(missing, err=True)
        raise typer.Exit(code=1)
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
    if output_format is ReportFormat.JSON:
        output.write_text(
            json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    else:
        words = Wording.for_reader(LANGUAGES[language])
        output.write_bytes(render(document, output_format, words).content)
    coverage, totals = document.coverage, document.totals
    typer.echo(
        f"report {document.id}: {totals.requests} requests, {totals.investors} investors,"
        f" {coverage.covered} covered, {coverage.uncovered} uncovered; wrote {output}",
        err=True,
    )
