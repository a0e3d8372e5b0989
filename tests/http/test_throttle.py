"""The failure throttle: blocks after N failures in a window, with exponential back-off, shared
through the database and bounded in rows. A clock is injected; nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from models import RateLimitWindow
from service.core.database import create_db_engine
from service.core.migrations import upgrade
from service.http.rate_limit import RateLimiter
from service.http.throttle import FailureThrottle

START = 1_000_020.0  # a multiple of every window below


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def scratch_engine(scratch_database_url: str) -> Iterator[Engine]:
    upgrade(scratch_database_url)
    engine = create_db_engine(scratch_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _throttle(engine: Engine, clock: Clock, **overrides: int) -> FailureThrottle:
    settings = {"failures": 3, "window_seconds": 60, "max_backoff_seconds": 600} | overrides
    return FailureThrottle(engine, clock=clock, **settings)


def _rows(engine: Engine) -> list[tuple[str, int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(RateLimitWindow.bucket, RateLimitWindow.window_start, RateLimitWindow.hits)
        ).all()
    return sorted((bucket, start, hits) for bucket, start, hits in rows)


def _fail(throttle: FailureThrottle, bucket: str, times: int) -> None:
    for _ in range(times):
        throttle.record_failure([bucket])


def test_a_bucket_is_blocked_after_n_failures_in_a_window(
    scratch_engine: Engine, clock: Clock
) -> None:
    throttle = _throttle(scratch_engine, clock)
    _fail(throttle, "addr:10.0.0.1", 2)
    assert throttle.retry_after(["addr:10.0.0.1"]) is None
    clock.now += 10
    throttle.record_failure(["addr:10.0.0.1"])
    assert throttle.retry_after(["addr:10.0.0.1"]) == 60
    clock.now += 59.5
    assert throttle.retry_after(["addr:10.0.0.1"]) == 1
    clock.now += 0.5
    assert throttle.retry_after(["addr:10.0.0.1"]) is None
    # Other buckets are their own.
    assert throttle.retry_after(["addr:10.0.0.2"]) is None


def test_failures_in_different_windows_do_not_add_up(scratch_engine: Engine, clock: Clock) -> None:
    throttle = _throttle(scratch_engine, clock)
    clock.now += 50
    _fail(throttle, "user:ann", 2)
    clock.now += 20  # the next window
    _fail(throttle, "user:ann", 2)
    assert throttle.retry_after(["user:ann"]) is None
    throttle.record_failure(["user:ann"])
    assert throttle.retry_after(["user:ann"]) == 60


def test_each_further_block_doubles_up_to_the_cap(scratch_engine: Engine, clock: Clock) -> None:
    throttle = _throttle(scratch_engine, clock, max_backoff_seconds=300)
    blocks = []
    for _ in range(5):
        _fail(throttle, "addr:10.0.0.9", 3)
        wait = throttle.retry_after(["addr:10.0.0.9"])
        assert wait is not None
        blocks.append(wait)
        clock.now += wait
        assert throttle.retry_after(["addr:10.0.0.9"]) is None
    assert blocks == [60, 120, 240, 300, 300]
    assert [throttle.block_seconds(level) for level in (1, 2, 3, 100)] == [60, 120, 240, 300]


def test_failures_while_blocked_do_not_lengthen_the_block(
    scratch_engine: Engine, clock: Clock
) -> None:
    """Requests that passed the check before the block and fail after it change nothing."""
    throttle = _throttle(scratch_engine, clock)
    _fail(throttle, "addr:10.0.0.3", 3)
    clock.now += 30
    _fail(throttle, "addr:10.0.0.3", 7)
    assert throttle.retry_after(["addr:10.0.0.3"]) == 30


def test_a_block_is_forgotten_once_the_bucket_behaves(scratch_engine: Engine, clock: Clock) -> None:
    throttle = _throttle(scratch_engine, clock, max_backoff_seconds=600)
    _fail(throttle, "addr:10.0.0.4", 3)
    clock.now += 60 + 600  # the block's end, plus the time a block is remembered
    _fail(throttle, "addr:10.0.0.4", 3)
    assert throttle.retry_after(["addr:10.0.0.4"]) == 60  # the first level again


def test_success_forgets_failures_and_blocks(scratch_engine: Engine, clock: Clock) -> None:
    throttle = _throttle(scratch_engine, clock)
    _fail(throttle, "user:bob", 2)
    throttle.record_success(["user:bob"])
    _fail(throttle, "user:bob", 2)
    assert throttle.retry_after(["user:bob"]) is None
    throttle.record_failure(["user:bob"])
    assert throttle.retry_after(["user:bob"]) == 60
    throttle.record_success(["user:bob"])
    assert throttle.retry_after(["user:bob"]) is None
    assert _rows(scratch_engine) == []


def test_several_buckets_at_once_wait_for_the_longest(scratch_engine: Engine, clock: Clock) -> None:
    throttle = _throttle(scratch_engine, clock)
    _fail(throttle, "user:cy", 3)  # blocked for 60 s
    clock.now += 60
    _fail(throttle, "user:cy", 3)  # blocked again, for 120 s
    clock.now += 20
    for _ in range(3):
        throttle.record_failure(["user:dee", "addr:10.0.0.5"])  # both blocked for 60 s
    assert throttle.retry_after(["addr:10.0.0.5"]) == 60
    assert throttle.retry_after(["user:cy", "addr:10.0.0.5"]) == 100
    assert throttle.retry_after(["user:dee", "addr:10.0.0.6"]) == 60
    assert throttle.retry_after([]) is None


def test_a_long_bucket_name_is_stored_as_its_hash(scratch_engine: Engine, clock: Clock) -> None:
    """The bucket column holds 80 characters (PostgreSQL refuses more); names may be longer."""
    throttle = _throttle(scratch_engine, clock)
    long_name = "user:" + "é" * 200
    _fail(throttle, long_name, 3)
    assert throttle.retry_after([long_name]) == 60
    assert throttle.retry_after(["user:" + "é" * 199]) is None
    assert all(len(bucket) <= 80 for bucket, _, _ in _rows(scratch_engine))


def test_the_table_stays_bounded_and_the_rate_limiter_keeps_live_rows(
    scratch_engine: Engine, clock: Clock
) -> None:
    """Dead rows go (by either clean-up); a live count or block survives the limiter's."""
    throttle = _throttle(scratch_engine, clock, max_backoff_seconds=120)
    limiter = RateLimiter(scratch_engine, limit=100, window_seconds=10, clock=clock)
    for minute in range(30):
        clock.now = START + 60 * minute
        for address in range(20):  # a new set of buckets every minute
            throttle.record_failure([f"addr:10.{minute}.0.{address}"])
    with scratch_engine.connect() as connection:
        rows = connection.scalar(select(func.count()).select_from(RateLimitWindow))
    assert rows is not None
    assert rows <= 40  # this window's and perhaps the last one's, never all 600

    _fail(throttle, "addr:10.99.0.1", 3)  # blocked for 60 s, remembered 120 s more
    throttle.record_failure(["addr:10.99.0.2"])  # one failure counted in this window
    clock.now += 30  # the limiter's window moves on; its clean-up runs
    limiter.hit("key:someone")
    assert throttle.retry_after(["addr:10.99.0.1"]) == 30
    _fail(throttle, "addr:10.99.0.2", 2)  # with the one before: 3 in the window
    assert throttle.retry_after(["addr:10.99.0.2"]) == 60
    clock.now += 30 + 120 + 60  # both blocks over and forgotten
    throttle.record_failure(["addr:10.99.0.3"])
    clock.now += 60
    throttle.record_failure(["addr:10.99.0.4"])
    assert {bucket for bucket, _, _ in _rows(scratch_engine)} <= {
        "fail:addr:10.99.0.3",
        "fail:addr:10.99.0.4",
        "key:someone",
    }
