"""``matchmaker serve`` on 127.0.0.1, started and waited for until ``/readyz`` answers: the one
place that does it, for the benchmarks and for the tests (``tests/support/live_server.py``).

``serving`` runs a server for a ``with`` block; ``ServerProcess`` is a process group that
scripts kill and restart.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service.core.database import create_db_engine

READY_TIMEOUT_SECONDS = 120
READY_POLL_SECONDS = 0.2
READY_REQUEST_SECONDS = 2
LOG_TAIL_CHARACTERS = 2000


class ServerDidNotStart(RuntimeError):
    """The server exited, or ``/readyz`` did not answer 200 in time."""


def server_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def start_server(
    database_url: str,
    *,
    port: int,
    workers: int,
    log: Path,
    env: Mapping[str, str] | None = None,
    append_log: bool = False,
    own_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start serving an already migrated database; stdout and stderr go to ``log``.

    The environment is this process's, with the database URL, then ``env`` on top.
    ``append_log`` keeps what earlier runs wrote to ``log``; ``own_session`` puts the server
    and its workers in a process group of their own, so one signal reaches them all.
    """
    environment = {**os.environ, "MATCHMAKER_DATABASE_URL": database_url, **(env or {})}
    command = [sys.executable, "-m", "service.cli.main", "serve", "--no-migrate"]
    command += ["--workers", str(workers), "--port", str(port)]
    with log.open("ab" if append_log else "wb") as out:
        return subprocess.Popen(
            command, env=environment, stdout=out, stderr=out, start_new_session=own_session
        )


def wait_until_ready(
    process: subprocess.Popen[bytes], url: str, log: Path, *, timeout: float = READY_TIMEOUT_SECONDS
) -> None:
    """Poll ``{url}/readyz`` until it answers 200; raise ``ServerDidNotStart`` with the log's
    end when the process exits first or ``timeout`` seconds pass (the process is left as is)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=READY_REQUEST_SECONDS).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARACTERS:]
            raise ServerDidNotStart(f"server did not start (log: {log}): {tail}")
        time.sleep(READY_POLL_SECONDS)


def stop_server(process: subprocess.Popen[bytes], *, grace_seconds: float) -> None:
    """SIGTERM, as a process manager would; SIGKILL if it has not exited after the grace."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def serving(
    database_url: str,
    *,
    port: int,
    workers: int,
    log: Path,
    env: Mapping[str, str] | None = None,
    grace_seconds: float,
) -> Iterator[subprocess.Popen[bytes]]:
    """A ready server for the ``with`` block (see ``start_server``), stopped after it."""
    process = start_server(database_url, port=port, workers=workers, log=log, env=env)
    try:
        wait_until_ready(process, server_url(port), log)
        yield process
    finally:
        stop_server(process, grace_seconds=grace_seconds)


class ServerProcess:
    """The supervisor and its workers in a session of their own, so one signal reaches all."""

    def __init__(
        self,
        database_url: str,
        *,
        port: int,
        workers: int,
        log: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = port
        self.workers = workers
        self.log = log
        self.env = dict(env or {})
        self.url = server_url(port)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_server(
            self.database_url,
            port=self.port,
            workers=self.workers,
            log=self.log,
            env=self.env,
            append_log=True,
            own_session=True,
        )
        try:
            wait_until_ready(self.process, self.url, self.log)
        except ServerDidNotStart:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown code runs, as in a crash."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._wait_port_free()
        self.process = None

    def terminate(self, timeout: float) -> float:
        """SIGTERM the supervisor as a process manager would; seconds until it exited."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return float("inf")
        elapsed = time.monotonic() - started
        self.kill()  # reaps anything left in the group (nothing, normally)
        return elapsed

    def _wait_port_free(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/healthz", timeout=0.5)
            except httpx.TransportError:
                return
            time.sleep(0.1)


def scratch_database(kind: str, name: str, work_dir: Path) -> str:
    """A fresh database: a SQLite file in ``work_dir``, or a schema in a PostgreSQL URL."""
    if kind == "sqlite":
        work_dir.mkdir(parents=True, exist_ok=True)
        path = work_dir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    engine = create_db_engine(kind)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    url = make_url(kind).update_query_dict({"options": f"-csearch_path={name}"})
    return url.render_as_string(hide_password=False)


def drop_scratch_database(kind: str, name: str) -> None:
    if kind == "sqlite":
        return
    engine = create_db_engine(kind)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    engine.dispose()
