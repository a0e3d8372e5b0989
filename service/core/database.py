"""Engine and session factory; one unit of work per request."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
DEFAULT_POOL_TIMEOUT_SECONDS = 5.0
# Connections per worker process. A PostgreSQL connection is a server process, so few. A
# SQLite connection is a file handle, and a write request holds its connection while it waits
# (up to the busy timeout) for the single write lock: as many connections as the worker has
# threads (Starlette's default 40) keep readers, which WAL never blocks, from queueing behind
# those waiting writers for a connection.
DEFAULT_POOL_SIZES = {"postgresql": 10, "sqlite": 40}
# Set on the connection of a request that may write (see ``get_session``).
SQLITE_WRITE_LOCK_OPTION = "matchmaker_sqlite_write_lock"
# Its value for a write that is skipped rather than waited for (see ``start_writing_if_free``).
IF_FREE = "if_free"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


SQLITE_WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
"""What the write-ahead log file is cut back to once a checkpoint has emptied it. Without a
limit SQLite reuses the file but never shrinks it: under load (every page of matches writes
its impressions, every request its rate-limit count) it grew to 300 MB in minutes on the
benchmark's catalogue and stayed that size."""


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and foreign keys on every connection.

    pysqlite opens transactions lazily and never around SAVEPOINTs; taking over BEGIN
    ourselves gives SQLite the same transaction semantics as PostgreSQL. A request that may
    write begins with BEGIN IMMEDIATE: it waits (busy timeout) for the write lock up front,
    so it reads the latest committed data and its writes never fail on a snapshot that
    another writer made stale (SQLITE_BUSY_SNAPSHOT), which a plain BEGIN would risk.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_SIZE_LIMIT_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(SQLITE_WRITE_LOCK_OPTION, False)
        if writes != IF_FREE:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
            return
        # Only if no other writer holds the lock now: fail at once instead of waiting.
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written without a driver."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(
    url: str, *, pool_size: int | None = None, pool_timeout: float = DEFAULT_POOL_TIMEOUT_SECONDS
) -> Engine:
    """An engine with a bounded pool: waiting longer than ``pool_timeout`` for a connection
    raises ``sqlalchemy.exc.TimeoutError`` (answered as 503) instead of queueing for ever.

    Without a ``pool_size`` each backend gets its own default (see ``DEFAULT_POOL_SIZES``).
    """
    url = normalise_database_url(url)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    pool_size = pool_size or DEFAULT_POOL_SIZES.get(backend, DEFAULT_POOL_SIZES["postgresql"])
    if backend == "sqlite":
        database = parsed.database
        pool: dict[str, Any] = {}
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=True,
        pool_timeout=pool_timeout,
    )


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit so responses are built without another query.
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def start_writing(session: Session) -> None:
    """Begin the transaction this unit of work writes in; call it before the first write.

    On SQLite that transaction takes the write lock at BEGIN (BEGIN IMMEDIATE, see
    ``_configure_sqlite``), after ending the read-only transaction open so far (nothing has
    been written in it): so a request takes the lock only once its caller is known
    (``service.http.auth`` calls this after authenticating a request that may write), and
    an anonymous request never holds it. On PostgreSQL there is nothing to do.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    stop_reading(session)
    session.connection(execution_options={SQLITE_WRITE_LOCK_OPTION: True})


def stop_reading(session: Session) -> None:
    """End the read-only transaction open so far, handing its connection back to the pool
    while the request does slow work that needs none (hashing a password)."""
    if session.in_transaction():
        session.commit()


def start_writing_if_free(session: Session) -> bool:
    """``start_writing`` for bookkeeping that may be skipped (a key's "last used" time): on
    SQLite, only when no other writer holds the write lock right now; False (and nothing
    begun) when one does, so a read never waits behind a long write (an import) for it."""
    if session.get_bind().dialect.name != "sqlite":
        return True
    stop_reading(session)
    try:
        session.connection(execution_options={SQLITE_WRITE_LOCK_OPTION: IF_FREE})
    except OperationalError:
        session.rollback()
        return False
    return True


async def get_session(request: Request) -> AsyncGenerator[Session, None]:
    """Commit when the handler returns, roll back when it raises, before the response.

    The session begins no transaction by itself: authentication reads in a plain (read-only)
    one, and a request that may write takes SQLite's write lock only once authenticated
    (``start_writing``).

    Made on the event loop (a session takes no connection until its first statement, which
    runs with the handler: on a worker thread, or on the loop for the one route that ranks
    there, ``investor_matches``), so only the end of the unit of work costs a thread hop, and
    none when the handler ended it (``end_unit_of_work``); that end runs shielded, so a
    cancelled request still hands its connection back rolled back.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await _on_own_thread(_roll_back_and_close, session)
        raise
    if _ended_by_handler(session):
        # Closing holds no connection and does no I/O, so it needs no thread.
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await _on_own_thread(_commit_and_close, session)


_UNIT_OF_WORK_ENDED = "matchmaker_unit_of_work_ended"


def end_unit_of_work(session: Session) -> None:
    """Commit the request's unit of work now, on the caller's thread (a handler on the event
    loop), so that ``get_session`` has nothing left to end and closes the session without
    a hop to a worker thread."""
    session.commit()
    session.info[_UNIT_OF_WORK_ENDED] = True


def _ended_by_handler(session: Session) -> bool:
    """Whether the handler ended its unit of work (``end_unit_of_work``) and nothing has
    happened in the session since. Only then is there nothing to commit: a session outside a
    transaction may still hold objects added or changed since its last commit (after
    ``stop_reading``, say), which the commit at the end writes."""
    return (
        bool(session.info.get(_UNIT_OF_WORK_ENDED))
        and not session.in_transaction()
        and not (session.new or session.dirty or session.deleted)
    )


async def _on_own_thread(end: Callable[[Session], None], session: Session) -> None:
    # Not through the shared thread pool (run_in_threadpool): under load its threads can all
    # be requests waiting for a database connection, held by finished sessions that would
    # wait for a thread to hand theirs back. A limiter of its own, as FastAPI gives a sync
    # dependency's exit, never waits for one.
    await anyio.to_thread.run_sync(end, session, limiter=anyio.CapacityLimiter(1))


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _roll_back_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
