"""How long ``matchmaker import requests`` takes for a large conference file.

Writes a CSV (or .xlsx) of synthetic financing requests with amounts in every accepted
form, runs the real command in a subprocess against a scratch database (a fresh SQLite
file, or a fresh schema in the PostgreSQL database given), and checks every row arrived
with the exact total amount. Target: 100,000 requests in under 60 seconds.

    .venv/bin/python -m bench.import_speed --rows 100000 --database-url sqlite:///var/bench/import.db
    .venv/bin/python -m bench.import_speed --rows 100000 \
        --database-url postgresql://postgres@127.0.0.1:5432/test_import
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.server_process import scratch_database
from bench.synthetic import TOPICS
from models import FinancingRequest, FinancingRequestSector, RequestStatus, Role
from service.core.database import create_db_engine, create_session_factory
from service.events import service as events
from service.events.schemas import EventCreate
from service.http.auth import Principal
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.reference_data.catalog import get_reference_data

WORK_DIR = Path("var/bench")
BENCH = Principal(None, Role.COMMISSION, "import benchmark")
HEADERS = ["company", "title", "summary", "sectors", "amount", "stage", "region", "event"]
SCHEMA = "bench_import"
EVENTS = [f"CIIE {year}" for year in range(2018, 2026)]


def _amount_cell(rng: random.Random) -> tuple[str, Decimal]:
    """An amount written as people write it, with its exact value."""
    form = rng.randrange(5)
    if form == 0:
        yi = rng.randrange(1, 300)
        return f"{yi}亿元", Decimal(yi) * 10**8
    if form == 1:
        wan = rng.randrange(100, 99_999)
        return f"{wan}万", Decimal(wan) * 10**4
    if form == 2:
        tenths = rng.randrange(1, 999)
        return f"{tenths / 10:.1f}亿", Decimal(tenths) * 10**7
    value = rng.randrange(1_000_000, 5_000_000_000)
    return (f"{value:,}" if form == 3 else str(value)), Decimal(value)


def write_file(path: Path, rows: int, seed: int = 7) -> Decimal:
    """The synthetic roster; returns the exact sum of its amounts."""
    rng = random.Random(seed)
    reference = get_reference_data()
    sectors = [s.code for s in reference.sectors]
    stages = [s.code for s in reference.stages]
    regions = [r.code for r in reference.regions] + [""]
    total = Decimal(0)
    records: list[list[str]] = []
    for n in range(rows):
        amount_text, amount = _amount_cell(rng)
        total += amount
        records.append(
            [
                f"企业 {n} Company",
                f"{rng.choice(TOPICS)} round {n}",
                f"{rng.choice(TOPICS)}；{rng.choice(TOPICS)}",
                ";".join(sorted(set(rng.sample(sectors, rng.randrange(1, 3))))),
                amount_text,
                rng.choice(stages),
                rng.choice(regions),
                EVENTS[n % len(EVENTS)],
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADERS)
        for record in records:
            sheet.append(record)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(records)
    return total


def fresh_database(url: str) -> str:
    """A fresh SQLite file, or a fresh schema in the PostgreSQL database named."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        return url
    if parsed.database == "test":
        raise SystemExit("Refusing the shared database 'test': name your own database.")
    return scratch_database(url, SCHEMA, WORK_DIR)


def drop_scratch_schema(url: str) -> None:
    if make_url(url).get_backend_name() == "postgresql":
        engine = create_db_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def stored_totals(url: str) -> tuple[int, int, Decimal]:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            published = session.scalar(
                select(func.count())
                .select_from(FinancingRequest)
                .where(FinancingRequest.status == RequestStatus.PUBLISHED)
            )
            sectors = session.scalar(select(func.count()).select_from(FinancingRequestSector))
            # Summed row by row as Decimals: SQLite would sum its stored hundredths anyway.
            total = sum(session.scalars(select(FinancingRequest.amount)), Decimal(0))
            return int(published or 0), int(sectors or 0), total
    finally:
        engine.dispose()


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default=f"sqlite:///{WORK_DIR / 'import.db'}", help="scratch target"
    )
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL schema")
    args = parser.parse_args()

    path = WORK_DIR / f"requests_{args.rows}.{args.format}"
    expected_total = write_file(path, args.rows)
    url = fresh_database(args.database_url)
    migrate = [sys.executable, "-m", "service.cli.main", "migrate"]
    env = {**os.environ, "MATCHMAKER_DATABASE_URL": url}
    subprocess.run(migrate, env=env, check=True, capture_output=True)
    command = [
        *migrate[:3],
        "import",
        "requests",
        str(path),
        "--status",
        "published",
        "--no-progress",
    ]
    engine = create_db_engine(url)
    factory = create_session_factory(engine)
    with factory.begin() as session:
        for number, name in enumerate(EVENTS):
            day = dt.date(2018 + number, 11, 5)
            events.create(session=session, principal=BENCH, data=EventCreate(name=name, date=day))
    # A serving worker's match index, built before the import as at a server's start.
    index = MatchIndex(make_default_scorer)
    with factory() as session:
        index.rebuild(session)
    cpu_before = _children_cpu_seconds()
    started = time.perf_counter()
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    cpu_seconds = _children_cpu_seconds() - cpu_before
    print(finished.stdout.strip().splitlines()[-1] if finished.stdout.strip() else "")
    if finished.returncode != 0:
        print(finished.stderr, file=sys.stderr)
        raise SystemExit(finished.returncode)
    refresh_started = time.perf_counter()
    with factory() as session:
        indexed = index.current(session).size
    refresh_seconds = time.perf_counter() - refresh_started
    engine.dispose()
    published, sector_rows, total = stored_totals(url)
    if not args.keep:
        drop_scratch_schema(url)
    backend = make_url(url).get_backend_name()
    size_mb = path.stat().st_size / 1e6
    print(
        f"{backend}: {args.rows:,} requests from a {size_mb:.1f} MB {args.format} file "
        f"imported in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s, whole command; "
        f"its CPU time {cpu_seconds:.1f} s; load average {os.getloadavg()[0]:.1f}); "
        f"published rows {published:,}, sector rows {sector_rows:,}, "
        f"total amount exact: {total == expected_total} ({total:,} CNY); "
        f"a running server's index took {refresh_seconds:.1f} s to pick up {indexed:,} of them"
    )
    if published != args.rows or total != expected_total or indexed != args.rows:
        raise SystemExit("the database does not hold exactly the file's rows")


if __name__ == "__main__":
    main()
