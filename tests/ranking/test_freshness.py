"""With two worker processes, an acknowledged write shows in every worker's matches."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.factories import bearer, investor_payload, request_payload
from tests.support.live_server import LiveServer, running_server

FRESHNESS_LIMIT_SECONDS = 1.0
READS_PER_WRITE = 12
WRITES = 5


@pytest.fixture
def two_workers(scratch_database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with running_server(scratch_database_url, tmp_path, workers=2) as server:
        yield server


def _matched_ids(url: str, profile_id: str, headers: dict[str, str]) -> set[str]:
    # A new connection each time, so the kernel spreads requests over both workers.
    response = httpx.get(
        f"{url}/v1/investors/{profile_id}/matches?limit=100", headers=headers, timeout=5
    )
    assert response.status_code == 200, response.text
    return {item["financing_request"]["id"] for item in response.json()["items"]}


def test_a_published_request_shows_on_every_worker_within_a_second(
    two_workers: LiveServer,
) -> None:
    url, admin = two_workers.url, bearer(two_workers.admin_key)

    def account(role: str) -> dict[str, str]:
        created = httpx.post(
            f"{url}/v1/accounts", json={"role": role, "name": role}, headers=admin, timeout=5
        )
        assert created.status_code == 201, created.text
        return bearer(created.json()["api_key"])

    investor, startup = account("investor"), account("startup")
    profile = httpx.post(
        f"{url}/v1/investors", json=investor_payload(), headers=investor, timeout=5
    ).json()
    for _ in range(READS_PER_WRITE):  # both workers build their index before the writes
        _matched_ids(url, profile["id"], investor)

    stale_reads, reads, worst_wait = 0, 0, 0.0
    for n in range(WRITES):
        created = httpx.post(
            f"{url}/v1/financing-requests",
            json=request_payload(company=f"Fresh {n}"),
            headers=startup,
            timeout=5,
        ).json()
        published = httpx.post(
            f"{url}/v1/financing-requests/{created['id']}/review",
            json={"decision": "publish"},
            headers={**admin, "If-Match": f'"{created["revision"]}"'},
            timeout=5,
        )
        assert published.status_code == 200
        acknowledged = time.monotonic()
        for _ in range(READS_PER_WRITE):
            reads += 1
            while created["id"] not in _matched_ids(url, profile["id"], investor):
                stale_reads += 1
                worst_wait = max(worst_wait, time.monotonic() - acknowledged)
                assert worst_wait < FRESHNESS_LIMIT_SECONDS

    entries = [
        json.loads(line)
        for line in two_workers.log_file.read_text().splitlines()
        if line.startswith("{")
    ]
    serving = {
        e["pid"]
        for e in entries
        if e.get("logger") == "matchmaker.access" and str(e.get("path", "")).endswith("/matches")
    }
    assert len(serving) == 2, f"matches were served by {len(serving)} worker(s)"
    print(
        f"freshness: {stale_reads} stale of {reads} reads after the write was acknowledged "
        f"(longest wait {worst_wait * 1000:.0f} ms) on 2 workers"
    )
