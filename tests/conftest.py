"""Test database built by the migrations; each test runs in a transaction rolled back after.

Set MATCHMAKER_TEST_DATABASE_URL to run the suite on PostgreSQL; the default is a fresh
SQLite file.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import service.api_keys.service
import service.http.auth
import service.sessions.service
import service.users.passwords
import service.users.service
from service.core.database import create_db_engine, get_session
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.impressions.log import ImpressionLog, connection_writer
from service.main import create_app
from service.reference_data.catalog import get_reference_data
from tests.support.environment import ADMIN_KEY, TEST_DATABASE_URL, TEST_SCHEMA
from tests.support.factories import ApiClient
from tests.support.secret_watch import SESSION_WATCH, SecretWatch

get_settings.cache_clear()
get_reference_data.cache_clear()
SECRET_WATCH = SESSION_WATCH
CHEAP_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SECRET_WATCH_REPORT: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def secret_watch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretWatch]:
    """Fails the session if any log line of it shows an API key or a key hash."""
    SECRET_WATCH.remember(ADMIN_KEY)
    root = logging.getLogger()
    root.addHandler(SECRET_WATCH)
    with pytest.MonkeyPatch.context() as patch:
        # Every key the service issues comes from generate_api_key, every session token from
        # generate_session_token, every invitation code from generate_invitation_code.
        for module, name in (
            (service.http.auth, "generate_api_key"),
            (service.api_keys.service, "generate_api_key"),
            (service.http.auth, "generate_session_token"),
            (service.sessions.service, "generate_session_token"),
            (service.users.service, "generate_invitation_code"),
        ):
            patch.setattr(module, name, SECRET_WATCH.recording(getattr(module, name)))
        # Argon2 at its real cost takes a third of a second here; the suite hashes and checks
        # passwords by the hundred, so it uses the cheapest parameters. Tests that measure
        # (tests/users/test_passwords.py) put the real hasher back.
        patch.setattr(service.users.passwords, "_hasher", CHEAP_PASSWORD_HASHER)
        yield SECRET_WATCH
    root.removeHandler(SECRET_WATCH)
    in_process = len(SECRET_WATCH.lines)
    lines = SECRET_WATCH.lines + SECRET_WATCH.read_server_logs(tmp_path_factory.getbasetemp())
    keys, hashes = SECRET_WATCH.leaks(lines)
    SECRET_WATCH_REPORT.append(
        f"secret watch: {in_process} log lines in-process, {SECRET_WATCH.server_log_lines} "
        f"lines from {SECRET_WATCH.server_log_files} server log files; "
        f"{len(SECRET_WATCH.secrets)} known keys; API keys found: {len(keys)}; "
        f"key hashes found: {len(hashes)}"
    )
    assert (keys, hashes) == ([], []), "secrets in the logs"


# Files whose tests take longest (from ``--durations``), started first: ``make test``
# spreads whole files over two processes (``--dist=loadfile``), and xdist's own order (most
# tests first) started the 4-minute generated-input file near the end, where one process ran it
# alone while the other had nothing left.
LONGEST_FIRST = (
    "tests/http/test_generated_input.py",
    "tests/http/test_live_concurrency.py",
    "tests/web/test_journey_browser.py",
    "tests/http/test_generated_client.py",
    "tests/web/test_webhooks_browser.py",
    "tests/web/test_outcomes_browser.py",
    "tests/http/test_limits.py",
    "tests/scoring/test_evaluation.py",
    "tests/scoring/test_evaluation_tasks.py",
    "tests/http/test_authorization_matrix.py",
    "tests/api_keys/test_revocation_live.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first, then the rest with the most tests first (xdist's own order,
    which ``make test`` turns off with ``--no-loadscope-reorder`` so that this one holds)."""
    files = [item.nodeid.split("::", 1)[0] for item in items]
    count = {name: files.count(name) for name in set(files)}

    def key(position: int) -> tuple[int, int]:
        name = files[position]
        rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return rank, -count[name]

    order = sorted(range(len(items)), key=key)
    items[:] = [items[i] for i in order]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in SECRET_WATCH_REPORT:
        terminalreporter.write_line(line)


def reset_database(engine: Engine) -> None:
    """Empty the test database so the migrations start from nothing."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {TEST_SCHEMA}"))
    else:
        database = make_url(TEST_DATABASE_URL).database
        engine.dispose()
        if database:
            for suffix in ("", "-wal", "-shm"):
                Path(database + suffix).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    engine = create_db_engine(TEST_DATABASE_URL)
    reset_database(engine)
    upgrade(TEST_DATABASE_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    """A session inside the test's transaction, for counting rows and arranging data."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session


@pytest.fixture
def app(engine: Engine, connection: Connection) -> FastAPI:
    application = create_app(get_settings(), engine=engine)

    def session_in_test_transaction(request: Request) -> Iterator[Session]:
        # The service's commit becomes a savepoint release; the test rolls everything back.
        with Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    application.dependency_overrides[get_session] = session_in_test_transaction
    # Impressions go into the test's transaction too, written when a route reads them (or a
    # test flushes), never by a thread of their own sharing the connection.
    application.state.impression_log = ImpressionLog(connection_writer(connection), interval=None)
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> ApiClient:
    return ApiClient(client=client, admin_key=ADMIN_KEY)


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind, apart from the shared test schema."""
    if make_url(TEST_DATABASE_URL).get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    schema = f"scratch_{secrets.token_hex(4)}"
    admin_engine = create_db_engine(TEST_DATABASE_URL)
    with admin_engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin_engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin_engine.dispose()


@pytest.fixture
def scratch_settings(scratch_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The scratch database as the service's configured database (commands read it)."""
    monkeypatch.setenv("MATCHMAKER_DATABASE_URL", scratch_database_url)
    get_settings.cache_clear()
    yield scratch_database_url
    get_settings.cache_clear()


@pytest.fixture
def scratch_client(scratch_settings: str) -> Iterator[TestClient]:
    """The service running on the scratch database, its match index built at start."""
    engine = create_db_engine(scratch_settings)
    with TestClient(create_app(get_settings(), engine=engine)) as client:
        yield client
    engine.dispose()
