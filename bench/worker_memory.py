"""Memory of a server's workers with 1 and with N workers, against workers serving nothing.

Each worker's proportional set size (PSS, from ``/proc/<pid>/smaps_rollup``) splits a page
that several workers map (the shared index base, ``service.ranking.shared_base``) between
them, so the workers' PSS adds up to what the machine spends; the resident size (RSS) counts
a shared page in every worker that maps it. Both are read after a load that makes every
worker rank (so every page of the index has been touched), and against an empty catalogue's
workers with the same count (Python, NumPy, SciPy and scikit-learn alone are ~200 MB each).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.http_load import RANKING_BENCH_ENV, require_no_errors, running_server, wrk_load

WARM_CONNECTIONS_PER_WORKER = 8


@dataclass(frozen=True)
class WorkerMemory:
    workers: int
    pss_mb: tuple[float, ...]
    rss_mb: tuple[float, ...]

    @property
    def total_pss_mb(self) -> float:
        return sum(self.pss_mb)


def _worker_pids(server_pid: int, workers: int) -> list[int]:
    if workers == 1:
        # uvicorn serves a single worker in the supervisor's own process.
        return [server_pid]
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    # The supervisor also starts a small helper process (multiprocessing's resource
    # tracker); workers are the ones that loaded the application.
    pids = []
    for child in children:
        command = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"resource_tracker" not in command:
            pids.append(int(child))
    return pids


def _smaps_mb(pid: int, field: str) -> float:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no {field} for process {pid}")
    return int(match.group(1)) / 1024


def measure(
    database_url: str,
    *,
    workers: int,
    port: int,
    log: Path,
    api_key: str | None,
    paths: Sequence[str],
    warm_seconds: int,
) -> WorkerMemory:
    """Start ``workers`` workers, load them (if ``paths``), read each worker's memory."""
    with running_server(database_url, port, workers, log, RANKING_BENCH_ENV) as server_pid:
        if paths and api_key is not None:
            # Many connections per worker: the kernel hands a new connection to whichever
            # worker accepts first, and with two per worker some workers got none.
            load = wrk_load(
                port,
                api_key,
                paths,
                connections=WARM_CONNECTIONS_PER_WORKER * workers,
                threads=1,
                seconds=warm_seconds,
            )
            require_no_errors(f"warming {workers} workers", load)
        pids = _worker_pids(server_pid, workers)
        if len(pids) != workers:
            raise RuntimeError(f"expected {workers} workers, found processes {pids}")
        return WorkerMemory(
            workers=workers,
            pss_mb=tuple(_smaps_mb(pid, "Pss") for pid in pids),
            rss_mb=tuple(_smaps_mb(pid, "Rss") for pid in pids),
        )


HEADER = (
    "| published requests | workers | PSS per worker, max (MB) | above an empty worker (MB) "
    "| all workers' PSS (MB) | above empty workers (MB) | RSS per worker, max (MB) |\n"
    "|---|---|---|---|---|---|---|"
)


def row(requests: int, loaded: WorkerMemory, empty: WorkerMemory) -> str:
    return (
        f"| {requests:,} | {loaded.workers} | {max(loaded.pss_mb):.0f} | "
        f"{max(loaded.pss_mb) - max(empty.pss_mb):+.0f} | {loaded.total_pss_mb:.0f} | "
        f"{loaded.total_pss_mb - empty.total_pss_mb:+.0f} | {max(loaded.rss_mb):.0f} |"
    )


def ratio_note(
    requests: int, one: WorkerMemory, many: WorkerMemory, empty: dict[int, WorkerMemory]
) -> str:
    whole = many.total_pss_mb / one.total_pss_mb
    above_many = many.total_pss_mb - empty[many.workers].total_pss_mb
    above_one = one.total_pss_mb - empty[one.workers].total_pss_mb
    return (
        f"{requests:,}: {many.workers} workers use {whole:.2f}x the memory of 1 (PSS); "
        f"above empty workers {above_many:.0f} MB against {above_one:.0f} MB "
        f"({above_many / above_one:.2f}x)"
    )
