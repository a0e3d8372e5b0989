"""Crash test: python -m bench.crash [--database sqlite|POSTGRES_URL] [--kills 5].

Starts ``matchmaker serve --workers 2``, streams creating POSTs (financing requests), each
with its own Idempotency-Key, from several writer threads; SIGKILLs the whole server at
random moments, restarts it, and goes on. Then it replays every key once more with the same
body and counts, from the answers and from the database:

- acknowledged writes lost: a 201 whose object is no longer stored;
- replays answering another object: an acknowledged key whose replay returns another id;
- duplicates: more than one object for one key (each body names its key).

A write that got no answer (the connection was cut by the kill) is ambiguous to the client,
which is what the key is for: the replay must then create it exactly once. Exits 1 when
anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.server_process import ServerProcess, drop_scratch_database, scratch_database
from models import FinancingRequest, Role
from service.accounts import service as accounts
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.http.auth import Principal

WORK_DIR = Path("var/bench")
SCHEMA = "crash_test"
COMPANY_PREFIX = "crash "
RETRY_PAUSE_SECONDS = 0.05


def body_for(key: str) -> dict[str, Any]:
    return {
        "company": COMPANY_PREFIX + key,
        "title": "Crash test round",
        "summary": "崩溃测试 written under SIGKILL",
        "sectors": ["ai.applications"],
        "amount": "123456789.01",
        "currency": "CNY",
        "stage": "series_a",
    }


@dataclass
class Ledger:
    """What the writers saw, per key."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> id from the 201
    ambiguous: set[str] = field(default_factory=set)  # sent, no answer
    refused: Counter[int] = field(default_factory=Counter)  # status -> count
    owner_of: dict[str, str] = field(default_factory=dict)  # key -> API key that wrote it
    lock: threading.Lock = field(default_factory=threading.Lock)


def writer(url: str, api_key: str, ledger: Ledger, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=15) as client:
        key = uuid.uuid4().hex
        while not stop.is_set():
            with ledger.lock:
                ledger.owner_of[key] = api_key
            try:
                response = client.post(
                    "/v1/financing-requests", json=body_for(key), headers={"Idempotency-Key": key}
                )
            except httpx.ConnectError:
                time.sleep(RETRY_PAUSE_SECONDS)  # never sent: the server is down; same key
                continue
            except httpx.TransportError:
                with ledger.lock:  # sent, and the connection died: the client cannot know
                    ledger.ambiguous.add(key)
                key = uuid.uuid4().hex
                continue
            with ledger.lock:
                if response.status_code == 201:
                    ledger.acknowledged[key] = response.json()["id"]
                elif response.status_code == 429 or response.status_code >= 500:
                    ledger.ambiguous.add(key)
                    ledger.refused[response.status_code] += 1
                else:
                    ledger.refused[response.status_code] += 1
            if response.status_code == 429:
                time.sleep(float(response.headers.get("retry-after", "1")))
            key = uuid.uuid4().hex


def startup_keys(database_url: str, count: int) -> list[str]:
    engine = create_db_engine(database_url)
    principal = Principal(None, Role.COMMISSION, "crash test")
    keys = []
    try:
        with create_session_factory(engine).begin() as session:
            for n in range(count):
                _, api_key = accounts.create(
                    session=session, principal=principal, role=Role.STARTUP, name=f"Writer {n}"
                )
                keys.append(api_key)
    finally:
        engine.dispose()
    return keys


def replay(url: str, ledger: Ledger) -> tuple[int, int, Counter[int]]:
    """Send every key again; count acknowledged keys answering another object, and statuses."""
    mismatched, created_now = 0, 0
    statuses: Counter[int] = Counter()
    keys = sorted(set(ledger.acknowledged) | ledger.ambiguous)
    with httpx.Client(base_url=url, timeout=30) as client:
        for key in keys:
            response = client.post(
                "/v1/financing-requests",
                json=body_for(key),
                headers={
                    "Idempotency-Key": key,
                    "Authorization": f"Bearer {ledger.owner_of[key]}",
                },
            )
            statuses[response.status_code] += 1
            if key in ledger.acknowledged:
                if response.status_code != 201 or response.json()["id"] != ledger.acknowledged[key]:
                    mismatched += 1
            elif response.status_code == 201:
                created_now += 1
    return mismatched, created_now, statuses


def stored(database_url: str) -> tuple[dict[str, int], set[str]]:
    """Objects per key, and every stored id, straight from the database."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(FinancingRequest.company, func.count())
                .where(FinancingRequest.company.startswith(COMPANY_PREFIX))
                .group_by(FinancingRequest.company)
            ).all()
            per_key = {str(company): int(count) for company, count in rows}
            ids = set(connection.scalars(select(FinancingRequest.id)))
    finally:
        engine.dispose()
    return {company.removeprefix(COMPANY_PREFIX): n for company, n in per_key.items()}, ids


def run(args: argparse.Namespace) -> dict[str, Any]:
    label = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    url = scratch_database(args.database, SCHEMA, WORK_DIR)
    upgrade(url)
    keys = startup_keys(url, args.writers)
    log = WORK_DIR / f"crash_{'sqlite' if args.database == 'sqlite' else 'postgres'}.log"
    log.unlink(missing_ok=True)
    server = ServerProcess(url, port=args.port, workers=args.workers, log=log)
    rng = random.Random(args.seed)
    ledger = Ledger()
    stop = threading.Event()
    server.start()
    threads = [
        threading.Thread(target=writer, args=(server.url, key, ledger, stop), daemon=True)
        for key in keys
    ]
    for thread in threads:
        thread.start()
    kill_times = []
    try:
        for n in range(args.kills):
            pause = rng.uniform(args.min_gap, args.max_gap)
            time.sleep(pause)
            server.kill()
            kill_times.append(round(pause, 2))
            print(
                f"{label}: SIGKILL {n + 1}/{args.kills} after {pause:.2f} s "
                f"({len(ledger.acknowledged)} acknowledged so far)",
                flush=True,
            )
            server.start()
        time.sleep(args.min_gap)  # writes after the last restart too
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        mismatched, created_on_replay, statuses = replay(server.url, ledger)
    finally:
        stop.set()
        server.kill()
    per_key, ids = stored(url)
    lost = sum(1 for object_id in ledger.acknowledged.values() if object_id not in ids)
    duplicates = sum(n - 1 for n in per_key.values() if n > 1)
    attempted = set(ledger.acknowledged) | ledger.ambiguous
    missing_after_replay = sum(1 for key in attempted if per_key.get(key, 0) == 0)
    drop_scratch_database(args.database, SCHEMA)
    return {
        "database": label,
        "workers": args.workers,
        "writers": args.writers,
        "sigkills": len(kill_times),
        "seconds_before_each_kill": kill_times,
        "keys_sent": len(attempted),
        "acknowledged": len(ledger.acknowledged),
        "no_answer": len(ledger.ambiguous - set(ledger.acknowledged)),
        "other_statuses": dict(ledger.refused),
        "replay_statuses": dict(statuses),
        "created_by_replay": created_on_replay,
        "acknowledged_lost": lost,
        "replays_answering_another_object": mismatched,
        "duplicates": duplicates,
        "keys_without_object_after_replay": missing_after_replay,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (a file under var/bench) or a PostgreSQL URL (a scratch schema in it)",
    )
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-gap", type=float, default=1.0, help="Seconds of writes at least")
    parser.add_argument("--max-gap", type=float, default=5.0, help="Seconds of writes at most")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--port", type=int, default=18947)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    outcome = run(args)
    print(json.dumps(outcome, indent=2))
    failed = outcome["acknowledged_lost"] or outcome["duplicates"]
    failed = failed or outcome["keys_without_object_after_replay"]
    failed = failed or outcome["replays_answering_another_object"]
    print(
        f"{outcome['database']}: {outcome['sigkills']} SIGKILLs, {outcome['keys_sent']} keys, "
        f"{outcome['acknowledged']} acknowledged: acknowledged writes lost "
        f"{outcome['acknowledged_lost']}, duplicates {outcome['duplicates']}"
    )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
