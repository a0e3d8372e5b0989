"""Per-key rate limits counted in the database, so every worker process shares one count.

Fixed windows: a bucket (an API key's hash, or the client address of a request without a
key) may make ``limit`` requests per ``window_seconds``. Counts are atomic
``INSERT .. ON CONFLICT DO UPDATE .. RETURNING`` statements on ``rate_limits`` through a small
engine of its own, so a count never waits for, nor holds, a connection of the request's unit
of work. On PostgreSQL that engine commits without waiting for the WAL flush: a crash may
forget a few counts, which costs nothing worth a disk flush per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, event
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from models import RateLimitWindow
from service.http.problems import TooManyRequests, problem_response

logger = logging.getLogger("matchmaker.rate_limit")
LIMITED_PATH_PREFIX = "/v1/"  # probes and the API documents are never limited


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_seconds: int


def relax_commit_durability(engine: Engine) -> None:
    """On PostgreSQL, let the counter engine's commits skip the WAL flush wait."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
        dbapi_connection.commit()


class RateLimiter:
    """Counts requests per bucket; concurrent requests of one process share a transaction.

    ``hit_async`` is what the middleware awaits: while one batch of counts is being written,
    the requests arriving meanwhile queue for the next one, which is written as soon as the
    first commits (group commit). Each request still learns its exact place in its bucket's
    window, so the limit is exact, while under load a worker pays one transaction and one
    thread hop per batch rather than per request.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._cleaned_window = -1
        self._cleanup_lock = threading.Lock()
        self._next_batch: dict[str, list[asyncio.Future[int]]] = {}
        self._writer: asyncio.Task[None] | None = None
        # One statement on the driver's own connection: this runs for every request, and
        # SQLAlchemy's execution layer costs more CPU than the statement itself.
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        placeholders = ", ".join([marker] * 3)  # driver placeholders; values are bound
        self._add_sql = (
            "INSERT INTO rate_limits (bucket, window_start, hits) "  # noqa: S608
            f"VALUES ({placeholders}) ON CONFLICT (bucket, window_start) "
            "DO UPDATE SET hits = rate_limits.hits + excluded.hits RETURNING hits"
        )
        # pysqlite connections here run in autocommit mode (service.core.database): begin
        # explicitly.
        self._explicit_begin = engine.dialect.name == "sqlite"
        # What the driver raises when the database refuses or is gone.
        self.database_error: type[Exception] = engine.dialect.loaded_dbapi.Error

    def count(self, requests: Mapping[str, int], now: float) -> dict[str, int]:
        """Add ``requests[bucket]`` hits to each bucket in one transaction; the new totals."""
        window_start = self._window_start(now)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                if self._explicit_begin:
                    cursor.execute("BEGIN")
                totals = {}
                for bucket, hits in requests.items():
                    cursor.execute(self._add_sql, (bucket, window_start, hits))
                    row = cursor.fetchone()
                    assert row is not None  # RETURNING always yields the row
                    totals[bucket] = int(row[0])
                if self._explicit_begin:
                    cursor.execute("COMMIT")
                else:
                    connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool
        self._forget_old_windows(window_start)
        return totals

    def hit(self, bucket: str) -> RateDecision:
        """Count one request for ``bucket`` now (blocking) and decide."""
        now = self._clock()
        return self._decide(self.count({bucket: 1}, now)[bucket], now)

    async def hit_async(self, bucket: str) -> RateDecision:
        """Count one request in the next batch and decide."""
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._next_batch.setdefault(bucket, []).append(waiter)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_batches())
        ordinal = await waiter
        return self._decide(ordinal, self._clock())

    async def _write_batches(self) -> None:
        try:
            while self._next_batch:
                batch, self._next_batch = self._next_batch, {}
                try:
                    totals = await run_in_threadpool(
                        self.count, {b: len(w) for b, w in batch.items()}, self._clock()
                    )
                except Exception as exc:  # each waiting request decides what to do with it
                    for waiters in batch.values():
                        for waiter in waiters:
                            if not waiter.done():
                                waiter.set_exception(exc)
                    continue
                for bucket, waiters in batch.items():
                    first = totals[bucket] - len(waiters)
                    for place, waiter in enumerate(waiters, start=1):
                        if not waiter.done():  # a request cancelled meanwhile
                            waiter.set_result(first + place)
        finally:
            self._writer = None

    def _window_start(self, now: float) -> int:
        return int(now // self.window_seconds) * self.window_seconds

    def _decide(self, hits: int, now: float) -> RateDecision:
        retry_after = max(1, math.ceil(self._window_start(now) + self.window_seconds - now))
        return RateDecision(
            allowed=hits <= self.limit,
            limit=self.limit,
            remaining=max(0, self.limit - hits),
            retry_after_seconds=retry_after,
        )

    def _forget_old_windows(self, window_start: int) -> None:
        # Once per window per process; a second process doing it too deletes nothing.
        if self._cleaned_window >= window_start or not self._cleanup_lock.acquire(blocking=False):
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(RateLimitWindow).where(RateLimitWindow.window_start < window_start)
                )
            self._cleaned_window = window_start
        finally:
            self._cleanup_lock.release()


def bucket_for(scope: Scope) -> str:
    """The API key's hash when the request presents one, else the client address."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.partition(b" ")
            if scheme.lower() == b"bearer" and credentials.strip():
                return "key:" + hashlib.sha256(credentials.strip()).hexdigest()[:40]
            break
    client = scope.get("client")
    return "addr:" + (client[0] if client else "unknown")


class RateLimitMiddleware:
    """Answers 429 with Retry-After once a bucket has used up its window.

    When the counter cannot be reached the request goes on (and is logged): the limit
    protects the service, and the request will meet the same database anyway.
    """

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PATH_PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            decision = await self.limiter.hit_async(bucket_for(scope))
        except (SQLAlchemyError, self.limiter.database_error) as exc:
            logger.warning("rate limit counter unavailable", extra={"error": type(exc).__name__})
            await self.app(scope, receive, send)
            return
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            status=TooManyRequests.status,
            slug=TooManyRequests.slug,
            title=TooManyRequests.title,
            request=Request(scope),
            detail=(
                f"At most {decision.limit} requests per {self.limiter.window_seconds} s per "
                f"API key; retry in {decision.retry_after_seconds} s."
            ),
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )
        await response(scope, receive, send)
