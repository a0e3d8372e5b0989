"""A ``matchmaker serve`` process group on 127.0.0.1 that scripts can kill and restart."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service.core.database import create_db_engine

READY_TIMEOUT_SECONDS = 120


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
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        environment = {**os.environ, "MATCHMAKER_DATABASE_URL": self.database_url, **self.env}
        command = [sys.executable, "-m", "service.cli.main", "serve", "--no-migrate"]
        command += ["--workers", str(self.workers), "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=environment, stdout=out, stderr=out, start_new_session=True
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server did not start; see {self.log}")
            time.sleep(0.2)

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
