"""The commission's direction: a request's top 20 investors, over HTTP and in process, against
a bare numpy kernel on the same stacked arrays in the same run.

    python -m bench.commission --investors 10000,100000 --requests 100000

For each size: a SQLite catalogue (``bench.synthetic``), one service worker with the rate limit
raised out of the way (this measures ranking, not the limiter), ``GET
/v1/financing-requests/{id}/matches?limit=20`` for a sample of requests; then in this process
``rank_investors`` (the service's path) and ``numpy_kernel`` alternately on the same requests,
checking that both give the same 20 investors in the same order. Fails loudly on any HTTP error.

The service ranks each sampled request twice: first with a cold request (its text encoded into
the one-row segment the kernel is handed ready-made), then again with the segment the index
kept: the second is the service on the same arrays as the kernel.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import selectinload

from bench.server_process import scratch_database, server_url, serving
from bench.synthetic import populate
from models import Account, ApiKey, FinancingRequest, Role
from scoring import MatchScorer, Segment
from scoring.formula import TEXT_FIT_MIN_SIMILARITY
from scoring.mandate_stack import MandateStack
from scoring.text_index import theses_similarity
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.http.auth import hash_api_key, key_prefix
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow, mandate_roster, rank_investors
from service.ranking.records import request_record
from service.ranking.serving import SCORE_DECIMALS, make_default_scorer
from service.reference_data.code_links import codes_of

WORK_DIR = Path("var/bench")
LIMIT = 20


@dataclass
class Result:
    investors: int
    requests: int
    http_median_ms: float
    http_p95_ms: float
    service_median_ms: float
    """The second ranking of each request: the encoded request kept, as the kernel gets it."""
    cold_median_ms: float
    """The first ranking of each request: its text encoded as part of the ranking."""
    kernel_median_ms: float
    identical: int
    compared: int


def numpy_kernel(
    scorer: MatchScorer, stack: MandateStack, request: Segment, limit: int
) -> npt.NDArray[np.intp]:
    """The service's formula for one request (a one-row segment) against every stacked
    mandate, as bare numpy: the weighted components, the match mask, then the top ``limit``
    by score, ties by position (the roster is in id order, as the service breaks ties)."""
    total = scorer.sector_weight + scorer.ticket_weight + scorer.stage_weight
    columns = request.sector_combos[request.sector_combo[0]]
    taxonomy = stack.sector_fit[:, columns].max(axis=1)
    stage = stack.stage_fit[:, request.stage_positions[0]]
    amount = request.log_amount_cny[0]
    log_ratio = np.fmax(amount - stack.log_ticket_max, stack.log_ticket_min - amount)
    ticket = np.where(
        log_ratio <= 0.0,
        1.0,
        scorer.ticket_outside_cap
        * np.clip(1.0 - log_ratio / np.log(scorer.ticket_zero_ratio), 0.0, 1.0),
    )
    terms = request.text_by_row()
    text = theses_similarity(stack.weighted_theses(terms.idf), terms).astype(np.float64)
    sector = (1.0 - scorer.text_share) * taxonomy + scorer.text_share * np.minimum(
        text / scorer.text_saturation, 1.0
    )
    inside = stack.inside_region(int(request.region_codes[0]))
    score = (
        (
            scorer.sector_weight * sector
            + scorer.ticket_weight * ticket
            + scorer.stage_weight * stage
        )
        / total
        * np.where(inside, 1.0, scorer.region_outside_factor)
    )
    sector_fits = ((taxonomy > 0) & (scorer.text_share < 1.0)) | (
        (text >= TEXT_FIT_MIN_SIMILARITY) & (scorer.text_share > 0)
    )
    score = np.round(score, SCORE_DECIMALS)
    qualifying = np.flatnonzero(sector_fits & (stage > 0) & (ticket > 0))
    if qualifying.size > limit:
        cut = -np.partition(-score[qualifying], limit - 1)[limit - 1]
        qualifying = qualifying[score[qualifying] >= cut]
    order: npt.NDArray[np.intp] = qualifying[np.argsort(-score[qualifying], kind="stable")]
    return order[:limit]


def commission_key(engine: Engine) -> str:
    """A commission account and its key, inserted directly (as ``populate`` does)."""
    key = "mk_bench_" + uuid.uuid4().hex
    now = dt.datetime.now(dt.UTC)
    account_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            insert(Account),
            [
                {
                    "id": account_id,
                    "role": Role.COMMISSION,
                    "name": "Bench commission",
                    "created_at": now,
                }
            ],
        )
        connection.execute(
            insert(ApiKey),
            [
                {
                    "id": str(uuid.uuid4()),
                    "account_id": account_id,
                    "name": "bench",
                    "prefix": key_prefix(key),
                    "key_hash": hash_api_key(key),
                    "created_at": now,
                }
            ],
        )
    return key


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def measure(investors: int, requests: int, samples: int, port: int) -> Result:
    url = scratch_database("sqlite", f"commission_{investors}_{requests}", WORK_DIR)
    upgrade(url)
    engine = create_db_engine(url)
    populate(engine, requests=requests, investors=investors, firms=max(1, investors // 2))
    key = commission_key(engine)
    with engine.connect() as connection:
        request_ids = list(
            connection.execute(select(FinancingRequest.id).order_by(FinancingRequest.id)).scalars()
        )
    sample = random.Random(investors).sample(request_ids, min(samples, len(request_ids)))

    env = {"MATCHMAKER_RATE_LIMIT_REQUESTS": str(10**9), "MATCHMAKER_LOG_LEVEL": "WARNING"}
    log = WORK_DIR / f"commission_{investors}.log"
    http: list[float] = []
    with (
        serving(url, port=port, workers=1, log=log, env=env, grace_seconds=30),
        httpx.Client(
            base_url=server_url(port), headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as client,
    ):
        for request_id in sample[:5]:  # warm the worker's index and roster
            client.get(f"/v1/financing-requests/{request_id}/matches?limit={LIMIT}")
        for request_id in sample:
            started = time.perf_counter()
            response = client.get(f"/v1/financing-requests/{request_id}/matches?limit={LIMIT}")
            http.append(_ms(started))
            if response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code}: {response.text[:500]}")

    index = MatchIndex(make_default_scorer)
    sessions = create_session_factory(engine)
    ours: list[float] = []
    cold: list[float] = []
    kernel: list[float] = []
    identical = 0
    with sessions() as session:
        state = index.rebuild(session)
        roster = mandate_roster(session, index, state)
        assert roster.stack is not None
        stack = roster.stack
        for request_id in sample:
            financing_request = session.scalars(
                select(FinancingRequest)
                .options(selectinload(FinancingRequest.sector_links))
                .where(FinancingRequest.id == request_id)
            ).one()
            segment = state.scorer.segment(
                [request_record(financing_request, codes_of(financing_request.sector_links))],
                text_by_row=True,
            )
            rankings = []
            for times in (cold, ours):
                # Each ranking loads its page's profiles afresh, as a request's own session
                # does (the second would otherwise find the first one's in the session).
                session.expunge_all()
                started = time.perf_counter()
                rankings.append(
                    rank_investors(
                        session=session,
                        index=index,
                        financing_request=financing_request,
                        window=RankingWindow(limit=LIMIT),
                    )
                )
                times.append(_ms(started))
            # The kernel gets the request as the service keeps it: encoded, its terms by row.
            segment.text_by_row()
            started = time.perf_counter()
            order = numpy_kernel(state.scorer, stack, segment, LIMIT)
            kernel.append(_ms(started))
            identical += all(
                [roster.records[i].id for i in order]
                == [ranked.investors[i].id for i in ranked.page]
                for ranked in rankings
            )
    engine.dispose()
    return Result(
        investors=investors,
        requests=requests,
        http_median_ms=statistics.median(http),
        http_p95_ms=float(np.percentile(http, 95)),
        service_median_ms=statistics.median(ours),
        cold_median_ms=statistics.median(cold),
        kernel_median_ms=statistics.median(kernel),
        identical=identical,
        compared=len(sample),
    )


HEADER = (
    "| investors | requests | HTTP median ms | HTTP p95 ms | in process median ms "
    "| numpy kernel median ms | ratio | in process, request not yet encoded, median ms "
    "| its ratio | identical top 20 |\n|---|---|---|---|---|---|---|---|---|---|"
)


def row(r: Result) -> str:
    return (
        f"| {r.investors:,} | {r.requests:,} | {r.http_median_ms:.1f} | {r.http_p95_ms:.1f} "
        f"| {r.service_median_ms:.2f} | {r.kernel_median_ms:.2f} "
        f"| {r.service_median_ms / r.kernel_median_ms:.2f}× | {r.cold_median_ms:.2f} "
        f"| {r.cold_median_ms / r.kernel_median_ms:.2f}× | {r.identical}/{r.compared} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--investors", default="10000,100000")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--port", type=int, default=8771)
    args = parser.parse_args()
    print(HEADER)
    for size in (int(s) for s in args.investors.split(",")):
        print(row(measure(size, args.requests, args.samples, args.port)), flush=True)


if __name__ == "__main__":
    main()
