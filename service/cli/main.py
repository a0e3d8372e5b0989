"""The ``matchmaker`` command: serve, migrate, accounts, demo, train, report, import."""

from __future__ import annotations

import enum
import json
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from models import Role
from service.accounts import service as accounts
from service.cli import evaluation as cli_evaluation
from service.cli import imports as cli_import
from service.core import backup as backup_files
from service.core import migrations
from service.core.database import create_db_engine, create_session_factory
from service.core.settings import get_settings
from service.demo.loader import load_demo
from service.events import service as events
from service.http.auth import Principal
from service.http.problems import ServiceError
from service.http.protocol import NoDelayHttpToolsProtocol
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.ranking_models import service as ranking_models
from service.reports import service as reports
from service.reports.csv_export import render_report_csv
from service.reports.html import render_report_html
from service.reports.schemas import ReportCreate

app = typer.Typer(help="Investor-to-project matchmaking service.", no_args_is_help=True)
accounts_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(cli_import.import_app, name="import")
app.command("evaluate")(cli_evaluation.evaluate)
app.command("infer-profile")(cli_evaluation.infer_profile)

WORKER_HEALTHCHECK_SECONDS = 60
HostOption = Annotated[str, typer.Option(help="Interface to listen on")]
PortOption = Annotated[int, typer.Option(help="TCP port")]


def _serve(host: str, port: int, workers: int) -> None:
    # glibc gives each thread an arena that keeps what it freed; rankings over a large
    # catalogue allocate big temporaries on many threads. Two arenas bound what a worker
    # holds on to. Read by each worker process at its start.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    uvicorn.run(
        "service.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        # After SIGTERM: stop accepting, let in-flight requests finish for at most this long.
        timeout_graceful_shutdown=get_settings().shutdown_timeout_seconds,
        # A worker that has not answered the supervisor's ping within this time is killed
        # and replaced. uvicorn's 5 s is shorter than a spawned worker's start-up (importing
        # SciPy and scikit-learn) on a busy machine, which then restarts workers forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        http=NoDelayHttpToolsProtocol,
        loop="uvloop",
    )


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations first")
    ] = True,
) -> None:
    """Run the HTTP service."""
    if migrate_first:
        migrations.upgrade(get_settings().database_url)
    _serve(host, port, workers)


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to REVISION")] = False,
) -> None:
    """Apply (or with --down, revert) the database migrations."""
    url = get_settings().database_url
    if down:
        migrations.downgrade(url, revision)
    else:
        migrations.upgrade(url, revision)
    typer.echo(f"database at {'revision ' + revision if down else 'head'}", err=True)


@accounts_app.command("create")
def create_account(
    role: Annotated[Role, typer.Option(help="investor, startup or commission")],
    name: Annotated[str, typer.Option(help="Display name")],
) -> None:
    """Create an account and print its API key (shown only this once)."""
    settings = get_settings()
    migrations.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        with create_session_factory(engine).begin() as session:
            account, api_key = accounts.create(
                session=session,
                principal=Principal(None, Role.COMMISSION, "command line"),
                role=role,
                name=name,
            )
            account_id = account.id
    finally:
        engine.dispose()
    typer.echo(f"account {account_id} ({role.value}) created; API key:", err=True)
    typer.echo(api_key)


@app.command()
def train() -> None:
    """Train a ranker on feedback; it serves only if it beats the serving one held out."""
    settings = get_settings()
    migrations.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    principal = Principal(None, Role.COMMISSION, "command line")
    try:
        with create_session_factory(engine).begin() as session:
            index = MatchIndex(make_default_scorer)
            index.rebuild(session)
            model, activated = ranking_models.train(
                session=session, principal=principal, index=index
            )
            outcome = {"version": model.version, "activated": activated, **model.metrics}
    except ServiceError as error:
        typer.echo(f"not trained: {error.detail}", err=True)
        raise typer.Exit(code=1) from error
    finally:
        engine.dispose()
    typer.echo(json.dumps(outcome, indent=2))


def _print_summary(summary: backup_files.BackupSummary, verb: str) -> None:
    typer.echo(f"{verb} {summary.path}: integrity ok, {summary.rows} rows")
    for table, count in summary.row_counts.items():
        typer.echo(f"  {table}: {count}")


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing FILE")] = False,
) -> None:
    """Copy the SQLite database to FILE while the service runs, and check the copy."""
    try:
        database = backup_files.sqlite_path(get_settings().database_url)
        summary = backup_files.backup(database, file, overwrite=force)
    except backup_files.BackupError as error:
        typer.echo(f"backup failed: {error}", err=True)
        raise typer.Exit(code=1) from error
    _print_summary(summary, "backed up to")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by 'matchmaker backup'")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Replace the SQLite database with FILE (checked first). Stop the service before."""
    try:
        database = backup_files.sqlite_path(get_settings().database_url)
        if not yes:
            typer.confirm(f"Replace everything in {database} with {file}?", abort=True)
        summary = backup_files.restore(file, database)
    except backup_files.BackupError as error:
        typer.echo(f"restore failed: {error}", err=True)
        raise typer.Exit(code=1) from error
    _print_summary(summary, "restored")


class ReportFormat(enum.StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def _codes(values: list[str] | None) -> list[str]:
    return [code.strip() for value in values or [] for code in value.split(",") if code.strip()]


@app.command()
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
    settings = get_settings()
    migrations.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    principal = Principal(None, Role.COMMISSION, "command line")
    try:
        with create_session_factory(engine).begin() as session:
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
            index = MatchIndex(make_default_scorer)
            index.rebuild(session)
            stored = reports.create(session=session, principal=principal, index=index, data=body)
            document = reports.document_of(stored)
    finally:
        engine.dispose()
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


@app.command()
def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Run the service after loading")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    keys_file: Annotated[Path, typer.Option(help="Where to write the demo keys (mode 600)")] = Path(
        ".demo-keys.env"
    ),
) -> None:
    """Load demo data from the seed articles and print keys for each role."""
    settings = get_settings()
    migrations.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        with create_session_factory(engine).begin() as session:
            keys = load_demo(session)
    finally:
        engine.dispose()
    base_url = f"http://{host}:{port}"
    lines = [
        f"MATCHMAKER_URL={base_url}",
        f"COMMISSION_KEY={keys.commission}",
        f"INVESTOR_KEY={keys.investor}",
        f"STARTUP_KEY={keys.startup}",
        f"INVESTOR_PROFILE_ID={keys.investor_profile_id}",
    ]
    keys_file.write_text("".join(f"export {line}\n" for line in lines), encoding="utf-8")
    os.chmod(keys_file, 0o600)
    state = "loaded" if keys.loaded_now else "already present; issued fresh keys"
    typer.echo(f"Demo data {state} ({settings.database_url}).")
    typer.echo(f"Service URL: {base_url}  (API docs: {base_url}/docs)")
    typer.echo(f"Commission key (Shanghai Commerce Commission): {keys.commission}")
    typer.echo(f"Investor key (Hillhouse Capital):              {keys.investor}")
    typer.echo(f"Startup key (Stepfun):                         {keys.startup}")
    typer.echo(f"Keys also written to {keys_file}: run 'source {keys_file}' in another shell.")
    if serve_after:
        _serve(host, port, 1)


if __name__ == "__main__":
    app()
