"""Limits: per-key rate limits shared by worker processes, bounded pages, a bounded pool."""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from models import RateLimitWindow
from service.core.database import create_db_engine
from service.core.migrations import upgrade
from service.core.settings import Settings, get_settings
from service.http.rate_limit import RateDecision, RateLimiter
from service.http.throttle import FailureThrottle
from service.main import create_app
from tests.support.environment import ADMIN_KEY
from tests.support.factories import ApiClient, bearer
from tests.support.live_server import live_server

PROBLEM_JSON = "application/problem+json"
PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


@pytest.fixture
def migrated_url(scratch_database_url: str) -> str:
    upgrade(scratch_database_url)
    return scratch_database_url


@pytest.fixture
def scratch_engine(migrated_url: str) -> Iterator[Engine]:
    engine = create_db_engine(migrated_url)
    yield engine
    engine.dispose()


def _settings(**overrides: object) -> Settings:
    return get_settings().model_copy(update=overrides)


def _counted_hits(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.sum(RateLimitWindow.hits))) or 0)


def test_the_request_over_the_limit_gets_429_with_retry_after(scratch_engine: Engine) -> None:
    settings = _settings(rate_limit_requests=3, rate_limit_window_seconds=3600)
    with TestClient(create_app(settings, engine=scratch_engine)) as client:
        admin, other = bearer(ADMIN_KEY), bearer("mk_" + "z" * 43)
        statuses = [client.get("/v1/accounts", headers=admin).status_code for _ in range(3)]
        refused = client.get("/v1/accounts", headers=admin)
        # Another key has its own count; probes are never limited.
        other_key = client.get("/v1/accounts", headers=other)
        probes = [client.get("/healthz").status_code for _ in range(5)]
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json()["status"] == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert other_key.status_code == 401
    assert probes == [200] * 5


def test_requests_without_a_key_are_counted_per_client_address(scratch_engine: Engine) -> None:
    settings = _settings(rate_limit_requests=2, rate_limit_window_seconds=3600)
    with TestClient(create_app(settings, engine=scratch_engine)) as client:
        statuses = [client.get("/v1/taxonomy").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(RateLimitWindow.bucket, RateLimitWindow.hits))
        return dict(rows.tuples().all())


def _random_key() -> dict[str, str]:
    return bearer("mk_" + secrets.token_urlsafe(32))


FAILURE_WINDOW_SECONDS = 60  # the failure throttle's fixed window in create_app


def _well_inside_one_failure_window(margin: float = 10.0) -> None:
    """The throttle counts failures in fixed windows on the clock: start counting well inside
    one, so every failure a test sends lands in the same window (at most a 10 s wait; a run
    that straddled a minute saw its count start again)."""
    left = FAILURE_WINDOW_SECONDS - time.time() % FAILURE_WINDOW_SECONDS
    if left < margin:
        time.sleep(left + 0.1)


def test_the_failure_throttle_shares_the_rate_limiters_engine(scratch_engine: Engine) -> None:
    limited = create_app(_settings(rate_limit_requests=10), engine=scratch_engine)
    unlimited = create_app(_settings(rate_limit_requests=0), engine=scratch_engine)
    assert isinstance(limited.state.failure_throttle, FailureThrottle)
    assert limited.state.failure_throttle.engine is limited.state.rate_limiter.engine
    assert unlimited.state.failure_throttle is None
    limited.state.rate_limiter.engine.dispose()


def test_random_bearer_values_are_refused_per_address_and_leave_no_rows(
    scratch_engine: Engine,
) -> None:
    """Before: each random key had a fresh bucket, so 500 of them were 500 x 401 and 500 rows."""
    _well_inside_one_failure_window()
    settings = _settings(rate_limit_requests=1000, rate_limit_window_seconds=3600)
    with TestClient(create_app(settings, engine=scratch_engine)) as client:
        responses = [client.get("/v1/accounts", headers=_random_key()) for _ in range(500)]
        anonymous = client.get("/v1/taxonomy")
    statuses = [r.status_code for r in responses]
    assert statuses == [401] * 10 + [429] * 490
    refused = responses[-1]
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert 1 <= int(refused.headers["retry-after"]) <= 61  # a 60 s block, whole seconds
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    # Anonymous requests from the address are still served (under the address's limit).
    assert anonymous.status_code == 200
    rows = _rows(scratch_engine)
    assert len(rows) <= 3, rows  # the address's count, its failures' block; no key rows
    assert not any(bucket.startswith("key:") for bucket in rows)
    assert rows["addr:testclient"] == 10 + 1  # the refused keys and the anonymous request


def test_refused_keys_count_against_the_address_and_a_valid_key_stays_exact(
    scratch_engine: Engine,
) -> None:
    _well_inside_one_failure_window()
    settings = _settings(rate_limit_requests=12, rate_limit_window_seconds=3600)
    admin = bearer(ADMIN_KEY)
    with TestClient(create_app(settings, engine=scratch_engine)) as client:
        first = [client.get("/v1/accounts", headers=admin).status_code for _ in range(4)]
        unknown = [client.get("/v1/accounts", headers=_random_key()).status_code for _ in range(11)]
        # The address is blocked for unknown keys; the key it used before still works ...
        rest = [client.get("/v1/accounts", headers=admin).status_code for _ in range(9)]
        # ... and the ten refused keys were counted against the address's 12.
        anonymous = [client.get("/v1/taxonomy").status_code for _ in range(3)]
    assert first == [200] * 4
    assert unknown == [401] * 10 + [429]
    assert rest == [200] * 8 + [429]  # exactly 12 for the key
    assert anonymous == [200, 200, 429]
    assert _rows(scratch_engine)["addr:testclient"] == 13
    admin_rows = [
        hits for bucket, hits in _rows(scratch_engine).items() if bucket.startswith("key:")
    ]
    assert admin_rows == [13]


def test_keys_never_looked_at_count_against_the_address(scratch_engine: Engine) -> None:
    """A key on a path no route takes (or a public route) is not judged: the address pays."""
    settings = _settings(rate_limit_requests=5, rate_limit_window_seconds=3600)
    with TestClient(create_app(settings, engine=scratch_engine)) as client:
        admin = client.get("/v1/accounts", headers=bearer(ADMIN_KEY)).status_code
        unjudged = [client.get("/v1/no-such-thing", headers=_random_key()) for _ in range(8)]
        still_admin = client.get("/v1/accounts", headers=bearer(ADMIN_KEY)).status_code
        anonymous = client.get("/v1/taxonomy").status_code
    assert admin == 200
    # Five fit the address's window, the sixth used it up; the rest are refused unrun.
    assert [r.status_code for r in unjudged] == [404] * 6 + [429] * 2
    assert int(unjudged[-1].headers["retry-after"]) >= 1
    assert still_admin == 200  # a key this worker saw accepted is not the address's
    assert anonymous == 429
    rows = _rows(scratch_engine)
    assert rows["addr:testclient"] == 7  # six unjudged keys and the anonymous request
    assert sorted(hits for bucket, hits in rows.items() if bucket.startswith("key:")) == [2]


def test_a_second_worker_learns_of_the_block_from_the_database(scratch_engine: Engine) -> None:
    _well_inside_one_failure_window()
    settings = _settings(rate_limit_requests=1000, rate_limit_window_seconds=3600)
    with (
        TestClient(create_app(settings, engine=scratch_engine)) as one,
        TestClient(create_app(settings, engine=scratch_engine)) as other,
    ):
        first = [one.get("/v1/accounts", headers=_random_key()).status_code for _ in range(10)]
        second = [other.get("/v1/accounts", headers=_random_key()) for _ in range(3)]
    assert first == [401] * 10
    assert [r.status_code for r in second] == [429] * 3
    assert second[0].headers["content-type"] == PROBLEM_JSON
    assert int(second[0].headers["retry-after"]) >= 1


def test_a_new_window_starts_a_new_count_and_old_windows_are_deleted(
    scratch_engine: Engine,
) -> None:
    now = [1_000_000.0]
    limiter = RateLimiter(scratch_engine, limit=2, window_seconds=60, clock=lambda: now[0])
    first = [limiter.hit("key:a").allowed for _ in range(3)]
    assert first == [True, True, False]
    assert limiter.hit("key:a").retry_after_seconds == 1_000_020 - 1_000_000
    now[0] += 60
    assert limiter.hit("key:a").allowed
    with scratch_engine.connect() as connection:
        windows = connection.execute(select(RateLimitWindow.window_start)).scalars().all()
    assert windows == [1_000_020]


def test_concurrent_requests_share_transactions_and_keep_an_exact_count(
    scratch_engine: Engine,
) -> None:
    """Group commit: 25 requests at once, a transaction or two, still exactly 10 allowed."""
    limiter = RateLimiter(scratch_engine, limit=10, window_seconds=3600)
    transactions: list[dict[str, int]] = []
    count_in_one_transaction = limiter.count

    def counted(requests: Mapping[str, int], now: float) -> dict[str, int]:
        transactions.append(dict(requests))
        return count_in_one_transaction(requests, now)

    limiter.count = counted  # type: ignore[method-assign]

    async def burst() -> list[RateDecision]:
        return await asyncio.gather(*(limiter.hit_async("key:burst") for _ in range(25)))

    decisions = asyncio.run(burst())
    assert sum(d.allowed for d in decisions) == 10
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(10))
    # Requests that queued while a count was pending went into the same transaction.
    assert sum(t["key:burst"] for t in transactions) == 25
    assert len(transactions) <= 3, transactions
    assert _counted_hits(scratch_engine) == 25


def test_the_limit_holds_across_two_worker_processes(migrated_url: str, tmp_path: Path) -> None:
    """Two workers share one count: N allowed in total, not N per worker."""
    limit, sent = 10, 30
    env = {"MATCHMAKER_RATE_LIMIT_REQUESTS": str(limit)}
    env["MATCHMAKER_RATE_LIMIT_WINDOW_SECONDS"] = "3600"
    with live_server(migrated_url, tmp_path / "server.log", workers=2, env=env) as server:
        started = time.time()
        statuses = []
        for _ in range(sent):
            # A new connection each time, so both workers take requests.
            response = httpx.get(
                f"{server.url}/v1/accounts", headers=bearer(server.admin_key), timeout=10
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.headers["content-type"] == PROBLEM_JSON
                assert int(response.headers["retry-after"]) >= 1
        finished = time.time()
    assert set(statuses) <= {200, 429}
    if int(started // 3600) == int(finished // 3600):
        assert statuses.count(200) == limit, statuses
    else:  # the run crossed a window boundary: one fresh window at most
        assert statuses.count(200) <= 2 * limit, statuses
    engine = create_db_engine(migrated_url)
    try:
        assert _counted_hits(engine) == sent
    finally:
        engine.dispose()


def test_an_exhausted_pool_answers_503_with_retry_after(migrated_url: str) -> None:
    """Every connection busy: the request gives up after the pool timeout, it does not hang."""
    pool_timeout = 0.5
    engine = create_db_engine(migrated_url, pool_size=1, pool_timeout=pool_timeout)
    try:
        with TestClient(create_app(get_settings(), engine=engine)) as client:
            with engine.connect() as held:
                held.exec_driver_sql("SELECT 1")
                started = time.perf_counter()
                response = client.get("/v1/investors", headers=bearer(ADMIN_KEY))
                waited = time.perf_counter() - started
            after_release = client.get("/v1/investors", headers=bearer(ADMIN_KEY))
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "2"
    assert response.json()["status"] == 503
    assert waited < pool_timeout + 2
    assert after_release.status_code == 200


def test_a_database_locked_past_the_busy_timeout_answers_503(tmp_path: Path) -> None:
    """SQLite's write lock held elsewhere for longer than the busy timeout: 503, not 500."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    blocker = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        with TestClient(create_app(get_settings(), engine=engine)) as client:
            blocker.execute("BEGIN EXCLUSIVE")
            response = client.post(
                "/v1/accounts",
                json={"role": "startup", "name": "Locked out"},
                headers=bearer(ADMIN_KEY),
            )
            blocker.execute("ROLLBACK")
            after = client.get("/v1/accounts", headers=bearer(ADMIN_KEY))
    finally:
        blocker.close()
        engine.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "2"
    assert after.status_code == 200
    assert after.json()["items"] == []


def _paged_get_routes() -> list[str]:
    engine = create_db_engine("sqlite://")
    openapi = create_app(get_settings(), engine=engine).openapi()
    engine.dispose()
    return sorted(
        path
        for path, operations in openapi["paths"].items()
        if any(p["name"] == "limit" for p in operations.get("get", {}).get("parameters", []))
    )


@pytest.mark.parametrize("limit", ["0", "101", "1000000"])
def test_every_paged_route_bounds_limit(api: ApiClient, limit: str) -> None:
    """Every GET with a page size refuses sizes outside 1..100, naming the field."""
    investor, startup = api.create_account("investor"), api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    # The object exists, so the bound is what the answer is about.
    endpoint = api.client.post(
        "/v1/webhook-endpoints",
        json={
            "url": "https://127.0.0.1:9/hooks",
            "event_types": ["financing_request.reviewed"],
            "secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        },
        headers=investor.headers,
    )
    assert endpoint.status_code == 201, endpoint.text
    ids = {
        "investor_id": api.create_investor(investor)["id"],
        "financing_request_id": request["id"],
        "event_id": api.create_event("Paged conference"),
        "endpoint_id": endpoint.json()["id"],
    }
    # An account's endpoints are its own: even the bootstrap key gets a 404 for them.
    owner_only = {"endpoint_id": investor.headers}
    routes = _paged_get_routes()
    assert len(routes) >= 5, routes
    for route in routes:
        names = PATH_PARAMETER.findall(route)
        assert set(names) <= set(ids), f"{route}: add an object for {names} to this test"
        path = PATH_PARAMETER.sub(lambda m: ids[m.group(1)], route)
        headers = next((owner_only[n] for n in names if n in owner_only), api.admin)
        response = api.client.get(path, params={"limit": limit}, headers=headers)
        assert response.status_code == 422, (route, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON
        assert [e["field"] for e in response.json()["errors"]] == ["limit"], route
