"""Run the service with several workers on 127.0.0.1 and load it with wrk, bounded in time."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.server_process import serving

WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Authorization"] = "Bearer %(key)s"})
end
done = function(summary, latency, requests)
  io.write(string.format(
    "JSON{\\"p50\\": %%f, \\"p99\\": %%f, \\"requests\\": %%d, \\"seconds\\": %%f, "
    .. "\\"non2xx\\": %%d, \\"socket_errors\\": %%d}\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class LoadResult:
    p50_ms: float
    p99_ms: float
    requests_per_second: float
    errors: int


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed on first use."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL
        )
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not available")
    return found


# What a benchmark of the ranking configures: the rate limiter counts every request (its cost
# is measured) but never refuses one (1,200 a minute per key would turn a load test into a
# test of the limiter), and only warnings are logged.
RANKING_BENCH_ENV = {
    "MATCHMAKER_RATE_LIMIT_REQUESTS": str(10**9),
    "MATCHMAKER_LOG_LEVEL": "WARNING",
}


class LoadErrors(RuntimeError):
    """A load test got error answers or socket errors: its figures measure something else."""


@contextmanager
def running_server(
    database_url: str,
    port: int,
    workers: int,
    log: Path,
    env: Mapping[str, str] | None = None,
) -> Iterator[int]:
    """The server (see ``bench.server_process.serving``) for the block; yields its pid."""
    with serving(
        database_url, port=port, workers=workers, log=log, env=env, grace_seconds=30
    ) as server:
        yield server.pid


def require_no_errors(label: str, result: LoadResult) -> LoadResult:
    if result.errors:
        raise LoadErrors(f"{label}: {result.errors} error answers or socket errors")
    return result


def worker_rss_mb(server_pid: int) -> list[float]:
    """Resident memory of each worker process (children of the server)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    sizes = []
    for child in children:
        status = Path(f"/proc/{child}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return sizes


def wrk_load(
    port: int, api_key: str, paths: Sequence[str], *, connections: int, threads: int, seconds: int
) -> LoadResult:
    wrk = ensure_wrk()
    script = WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "key": api_key}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            [
                wrk,
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(raw for raw in output.splitlines() if raw.startswith("JSON"))
    data = json.loads(line[4:])
    return LoadResult(
        p50_ms=data["p50"],
        p99_ms=data["p99"],
        requests_per_second=data["requests"] / data["seconds"],
        errors=data["non2xx"] + data["socket_errors"],
    )
