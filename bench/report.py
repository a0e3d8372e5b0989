"""Match report benchmark: python -m bench.report [--requests 100000] [--investors 1000].

Builds a synthetic catalogue (every request published at one event), builds the match
index as a worker does at start-up, then times ``POST /v1/reports``'s service function over
the event (every investor x every request, computed in batches, then stored) and measures
the process's peak resident memory during the report above its resident memory just
before it (Linux: the peak is reset through /proc/self/clear_refs, then read as VmHWM).
Targets: at most 5 s and at most 256 MB of extra memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.server_process import scratch_database
from bench.synthetic import populate
from models import Role
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.http.auth import Principal
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.reports import service as reports
from service.reports.schemas import ReportCreate

WORK_DIR = Path("var/bench")
TIME_TARGET_SECONDS = 5.0
MEMORY_TARGET_MB = 256.0


def _status_kb(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"/proc/self/status has no {field}")
    return int(match.group(1))


def _reset_peak() -> None:
    # Writing 5 resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


def _database_url(requested: str | None, requests: int) -> str:
    if requested is None:
        return scratch_database("sqlite", f"report_{requests}", WORK_DIR)
    if make_url(requested).get_backend_name() == "postgresql":
        return scratch_database(requested, f"bench_report_{requests}", WORK_DIR)
    return requested


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--investors", type=int, default=1_000)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--min-score", type=float, default=0.6)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLite file, or a PostgreSQL URL (a scratch schema is created in it); "
        "default: a fresh SQLite file under var/bench",
    )
    args = parser.parse_args()

    url = _database_url(args.database_url, args.requests)
    upgrade(url)
    engine = create_db_engine(url)
    started = time.perf_counter()
    info = populate(
        engine, requests=args.requests, investors=args.investors, firms=max(1, args.investors // 2)
    )
    populate_seconds = time.perf_counter() - started
    sessions = create_session_factory(engine)
    index = MatchIndex(make_default_scorer)
    with sessions() as session:
        started = time.perf_counter()
        index.rebuild(session)
        build_seconds = time.perf_counter() - started
    principal = Principal(None, Role.COMMISSION, "benchmark")
    body = ReportCreate(event_id=info["event_id"], top_k=args.top_k, min_score=args.min_score)
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    extra_mb: list[float] = []
    summary: dict[str, object] = {}
    for _ in range(args.runs):
        gc.collect()
        with sessions() as session:
            before_kb = _status_kb("VmRSS")
            _reset_peak()
            started, cpu_started = time.perf_counter(), time.process_time()
            report = reports.create(session=session, principal=principal, index=index, data=body)
            session.commit()
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - cpu_started)
            extra_mb.append((_status_kb("VmHWM") - before_kb) / 1024)
            document = reports.document_of(report)
            totals, coverage = document.totals, document.coverage
            summary = {
                "requests": totals.requests,
                "investors": totals.investors,
                "pairs_scored": totals.requests * totals.investors,
                "covered": coverage.covered,
                "uncovered": coverage.uncovered,
                "document_bytes": len(json.dumps(report.document, ensure_ascii=False).encode()),
            }
            del report, document
    engine.dispose()
    result = {
        "database": make_url(url).get_backend_name(),
        "published_requests": args.requests,
        "investors_generated": args.investors,
        "populate_seconds": round(populate_seconds, 2),
        "index_build_seconds": round(build_seconds, 2),
        **summary,
        "report_seconds": [round(s, 3) for s in seconds],
        "report_seconds_median": round(statistics.median(seconds), 3),
        # CPU time of this process: what the report costs when the machine is busy elsewhere.
        "report_cpu_seconds": [round(s, 3) for s in cpu_seconds],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "extra_memory_mb": [round(m, 1) for m in extra_mb],
        "extra_memory_mb_max": round(max(extra_mb), 1),
        "targets_met": max(seconds) <= TIME_TARGET_SECONDS and max(extra_mb) <= MEMORY_TARGET_MB,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
