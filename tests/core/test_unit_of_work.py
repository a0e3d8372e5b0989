"""One unit of work per request (``service.core.database.get_session``), on a real engine:
committed when the handler returns, rolled back when it raises, and the connection handed back
either way, a cancelled request included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.core.database import (
    SessionDep,
    create_db_engine,
    create_session_factory,
    get_session,
)


class Refused(Exception):
    pass


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'unit_of_work.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.session_factory = create_session_factory(engine)

    @app.post("/notes/{body}")
    def write(body: str, session: SessionDep) -> dict[str, str]:
        session.execute(text("INSERT INTO notes VALUES (:body)"), {"body": body})
        return {"written": body}

    @app.post("/refused/{body}")
    def write_then_fail(body: str, session: SessionDep) -> None:
        session.execute(text("INSERT INTO notes VALUES (:body)"), {"body": body})
        raise Refused(body)

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _notes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT body FROM notes ORDER BY body")).scalars())


def test_a_returning_handler_commits_and_hands_its_connection_back(
    client: TestClient, engine: Engine
) -> None:
    assert client.post("/notes/kept").status_code == 200
    assert _notes(engine) == ["kept"]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_raising_handler_writes_nothing_and_hands_its_connection_back(
    client: TestClient, engine: Engine
) -> None:
    assert client.post("/refused/lost").status_code == 500
    assert _notes(engine) == []
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_cancelled_request_rolls_back_and_hands_its_connection_back(engine: Engine) -> None:
    request = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(session_factory=create_session_factory(engine)))
    )

    async def cancelled_mid_request() -> None:
        unit = get_session(request)  # type: ignore[arg-type]
        session = await unit.__anext__()
        session.execute(text("INSERT INTO notes VALUES ('cancelled')"))
        assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
        with anyio.CancelScope() as scope:
            scope.cancel()
            # What the request's task meets at its next await once cancelled.
            with pytest.raises(anyio.get_cancelled_exc_class()):
                await unit.athrow(anyio.get_cancelled_exc_class()())

    anyio.run(cancelled_mid_request)
    assert _notes(engine) == []
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_request_ends_while_every_worker_thread_is_taken(engine: Engine) -> None:
    """The end of a unit of work never waits for the shared thread pool: under load its
    threads may all be requests waiting for the connection this session holds."""
    request = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(session_factory=create_session_factory(engine)))
    )

    async def ended_with_the_pool_full() -> None:
        shared = anyio.to_thread.current_default_thread_limiter()
        shared.total_tokens = 1
        unit = get_session(request)  # type: ignore[arg-type]
        session = await unit.__anext__()
        session.execute(text("INSERT INTO notes VALUES ('kept')"))
        async with shared:  # every shared thread is taken
            with anyio.fail_after(5):
                with pytest.raises(StopAsyncIteration):
                    await unit.__anext__()

    anyio.run(ended_with_the_pool_full)
    assert _notes(engine) == ["kept"]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
