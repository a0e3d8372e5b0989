"""What each page of matches showed, kept in memory and written in batches off the request
path: serving a page appends a few tuples under a lock; a background thread writes them every
``interval`` seconds (or sooner when many wait), in one INSERT per batch.

A worker that stops writes what it holds (the application's shutdown calls ``stop``). Until a
batch is written, ``was_shown`` still finds its pairs here, so a worker's answers know what
that worker showed a moment ago. Nothing flushes from inside a request: on SQLite a request
that writes holds the write lock from the start, and a batch written on another connection
would wait for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import IntegrityError

from models import Impression
from models.types import utc_now

logger = logging.getLogger("matchmaker.impressions")
FLUSH_AT_ROWS = 2000
"""A batch this large is written at once, without waiting for the interval."""

Row = dict[str, object]
Writer = Callable[[list[Row]], None]


@dataclass(frozen=True, slots=True)
class Shown:
    """One request on a served page."""

    financing_request_id: str
    position: int
    score: float


def engine_writer(engine: Engine) -> Writer:
    """Writes a batch in its own transaction; rows whose mandate or request was deleted
    meanwhile are dropped (the batch is retried row by row)."""

    def write(rows: list[Row]) -> None:
        try:
            with engine.begin() as connection:
                connection.execute(insert(Impression), rows)
        except IntegrityError:
            for row in rows:
                try:
                    with engine.begin() as connection:
                        connection.execute(insert(Impression), [row])
                except IntegrityError:
                    continue

    return write


def connection_writer(connection: Connection) -> Writer:
    """Writes through an open connection (the tests' transaction), each row in a savepoint:
    as with ``engine_writer``, a row whose mandate or request is gone is dropped."""

    def write(rows: list[Row]) -> None:
        for row in rows:
            try:
                with connection.begin_nested():
                    connection.execute(insert(Impression), [row])
            except IntegrityError:
                continue

    return write


class ImpressionLog:
    def __init__(
        self, writer: Writer, *, interval: float | None = 1.0, enabled: bool = True
    ) -> None:
        self._writer = writer
        self._enabled = enabled
        self._interval = interval
        self._rows: list[Row] = []
        self._pairs: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, investor_profile_id: str, model_version: str, shown: Sequence[Shown]) -> None:
        """Note one served page (its requests in order); O(page) and no I/O."""
        if not shown or not self._enabled:
            return
        now = utc_now()
        rows: list[Row] = [
            {
                "investor_profile_id": investor_profile_id,
                "financing_request_id": item.financing_request_id,
                "position": item.position,
                "score": item.score,
                "model_version": model_version,
                "shown_at": now,
            }
            for item in shown
        ]
        with self._lock:
            self._rows.extend(rows)
            self._pairs.update((investor_profile_id, s.financing_request_id) for s in shown)
            waiting = len(self._rows)
        if waiting >= FLUSH_AT_ROWS:
            self._wake.set()

    def waiting(self, investor_profile_id: str, financing_request_id: str) -> bool:
        """Whether this pair was shown here and is not written yet."""
        with self._lock:
            return (investor_profile_id, financing_request_id) in self._pairs

    def flush(self) -> int:
        """Write what is held now; the number of rows written."""
        with self._write_lock:
            with self._lock:
                rows, self._rows = self._rows, []
                pairs = {
                    (str(r["investor_profile_id"]), str(r["financing_request_id"])) for r in rows
                }
            if not rows:
                return 0
            try:
                self._writer(rows)
            except Exception:
                # Keep them for the next attempt (the database may be back by then).
                with self._lock:
                    self._rows[:0] = rows
                raise
            # Only now: until the rows are committed, ``waiting`` must still find their pairs
            # (a pair shown again meanwhile stays, as it is in the rows that wait).
            with self._lock:
                still_waiting = {
                    (str(r["investor_profile_id"]), str(r["financing_request_id"]))
                    for r in self._rows
                }
                self._pairs -= pairs - still_waiting
            return len(rows)

    def start(self) -> None:
        if self._interval is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="impression-log", daemon=True)
        self._thread.start()

    @property
    def enabled(self) -> bool:
        return self._enabled

    def stop(self) -> None:
        """Stop the background writer and write what is left (logged, not raised, when the
        database cannot take it: the rest of the shutdown goes on)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            self.flush()
        except Exception:
            logger.exception("impressions not written at shutdown: %d rows lost", len(self._rows))

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                logger.exception("impressions not written; kept for the next batch")
