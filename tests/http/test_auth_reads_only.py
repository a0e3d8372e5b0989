"""Authentication only reads: on SQLite an unauthenticated request never takes the write lock,
and a key's "last used" time is skipped rather than waited for while another writer holds it.

Another process holds SQLite's write lock (BEGIN IMMEDIATE) throughout; a request that asked
for the lock would wait the 5 s busy timeout and answer 503.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from models import ApiKey
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from tests.support.environment import ADMIN_KEY
from tests.support.factories import bearer, investor_payload

FAST_SECONDS = 2.0  # well under the 5 s busy timeout


@contextmanager
def write_lock_held(database_url: str) -> Iterator[None]:
    holder = sqlite3.connect(str(make_url(database_url).database), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


def timed(call: object) -> tuple[int, float]:
    started = time.perf_counter()
    response = call()  # type: ignore[operator]
    return response.status_code, time.perf_counter() - started


@pytest.fixture
def migrated(scratch_settings: str) -> str:
    if make_url(scratch_settings).get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, never the database")
    upgrade(scratch_settings)
    return scratch_settings


def test_unauthenticated_writes_take_no_lock_and_last_use_never_waits(
    migrated: str, scratch_client: TestClient
) -> None:
    scratch_settings = migrated
    created = scratch_client.post(
        "/v1/accounts", json={"role": "investor", "name": "Locked out"}, headers=bearer(ADMIN_KEY)
    )
    assert created.status_code == 201, created.text
    api_key = created.json()["api_key"]
    body = investor_payload()

    with write_lock_held(scratch_settings):
        anonymous = timed(lambda: scratch_client.post("/v1/investors", json=body))
        bad_key = timed(
            lambda: scratch_client.post(
                "/v1/investors", json=body, headers=bearer("mk_" + "x" * 43)
            )
        )
        reader = timed(lambda: scratch_client.get("/v1/me", headers=bearer(api_key)))

    assert anonymous[0] == bad_key[0] == 401
    assert reader[0] == 200
    assert max(anonymous[1], bad_key[1], reader[1]) < FAST_SECONDS, (anonymous, bad_key, reader)
    engine = create_db_engine(scratch_settings)
    try:
        with create_session_factory(engine)() as session:
            skipped = session.scalars(select(ApiKey.last_used_at)).one()
        assert skipped is None  # the lock was taken: the bookkeeping waited for a later request
        assert scratch_client.get("/v1/me", headers=bearer(api_key)).status_code == 200
        with create_session_factory(engine)() as session:
            assert session.scalars(select(ApiKey.last_used_at)).one() is not None
    finally:
        engine.dispose()
