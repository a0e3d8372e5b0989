"""What recording impressions costs the matches endpoint:
python -m bench.impressions [--requests 100000] [--investors 1000] [--samples 400] [--rounds 2].

Builds the synthetic catalogue once, then serves it (one worker, 127.0.0.1, rate limit off)
alternately with impressions recorded and not (``MATCHMAKER_RECORD_IMPRESSIONS``), ``--rounds``
times each, and asks the investor's own top 20 (``GET /v1/investors/{id}/matches``) ``--samples``
times per server after a warm-up. Target: the median with recording within 10% of the median
without. Prints each run and the ratio of the medians pooled per setting; results also go to
``var/bench/impressions.json``. Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.server_process import scratch_database, server_url, serving
from bench.synthetic import populate
from bench.web_pages import free_port, p95
from models import Impression
from service.core.database import create_db_engine
from service.core.migrations import upgrade

WORK_DIR = Path("var/bench")
TARGET_RATIO = 1.10
WARMUP = 30


def measure(url: str, path: str, headers: dict[str, str], samples: int) -> list[float]:
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(WARMUP):
            assert client.get(path).status_code == 200
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:200]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--investors", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    database_url = scratch_database("sqlite", f"impressions-{args.requests}", WORK_DIR)
    upgrade(database_url)
    engine = create_db_engine(database_url)
    info = populate(engine, requests=args.requests, investors=args.investors)
    headers = {"Authorization": f"Bearer {info['api_key']}"}
    path = f"/v1/investors/{info['investor_profile_id']}/matches?limit=20"
    runs: list[dict[str, object]] = []
    pooled: dict[bool, list[float]] = {True: [], False: []}
    for round_number in range(args.rounds):
        for recording in (True, False):
            port = free_port()
            env = {
                "MATCHMAKER_RATE_LIMIT_REQUESTS": "0",
                "MATCHMAKER_RECORD_IMPRESSIONS": "true" if recording else "false",
            }
            log = WORK_DIR / "impressions-server.log"
            with serving(database_url, port=port, workers=1, log=log, env=env, grace_seconds=10):
                timings = measure(server_url(port), path, headers, args.samples)
            pooled[recording].extend(timings)
            run: dict[str, object] = {
                "round": round_number + 1,
                "recording": recording,
                "median_ms": round(statistics.median(timings), 2),
                "p95_ms": round(p95(timings), 2),
            }
            runs.append(run)
            print(run, flush=True)
    with engine.connect() as connection:
        written = int(connection.scalar(select(func.count()).select_from(Impression)) or 0)
    engine.dispose()
    on, off = statistics.median(pooled[True]), statistics.median(pooled[False])
    ratio = on / off
    expected = (WARMUP + args.samples) * args.rounds * 20
    summary = {
        "requests": args.requests,
        "investors": args.investors,
        "samples": args.samples,
        "median_recording_ms": round(on, 2),
        "median_not_recording_ms": round(off, 2),
        "ratio": round(ratio, 3),
        "impressions_written": written,
        "impressions_expected": expected,
        "runs": runs,
    }
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    (WORK_DIR / "impressions.json").write_text(json.dumps(summary, indent=2))
    print(
        f"median with recording {on:.2f} ms, without {off:.2f} ms: ratio {ratio:.3f} "
        f"(target <= {TARGET_RATIO}); impressions written {written} of {expected}"
    )
    if ratio > TARGET_RATIO or written != expected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
