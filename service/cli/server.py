"""``matchmaker serve`` and ``matchmaker migrate``."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated

import typer
import uvicorn
from uvicorn.config import STARTUP_FAILURE

from service.cli.common import HostOption, PortOption
from service.cli.worker_sockets import SocketPerWorker, reuse_port_sockets
from service.core import migrations
from service.core.settings import get_settings
from service.http.protocol import NoDelayHttpToolsProtocol

WORKER_HEALTHCHECK_SECONDS = 60
SHARED_INDEX_ENV = "MATCHMAKER_SHARED_INDEX_DIR"
logger = logging.getLogger("matchmaker.server")


@contextmanager
def shared_index_directory() -> Iterator[None]:
    """A directory of this run's own through which the workers map one match index base
    (``service.ranking.shared_base``), removed when the server stops (made inside the
    directory the environment names, if it names one, so a base left by an earlier run, its
    scorer built from other reference data or code, is never mapped).

    A lone worker maps its base from the directory too: its resident memory then holds the
    pages of the index its rankings read, not the ones they never do (most of the request
    ids, read only for the winners: at 1,000,000 requests, ``docs/performance.md``)."""
    parent = os.environ.get(SHARED_INDEX_ENV) or None
    directory = tempfile.mkdtemp(prefix="matchmaker-index-", dir=parent)
    os.environ[SHARED_INDEX_ENV] = directory
    get_settings.cache_clear()  # read again, here and by an in-process worker
    try:
        yield
    finally:
        if parent is None:
            del os.environ[SHARED_INDEX_ENV]
        else:
            os.environ[SHARED_INDEX_ENV] = parent
        get_settings.cache_clear()
        shutil.rmtree(directory, ignore_errors=True)


def run_server(host: str, port: int, workers: int) -> None:
    # glibc gives each thread an arena that keeps what it freed; rankings over a large
    # catalogue allocate big temporaries on many threads. Two arenas bound what a worker
    # holds on to. Read by each worker process at its start.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    with shared_index_directory():
        _run_uvicorn(host, port, workers)


def _run_uvicorn(host: str, port: int, workers: int) -> None:
    config = uvicorn.Config(
        "service.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        # After SIGTERM: stop accepting, let in-flight requests finish for at most this long.
        timeout_graceful_shutdown=get_settings().shutdown_timeout_seconds,
        # A worker that has not answered the supervisor's ping within this time is killed
        # and replaced. uvicorn's 5 s is shorter than a spawned worker's start-up (importing
        # SciPy and scikit-learn) on a busy machine, which then restarts workers forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        http=NoDelayHttpToolsProtocol,
        loop="uvloop",
    )
    if workers < 2:
        server = uvicorn.Server(config)
        with suppress(KeyboardInterrupt):
            server.run()
        if not server.started:
            sys.exit(STARTUP_FAILURE)
        return
    # A socket per worker, so the kernel spreads the connections (service.cli.worker_sockets).
    sockets = reuse_port_sockets(host, port, workers)
    bound = sockets[0].getsockname()[1]
    logger.info("serving on http://%s:%d with %d workers", host, bound, workers)
    with suppress(KeyboardInterrupt):
        SocketPerWorker(config, sockets).run()


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations first")
    ] = True,
) -> None:
    """Run the HTTP service."""
    if migrate_first:
        migrations.upgrade(get_settings().database_url)
    run_server(host, port, workers)


def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to REVISION")] = False,
) -> None:
    """Apply (or with --down, revert) the database migrations."""
    url = get_settings().database_url
    if down:
        migrations.downgrade(url, revision)
    else:
        migrations.upgrade(url, revision)
    typer.echo(f"database at {'revision ' + revision if down else 'head'}", err=True)
