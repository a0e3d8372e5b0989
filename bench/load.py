"""Load test: python -m bench.load [--database sqlite|POSTGRES_URL] (or ``make load``).

Builds a catalogue bigger than the demo (the seed demo data plus synthetic published requests
and investor mandates owned by 32 investor accounts, 32 startup accounts), serves it with
``matchmaker serve --workers 2`` on 127.0.0.1 with the default settings (rate limits on), and
runs locust headless (bench/locustfile.py): 64 concurrent users for 2 minutes, mixed reads,
matches and writes. Prints p50, p95, p99 and throughput per request kind and in total, and
the error count; exits 1 on any error. Bounded: locust stops itself after ``--minutes``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bench.server_process import ServerProcess, drop_scratch_database, scratch_database
from bench.synthetic import populate
from models import FinancingRequest, InvestorProfile, RequestStatus, Role
from service.accounts import service as accounts
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.demo.loader import load_demo
from service.http.auth import Principal

WORK_DIR = Path("var/bench")
SCHEMA = "load_test"
INVESTOR_ACCOUNTS = 32
STARTUP_ACCOUNTS = 32


def prepare(url: str, requests: int, investors: int) -> dict[str, Any]:
    """Data and keys for the locust users, written as JSON for bench/locustfile.py."""
    upgrade(url)
    engine = create_db_engine(url)
    principal = Principal(None, Role.COMMISSION, "load test")
    try:
        with create_session_factory(engine).begin() as session:
            load_demo(session)
        populate(engine, requests=requests, investors=investors)
        with create_session_factory(engine).begin() as session:

            def account(role: Role, name: str) -> tuple[str, str]:
                created, key = accounts.create(
                    session=session, principal=principal, role=role, name=name
                )
                return created.id, key

            investor_accounts = [
                account(Role.INVESTOR, f"Load investor {n}") for n in range(INVESTOR_ACCOUNTS)
            ]
            startups = [
                account(Role.STARTUP, f"Load startup {n}")[1] for n in range(STARTUP_ACCOUNTS)
            ]
            _, commission = account(Role.COMMISSION, "Load commission")
            profile_ids = list(
                session.scalars(select(InvestorProfile.id).order_by(InvestorProfile.id))
            )
            owned: dict[str, list[str]] = {key: [] for _, key in investor_accounts}
            for n, profile_id in enumerate(profile_ids):
                owner_id, key = investor_accounts[n % INVESTOR_ACCOUNTS]
                session.execute(
                    update(InvestorProfile)
                    .where(InvestorProfile.id == profile_id)
                    .values(owner_account_id=owner_id)
                )
                owned[key].append(profile_id)
            published = list(
                session.scalars(
                    select(FinancingRequest.id)
                    .where(FinancingRequest.status == RequestStatus.PUBLISHED)
                    .order_by(FinancingRequest.id)
                    .limit(200)
                )
            )
    finally:
        engine.dispose()
    return {
        "investors": [{"api_key": key, "profile_ids": ids} for key, ids in owned.items() if ids],
        "startups": startups,
        "commission": commission,
        "published_request_ids": published,
        "published_requests": requests,
        "investor_profiles": len(profile_ids),
    }


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with Path(f"{prefix}_stats.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def report(rows: list[dict[str, str]]) -> str:
    lines = [
        "| request | count | failures | p50 (ms) | p95 (ms) | p99 (ms) | req/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        name = row["Name"] if row["Type"] == "" else f"{row['Name']}"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | "
            f"{row['95%']} | {row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="sqlite", help="'sqlite' or a PostgreSQL URL")
    parser.add_argument("--requests", type=int, default=20_000, help="Synthetic published requests")
    parser.add_argument("--investors", type=int, default=500, help="Synthetic investor mandates")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--port", type=int, default=18971)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    kind = "sqlite" if args.database == "sqlite" else "postgres"
    url = scratch_database(args.database, SCHEMA, WORK_DIR)
    data = prepare(url, args.requests, args.investors)
    accounts_file = WORK_DIR / "load_accounts.json"
    accounts_file.write_text(json.dumps(data))
    accounts_file.chmod(0o600)
    log = WORK_DIR / f"load_server_{kind}.log"
    log.unlink(missing_ok=True)
    server = ServerProcess(url, port=args.port, workers=2, log=log)
    prefix = WORK_DIR / f"load_{kind}"
    seconds = int(args.minutes * 60)
    server.start()
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "10",
                "--host",
                server.url,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={**os.environ, "LOAD_ACCOUNTS_FILE": str(accounts_file)},
            check=False,
            timeout=seconds + 120,
        )
    finally:
        server.kill()
        drop_scratch_database(args.database, SCHEMA)
    rows = read_stats(prefix)
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print()
    print(
        f"{kind}: {data['published_requests']:,} synthetic published requests + demo data, "
        f"{data['investor_profiles']} mandates, {args.users} users, {seconds} s"
    )
    print(report(rows))
    print(
        f"TOTAL {kind}: {total['Request Count']} requests, {total['Failure Count']} errors, "
        f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
        f"{float(total['Requests/s']):.1f} req/s (locust exit code {completed.returncode})"
    )
    raise SystemExit(1 if int(total["Failure Count"]) or completed.returncode else 0)


if __name__ == "__main__":
    main()
