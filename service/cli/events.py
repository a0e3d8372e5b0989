"""``matchmaker events create|list|show``: the commission's conferences and campaigns.

The same service functions as ``POST|GET /v1/events`` and ``GET /v1/events/{id}``, acting
as the command line (the audit trail says so), one transaction per command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from models import Event
from service.cli.common import command_line_principal, migrated_session
from service.events import service as events
from service.events.schemas import EventCreate
from service.http.problems import ServiceError

events_app = typer.Typer(
    help="Manage events: the conferences and campaigns requests are presented at.",
    no_args_is_help=True,
)

COLUMNS = ("id", "date", "name", "place")


def _iso_date(value: str) -> dt.date:
    """A day as ISO 8601 (2026-11-05); anything else is a usage error naming the option."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise typer.BadParameter(f"{value!r} is not a day; write it as YYYY-MM-DD") from error


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=code)


def _cells(event: Event) -> list[str]:
    return [event.id, event.date.isoformat(), event.name, event.place or "-"]


def _every_event(session: Session) -> Iterator[Event]:
    cursor: str | None = None
    while True:
        page, cursor = events.list_page(session=session, limit=100, cursor=cursor)
        yield from page
        if cursor is None:
            return


@events_app.command("create")
def create_event(
    name: Annotated[
        str, typer.Option(help="Unique name, e.g. '2026 Shanghai Investment Conference'")
    ],
    date: Annotated[
        dt.date,
        typer.Option(parser=_iso_date, metavar="YYYY-MM-DD", help="The (first) day"),
    ],
    place: Annotated[str | None, typer.Option(help="Where (a campaign may have none)")] = None,
) -> None:
    """Create an event and print its id (startups name it by id in their requests)."""
    try:
        data = EventCreate(name=name, date=date, place=place)
    except ValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            typer.echo(f"--{field}: {problem['msg']}", err=True)
        raise typer.Exit(code=2) from error
    try:
        with migrated_session() as session:
            event = events.create(session=session, principal=command_line_principal(), data=data)
            cells = _cells(event)
    except ServiceError as error:
        raise _fail(str(error)) from error
    typer.echo(f"Event created: {cells[2]}, {cells[1]}, {cells[3]}. Its id:", err=True)
    typer.echo(cells[0])


@events_app.command("list")
def list_events() -> None:
    """Every event, newest first: id, date, name, place (tab-separated, with a header)."""
    with migrated_session() as session:
        typer.echo("\t".join(COLUMNS))
        for event in _every_event(session):
            typer.echo("\t".join(_cells(event)))


@events_app.command("show")
def show_event(
    event: Annotated[str, typer.Argument(help="The event's id or its exact name")],
) -> None:
    """One event, a field a line: id, name, date, place, created, updated, revision."""
    with migrated_session() as session:
        found = events.by_name(session=session, name=event)
        if found is None:
            try:
                found = events.get(session=session, event_id=event)
            except ServiceError as error:
                raise _fail(f"No event with the id or name {event!r}.") from error
        fields = {
            "id": found.id,
            "name": found.name,
            "date": found.date.isoformat(),
            "place": found.place or "-",
            "created_at": found.created_at.isoformat(),
            "updated_at": found.updated_at.isoformat(),
            "revision": str(found.revision),
        }
    width = max(len(key) for key in fields)
    for key, value in fields.items():
        typer.echo(f"{key.ljust(width)}  {value}")
