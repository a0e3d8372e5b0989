"""A real ``matchmaker serve`` process on 127.0.0.1 for tests that need real concurrency."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.migrations import upgrade
from tests.secret_watch import remember_secret

# Generous: start-up imports scikit-learn, slow on a loaded 2-core machine.
START_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class RunningServer:
    url: str
    admin_key: str
    log_file: Path
    database_url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(database_url: str, log_dir: Path, *, workers: int) -> Iterator[RunningServer]:
    """Migrate ``database_url``, serve it with ``workers`` processes, stop them afterwards."""
    upgrade(database_url)
    port = free_port()
    admin_key = "live-" + secrets.token_urlsafe(24)
    remember_secret(admin_key)  # the session's log search looks for it
    env = {
        **os.environ,
        "MATCHMAKER_DATABASE_URL": database_url,
        "MATCHMAKER_ADMIN_KEY": admin_key,
        "MATCHMAKER_ENVIRONMENT": "test",
    }
    log_file = log_dir / "server.log"
    command = [sys.executable, "-m", "service.cli", "serve", "--workers", str(workers)]
    with log_file.open("wb") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port), "--no-migrate"], env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"server did not start: {log_file.read_text()[-2000:]}")
            time.sleep(0.2)
        yield RunningServer(
            url=url, admin_key=admin_key, log_file=log_file, database_url=database_url
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
