"""Concurrent writes against a real server (two workers) on the suite's database: identical
POSTs with one Idempotency-Key create one object; two PATCHes from one read have one winner.

Run with ``pytest -s`` to see the figures; on PostgreSQL set MATCHMAKER_TEST_DATABASE_URL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from service.http.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from tests.support.factories import bearer, investor_payload
from tests.support.live_server import LiveServer, running_server

CONCURRENT_RETRIES = 20
RACES = 100
TIMEOUT_SECONDS = 30


@pytest.fixture
def live(scratch_database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with running_server(scratch_database_url, tmp_path, workers=2) as server:
        yield server


def database_kind(live: LiveServer) -> str:
    return make_url(live.database_url).get_backend_name()


def all_at_once(count: int, call: Callable[[httpx.Client], httpx.Response]) -> list[httpx.Response]:
    """``count`` calls, each on its own connection, released together by a barrier."""
    barrier = threading.Barrier(count)

    def one(_: int) -> httpx.Response:
        with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
            barrier.wait()
            return call(client)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def new_account(live: LiveServer, role: str) -> dict[str, str]:
    created = httpx.post(
        f"{live.url}/v1/accounts",
        json={"role": role, "name": f"live {role}"},
        headers=bearer(live.admin_key),
        timeout=TIMEOUT_SECONDS,
    )
    assert created.status_code == 201, created.text
    return bearer(created.json()["api_key"])


def test_concurrent_identical_posts_create_one_object(live: LiveServer) -> None:
    investor = new_account(live, "investor")
    headers = {**investor, IDEMPOTENCY_HEADER: "twenty-at-once-0001"}
    body: dict[str, Any] = investor_payload(name="Concurrent fund")

    responses = all_at_once(
        CONCURRENT_RETRIES,
        lambda client: client.post(f"{live.url}/v1/investors", json=body, headers=headers),
    )

    statuses = Counter(r.status_code for r in responses)
    ids = {r.json().get("id") for r in responses}
    replayed = sum(r.headers.get(REPLAYED_HEADER) == "true" for r in responses)
    listed = httpx.get(
        f"{live.url}/v1/investors?limit=100", headers=investor, timeout=TIMEOUT_SECONDS
    ).json()["items"]
    print(
        f"\n{CONCURRENT_RETRIES} concurrent identical POSTs on {database_kind(live)}: "
        f"statuses {dict(statuses)}, {replayed} replayed, {len(listed)} object(s) created"
    )
    assert statuses == {201: CONCURRENT_RETRIES}, [r.text for r in responses]
    assert len(ids) == 1
    assert replayed == CONCURRENT_RETRIES - 1
    assert [item["id"] for item in listed] == list(ids)
    assert len({r.content for r in responses}) == 1


def test_concurrent_patches_with_one_if_match_have_one_winner(live: LiveServer) -> None:
    investor = new_account(live, "investor")
    created = httpx.post(
        f"{live.url}/v1/investors",
        json=investor_payload(name="Raced fund"),
        headers=investor,
        timeout=TIMEOUT_SECONDS,
    )
    assert created.status_code == 201, created.text
    path = f"{live.url}/v1/investors/{created.json()['id']}"
    etag = created.headers["etag"]
    outcomes: Counter[tuple[int, ...]] = Counter()
    for race in range(RACES):
        headers = {**investor, "If-Match": etag}

        def rename(
            client: httpx.Client, race: int = race, headers: dict[str, str] = headers
        ) -> httpx.Response:
            name = f"Race {race} by thread {threading.get_ident()}"
            return client.patch(path, json={"name": name}, headers=headers)

        responses = all_at_once(2, rename)
        outcome = tuple(sorted(r.status_code for r in responses))
        outcomes[outcome] += 1
        winners = [r for r in responses if r.status_code == 200]
        if len(winners) == 1:
            etag = winners[0].headers["etag"]
        else:
            etag = httpx.get(path, headers=investor, timeout=TIMEOUT_SECONDS).headers["etag"]
    final = httpx.get(path, headers=investor, timeout=TIMEOUT_SECONDS).json()
    print(
        f"\n{RACES} races of two PATCHes with one If-Match on {database_kind(live)}: "
        f"{dict(outcomes)}; final revision {final['revision']}"
    )
    assert outcomes == {(200, 412): RACES}
    assert final["revision"] == 1 + RACES
