"""A revoked key is refused by every worker of a real two-worker server within a second.

Each request's worker shows in the server's log (the access line's ``pid``, found by the
response's ``X-Request-ID``). Run with ``pytest -s`` to see the figures.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.factories import bearer
from tests.support.live_server import LiveServer, running_server
from tests.support.secret_watch import remember_secret

BATCH = 8
TIMEOUT_SECONDS = 30
WITHIN_SECONDS = 1.0


@pytest.fixture
def live(scratch_database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with running_server(scratch_database_url, tmp_path, workers=2) as server:
        yield server


def batch(url: str, headers: dict[str, str]) -> list[httpx.Response]:
    """``BATCH`` requests at once, each on a connection of its own (so on either worker)."""

    def one(_: int) -> httpx.Response:
        with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
            return client.get(url, headers=headers)

    with ThreadPoolExecutor(max_workers=BATCH) as pool:
        return list(pool.map(one, range(BATCH)))


def workers_of(live: LiveServer, responses: list[httpx.Response]) -> dict[str, int]:
    """request id -> pid of the worker that served it, from the access log."""
    wanted = {r.headers["x-request-id"] for r in responses}
    found: dict[str, int] = {}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in live.log_file.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("logger") == "matchmaker.access" and entry.get("request_id") in wanted:
                found[entry["request_id"]] = entry["pid"]
        if set(found) == wanted:
            break
        time.sleep(0.1)
    return found


def test_a_revoked_key_is_refused_by_every_worker_within_a_second(live: LiveServer) -> None:
    admin = bearer(live.admin_key)
    created = httpx.post(
        f"{live.url}/v1/accounts",
        json={"role": "investor", "name": "revoked live"},
        headers=admin,
        timeout=TIMEOUT_SECONDS,
    )
    assert created.status_code == 201, created.text
    api_key, account_id = created.json()["api_key"], created.json()["id"]
    remember_secret(api_key)
    me = f"{live.url}/v1/me"

    before: list[httpx.Response] = []
    for _ in range(20):  # until both workers have served the key
        before += batch(me, bearer(api_key))
        if len(set(workers_of(live, before).values())) == 2:
            break
    assert {r.status_code for r in before} == {200}
    assert len(set(workers_of(live, before).values())) == 2, "one worker served everything"

    keys = httpx.get(f"{live.url}/v1/api-keys?limit=100", headers=admin, timeout=30).json()
    [key_id] = [k["id"] for k in keys["items"] if k["account_id"] == account_id]
    revoked = httpx.delete(f"{live.url}/v1/api-keys/{key_id}", headers=admin, timeout=30)
    assert revoked.status_code == 204
    revoked_at = time.monotonic()

    after: list[httpx.Response] = []
    while time.monotonic() - revoked_at < WITHIN_SECONDS:
        after += batch(me, bearer(api_key))
    pids = workers_of(live, after)
    refused_by = {pids[r.headers["x-request-id"]] for r in after if r.status_code == 401}

    print(
        f"\nrevoked key: {len(after)} requests in the {WITHIN_SECONDS:.0f} s after revocation, "
        f"statuses {sorted({r.status_code for r in after})}, refused by workers "
        f"{sorted(refused_by)} (served before by {sorted(set(workers_of(live, before).values()))})"
    )
    assert {r.status_code for r in after} == {401}
    assert refused_by == set(workers_of(live, before).values())
