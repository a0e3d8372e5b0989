"""Ranking benchmark: python -m bench.run [--sizes 10000,100000,1000000] [--postgres URL].

Builds synthetic catalogues (published requests, 1,000 investors), then measures in one
run: index build time, ranking time against a bare numpy kernel (the memory limit), the
naive ORM loop, one PostgreSQL query, HTTP latency and throughput with two workers, and
worker memory. Prints a markdown table; then exact pruning against brute force: the
service's ranking (pruned where it applies) against the same ranking scoring every row and
against the numpy kernel, per sampled investor, failing if any top 20 differs.
``--skip-http`` leaves out the servers (HTTP and worker memory).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from bench import commission, replicas, worker_memory
from bench.http_load import (
    RANKING_BENCH_ENV,
    require_no_errors,
    running_server,
    worker_rss_mb,
    wrk_load,
)
from bench.kernels import (
    id_ordered_text,
    load_text_terms,
    naive_rank,
    numpy_limit,
    postgres_rank,
)
from bench.server_process import scratch_database
from bench.synthetic import populate
from models import InvestorProfile
from scoring import InvestorFeatures, RankedRequest
from scoring.pruning import pruned_candidates
from scoring.similarity import sparse_product_similarity, text_similarity32
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.ranking.index import MatchIndex
from service.ranking.records import investor_record
from service.ranking.serving import make_default_scorer

LIMIT = 20
WORK_DIR = Path("var/bench")
MEMORY_WARM_SECONDS = 8


@dataclass
class SizeResult:
    requests: int
    build_seconds: float = 0.0
    rank_median_ms: float = 0.0
    rank_p99_ms: float = 0.0
    numpy_median_ms: float = 0.0
    numpy_p99_ms: float = 0.0
    naive_median_ms: float | None = None
    postgres_median_ms: float | None = None
    http_p50_ms: float = 0.0
    http_p99_ms: float = 0.0
    http_rps_16: float = 0.0
    http_errors_16: int = 0
    worker_rss_mb: float = 0.0
    worker_rss_empty_mb: float = 0.0
    http_run: bool = True
    brute_median_ms: float = 0.0
    brute_p99_ms: float = 0.0
    rows_scored_median: float = 0.0
    rows_scored_max: int = 0
    identical_top: int = 0
    sampled: int = 0
    text_kernel_median_ms: float = 0.0
    text_product_median_ms: float = 0.0
    encoding_median_ms: float = 0.0
    """Building one mandate's features (its thesis's n-grams weighed): once per mandate
    revision per worker, outside the timed rankings."""
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    notes: list[str] = field(default_factory=list)
    memory: dict[int, worker_memory.WorkerMemory] = field(default_factory=dict)


class PruningMismatch(AssertionError):
    """The pruned ranking of a sampled investor is not the brute-force one."""


def _timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def _p99(values: list[float]) -> float:
    return float(np.percentile(values, 99))


def measure(
    size: int,
    *,
    investors: int,
    postgres: str | None,
    http_seconds: int,
    port: int,
    rank_samples: int,
    http: bool = True,
    memory_workers: Sequence[int] = (),
) -> SizeResult:
    result = SizeResult(requests=size, http_run=http)
    url = scratch_database("sqlite", f"catalogue_{size}", WORK_DIR)
    upgrade(url)
    engine = create_db_engine(url)
    info = populate(engine, requests=size, investors=investors)
    index = MatchIndex(make_default_scorer)
    sessions = create_session_factory(engine)
    with sessions() as session:
        started = time.perf_counter()
        state = index.rebuild(session)
        result.build_seconds = time.perf_counter() - started
        profiles = session.scalars(
            select(InvestorProfile).options(
                selectinload(InvestorProfile.sector_links),
                selectinload(InvestorProfile.stage_links),
                selectinload(InvestorProfile.region_links),
            )
        ).all()
        records = [investor_record(p) for p in profiles]
    scorer = state.scorer
    sample = random.Random(size).sample(records, min(rank_samples, len(records)))
    everything = np.ones(len(state.base), dtype=np.bool_)
    no_delta = np.ones(0, dtype=np.bool_)
    ours: list[float] = []
    brute: list[float] = []
    kernel: list[float] = []
    segments = [(state.base, everything), (state.delta, no_delta)]

    # Each path ranks with the mandate's features already built, as the matches endpoint
    # does (built once per mandate revision per worker: ``MatchIndex.cached_mandate``); the
    # encoding is timed by itself below.
    def service_path(features: InvestorFeatures) -> tuple[list[RankedRequest], int]:
        # The ranking the matches endpoint runs: pruned where it applies.
        return scorer.rank_segments(features, segments, limit=LIMIT)

    def brute_path(features: InvestorFeatures) -> tuple[list[RankedRequest], int]:
        # The same ranking scoring every row (what the service did before pruning).
        return scorer.rank_segments(features, segments, limit=LIMIT, prune=False)

    kernel_texts = id_ordered_text(state.base)
    product_texts = state.base.inverted_text.by_column()

    def kernel_path(features: InvestorFeatures) -> object:
        return numpy_limit(scorer, features, state.base, LIMIT, kernel_texts)

    scored: list[int] = []
    encoding: list[float] = []
    text_kernel: list[float] = []
    text_product: list[float] = []
    result.load_before = os.getloadavg()
    for record in sample:
        features = scorer.investor_features(record)
        expected = [
            state.base.ids[i].decode()
            for i in numpy_limit(scorer, features, state.base, LIMIT, kernel_texts)
        ]
        pruned, every_row = service_path(features), brute_path(features)
        if pruned != every_row or [r.id for r in pruned[0]] != expected:
            raise PruningMismatch(
                f"{size:,} requests, investor {record.id}: pruned top {LIMIT} "
                f"{[r.id for r in pruned[0]]} (total {pruned[1]}), scoring every row "
                f"{[r.id for r in every_row[0]]} (total {every_row[1]}), numpy kernel "
                f"{expected}"
            )
        result.identical_top += 1
        found = pruned_candidates(
            scorer.formula,
            features,
            state.base,
            everything,
            wanted=LIMIT,
            min_score=0.0,
            include_near_misses=False,
        )
        scored.append(len(state.base) if found is None else found.scored)
        text_kernel.append(
            _timed(partial(text_similarity32, features.thesis, state.base.inverted_text))
        )
        text_product.append(
            _timed(
                partial(
                    sparse_product_similarity,
                    features.thesis,
                    state.base.inverted_text,
                    product_texts,
                )
            )
        )
        # Alternate the three so machine noise hits them alike.
        encoding.append(_timed(partial(scorer.investor_features, record)))
        for _ in range(3):
            ours.append(_timed(partial(service_path, features)))
            brute.append(_timed(partial(brute_path, features)))
            kernel.append(_timed(partial(kernel_path, features)))
    result.load_after = os.getloadavg()
    result.sampled = len(sample)
    result.rank_median_ms, result.rank_p99_ms = statistics.median(ours), _p99(ours)
    result.brute_median_ms, result.brute_p99_ms = statistics.median(brute), _p99(brute)
    result.numpy_median_ms, result.numpy_p99_ms = statistics.median(kernel), _p99(kernel)
    result.rows_scored_median = statistics.median(scored)
    result.rows_scored_max = max(scored)
    result.text_kernel_median_ms = statistics.median(text_kernel)
    result.text_product_median_ms = statistics.median(text_product)
    result.encoding_median_ms = statistics.median(encoding)

    if size <= 100_000:
        with sessions() as session:
            naive = [_timed(partial(naive_rank, session, scorer, r, LIMIT)) for r in sample[:3]]
        result.naive_median_ms = statistics.median(naive)
    else:
        result.notes.append("naive ORM loop not run at this size (minutes per ranking)")

    if postgres:
        pg_url = scratch_database(postgres, f"bench_{size}", WORK_DIR)
        upgrade(pg_url)
        pg_engine = create_db_engine(pg_url)
        populate(pg_engine, requests=size, investors=investors)
        load_text_terms(pg_engine, state.base)
        postgres_rank(pg_engine, scorer, sample[0], LIMIT)  # warm the cache
        pg_times, agree = [], 0
        for record in sample[:5]:
            pg_times.append(_timed(partial(postgres_rank, pg_engine, scorer, record, LIMIT)))
            ours_top = [
                r.id
                for r in scorer.rank_segments(
                    scorer.investor_features(record), [(state.base, everything)], limit=LIMIT
                )[0]
            ]
            agree += ours_top == postgres_rank(pg_engine, scorer, record, LIMIT)
        result.postgres_median_ms = statistics.median(pg_times)
        result.notes.append(f"PostgreSQL top {LIMIT} equal to the service's: {agree}/5")
        pg_engine.dispose()
        with create_db_engine(postgres).begin() as connection:
            connection.execute(text(f"DROP SCHEMA bench_{size} CASCADE"))
    engine.dispose()
    if not http:
        return result

    paths = [f"/v1/investors/{r.id}/matches?limit={LIMIT}" for r in sample]
    log = WORK_DIR / f"server_{size}.log"
    with running_server(url, port, 2, log, RANKING_BENCH_ENV) as server_pid:
        wrk_load(port, info["api_key"], paths, connections=2, threads=1, seconds=3)  # warm-up
        single = require_no_errors(
            "1 connection",
            wrk_load(port, info["api_key"], paths, connections=1, threads=1, seconds=http_seconds),
        )
        loaded = require_no_errors(
            "16 connections",
            wrk_load(port, info["api_key"], paths, connections=16, threads=2, seconds=http_seconds),
        )
        result.worker_rss_mb = max(worker_rss_mb(server_pid))
    for workers in memory_workers:
        result.memory[workers] = worker_memory.measure(
            url,
            workers=workers,
            port=port,
            log=WORK_DIR / f"server_{size}_memory_{workers}.log",
            api_key=info["api_key"],
            paths=paths,
            warm_seconds=MEMORY_WARM_SECONDS,
        )
    result.http_p50_ms, result.http_p99_ms = single.p50_ms, single.p99_ms
    result.http_rps_16, result.http_errors_16 = loaded.requests_per_second, loaded.errors
    return result


def empty_worker_rss(port: int) -> float:
    url = scratch_database("sqlite", "empty", WORK_DIR)
    upgrade(url)
    log = WORK_DIR / "server_empty.log"
    with running_server(url, port, 2, log, RANKING_BENCH_ENV) as server_pid:
        return max(worker_rss_mb(server_pid))


def empty_worker_memory(port: int, counts: Sequence[int]) -> dict[int, worker_memory.WorkerMemory]:
    url = scratch_database("sqlite", "empty", WORK_DIR)
    upgrade(url)
    return {
        workers: worker_memory.measure(
            url,
            workers=workers,
            port=port,
            log=WORK_DIR / f"server_empty_{workers}.log",
            api_key=None,
            paths=(),
            warm_seconds=0,
        )
        for workers in counts
    }


def memory_table(results: list[SizeResult], empty: dict[int, worker_memory.WorkerMemory]) -> str:
    lines = [worker_memory.HEADER]
    notes = []
    for r in results:
        for workers, loaded in sorted(r.memory.items()):
            lines.append(worker_memory.row(r.requests, loaded, empty[workers]))
        counts = sorted(r.memory)
        if len(counts) >= 2:
            one, many = r.memory[counts[0]], r.memory[counts[-1]]
            notes.append("- " + worker_memory.ratio_note(r.requests, one, many, empty))
    return "\n".join([*lines, "", *notes])


def table(results: list[SizeResult]) -> str:
    def ms(value: float | None) -> str:
        return "not run" if value is None else f"{value:.2f}"

    def ratio(value: float | None, base: float) -> str:
        return "" if value is None else f" ({value / base:.0f}×)"

    lines = [
        "| published requests | index build (s) | ranking median / p99 (ms) | numpy limit "
        "median / p99 (ms) | ranking ÷ limit | naive ORM loop (ms) | PostgreSQL query (ms) | "
        "HTTP p50 / p99, 1 conn (ms) | HTTP req/s, 16 conns (errors) | worker RSS (MB), "
        "+ over empty |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        served = (
            f"{r.http_p50_ms:.2f} / {r.http_p99_ms:.2f} | {r.http_rps_16:.0f} "
            f"({r.http_errors_16}) | {r.worker_rss_mb:.0f}, "
            f"+{r.worker_rss_mb - r.worker_rss_empty_mb:.0f}"
            if r.http_run
            else "not run | not run | not run"
        )
        lines.append(
            f"| {r.requests:,} | {r.build_seconds:.2f} | {r.rank_median_ms:.2f} / "
            f"{r.rank_p99_ms:.2f} | {r.numpy_median_ms:.2f} / {r.numpy_p99_ms:.2f} | "
            f"{r.rank_median_ms / r.numpy_median_ms:.2f} | {ms(r.naive_median_ms)}"
            f"{ratio(r.naive_median_ms, r.rank_median_ms)} | {ms(r.postgres_median_ms)}"
            f"{ratio(r.postgres_median_ms, r.rank_median_ms)} | {served} |"
        )
    return "\n".join(lines)


def pruning_table(results: list[SizeResult]) -> str:
    """Exact pruning against brute force, per size: the service's ranking (pruned where it
    applies), the same ranking scoring every row, and the numpy kernel, in the same run."""
    lines = [
        "| published requests | pruned ranking median / p99 (ms) | scoring every row median "
        "/ p99 (ms) | numpy kernel median / p99 (ms) | kernel ÷ pruned | every row ÷ pruned "
        "| rows scored one by one, median (max) | text similarity: column kernel / sparse "
        "product (ms) | mandate encoding, once per revision (ms) | identical top 20 | load "
        "average before → after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.requests:,} | {r.rank_median_ms:.2f} / {r.rank_p99_ms:.2f} | "
            f"{r.brute_median_ms:.2f} / {r.brute_p99_ms:.2f} | {r.numpy_median_ms:.2f} / "
            f"{r.numpy_p99_ms:.2f} | {r.numpy_median_ms / r.rank_median_ms:.1f}× | "
            f"{r.brute_median_ms / r.rank_median_ms:.1f}× | {r.rows_scored_median:,.0f} "
            f"({r.rows_scored_max:,}) | {r.text_kernel_median_ms:.2f} / "
            f"{r.text_product_median_ms:.2f} | {r.encoding_median_ms:.2f} | "
            f"{r.identical_top}/{r.sampled} | "
            f"{r.load_before[0]:.2f} → {r.load_after[0]:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--investors", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default=None,
        help="PostgreSQL URL for the SQL comparison, e.g. "
        "postgresql://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--http-seconds", type=int, default=10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rank-samples", type=int, default=50)
    parser.add_argument("--json", type=Path, default=None, help="Also write results here")
    parser.add_argument(
        "--commission-investors",
        default="",
        help="Also the commission's direction (bench.commission) at these investor counts, "
        "e.g. 10000,100000, against 100,000 requests",
    )
    parser.add_argument(
        "--replicas",
        default="",
        metavar="POSTGRES_URL",
        help="Also two replicas on this PostgreSQL server (bench.replicas)",
    )
    parser.add_argument(
        "--memory-workers",
        default="1,4",
        help="Worker counts whose memory is measured at every size (empty: none)",
    )
    parser.add_argument(
        "--skip-http",
        action="store_true",
        help="Leave out the servers: no HTTP latency, throughput or worker memory",
    )
    args = parser.parse_args()
    logging.disable(logging.INFO)
    empty = 0.0 if args.skip_http else empty_worker_rss(args.port)
    memory_workers = [] if args.skip_http else [int(n) for n in args.memory_workers.split(",") if n]
    empty_memory = empty_worker_memory(args.port, memory_workers)
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        result = measure(
            size,
            investors=args.investors,
            postgres=args.postgres,
            http_seconds=args.http_seconds,
            port=args.port,
            rank_samples=args.rank_samples,
            http=not args.skip_http,
            memory_workers=memory_workers,
        )
        result.worker_rss_empty_mb = empty
        results.append(result)
        print(f"done {size:,}: {json.dumps(asdict(result))}", flush=True)
    print(table(results))
    print()
    print(pruning_table(results))
    if memory_workers:
        print()
        print(memory_table(results, empty_memory))
    for r in results:
        for note in r.notes:
            print(f"- {r.requests:,}: {note}")
    if args.commission_investors:
        print()
        print(commission.HEADER)
        for count in (int(n) for n in args.commission_investors.split(",")):
            print(commission.row(commission.measure(count, 100_000, 100, args.port + 1)))
    if args.replicas:
        print()
        connections = 16
        outcome = replicas.run(
            args.replicas,
            requests=10_000,
            investors=200,
            writes=20,
            connections=connections,
            seconds=10,
            ports=(args.port + 2, args.port + 3),
        )
        print(replicas.table(outcome, connections))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
