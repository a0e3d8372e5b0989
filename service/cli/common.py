"""What every command shares: a migrated database with one transaction, the command line's
principal, a freshly built match index, and the server's host and port options."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from models import Role
from service.core import migrations
from service.core.database import create_db_engine, create_session_factory
from service.core.settings import get_settings
from service.http.auth import COMMAND_LINE_NAME, Principal
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer

HostOption = Annotated[str, typer.Option(help="Interface to listen on")]
PortOption = Annotated[int, typer.Option(help="TCP port")]


def command_line_principal() -> Principal:
    """The commission, acting from the command line (audit records say so)."""
    return Principal(None, Role.COMMISSION, COMMAND_LINE_NAME)


@contextmanager
def migrated_session() -> Iterator[Session]:
    """The configured database, migrated to head, in one transaction committed on success."""
    settings = get_settings()
    migrations.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        with create_session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def built_index(session: Session) -> MatchIndex:
    """A match index built from the database now (a command runs no server to keep one)."""
    index = MatchIndex(make_default_scorer)
    index.rebuild(session)
    return index
