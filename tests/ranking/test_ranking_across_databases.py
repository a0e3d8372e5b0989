"""The same catalogue ranks the same on SQLite and PostgreSQL, and after a restart."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bench.synthetic import populate
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.ranking.index import MatchIndex
from service.ranking.records import investor_record, load_mandates
from service.ranking.serving import make_default_scorer

# The suite's own PostgreSQL database when it runs on one, so parallel runs on other
# databases never meet; a schema of this run's own for the same reason.
_SUITE_URL = os.environ.get("MATCHMAKER_TEST_DATABASE_URL", "")
POSTGRES_URL = os.environ.get("MATCHMAKER_CROSS_CHECK_POSTGRES_URL") or (
    _SUITE_URL
    if _SUITE_URL.startswith("postgresql")
    else "postgresql://postgres@127.0.0.1:5432/test"
)
SCHEMA = f"cross_database_ranking_{secrets.token_hex(4)}"
Ranking = list[list[tuple[str, float]]]


def _rankings(database_url: str) -> Ranking:
    """Top 30 (id, score) for the first 25 investors, from a freshly built index."""
    engine = create_db_engine(database_url)
    try:
        with create_session_factory(engine)() as session:
            state = MatchIndex(make_default_scorer).rebuild(session)
            profiles = load_mandates(session, limit=25)
            records = [investor_record(p) for p in profiles]
    finally:
        engine.dispose()
    scorer = state.scorer
    return [
        [
            (match.id, round(match.score, 9))
            for match in scorer.rank_segments(
                scorer.investor_features(record), [(state.base, state.base_alive)], limit=30
            )[0]
        ]
        for record in records
    ]


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    engine = create_db_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    except OperationalError:
        engine.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    yield url.render_as_string(hide_password=False)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    engine.dispose()


def test_sqlite_and_postgresql_rank_alike_and_restarts_change_nothing(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    sqlite_url = f"sqlite:///{tmp_path}/cross.db"
    for url in (sqlite_url, postgres_schema_url):
        upgrade(url)
        engine = create_db_engine(url)
        populate(engine, requests=3000, investors=40, seed=7)
        engine.dispose()
    on_sqlite = _rankings(sqlite_url)
    assert any(ranking for ranking in on_sqlite)
    assert _rankings(sqlite_url) == on_sqlite  # a restart builds the same index
    assert _rankings(postgres_schema_url) == on_sqlite
