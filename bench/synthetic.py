"""Synthetic catalogues for benchmarks: published requests and investor mandates, in bulk."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import numpy as np
from sqlalchemy import Engine, insert

from models import (
    Account,
    ApiKey,
    Event,
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    InvestorProfileSector,
    InvestorProfileStage,
    Role,
)
from scoring.text import stored_text_counts
from service.http.auth import hash_api_key, key_prefix
from service.reference_data.catalog import get_reference_data

TOPICS = [
    "基础大模型研发与训练算力",
    "foundation model training compute",
    "芯片设计 smart driving chip",
    "单剂疫苗生产基地",
    "quantum computing hardware 量子计算",
    "industrial software 工业软件",
    "electronic materials park 电子材料",
    "5G valley data harbor 数据港",
    "eSports platform 电竞",
    "medical devices 医疗器械",
    "clean energy storage 储能",
    "fusion reactor 可控核聚变",
    "embodied robots 具身智能机器人",
    "fintech payments 金融科技",
    "elderly care services 养老",
]
BATCH = 20_000
BENCH_EVENT = "Benchmark conference"


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def populate(
    engine: Engine, *, requests: int, investors: int, seed: int = 42, firms: int = 1
) -> dict[str, str]:
    """Insert published requests and investor profiles; return an investor API key and id.

    The profiles are dealt in turn to ``firms`` investor accounts, the first the key's (so
    with the default of one, the key reaches every profile; a report counts each firm once,
    so a report's benchmark wants many)."""
    if not 1 <= firms <= max(investors, 1):
        raise ValueError(f"firms must be between 1 and the number of investors, not {firms}")
    rng = np.random.default_rng(seed)
    reference = get_reference_data()
    sectors = [s.code for s in reference.sectors]
    stages = [s.code for s in reference.stages]
    regions = [r.code for r in reference.regions]
    texts = [f"{a} {b}" for a in TOPICS for b in TOPICS[:8]]
    blobs = [stored_text_counts(t) for t in texts]
    now = dt.datetime.now(dt.UTC)
    api_key = "mk_bench_" + uuid.uuid4().hex
    owner_id = _uuid(rng)
    event_id = _uuid(rng)
    firm_ids = [owner_id, *(_uuid(rng) for _ in range(firms - 1))]
    with engine.begin() as connection:
        connection.execute(
            insert(Event),
            [
                {
                    "id": event_id,
                    "name": BENCH_EVENT,
                    "date": now.date(),
                    "place": "Shanghai",
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                }
            ],
        )
        connection.execute(
            insert(Account),
            [
                {
                    "id": firm_id,
                    "role": Role.INVESTOR,
                    "name": "Benchmark investor" if n == 0 else f"Benchmark firm {n}",
                    "created_at": now,
                }
                for n, firm_id in enumerate(firm_ids)
            ],
        )
        connection.execute(
            insert(ApiKey),
            [
                {
                    "id": _uuid(rng),
                    "account_id": owner_id,
                    "name": "account key",
                    "prefix": key_prefix(api_key),
                    "key_hash": hash_api_key(api_key),
                    "created_at": now,
                }
            ],
        )
        profile_rows, sector_rows, stage_rows = [], [], []
        first_profile = ""
        for n in range(investors):
            profile_id = _uuid(rng)
            first_profile = first_profile or profile_id
            low = Decimal(int(10 ** rng.uniform(6, 9.5)))
            profile_rows.append(
                {
                    "id": profile_id,
                    "owner_account_id": firm_ids[n % firms],
                    "name": f"Investor {n}",
                    "kind": "vc",
                    "origin": "domestic",
                    "thesis": texts[n % len(texts)],
                    "ticket_min": low,
                    "ticket_max": low * int(rng.integers(2, 20)),
                    "currency": "CNY",
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                }
            )
            for code in set(rng.choice(sectors, 2)):
                sector_rows.append({"investor_profile_id": profile_id, "code": str(code)})
            start = int(rng.integers(0, len(stages) - 2))
            for code in stages[start : start + 3]:
                stage_rows.append({"investor_profile_id": profile_id, "code": code})
        connection.execute(insert(InvestorProfile), profile_rows)
        connection.execute(insert(InvestorProfileSector), sector_rows)
        connection.execute(insert(InvestorProfileStage), stage_rows)
    for start in range(0, requests, BATCH):
        count = min(BATCH, requests - start)
        request_rows, link_rows = [], []
        sector_pick = rng.integers(0, len(sectors), count)
        stage_pick = rng.integers(0, len(stages), count)
        region_pick = rng.integers(0, len(regions), count)
        text_pick = rng.integers(0, len(texts), count)
        amounts = (10 ** rng.uniform(6, 10, count)).astype(np.int64)
        for i in range(count):
            request_id = _uuid(rng)
            request_rows.append(
                {
                    "id": request_id,
                    "owner_account_id": None,
                    "company": f"Company {start + i}",
                    "title": "Synthetic request",
                    "summary": texts[text_pick[i]],
                    "amount": Decimal(int(amounts[i])),
                    "currency": "CNY",
                    "stage": stages[stage_pick[i]],
                    "region": regions[region_pick[i]],
                    "event_id": event_id,
                    "status": "published",
                    "text_features": blobs[text_pick[i]],
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                }
            )
            link_rows.append({"financing_request_id": request_id, "code": sectors[sector_pick[i]]})
        with engine.begin() as connection:
            connection.execute(insert(FinancingRequest), request_rows)
            connection.execute(insert(FinancingRequestSector), link_rows)
    return {"api_key": api_key, "investor_profile_id": first_profile, "event_id": event_id}
