"""A real ``matchmaker serve`` process on 127.0.0.1 for tests that need real concurrency.

Started and stopped by ``bench.server_process`` (the benchmarks' servers come from there too);
here: a free port, an admin key the session's secret watch looks for, and the test settings.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.server_process import server_url, serving
from service.core.migrations import upgrade
from tests.support.secret_watch import remember_secret

STOP_GRACE_SECONDS = 20


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
    """Serve an already migrated database; stop with SIGTERM (SIGKILL after 20 s).

    Its stdout and stderr go to ``log_file``, which the session's secret watch reads when it
    is a ``*.log`` file under pytest's temporary directory.
    """
    port = free_port()
    admin_key = "live-" + secrets.token_urlsafe(24)
    remember_secret(admin_key)  # the session's log search looks for it
    environment = {
        "MATCHMAKER_ADMIN_KEY": admin_key,
        "MATCHMAKER_ENVIRONMENT": "test",
        **(env or {}),
    }
    with serving(
        database_url,
        port=port,
        workers=workers,
        log=log_file,
        env=environment,
        grace_seconds=STOP_GRACE_SECONDS,
    ) as process:
        yield LiveServer(
            url=server_url(port),
            admin_key=admin_key,
            log_file=log_file,
            database_url=database_url,
            process=process,
        )


@contextmanager
def running_server(database_url: str, log_dir: Path, *, workers: int) -> Iterator[LiveServer]:
    """Migrate ``database_url``, then serve it (see ``live_server``)."""
    upgrade(database_url)
    with live_server(database_url, log_dir / "server.log", workers=workers) as server:
        yield server
