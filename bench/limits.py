"""What the shared rate-limit counter costs: python -m bench.limits [--postgres URL].

Two measures, on SQLite and (with --postgres) on a scratch schema of PostgreSQL:
1. one ``RateLimiter.hit`` in-process (median and p99 of many calls, one thread);
2. the matches endpoint with two workers under wrk (16 connections), the limiter off and on
   (on: counting every request with a limit too high to refuse any), alternated so machine
   noise hits both alike.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select, text

from bench.http_load import LoadResult, running_server, wrk_load
from bench.server_process import scratch_database
from bench.synthetic import populate
from models import InvestorProfile
from service.core.database import create_db_engine
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.main import create_rate_limiter

WORK_DIR = Path("var/bench")
NEVER_REFUSE = 10**9
SCHEMA = "bench_limits"


@dataclass
class Phase:
    label: str
    result: LoadResult
    single: LoadResult  # one connection: the latency a request pays, without queueing


def hit_cost_ms(engine: Engine, calls: int) -> tuple[float, float]:
    """Median and p99 of one counted request, in milliseconds."""
    settings = get_settings().model_copy(update={"rate_limit_requests": NEVER_REFUSE})
    limiter = create_rate_limiter(settings, engine)
    timings = []
    try:
        for n in range(calls):
            started = time.perf_counter()
            limiter.hit(f"key:bench{n % 8}")
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        limiter.engine.dispose()
    return statistics.median(timings), float(np.percentile(timings, 99))


def http_phases(
    url: str, api_key: str, paths: list[str], *, port: int, seconds: int, rounds: int
) -> list[Phase]:
    phases = []
    for round_number in range(rounds):
        for label, limit in (("off", 0), ("on", NEVER_REFUSE)):
            os.environ["MATCHMAKER_RATE_LIMIT_REQUESTS"] = str(limit)
            log = WORK_DIR / f"limits_server_{label}_{round_number}.log"
            with running_server(url, port, 2, log):
                wrk_load(port, api_key, paths, connections=2, threads=1, seconds=2)  # warm-up
                single = wrk_load(port, api_key, paths, connections=1, threads=1, seconds=seconds)
                loaded = wrk_load(port, api_key, paths, connections=16, threads=2, seconds=seconds)
            phases.append(Phase(label, loaded, single))
            print(
                f"  round {round_number + 1} limiter {label}: 1 connection p50 "
                f"{single.p50_ms:.2f} ms; 16 connections "
                f"{loaded.requests_per_second:.0f} req/s, p50 {loaded.p50_ms:.2f} ms, "
                f"p99 {loaded.p99_ms:.2f} ms, errors {loaded.errors + single.errors}",
                flush=True,
            )
    return phases


def measure(label: str, url: str, args: argparse.Namespace) -> None:
    upgrade(url)
    engine = create_db_engine(url)
    info = populate(engine, requests=args.requests, investors=args.investors)
    with engine.connect() as connection:
        profile_ids = connection.scalars(select(InvestorProfile.id).limit(40)).all()
    median, p99 = hit_cost_ms(engine, args.calls)
    engine.dispose()
    print(f"{label}: one counted request in-process: median {median:.3f} ms, p99 {p99:.3f} ms")
    paths = [f"/v1/investors/{pid}/matches?limit=20" for pid in profile_ids]
    phases = http_phases(
        url, info["api_key"], paths, port=args.port, seconds=args.seconds, rounds=args.rounds
    )
    for state in ("off", "on"):
        runs = [p.result for p in phases if p.label == state]
        single_p50 = statistics.median(p.single.p50_ms for p in phases if p.label == state)
        rps = statistics.mean(r.requests_per_second for r in runs)
        p50 = statistics.mean(r.p50_ms for r in runs)
        p99_http = statistics.mean(r.p99_ms for r in runs)
        errors = sum(r.errors for r in runs)
        print(
            f"{label}: limiter {state}: median 1-connection p50 {single_p50:.2f} ms; "
            f"mean of {len(runs)} runs at 16 connections: {rps:.0f} req/s, "
            f"p50 {p50:.2f} ms, p99 {p99_http:.2f} ms, errors {errors}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000, help="Published requests")
    parser.add_argument("--investors", type=int, default=200)
    parser.add_argument("--calls", type=int, default=2000, help="In-process counted requests")
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=18931)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (a scratch schema)")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    measure("SQLite", scratch_database("sqlite", "limits", WORK_DIR), args)
    if args.postgres:
        url = scratch_database(args.postgres, SCHEMA, WORK_DIR)
        try:
            measure("PostgreSQL", url, args)
        finally:
            engine = create_db_engine(args.postgres)
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
            engine.dispose()


if __name__ == "__main__":
    main()
