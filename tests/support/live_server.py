"""A real ``matchmaker serve`` process on 127.0.0.1 for tests that need real concurrency."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from service.core.migrations import upgrade
from tests.support.secret_watch import remember_secret

START_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class LiveServer:
    url: str
    admin_key: str
    log_file: Path
    database_url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def live_server(
    database_url: str,
    log_file: Path,
    *,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
) -> Iterator[LiveServer]:
    """Serve an already migrated database; stop with SIGTERM (SIGKILL after 20 s)."""
    port = free_port()
    admin_key = "live-" + secrets.token_urlsafe(24)
    remember_secret(admin_key)  # the session's log search looks for it
    environment = {
        **os.environ,
        "MATCHMAKER_DATABASE_URL": database_url,
        "MATCHMAKER_ADMIN_KEY": admin_key,
        "MATCHMAKER_ENVIRONMENT": "test",
        **(env or {}),
    }
    command = [sys.executable, "-m", "service.cli.main", "serve", "--no-migrate"]
    command += ["--workers", str(workers), "--port", str(port)]
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"server did not start: {log_file.read_text()[-2000:]}")
            time.sleep(0.2)
        yield LiveServer(
            url=url,
            admin_key=admin_key,
            log_file=log_file,
            database_url=database_url,
            process=process,
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running_server(database_url: str, log_dir: Path, *, workers: int) -> Iterator[LiveServer]:
    """Migrate ``database_url``, then serve it (see ``live_server``)."""
    upgrade(database_url)
    with live_server(database_url, log_dir / "server.log", workers=workers) as server:
        yield server
