"""The distributed match report's benchmark: python -m bench.distributed_report
[--investors 10000] [--requests 1000000] [--workers 2] [--block-rows 20000] [--local]

Builds the synthetic catalogue of ``bench.synthetic`` (every request published at one event)
in a SQLite file under var/bench (kept with ``--reuse``, so larger runs need not build it
again), builds the match index as a worker does at start-up, starts a Dask cluster of
``--workers`` processes of one thread on 127.0.0.1, and computes the report over the event
with ``--engine dask`` (``service.reports.distributed``). It prints, as JSON:

- the cluster's start-up time, the report's wall time, and the part of it in the distributed
  tally (the rest is the driver's own: reading amounts, details and feedback, reasons, the
  document);
- the peak resident memory of the driver (the process's VmHWM, reset just before the report,
  and above its size just before) and of every worker process (VmHWM: its peak over its
  life), and the size of the state sent to each worker once (pickled);
- with ``--local``, the single-process report on the same data after the cluster is closed,
  its wall time and peak extra memory, and whether the two documents are equal.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import json
import os
import pickle
import re
import time
from pathlib import Path
from typing import Any

from bench.synthetic import populate
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.reports.compute import compute_report
from service.reports.distributed import BLOCK_ROWS, DaskEngine, dask_engine, tallied_on
from service.reports.document import ReportDocument
from service.reports.loading import ReportScope
from service.reports.tally import PairTally

WORK_DIR = Path("var/bench")
CREATED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _status_kb(field: str, pid: int | str = "self") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"/proc/{pid}/status has no {field}")
    return int(match.group(1))


def _reset_peak() -> None:
    # Writing 5 resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


class TimedEngine(DaskEngine):
    """The Dask engine, timing its tally and measuring what it ships to every worker."""

    tally_seconds = 0.0
    shared_bytes = 0
    blocks = 0

    def tally(self, **given: Any) -> PairTally:
        scorer = copy.copy(given["scorer"])
        del scorer.catalogue_  # the engine sends the scorer without its catalogue's rows
        self.shared_bytes = len(
            pickle.dumps(
                (scorer, given["serving"], list(given["features"]), list(given["histories"])),
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        )
        self.blocks = -(-len(given["segment"]) // self.block_rows)
        started = time.perf_counter()
        result = super().tally(**given)
        self.tally_seconds = time.perf_counter() - started
        return result


def _report(session: Any, index: MatchIndex, event_id: str, top_k: int) -> ReportDocument:
    return compute_report(
        session=session,
        index=index,
        scope=ReportScope(event_id=event_id),
        top_k=top_k,
        min_score=0.6,
        report_id="benchmark",
        created_at=CREATED,
        created_by_account_id=None,
    )


def _catalogue(investors: int, requests: int, reuse: bool) -> tuple[str, str, float | None]:
    """The catalogue's database URL and event id, and how long building it took (None:
    reused from an earlier run)."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    path = WORK_DIR / f"distributed_report_{investors}x{requests}.db"
    marker = path.with_suffix(".json")
    url = f"sqlite:///{path}"
    firms = max(1, investors // 2)
    if reuse and path.exists() and marker.exists():
        recorded = json.loads(marker.read_text())
        # A catalogue built before its mandates were dealt to firms is built again.
        if recorded.get("firms") == firms:
            return url, recorded["event_id"], None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    upgrade(url)
    engine = create_db_engine(url)
    started = time.perf_counter()
    info = populate(engine, requests=requests, investors=investors, firms=firms)
    seconds = time.perf_counter() - started
    engine.dispose()
    marker.write_text(json.dumps({"event_id": info["event_id"], "firms": firms}))
    return url, info["event_id"], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--block-rows", type=int, default=BLOCK_ROWS)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument(
        "--local", action="store_true", help="also the single-process report, and compare"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the catalogue of an earlier run of this size"
    )
    args = parser.parse_args()

    url, event_id, populate_seconds = _catalogue(args.investors, args.requests, args.reuse)
    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    index = MatchIndex(make_default_scorer)
    with sessions() as session:
        started = time.perf_counter()
        index.rebuild(session)
        build_seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "investors": args.investors,
        "requests": args.requests,
        "pairs": args.investors * args.requests,
        "workers": args.workers,
        "threads_per_worker": 1,
        "block_rows": args.block_rows,
        "populate_seconds": None if populate_seconds is None else round(populate_seconds, 1),
        "index_build_seconds": round(build_seconds, 1),
    }
    gc.collect()
    started = time.perf_counter()
    with dask_engine(workers=args.workers, block_rows=args.block_rows) as plain:
        result["cluster_start_seconds"] = round(time.perf_counter() - started, 2)
        timed = TimedEngine(plain.client, plain.work_dir, block_rows=args.block_rows)
        pids = plain.client.run(os.getpid)
        workers_cpu = sum(_cpu_seconds(pid) for pid in pids.values())
        with sessions() as session, tallied_on(timed):
            before_kb = _status_kb("VmRSS")
            _reset_peak()
            started, cpu_started = time.perf_counter(), time.process_time()
            distributed = _report(session, index, event_id, args.top_k)
            seconds = time.perf_counter() - started
            driver_cpu = time.process_time() - cpu_started
            driver_peak_kb = _status_kb("VmHWM")
        workers_cpu = sum(_cpu_seconds(pid) for pid in pids.values()) - workers_cpu
        workers_peak_kb = {address: _status_kb("VmHWM", pid) for address, pid in pids.items()}
        result |= {
            "report_seconds": round(seconds, 1),
            "tally_seconds": round(timed.tally_seconds, 1),
            "driver_rest_seconds": round(seconds - timed.tally_seconds, 1),
            "driver_cpu_seconds": round(driver_cpu, 1),
            "workers_cpu_seconds": round(workers_cpu, 1),
            "blocks": timed.blocks,
            "shared_state_mb": round(timed.shared_bytes / 2**20, 1),
            "pairs_per_second": round(args.investors * args.requests / timed.tally_seconds),
            "driver_rss_before_mb": _mb(before_kb),
            "driver_peak_mb": _mb(driver_peak_kb),
            "driver_peak_extra_mb": _mb(driver_peak_kb - before_kb),
            "worker_peak_mb": sorted(_mb(kb) for kb in workers_peak_kb.values()),
            "covered": distributed.coverage.covered,
            "uncovered": distributed.coverage.uncovered,
        }
    if args.local:
        gc.collect()
        with sessions() as session:
            before_kb = _status_kb("VmRSS")
            _reset_peak()
            started, cpu_started = time.perf_counter(), time.process_time()
            local = _report(session, index, event_id, args.top_k)
            result |= {
                "local_report_seconds": round(time.perf_counter() - started, 1),
                "local_cpu_seconds": round(time.process_time() - cpu_started, 1),
                "local_peak_extra_mb": _mb(_status_kb("VmHWM") - before_kb),
                "same_document": local.model_dump(mode="json")
                == distributed.model_dump(mode="json"),
            }
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    engine.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
