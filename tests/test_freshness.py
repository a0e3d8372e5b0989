"""With two worker processes, an acknowledged write shows in every worker's matches."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.migrations import upgrade
from tests.factories import bearer, investor_payload, request_payload

FRESHNESS_LIMIT_SECONDS = 1.0
READS_PER_WRITE = 12
WRITES = 5


@dataclass(frozen=True)
class RunningServer:
    url: str
    admin_key: str
    log_file: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def two_workers(scratch_database_url: str, tmp_path: Path) -> Iterator[RunningServer]:
    upgrade(scratch_database_url)
    port = _free_port()
    admin_key = "fresh-" + secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "MATCHMAKER_DATABASE_URL": scratch_database_url,
        "MATCHMAKER_ADMIN_KEY": admin_key,
        "MATCHMAKER_ENVIRONMENT": "test",
    }
    log_file = tmp_path / "server.log"
    with log_file.open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--workers",
                "2",
                "--port",
                str(port),
                "--no-migrate",
            ],
            env=env,
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        # Generous: start-up imports scikit-learn, slow on a loaded 2-core machine.
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"server did not start: {log_file.read_text()[-2000:]}")
            time.sleep(0.2)
        yield RunningServer(url=url, admin_key=admin_key, log_file=log_file)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _matched_ids(url: str, profile_id: str, headers: dict[str, str]) -> set[str]:
    # A new connection each time, so the kernel spreads requests over both workers.
    response = httpx.get(
        f"{url}/v1/investors/{profile_id}/matches?limit=100", headers=headers, timeout=5
    )
    assert response.status_code == 200, response.text
    return {item["financing_request"]["id"] for item in response.json()["items"]}


def test_a_published_request_shows_on_every_worker_within_a_second(
    two_workers: RunningServer,
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
            headers=admin,
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
