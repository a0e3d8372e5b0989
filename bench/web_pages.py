"""Web page benchmark: python -m bench.web_pages [--requests 100000] [--investors 1000].

Builds a synthetic catalogue (``bench.synthetic``: published requests, investor mandates of
one investor account), adds the people who sign in (a commission officer, the investor, a
startup owning 20 of the requests, 50 requests waiting for review) and one stored report,
serves it with ``matchmaker serve`` (one worker) on 127.0.0.1, signs each person in through
the sign-in form, then asks for every page ``--samples`` times in turn after a warm-up and
reports each page's latency (median and p95, measured at the client on the loopback, so it
includes the server's whole time). Target: p95 at most 50 ms for every page (report
creation, a POST, is not a page and is timed by ``bench.report``). Results also go to
``var/bench/web_pages.json``. Exits 1 when a page misses the target.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import re
import socket
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bench.server_process import scratch_database, server_url, serving
from bench.synthetic import populate
from models import Account, FinancingRequest, InvestorProfile, RequestStatus, Role
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.http.auth import Principal
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.reports import service as reports
from service.reports.schemas import ReportCreate
from service.users import service as users
from service.users.passwords import hash_password

WORK_DIR = Path("var/bench")
TARGET_P95_MS = 50.0
PASSWORD = "bench web pages password"  # noqa: S105 - a scratch database's, thrown away
STARTUP_REQUESTS = 20
WAITING_FOR_REVIEW = 50
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class World:
    database_url: str
    mandate_id: str
    request_id: str
    startup_request_id: str
    report_id: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _person(sessions: sessionmaker[Session], account_id: str, username: str) -> None:
    """A user of the account who signs in with ``PASSWORD``."""
    with sessions() as session:
        account = session.get(Account, account_id)
        assert account is not None
        users.add_user(
            session=session,
            principal=None,
            account=account,
            username=username,
            name=username,
            password_hash=hash_password(PASSWORD),
            admin=True,
            now=dt.datetime.now(dt.UTC),
        )
        session.commit()


def build_world(database_url: str, requests: int, investors: int) -> World:
    upgrade(database_url)
    engine = create_db_engine(database_url)
    info = populate(engine, requests=requests, investors=investors, firms=max(1, investors // 2))
    sessions = create_session_factory(engine)
    with sessions() as session:
        commission = Account(role=Role.COMMISSION, name="Benchmark commission")
        startup = Account(role=Role.STARTUP, name="Benchmark startup")
        session.add_all([commission, startup])
        session.flush()
        investor = session.scalars(
            select(Account).join(InvestorProfile, InvestorProfile.owner_account_id == Account.id)
        ).first()
        assert investor is not None
        ids = list(
            session.scalars(select(FinancingRequest.id).order_by(FinancingRequest.id).limit(100))
        )
        owned, waiting = ids[:STARTUP_REQUESTS], ids[STARTUP_REQUESTS:][:WAITING_FOR_REVIEW]
        session.execute(
            update(FinancingRequest)
            .where(FinancingRequest.id.in_(owned))
            .values(owner_account_id=startup.id)
        )
        session.execute(
            update(FinancingRequest)
            .where(FinancingRequest.id.in_(waiting))
            .values(status=RequestStatus.SUBMITTED, owner_account_id=startup.id)
        )
        session.commit()
        accounts = {"commission": commission.id, "startup": startup.id, "investor": investor.id}
    for username, account_id in accounts.items():
        _person(sessions, account_id, username)
    index = MatchIndex(make_default_scorer)
    with sessions() as session:
        index.rebuild(session)
        report = reports.create(
            session=session,
            principal=Principal(None, Role.COMMISSION, "benchmark"),
            index=index,
            data=ReportCreate(event_id=info["event_id"]),
        )
        session.commit()
        report_id = report.id
    published = ids[STARTUP_REQUESTS + WAITING_FOR_REVIEW]
    engine.dispose()
    return World(
        database_url=database_url,
        mandate_id=info["investor_profile_id"],
        request_id=published,
        startup_request_id=owned[0],
        report_id=report_id,
    )


def signed_in(base_url: str, username: str) -> httpx.Client:
    """A browser-like client signed in through the form (the server runs as development,
    so its cookies are not Secure and travel over plain HTTP to 127.0.0.1)."""
    client = httpx.Client(base_url=base_url, timeout=30)
    page = client.get("/sign-in")
    token = CSRF.search(page.text)
    assert token is not None, page.text[:200]
    answer = client.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


def pages_of(world: World) -> dict[str, list[str]]:
    mandate = f"/investor/mandates/{world.mandate_id}"
    return {
        "commission": [
            "/commission",
            "/commission/review",
            f"/commission/requests/{world.request_id}",
            "/commission/events",
            "/commission/reports",
            f"/commission/reports/{world.report_id}",
            "/commission/people",
            "/commission/audit",
        ],
        "startup": [
            "/startup",
            "/startup/requests/new",
            f"/startup/requests/{world.startup_request_id}/edit",
        ],
        "investor": [
            "/investor",
            f"{mandate}/matches",
            f"{mandate}/matches?sector=ai&min_score=0.5",
            f"{mandate}/edit",
        ],
    }


def measure(client: httpx.Client, path: str, samples: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        assert client.get(path).status_code == 200, path
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--investors", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    database_url = scratch_database("sqlite", f"web-pages-{args.requests}", WORK_DIR)
    started = time.perf_counter()
    world = build_world(database_url, args.requests, args.investors)
    print(
        f"built {args.requests} requests, {args.investors} mandates in "
        f"{time.perf_counter() - started:.0f} s"
    )
    port = free_port()
    log = WORK_DIR / "web-pages-server.log"
    results: list[dict[str, object]] = []
    with serving(
        database_url,
        port=port,
        workers=1,
        log=log,
        grace_seconds=10,
        env={"MATCHMAKER_ENVIRONMENT": "development", "MATCHMAKER_RATE_LIMIT_REQUESTS": "0"},
    ):
        base_url = server_url(port)
        for role, paths in pages_of(world).items():
            with contextlib.closing(signed_in(base_url, role)) as client:
                for path in paths:
                    timings = measure(client, path, args.samples, args.warmup)
                    results.append(
                        {
                            "role": role,
                            "page": path,
                            "median_ms": round(statistics.median(timings), 1),
                            "p95_ms": round(p95(timings), 1),
                        }
                    )
    print(f"{'page':<72} {'median':>8} {'p95':>8}")
    for row in results:
        print(f"{row['page']:<72} {row['median_ms']:>7} ms {row['p95_ms']:>6} ms")
    missed = [row for row in results if float(str(row["p95_ms"])) > TARGET_P95_MS]
    (WORK_DIR / "web_pages.json").write_text(
        json.dumps(
            {
                "requests": args.requests,
                "investors": args.investors,
                "samples": args.samples,
                "pages": results,
                "target_p95_ms": TARGET_P95_MS,
            },
            indent=2,
        )
    )
    print(f"{len(results) - len(missed)} of {len(results)} pages at p95 <= {TARGET_P95_MS} ms")
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
