"""Graceful shutdown: python -m bench.shutdown [--database sqlite|POSTGRES_URL].

Serves a synthetic catalogue with ``matchmaker serve --workers 2``, keeps many clients busy
with matches and creating POSTs over keep-alive connections, then sends SIGTERM to the
server (as systemd, Docker or Kubernetes do) and counts:

- requests in flight at the SIGTERM (sent before it, answered after it);
- dropped: requests sent before the SIGTERM that got no complete answer (must be 0);
- non-2xx answers to requests sent before the SIGTERM (must be 0);
- seconds from SIGTERM until the server exited, against MATCHMAKER_SHUTDOWN_TIMEOUT_SECONDS.

Requests sent after the SIGTERM may be refused: the server stops accepting at once.
Exits 1 when a request was dropped or the shutdown took longer than its timeout.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bench.server_process import ServerProcess, drop_scratch_database, scratch_database
from bench.synthetic import populate
from models import InvestorProfile, Role
from service.accounts import service as accounts
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.http.auth import Principal

WORK_DIR = Path("var/bench")
SCHEMA = "shutdown_test"


@dataclass
class Outcome:
    started: float
    finished: float
    status: int | None  # None: no complete answer
    error: str | None = None


@dataclass
class Record:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def client_loop(
    url: str,
    n: int,
    investor_key: str,
    startup_key: str,
    profile_ids: list[str],
    record: Record,
    terminated: threading.Event,
) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        count = 0
        while True:
            count += 1
            if count % 3 == 0:
                key = uuid.uuid4().hex
                request = client.build_request(
                    "POST",
                    "/v1/financing-requests",
                    json={
                        "company": f"Shutdown {key}",
                        "title": "Written during a SIGTERM",
                        "sectors": ["energy.clean"],
                        "amount": "88000000",
                        "currency": "CNY",
                        "stage": "seed",
                    },
                    headers={"Authorization": f"Bearer {startup_key}", "Idempotency-Key": key},
                )
            else:
                profile = profile_ids[(n + count) % len(profile_ids)]
                request = client.build_request(
                    "GET",
                    f"/v1/investors/{profile}/matches?limit=20",
                    headers={"Authorization": f"Bearer {investor_key}"},
                )
            started = time.monotonic()
            try:
                response = client.send(request)
                record.add(Outcome(started, time.monotonic(), response.status_code))
            except httpx.TransportError as exc:
                record.add(Outcome(started, time.monotonic(), None, type(exc).__name__))
                if terminated.is_set():
                    return  # the server is going away: this client is done


def run(args: argparse.Namespace) -> dict[str, Any]:
    label = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    url = scratch_database(args.database, SCHEMA, WORK_DIR)
    upgrade(url)
    engine = create_db_engine(url)
    info = populate(engine, requests=args.requests, investors=200)
    with engine.connect() as connection:
        profile_ids = list(connection.scalars(select(InvestorProfile.id).limit(40)))
    with create_session_factory(engine).begin() as session:
        _, startup_key = accounts.create(
            session=session,
            principal=Principal(None, Role.COMMISSION, "shutdown test"),
            role=Role.STARTUP,
            name="Shutdown writer",
        )
    engine.dispose()
    timeout = get_settings().shutdown_timeout_seconds
    log = WORK_DIR / f"shutdown_{'sqlite' if args.database == 'sqlite' else 'postgres'}.log"
    log.unlink(missing_ok=True)
    # Counting is not what this measures: a limit no client reaches.
    server = ServerProcess(
        url,
        port=args.port,
        workers=2,
        log=log,
        env={"MATCHMAKER_RATE_LIMIT_REQUESTS": str(10**9)},
    )
    server.start()
    record, terminated = Record(), threading.Event()
    threads = [
        threading.Thread(
            target=client_loop,
            args=(server.url, n, info["api_key"], startup_key, profile_ids, record, terminated),
            daemon=True,
        )
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(args.warmup)
    term_at = time.monotonic()
    terminated.set()
    exit_seconds = server.terminate(timeout=timeout + 20)
    for thread in threads:
        thread.join(timeout=10)
    drop_scratch_database(args.database, SCHEMA)
    with record.lock:
        outcomes = list(record.outcomes)
    before = [o for o in outcomes if o.started < term_at]
    after = [o for o in outcomes if o.started >= term_at]
    in_flight = [o for o in before if o.finished >= term_at]
    dropped = [o for o in before if o.status is None]
    failed = [o for o in before if o.status is not None and not 200 <= o.status < 300]
    return {
        "database": label,
        "clients": args.clients,
        "sent_before_sigterm": len(before),
        "in_flight_at_sigterm": len(in_flight),
        "in_flight_answered_2xx": sum(
            1 for o in in_flight if o.status is not None and 200 <= o.status < 300
        ),
        "dropped": len(dropped),
        "dropped_errors": sorted({o.error or "" for o in dropped}),
        "non_2xx_before_sigterm": len(failed),
        "statuses_before_sigterm": dict(Counter(str(o.status) for o in before)),
        "sent_after_sigterm": len(after),
        "refused_after_sigterm": sum(1 for o in after if o.status is None),
        "shutdown_seconds": round(exit_seconds, 2),
        "shutdown_timeout_seconds": timeout,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="sqlite", help="'sqlite' or a PostgreSQL URL")
    parser.add_argument("--requests", type=int, default=10_000, help="Published requests")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=5.0, help="Seconds of load first")
    parser.add_argument("--port", type=int, default=18953)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    outcome = run(args)
    print(json.dumps(outcome, indent=2))
    print(
        f"{outcome['database']}: SIGTERM with {outcome['in_flight_at_sigterm']} requests in "
        f"flight: dropped {outcome['dropped']}, non-2xx {outcome['non_2xx_before_sigterm']}, "
        f"exited in {outcome['shutdown_seconds']} s (timeout "
        f"{outcome['shutdown_timeout_seconds']} s)"
    )
    bad = outcome["dropped"] or outcome["non_2xx_before_sigterm"]
    late = outcome["shutdown_seconds"] > outcome["shutdown_timeout_seconds"]
    raise SystemExit(1 if bad or late or not outcome["in_flight_at_sigterm"] else 0)


if __name__ == "__main__":
    main()
