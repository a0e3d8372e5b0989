"""Failure throttling counted in the database, so every worker process shares one count.

A bucket (a client address, an account name: whatever the caller names) may fail
``failures`` times in a fixed window of ``window_seconds``; the failure that reaches that
number blocks it. The first block lasts ``window_seconds``, each further one twice the one
before (exponential back-off), never more than ``max_backoff_seconds``. A block is forgotten
``max_backoff_seconds`` after it ended, so a bucket that behaves starts from the first level
again; ``record_success`` forgets a bucket's failures and blocks at once.

The counts live in ``rate_limits`` beside the rate limiter's (``service.http.rate_limit``),
under prefixed buckets (``fail:`` and ``block:`` never collide with its ``key:`` and
``addr:``), and in both kinds of row ``window_start`` holds the moment the row stops
mattering: the end of a failure window, or the end of a block plus the time it is
remembered. So the rate limiter's clean-up (which deletes rows whose ``window_start`` lies
before its current window) only ever deletes dead rows of ours, and ours deletes them too
(once per window per process), which keeps the table bounded by the buckets that failed
recently. A ``block:`` row's ``hits`` is its level (1 for the first block).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from service.core.database import SQLITE_WRITE_LOCK_OPTION

FAILURES_PREFIX = "fail:"
BLOCK_PREFIX = "block:"
_BUCKET_COLUMN_LENGTH = 80  # models.RateLimitWindow.bucket
_MAX_NAME_LENGTH = _BUCKET_COLUMN_LENGTH - max(len(FAILURES_PREFIX), len(BLOCK_PREFIX))

_ADD_FAILURE = text(
    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (:bucket, :window_end, 1) "
    "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 "
    "RETURNING hits"
)
_LATEST_BLOCK = text(
    "SELECT window_start, hits FROM rate_limits WHERE bucket = :bucket "
    "ORDER BY window_start DESC LIMIT 1"
)
_FORGET_BUCKET = text("DELETE FROM rate_limits WHERE bucket = :bucket")
_ADD_BLOCK = text(
    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (:bucket, :forget_at, :level) "
    "ON CONFLICT (bucket, window_start) DO NOTHING"
)
_DELETE_DEAD_ROWS = text(
    "DELETE FROM rate_limits WHERE window_start <= :now "
    "AND (bucket LIKE :failures OR bucket LIKE :blocks)"
)


def stored_name(bucket: str) -> str:
    """The bucket as stored after its prefix: itself, or its hash when it is too long."""
    if len(bucket) <= _MAX_NAME_LENGTH:
        return bucket
    return "sha256:" + hashlib.sha256(bucket.encode("utf-8", "surrogatepass")).hexdigest()[:40]


class FailureThrottle:
    """Blocks a bucket after ``failures`` failures in a window, with exponential back-off.

    Calls block on the database (run them off the event loop); each is one short transaction
    on ``engine``, which should be an engine of its own (as the rate limiter's is), so a
    throttle never waits for, nor holds, a connection of the request's unit of work.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        failures: int = 10,
        window_seconds: int = 60,
        max_backoff_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if failures < 1 or window_seconds < 1 or max_backoff_seconds < 1:
            raise ValueError("failures, window_seconds and max_backoff_seconds must be >= 1")
        self.engine = engine
        self.failures = failures
        self.window_seconds = window_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._clock = clock
        self._cleaned_window = -1
        self._cleanup_lock = threading.Lock()

    def retry_after(self, buckets: Sequence[str]) -> int | None:
        """Seconds until every bucket named is unblocked, or None when none is blocked."""
        now = self._clock()
        waits = []
        with self.engine.connect() as connection:
            for bucket in dict.fromkeys(buckets):
                blocked_until = self._blocked_until(connection, bucket, now)
                if blocked_until is not None:
                    waits.append(max(1, math.ceil(blocked_until - now)))
            connection.rollback()
        return max(waits) if waits else None

    def record_failure(self, buckets: Sequence[str]) -> None:
        """Count one failure against each bucket; one that reaches the limit is blocked."""
        now = self._clock()
        window_end = self._window_end(now)
        with self._write() as connection:
            for bucket in dict.fromkeys(buckets):
                name = stored_name(bucket)
                hits = connection.execute(
                    _ADD_FAILURE, {"bucket": FAILURES_PREFIX + name, "window_end": window_end}
                ).scalar_one()
                if hits >= self.failures:
                    self._block(connection, name, now)
        self._forget_dead_rows(now)

    def record_success(self, buckets: Sequence[str]) -> None:
        """Forget each bucket's failures and blocks."""
        with self._write() as connection:
            for bucket in dict.fromkeys(buckets):
                name = stored_name(bucket)
                connection.execute(_FORGET_BUCKET, {"bucket": FAILURES_PREFIX + name})
                connection.execute(_FORGET_BUCKET, {"bucket": BLOCK_PREFIX + name})

    def block_seconds(self, level: int) -> int:
        """How long the ``level``-th block in a row lasts (1 is the first)."""
        doublings = min(level - 1, 62)  # 2**62 seconds exceeds any cap already
        return int(min(self.window_seconds * 2**doublings, self.max_backoff_seconds))

    def _blocked_until(self, connection: Connection, bucket: str, now: float) -> float | None:
        latest = connection.execute(
            _LATEST_BLOCK, {"bucket": BLOCK_PREFIX + stored_name(bucket)}
        ).first()
        if latest is None:
            return None
        blocked_until = int(latest[0]) - self.max_backoff_seconds
        return blocked_until if blocked_until > now else None

    def _block(self, connection: Connection, name: str, now: float) -> None:
        latest = connection.execute(_LATEST_BLOCK, {"bucket": BLOCK_PREFIX + name}).first()
        level = 1
        if latest is not None and int(latest[0]) > now:  # a block still remembered
            if int(latest[0]) - self.max_backoff_seconds > now:
                return  # blocked already: failures that slipped in meanwhile change nothing
            level = int(latest[1]) + 1
        blocked_until = math.ceil(now + self.block_seconds(level))
        connection.execute(_FORGET_BUCKET, {"bucket": BLOCK_PREFIX + name})
        connection.execute(
            _ADD_BLOCK,
            {
                "bucket": BLOCK_PREFIX + name,
                "forget_at": blocked_until + self.max_backoff_seconds,
                "level": level,
            },
        )
        # After the block the count starts again.
        connection.execute(_FORGET_BUCKET, {"bucket": FAILURES_PREFIX + name})

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        # SQLite: take the write lock at BEGIN (service.core.database), so the reads of the
        # transaction are never made stale by another writer.
        with self.engine.connect() as connection:
            connection.execution_options(**{SQLITE_WRITE_LOCK_OPTION: True})
            with connection.begin():
                yield connection

    def _window_end(self, now: float) -> int:
        return (int(now // self.window_seconds) + 1) * self.window_seconds

    def _forget_dead_rows(self, now: float) -> None:
        # Once per window per process; a second process doing it too deletes nothing.
        window = int(now // self.window_seconds)
        if self._cleaned_window >= window or not self._cleanup_lock.acquire(blocking=False):
            return
        try:
            with self._write() as connection:
                connection.execute(
                    _DELETE_DEAD_ROWS,
                    {
                        "now": int(now),
                        "failures": FAILURES_PREFIX + "%",
                        "blocks": BLOCK_PREFIX + "%",
                    },
                )
            self._cleaned_window = window
        finally:
            self._cleanup_lock.release()
