"""Replicas on one PostgreSQL: python -m bench.replicas [--server URL] [--requests N] ...

Creates a scratch PostgreSQL database (dropped at the end) with a synthetic catalogue, starts
two service processes on it (replicas A and B, one worker each, on their own ports, as two
hosts behind a load balancer would run), then measures:

1. freshness: a request published through one replica until the other ranks it for an
   investor, and a mandate created through one until the other ranks it for a request
   (median and max over N writes of each, alternating A to B and B to A), idle and while
   both replicas are under load; beside it, one ranking request's own time on an idle
   replica, the floor any freshness figure includes;
2. HTTP throughput: wrk on the investors' matches, all connections on one replica, then the
   same connections split over both (requests/s, p50, p99, errors: must be 0).

The rate limit counts every request, as in production, with a limit too high to refuse any
(the benchmark measures the service, not the limiter). ``run`` and ``table`` are what
``bench.run`` can call.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.http_load import LoadResult, wrk_load
from bench.server_process import server_url, start_server, stop_server, wait_until_ready
from bench.synthetic import populate
from models import InvestorProfile
from service.core.database import create_db_engine, normalise_database_url
from service.core.migrations import upgrade

WORK_DIR = Path("var/bench")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SCRATCH_DATABASE = "bench_replicas"
NEVER_REFUSE = 10**9
HTTP_TIMEOUT_SECONDS = 30
POLL_SECONDS = 0.01
GIVE_UP_SECONDS = 10.0
STOP_GRACE_SECONDS = 30
# Fits the synthetic catalogue's requests poorly and the written ones (below) exactly.
MANDATE = {
    "name": "Replica fund",
    "kind": "vc",
    "origin": "domestic",
    "sectors": ["ai.foundation_models"],
    "thesis": "基础大模型研发与训练算力; foundation model training compute",
    "ticket_min": "1000000000",
    "ticket_max": "5000000000",
    "currency": "CNY",
    "stages": ["series_c"],
    "regions": ["xuhui"],
}
REQUEST = {
    "company": "Replica model lab",
    "title": "Foundation model training round",
    "summary": "基础大模型研发与训练算力",
    "sectors": ["ai.foundation_models"],
    "amount": "3000000000",
    "currency": "CNY",
    "stage": "series_c",
    "region": "xuhui",
}


@dataclass
class Freshness:
    label: str
    request_seconds: list[float] = field(default_factory=list)
    mandate_seconds: list[float] = field(default_factory=list)
    # Writes the other replica ranked at its first ranking request after the commit.
    request_first_look: int = 0
    mandate_first_look: int = 0


@dataclass
class ReplicaResult:
    requests: int
    investors: int
    ranking_ms: float = 0.0
    freshness: list[Freshness] = field(default_factory=list)
    one_replica: LoadResult | None = None
    two_replicas: LoadResult | None = None
    per_replica_rps: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Replica:
    name: str
    port: int

    @property
    def url(self) -> str:
        return server_url(self.port)


@dataclass
class Cast:
    """Who writes and reads: the commission, a startup, the investor, and its mandate."""

    admin: dict[str, str]
    startup: dict[str, str]
    investor: dict[str, str]
    event_id: str
    mandate_id: str
    request_id: str


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def scratch_postgres(server: str, name: str) -> str:
    """A new, empty database on the server of ``server`` (its URL names any database)."""
    engine = create_engine(normalise_database_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(normalise_database_url(server)).set(database=name)
    return url.render_as_string(hide_password=False)


def drop_postgres(server: str, name: str) -> None:
    engine = create_engine(normalise_database_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@contextmanager
def replicas(
    database_url: str, ports: tuple[int, int], admin_key: str
) -> Iterator[tuple[Replica, Replica]]:
    """Two servers on one migrated database, started together, stopped after the block."""
    env = {
        "MATCHMAKER_ADMIN_KEY": admin_key,
        "MATCHMAKER_ENVIRONMENT": "production",
        "MATCHMAKER_RATE_LIMIT_REQUESTS": str(NEVER_REFUSE),
        "MATCHMAKER_LOG_LEVEL": "WARNING",
    }
    started: list[tuple[Replica, subprocess.Popen[bytes], Path]] = []
    try:
        for name, port in zip("ab", ports, strict=True):
            log = WORK_DIR / f"replica_{name}.log"
            process = start_server(database_url, port=port, workers=1, log=log, env=env)
            started.append((Replica(name.upper(), port), process, log))
        for replica, process, log in started:
            wait_until_ready(process, replica.url, log)
        yield started[0][0], started[1][0]
    finally:
        for _, process, _ in started:
            stop_server(process, grace_seconds=STOP_GRACE_SECONDS)


def call(
    replica: Replica, method: str, path: str, headers: dict[str, str], json: Any = None
) -> httpx.Response:
    response = httpx.request(
        method, f"{replica.url}{path}", headers=headers, json=json, timeout=HTTP_TIMEOUT_SECONDS
    )
    if response.status_code >= 400:
        raise RuntimeError(
            f"{method} {path} on {replica.name}: {response.status_code} {response.text}"
        )
    return response


def created_id(response: httpx.Response) -> str:
    identifier: str = response.json()["id"]
    return identifier


def new_key(replica: Replica, admin: dict[str, str], role: str) -> dict[str, str]:
    body = {"role": role, "name": f"replica bench {role}"}
    return bearer(call(replica, "POST", "/v1/accounts", admin, body).json()["api_key"])


def publish(replica: Replica, admin: dict[str, str], request_id: str) -> None:
    path = f"/v1/financing-requests/{request_id}"
    etag = call(replica, "GET", path, admin).headers["etag"]
    body = {"decision": "publish", "note": None}
    call(replica, "POST", f"{path}/review", {**admin, "If-Match": etag}, body)


def cast(a: Replica, admin_key: str) -> Cast:
    admin = bearer(admin_key)
    startup, investor = new_key(a, admin, "startup"), new_key(a, admin, "investor")
    event = {"name": "Replica day", "date": "2026-11-05", "place": "Shanghai"}
    event_id = created_id(call(a, "POST", "/v1/events", admin, event))
    mandate_id = created_id(call(a, "POST", "/v1/investors", investor, MANDATE))
    request = {**REQUEST, "event_id": event_id}
    request_id = created_id(call(a, "POST", "/v1/financing-requests", startup, request))
    publish(a, admin, request_id)
    return Cast(admin, startup, investor, event_id, mandate_id, request_id)


def seconds_until(check: Callable[[], bool]) -> tuple[float, int]:
    """Seconds until ``check()`` holds, and how many times it was asked."""
    started, looks = time.perf_counter(), 1
    while not check():
        looks += 1
        if time.perf_counter() - started > GIVE_UP_SECONDS:
            raise RuntimeError(
                f"a write was not ranked by the other replica in {GIVE_UP_SECONDS} s"
            )
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started, looks


def request_visible(reader: Replica, who: Cast, request_id: str) -> bool:
    path = f"/v1/investors/{who.mandate_id}/matches?event_id={who.event_id}&limit=100"
    items = call(reader, "GET", path, who.investor).json()["items"]
    return any(item["financing_request"]["id"] == request_id for item in items)


def mandate_visible(reader: Replica, who: Cast, mandate_id: str) -> bool:
    path = f"/v1/financing-requests/{who.request_id}/matches?limit=100"
    items = call(reader, "GET", path, who.admin).json()["items"]
    return any(item["investor"]["id"] == mandate_id for item in items)


def request_write(writer: Replica, reader: Replica, who: Cast) -> tuple[float, int]:
    """Publish a new request through ``writer``; seconds until ``reader`` ranks it."""
    body = {**REQUEST, "company": f"Replica lab {secrets.token_hex(3)}", "event_id": who.event_id}
    request_id = created_id(call(writer, "POST", "/v1/financing-requests", who.startup, body))
    publish(writer, who.admin, request_id)  # committed once this returns
    return seconds_until(lambda: request_visible(reader, who, request_id))


def mandate_write(writer: Replica, reader: Replica, who: Cast) -> tuple[float, int]:
    """Create a mandate through ``writer``; seconds until ``reader`` ranks it for a request."""
    body = {**MANDATE, "name": f"Replica fund {secrets.token_hex(3)}"}
    mandate_id = created_id(call(writer, "POST", "/v1/investors", who.investor, body))
    return seconds_until(lambda: mandate_visible(reader, who, mandate_id))


def freshness(
    label: str,
    pair: tuple[Replica, Replica],
    who: Cast,
    writes: int,
    until: float = float("inf"),
) -> Freshness:
    """``writes`` of each kind, alternating the writer, stopping early at ``until``."""
    result = Freshness(label)
    for n in range(writes):
        if time.monotonic() > until:
            break
        writer, reader = pair if n % 2 == 0 else pair[::-1]
        waited, looks = request_write(writer, reader, who)
        result.request_seconds.append(waited)
        result.request_first_look += looks == 1
        waited, looks = mandate_write(writer, reader, who)
        result.mandate_seconds.append(waited)
        result.mandate_first_look += looks == 1
    return result


def ranking_ms(replica: Replica, who: Cast, samples: int = 20) -> float:
    """One ranking request's time on an idle replica (median), over a fresh connection."""
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        request_visible(replica, who, who.request_id)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def load_paths(database_url: str) -> list[str]:
    engine = create_db_engine(database_url)
    with engine.connect() as connection:
        ids = connection.scalars(select(InvestorProfile.id).limit(40)).all()
    engine.dispose()
    return [f"/v1/investors/{i}/matches?limit=20" for i in ids]


def split_load(
    pair: tuple[Replica, Replica], key: str, paths: list[str], connections: int, seconds: int
) -> tuple[LoadResult, tuple[float, float]]:
    """wrk on both replicas at once, half the connections each; the two as one result."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(
                wrk_load,
                replica.port,
                key,
                paths,
                connections=connections // 2,
                threads=1,
                seconds=seconds,
            )
            for replica in pair
        ]
        results = [run.result() for run in runs]
    total = sum(r.requests_per_second for r in results)
    combined = LoadResult(
        p50_ms=statistics.mean(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        requests_per_second=total,
        errors=sum(r.errors for r in results),
    )
    return combined, (results[0].requests_per_second, results[1].requests_per_second)


def run(
    server: str,
    *,
    requests: int,
    investors: int,
    writes: int,
    connections: int,
    seconds: int,
    ports: tuple[int, int],
) -> ReplicaResult:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    result = ReplicaResult(requests=requests, investors=investors)
    database_url = scratch_postgres(server, SCRATCH_DATABASE)
    try:
        upgrade(database_url)  # once, before the replicas start
        engine = create_db_engine(database_url)
        info = populate(engine, requests=requests, investors=investors)
        engine.dispose()
        paths = load_paths(database_url)
        admin_key = "bench-replicas-" + secrets.token_urlsafe(24)
        with replicas(database_url, ports, admin_key) as pair:
            who = cast(pair[0], admin_key)
            for replica in pair:  # warm each route once
                request_visible(replica, who, who.request_id)
                mandate_visible(replica, who, who.mandate_id)
                wrk_load(replica.port, info["api_key"], paths, connections=2, threads=1, seconds=2)
            result.ranking_ms = ranking_ms(pair[1], who)
            result.freshness.append(freshness("idle", pair, who, writes))
            print(f"  idle freshness: {summary(result.freshness[-1])}", flush=True)
            result.one_replica = wrk_load(
                pair[0].port,
                info["api_key"],
                paths,
                connections=connections,
                threads=2,
                seconds=seconds,
            )
            print(f"  one replica: {load_line(result.one_replica)}", flush=True)
            result.two_replicas, result.per_replica_rps = split_load(
                pair, info["api_key"], paths, connections, seconds
            )
            print(f"  two replicas: {load_line(result.two_replicas)}", flush=True)
            # Writes while wrk keeps both replicas busy, for as long as it runs (twice a
            # phase: under load each write and each look waits its turn).
            loaded_seconds = 2 * seconds
            with ThreadPoolExecutor(max_workers=1) as pool:
                loading: Future[tuple[LoadResult, tuple[float, float]]] = pool.submit(
                    split_load, pair, info["api_key"], paths, connections, loaded_seconds
                )
                time.sleep(1)
                until = time.monotonic() + loaded_seconds - 3
                result.freshness.append(freshness("under load", pair, who, writes, until))
                under_load, _ = loading.result()
            print(f"  freshness under load: {summary(result.freshness[-1])}", flush=True)
            if under_load.errors:
                print(f"  errors during the loaded writes: {under_load.errors}", flush=True)
    finally:
        drop_postgres(server, SCRATCH_DATABASE)
    return result


def summary(fresh: Freshness) -> str:
    def figures(values: list[float]) -> str:
        if not values:
            return "none"
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    return (
        f"request ({len(fresh.request_seconds)} writes) {figures(fresh.request_seconds)}; "
        f"mandate ({len(fresh.mandate_seconds)} writes) {figures(fresh.mandate_seconds)}; "
        f"ranked at the first look: {fresh.request_first_look + fresh.mandate_first_look}"
    )


def load_line(load: LoadResult) -> str:
    return (
        f"{load.requests_per_second:.0f} req/s, p50 {load.p50_ms:.1f} ms, "
        f"p99 {load.p99_ms:.1f} ms, errors {load.errors}"
    )


def table(result: ReplicaResult, connections: int) -> str:
    lines = [
        f"Catalogue: {result.requests:,} published requests, {result.investors} mandates; "
        f"one ranking request on an idle replica: {result.ranking_ms:.0f} ms (median).",
        "",
        "| write through one replica, ranked by the other | writes | median (ms) | max (ms) | "
        "ranked at the first ranking after the write |",
        "|---|---|---|---|---|",
    ]
    for fresh in result.freshness:
        for kind, values, first_look in (
            (
                "request published, in an investor's matches",
                fresh.request_seconds,
                fresh.request_first_look,
            ),
            (
                "mandate created, in a request's investors",
                fresh.mandate_seconds,
                fresh.mandate_first_look,
            ),
        ):
            if values:
                lines.append(
                    f"| {kind} ({fresh.label}) | {len(values)} | "
                    f"{statistics.median(values) * 1000:.0f} | {max(values) * 1000:.0f} | "
                    f"{first_look} of {len(values)} |"
                )
    lines += [
        "",
        f"| investors' matches, wrk, {connections} connections | req/s | p50 (ms) | "
        "p99 (ms) | errors |",
        "|---|---|---|---|---|",
    ]
    for label, load in (
        ("one replica (A)", result.one_replica),
        (
            f"two replicas, split (A {result.per_replica_rps[0]:.0f} + "
            f"B {result.per_replica_rps[1]:.0f} req/s)",
            result.two_replicas,
        ),
    ):
        if load is not None:
            lines.append(
                f"| {label} | {load.requests_per_second:.0f} | {load.p50_ms:.1f} | "
                f"{load.p99_ms:.1f} | {load.errors} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--server",
        default=DEFAULT_SERVER,
        help=f"PostgreSQL URL (any database of the server; default {DEFAULT_SERVER}): the "
        f"benchmark creates and drops the database {SCRATCH_DATABASE} there",
    )
    parser.add_argument("--requests", type=int, default=10_000, help="Published requests")
    parser.add_argument("--investors", type=int, default=200)
    parser.add_argument("--writes", type=int, default=20, help="Writes of each kind")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per phase")
    parser.add_argument("--ports", default="18941,18942")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    first, second = (int(p) for p in args.ports.split(","))
    result = run(
        args.server,
        requests=args.requests,
        investors=args.investors,
        writes=args.writes,
        connections=args.connections,
        seconds=args.seconds,
        ports=(first, second),
    )
    print(table(result, args.connections))


if __name__ == "__main__":
    main()
