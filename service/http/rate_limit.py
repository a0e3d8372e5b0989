"""Per-key rate limits counted in the database, so every worker process shares one count.

Fixed windows: a bucket (an API key's hash, or the client address of a request without a
key or with a key the service refused) may make ``limit`` requests per ``window_seconds``.
Counts are atomic ``INSERT .. ON CONFLICT DO UPDATE .. RETURNING`` statements on
``rate_limits`` through a small engine of its own, so a count never waits for, nor holds, a
connection of the request's unit of work. On PostgreSQL that engine commits without waiting
for the WAL flush: a crash may forget a few counts, which costs nothing worth a disk flush
per request.

A request that presents a key is counted under the key before it runs, so a valid caller's
limit is exact. Whether the key was valid shows once the request ran: unless authentication
accepted it, the count moves from the key's bucket to the client address's (so a random
bearer value leaves no row behind, and an address cannot escape its limit by inventing
keys), and a 401 is a failure of the address in the failure throttle
(``service.http.throttle``). ``RateLimitMiddleware`` explains the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, event, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import RateLimitWindow
from service.http.problems import TooManyRequests, problem_response
from service.http.routing import is_authenticated
from service.http.throttle import FailureThrottle

logger = logging.getLogger("matchmaker.rate_limit")
LIMITED_PATH_PREFIX = "/v1/"  # probes and the API documents are never limited


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_seconds: int
    window_start: int = 0  # the window the request was counted in


_TAKE_BACK = text(
    "UPDATE rate_limits SET hits = hits - 1 WHERE bucket = :bucket AND window_start = :window"
)
_DROP_EMPTY = text(
    "DELETE FROM rate_limits WHERE bucket = :bucket AND window_start = :window AND hits <= 0"
)
_ADD_ONE = text(
    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (:bucket, :window, 1) "
    "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 "
    "RETURNING hits"
)


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
        self.clock = clock
        self._cleaned_window = -1
        self._cleanup_lock = threading.Lock()
        self._next_batch: dict[str, list[asyncio.Future[tuple[int, int]]]] = {}
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
        now = self.clock()
        return self._decide(self.count({bucket: 1}, now)[bucket], now, self._window_start(now))

    async def hit_async(self, bucket: str) -> RateDecision:
        """Count one request in the next batch and decide."""
        waiter: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._next_batch.setdefault(bucket, []).append(waiter)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_batches())
        ordinal, window_start = await waiter
        return self._decide(ordinal, self.clock(), window_start)

    def move(self, source: str, target: str, window_start: int) -> int:
        """Move one request counted under ``source`` in that window to ``target``'s count.

        The source's row goes when nothing is left in it, so a bucket that was counted only
        to be refused leaves nothing behind. Returns ``target``'s new count.
        """
        with self.engine.begin() as connection:
            values = {"bucket": source, "window": window_start}
            connection.execute(_TAKE_BACK, values)
            connection.execute(_DROP_EMPTY, values)
            hits = connection.execute(_ADD_ONE, {"bucket": target, "window": window_start})
            return int(hits.scalar_one())

    async def _write_batches(self) -> None:
        try:
            while self._next_batch:
                batch, self._next_batch = self._next_batch, {}
                now = self.clock()
                window_start = self._window_start(now)
                try:
                    totals = await run_in_threadpool(
                        self.count, {b: len(w) for b, w in batch.items()}, now
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
                            waiter.set_result((first + place, window_start))
        finally:
            self._writer = None

    def _window_start(self, now: float) -> int:
        return int(now // self.window_seconds) * self.window_seconds

    def _decide(self, hits: int, now: float, window_start: int) -> RateDecision:
        retry_after = max(1, math.ceil(self._window_start(now) + self.window_seconds - now))
        return RateDecision(
            allowed=hits <= self.limit,
            limit=self.limit,
            remaining=max(0, self.limit - hits),
            retry_after_seconds=retry_after,
            window_start=window_start,
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


def key_bucket(scope: Scope) -> str | None:
    """The bucket of the bearer key the request presents (its hash), if it presents one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.partition(b" ")
            if scheme.lower() == b"bearer" and credentials.strip():
                return "key:" + hashlib.sha256(credentials.strip()).hexdigest()[:40]
            break
    return None


def address_bucket(scope: Scope) -> str:
    client = scope.get("client")
    return "addr:" + (client[0] if client else "unknown")


def bucket_for(scope: Scope) -> str:
    """The API key's hash when the request presents one, else the client address."""
    return key_bucket(scope) or address_bucket(scope)


# How many addresses blocked for unknown keys, and keys seen accepted, a worker remembers.
LOCAL_MEMORY_ENTRIES = 4096


class _Remembered:
    """A bounded map, oldest entry out first: what one worker learnt, to spare the database."""

    def __init__(self, size: int = LOCAL_MEMORY_ENTRIES) -> None:
        self.size = size
        self._entries: OrderedDict[str, float] = OrderedDict()

    def get(self, key: str) -> float | None:
        return self._entries.get(key)

    def put(self, key: str, value: float) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def discard(self, key: str) -> None:
        self._entries.pop(key, None)


class RateLimitMiddleware:
    """Answers 429 with Retry-After once a bucket has used up its window.

    When the counter cannot be reached the request goes on (and is logged): the limit
    protects the service, and the request will meet the same database anyway.

    A request that presents a key is counted under the key. Its response shows what became
    of the key: authentication accepted it (``service.http.routing.mark_authenticated``),
    refused it (401), or never looked at it (a public route, an unknown path, a body too
    large). Only an accepted key keeps the count; otherwise it moves to the client address,
    and a refusal is a failure of the address in the ``throttle``. An address that is
    blocked by the throttle, or over its own limit, then gets 429 with Retry-After for its
    requests with keys this worker has not seen accepted, before they run (a valid key it
    served keeps working behind a shared address). Workers learn of a block from the
    database at their next such response, which they answer with the 429 instead.
    """

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, throttle: FailureThrottle | None = None
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.throttle = throttle
        self.clock = limiter.clock
        self._refused_addresses = _Remembered()  # address bucket -> refused until
        self._accepted_keys = _Remembered()  # key bucket -> when last accepted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PATH_PREFIX):
            await self.app(scope, receive, send)
            return
        key, address = key_bucket(scope), address_bucket(scope)
        if key is not None:
            wait = self._address_refusal(key, address)
            if wait is not None:
                await self._unknown_keys_response(scope, wait)(scope, receive, send)
                return
        try:
            decision = await self.limiter.hit_async(key or address)
        except (SQLAlchemyError, self.limiter.database_error) as exc:
            logger.warning("rate limit counter unavailable", extra={"error": type(exc).__name__})
            await self.app(scope, receive, send)
            return
        if not decision.allowed:
            response = problem_response(
                status=TooManyRequests.status,
                slug=TooManyRequests.slug,
                title=TooManyRequests.title,
                request=Request(scope),
                detail=(
                    f"At most {decision.limit} requests per {self.limiter.window_seconds} s "
                    f"per API key; retry in {decision.retry_after_seconds} s."
                ),
                headers={"Retry-After": str(decision.retry_after_seconds)},
            )
            await response(scope, receive, send)
            return
        if key is None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._judging_the_key(scope, send, key, decision))

    def _address_refusal(self, key: str, address: str) -> int | None:
        """Seconds the address's unknown keys stay refused, as far as this worker knows."""
        refused_until = self._refused_addresses.get(address)
        if refused_until is None:
            return None
        now = self.clock()
        if refused_until <= now:
            self._refused_addresses.discard(address)
            return None
        if self._accepted_keys.get(key) is not None:
            return None
        return max(1, math.ceil(refused_until - now))

    def _judging_the_key(self, scope: Scope, send: Send, key: str, decision: RateDecision) -> Send:
        replaced = False

        async def send_or_replace(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the body of the response the 429 replaced
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                if message["status"] != 401 and is_authenticated(state):
                    self._accepted_keys.put(key, self.clock())
                else:
                    refused = message["status"] == 401
                    wait = await self._count_at_address(scope, key, decision, refused=refused)
                    if wait is not None:
                        replaced = True
                        await self._unknown_keys_response(scope, wait)(scope, _no_body, send)
                        return
            await send(message)

        return send_or_replace

    async def _count_at_address(
        self, scope: Scope, key: str, decision: RateDecision, *, refused: bool
    ) -> int | None:
        """Move the count to the address (a refusal is a failure); seconds to wait if blocked."""
        if refused:
            self._accepted_keys.discard(key)  # revoked, say
        try:
            return await run_in_threadpool(
                self._move_to_address, key, address_bucket(scope), decision, refused
            )
        except (SQLAlchemyError, self.limiter.database_error) as exc:
            logger.warning("failure throttle unavailable", extra={"error": type(exc).__name__})
            return None

    def _move_to_address(
        self, key: str, address: str, decision: RateDecision, refused: bool
    ) -> int | None:
        hits = self.limiter.move(key, address, decision.window_start)
        if hits > self.limiter.limit:  # the address used up its window: refuse its next ones
            window_end = decision.window_start + self.limiter.window_seconds
            self._refuse_until(address, window_end)
        if not refused or self.throttle is None:
            return None
        # Blocked already (another worker saw the failure that blocked it): refuse this one.
        wait = self.throttle.retry_after([address])
        if wait is not None:
            self._refuse_until(address, self.clock() + wait)
            return wait
        self.throttle.record_failure([address])
        # The failure that reaches the limit is still answered 401; the next ones 429.
        blocked = self.throttle.retry_after([address])
        if blocked is not None:
            self._refuse_until(address, self.clock() + blocked)
        return None

    def _refuse_until(self, address: str, until: float) -> None:
        self._refused_addresses.put(address, max(until, self._refused_addresses.get(address) or 0))

    def _unknown_keys_response(self, scope: Scope, wait: int) -> JSONResponse:
        return problem_response(
            status=TooManyRequests.status,
            slug=TooManyRequests.slug,
            title=TooManyRequests.title,
            request=Request(scope),
            detail=(
                "Too many requests from this address with API keys the service did not "
                f"accept; retry in {wait} s."
            ),
            headers={"Retry-After": str(wait)},
        )


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
