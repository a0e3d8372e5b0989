"""``matchmaker report``: compute and store a match report, write it as JSON, CSV, HTML, PDF or
an Excel workbook."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from contextlib import contextmanager
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


class ReportEngine(enum.StrEnum):
    LOCAL = "local"
    DASK = "dask"


@contextmanager
def _tallied(
    engine: ReportEngine,
    *,
    scheduler: str | None,
    workers: int,
    block_rows: int | None,
    work_dir: Path | None,
) -> Iterator[None]:
    """Where the report's pairs are scored: here, or on a Dask cluster (imported only then:
    Dask is needed by nothing else)."""
    if engine is ReportEngine.LOCAL:
        yield
        return
    from service.reports.distributed import BLOCK_ROWS, dask_engine, tallied_on

    with (
        dask_engine(
            scheduler=scheduler,
            workers=workers,
            work_dir=work_dir,
            block_rows=BLOCK_ROWS if block_rows is None else block_rows,
        ) as cluster,
        tallied_on(cluster),
    ):
        yield


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
    engine: Annotated[
        ReportEngine,
        typer.Option(
            help="Where every pair is scored: local (this process) or dask (a cluster, in "
            "blocks of requests; the same report)"
        ),
    ] = ReportEngine.LOCAL,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="--engine dask: a running scheduler's address (tcp://host:8786); default: "
            "a local cluster on 127.0.0.1"
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="--engine dask: worker processes of the local cluster")
    ] = 2,
    block_rows: Annotated[
        int | None, typer.Option(min=1, help="--engine dask: requests per task (default 100000)")
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            help="--engine dask: where the blocks' Parquet files go (with --scheduler, a "
            "directory every worker sees); default: a temporary directory"
        ),
    ] = None,
) -> None:
    """Compute and store a match report (as POST /v1/reports does) and write it to a file."""
    if output_format is ReportFormat.PDF and (missing := pdf_unavailable()) is not None:
        # Said before anything is computed or stored.
        typer.echo(missing, err=True)
        raise typer.Exit(code=1)
    if engine is ReportEngine.LOCAL and (scheduler, block_rows, work_dir) != (None, None, None):
        typer.echo("--scheduler, --block-rows and --work-dir need --engine dask", err=True)
        raise typer.Exit(code=2)
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
        index = built_index(session)
        with _tallied(
            engine,
            scheduler=scheduler,
            workers=workers,
            block_rows=block_rows,
            work_dir=work_dir,
        ):
            stored = reports.create(
                session=session, principal=command_line_principal(), index=index, data=body
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
        f"report {document.id}: {totals.requests} requests, {totals.investors} investor profiles,"
        f" {coverage.covered} covered, {coverage.uncovered} uncovered; wrote {output}",
        err=True,
    )
