"""Replicas: two service processes (``matchmaker serve``, one worker each, on their own ports)
on one database, as several hosts behind a load balancer would be.

What one replica writes, the other ranks within a second; an Idempotency-Key, the rate
limit's count, a signed-in session and a key's revocation hold across them. Nothing is shared
in memory: both processes read the same tables (the match index's change probe,
``idempotency_keys``, ``rate_limits``, ``user_sessions``, ``api_keys``).

The suite's database kind: on PostgreSQL (``MATCHMAKER_TEST_DATABASE_URL``) a scratch schema
of it, else a SQLite file both processes open. Run with ``pytest -s`` to see the figures.
"""

from __future__ import annotations

import secrets
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from bench.server_process import (
    drop_scratch_database,
    scratch_database,
    server_url,
    start_server,
    stop_server,
    wait_until_ready,
)
from service.core.migrations import upgrade
from service.http.auth import SESSION_COOKIE
from service.http.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from tests.support.environment import TEST_DATABASE_URL
from tests.support.factories import bearer, investor_payload, request_payload
from tests.support.live_server import free_port
from tests.support.people import session_cookie
from tests.support.secret_watch import remember_secret

# The bound: a write through one replica shows in the other's rankings within this.
FRESH_WITHIN_SECONDS = 1.0
# Waits are bounded: past this the test fails instead of hanging (and reports what it saw).
GIVE_UP_SECONDS = 5.0
POLL_SECONDS = 0.05
# Per API key (and per client address) and window, counted in the shared database. High
# enough that the other tests' requests (the bootstrap key's included) stay under it.
RATE_LIMIT = 120
RATE_WINDOW_SECONDS = 3600
READY_SECONDS = 120
STOP_GRACE_SECONDS = 20
HTTP_TIMEOUT_SECONDS = 30
PASSWORD = "replicated passphrase of mine"


@dataclass(frozen=True)
class Replica:
    name: str
    url: str
    process: subprocess.Popen[bytes]


@dataclass(frozen=True)
class Replicas:
    a: Replica
    b: Replica
    admin_key: str
    database_kind: str

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.admin_key)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    """Two servers on one migrated scratch database, started together, stopped after."""
    work_dir = tmp_path_factory.mktemp("replicas")
    kind = (
        TEST_DATABASE_URL
        if make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"
        else "sqlite"
    )
    schema = f"replicas_{secrets.token_hex(4)}"
    database_url = scratch_database(kind, schema, work_dir)
    admin_key = "replica-admin-" + secrets.token_urlsafe(24)
    remember_secret(admin_key)  # the session's secret watch reads the servers' logs
    env = {
        "MATCHMAKER_ADMIN_KEY": admin_key,
        "MATCHMAKER_ENVIRONMENT": "test",
        "MATCHMAKER_RATE_LIMIT_REQUESTS": str(RATE_LIMIT),
        "MATCHMAKER_RATE_LIMIT_WINDOW_SECONDS": str(RATE_WINDOW_SECONDS),
    }
    started: list[tuple[Replica, Path]] = []
    try:
        upgrade(database_url)  # once, before either replica starts (compose's migrate job)
        for name in ("a", "b"):
            port, log = free_port(), work_dir / f"replica_{name}.log"
            process = start_server(database_url, port=port, workers=1, log=log, env=env)
            started.append((Replica(name, server_url(port), process), log))
        for replica, log in started:
            wait_until_ready(replica.process, replica.url, log, timeout=READY_SECONDS)
        (a, _), (b, _) = started
        pair = Replicas(
            a=a, b=b, admin_key=admin_key, database_kind=make_url(database_url).drivername
        )
        warm_up(pair)
        yield pair
    finally:
        for replica, _ in started:
            stop_server(replica.process, grace_seconds=STOP_GRACE_SECONDS)
        drop_scratch_database(kind, schema)


def warm_up(replicas: Replicas) -> None:
    """Each replica ranks once in both directions before anything is timed, as one that has
    been serving has: a process's first ranking with results pays one-time costs (reading
    the translation catalogs, compiling statements), 0.1 to 0.3 s here, that are no part of
    how soon one replica sees another's writes."""
    investor = new_account(replicas, replicas.a, "investor")
    mandate = created(
        call(replicas.a, "POST", "/v1/investors", headers=investor, json=investor_payload())
    )
    startup = new_account(replicas, replicas.a, "startup")
    request = created(
        call(
            replicas.a,
            "POST",
            "/v1/financing-requests",
            headers=startup,
            json=request_payload(company="Warm-up lab"),
        )
    )
    publish(replicas, replicas.a, request["id"])
    for replica in (replicas.a, replicas.b):
        assert request["id"] in ranked_request_ids(replica, mandate["id"], investor)
        assert mandate["id"] in ranked_investor_ids(replicas, replica, request["id"])


def call(
    replica: Replica, method: str, path: str, *, headers: dict[str, str], json: Any = None
) -> httpx.Response:
    """One request on a connection of its own (as a load balancer's next request may be)."""
    return httpx.request(
        method, f"{replica.url}{path}", headers=headers, json=json, timeout=HTTP_TIMEOUT_SECONDS
    )


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def new_account(replicas: Replicas, replica: Replica, role: str) -> dict[str, str]:
    """A fresh account's key headers (the key shown once, at creation)."""
    body = created(
        call(
            replica,
            "POST",
            "/v1/accounts",
            headers=replicas.admin,
            json={"role": role, "name": f"replicated {role} {secrets.token_hex(3)}"},
        )
    )
    remember_secret(body["api_key"])
    return bearer(body["api_key"])


def publish(replicas: Replicas, replica: Replica, request_id: str) -> None:
    path = f"/v1/financing-requests/{request_id}"
    etag = call(replica, "GET", path, headers=replicas.admin).headers["etag"]
    reviewed = call(
        replica,
        "POST",
        f"{path}/review",
        headers={**replicas.admin, "If-Match": etag},
        json={"decision": "publish", "note": None},
    )
    assert reviewed.status_code == 200, reviewed.text


def seconds_until(check: Callable[[], bool], what: str) -> float:
    """Seconds until ``check()`` holds, polled; fails after ``GIVE_UP_SECONDS``."""
    started = time.perf_counter()
    while not check():
        waited = time.perf_counter() - started
        assert waited < GIVE_UP_SECONDS, f"{what}: not seen after {waited:.1f} s"
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def ranked_request_ids(replica: Replica, investor_id: str, headers: dict[str, str]) -> set[str]:
    page = call(replica, "GET", f"/v1/investors/{investor_id}/matches?limit=100", headers=headers)
    assert page.status_code == 200, page.text
    return {item["financing_request"]["id"] for item in page.json()["items"]}


def ranked_investor_ids(replicas: Replicas, replica: Replica, request_id: str) -> list[str]:
    page = call(
        replica,
        "GET",
        f"/v1/financing-requests/{request_id}/matches?limit=100",
        headers=replicas.admin,
    )
    assert page.status_code == 200, page.text
    return [item["investor"]["id"] for item in page.json()["items"]]


def test_a_request_published_through_one_replica_is_ranked_by_the_other_within_a_second(
    replicas: Replicas,
) -> None:
    investor = new_account(replicas, replicas.a, "investor")
    mandate = created(
        call(
            replicas.a,
            "POST",
            "/v1/investors",
            headers=investor,
            json=investor_payload(name="Fund R"),
        )
    )
    startup = new_account(replicas, replicas.a, "startup")
    waits: list[float] = []
    for n, (writer, reader) in enumerate(
        [(replicas.a, replicas.b), (replicas.b, replicas.a), (replicas.a, replicas.b)]
    ):
        # The reader has ranked for this investor since its last refresh, before the write.
        before = ranked_request_ids(reader, mandate["id"], investor)
        request = created(
            call(
                writer,
                "POST",
                "/v1/financing-requests",
                headers=startup,
                json=request_payload(company=f"Replicated Robotics {n}"),
            )
        )
        publish(replicas, writer, request["id"])  # committed through the writer once it returns

        def ranked(reader: Replica = reader, request_id: str = request["id"]) -> bool:
            return request_id in ranked_request_ids(reader, mandate["id"], investor)

        what = f"the request published through {writer.name}, ranked by {reader.name}"
        waits.append(seconds_until(ranked, what))
        assert request["id"] not in before

    print(
        f"\n{replicas.database_kind}: published through one replica, ranked by the other after "
        + ", ".join(f"{w:.3f}" for w in waits)
        + " s"
    )
    assert max(waits) <= FRESH_WITHIN_SECONDS


def test_a_mandate_written_through_one_replica_changes_the_rankings_read_through_the_other(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    startup = new_account(replicas, a, "startup")
    request = created(
        call(
            a,
            "POST",
            "/v1/financing-requests",
            headers=startup,
            json=request_payload(company="Replicated Chips"),
        )
    )
    publish(replicas, a, request["id"])
    before = ranked_investor_ids(replicas, b, request["id"])
    investor = new_account(replicas, a, "investor")

    mandate = created(
        call(a, "POST", "/v1/investors", headers=investor, json=investor_payload(name="Fund M"))
    )
    added = seconds_until(
        lambda: mandate["id"] in ranked_investor_ids(replicas, b, request["id"]),
        "the mandate created through A, among the request's investors through B",
    )
    # Now a mandate for seed rounds only: no stage fit (the request is a series C), so it
    # leaves the request's ranking (a near miss, left out unless asked for).
    changed = call(
        a,
        "PATCH",
        f"/v1/investors/{mandate['id']}",
        headers={**investor, "If-Match": mandate_etag(a, mandate["id"], investor)},
        json={"stages": ["seed"]},
    )
    assert changed.status_code == 200, changed.text
    removed = seconds_until(
        lambda: mandate["id"] not in ranked_investor_ids(replicas, b, request["id"]),
        "the mandate changed through A, out of the request's investors through B",
    )

    print(
        f"\n{replicas.database_kind}: mandate created through A ranked by B after "
        f"{added:.3f} s; changed through A, re-ranked by B after {removed:.3f} s"
    )
    assert mandate["id"] not in before
    assert added <= FRESH_WITHIN_SECONDS
    assert removed <= FRESH_WITHIN_SECONDS


def mandate_etag(replica: Replica, mandate_id: str, headers: dict[str, str]) -> str:
    etag: str = call(replica, "GET", f"/v1/investors/{mandate_id}", headers=headers).headers["etag"]
    return etag


def listed_mandates(replica: Replica, headers: dict[str, str]) -> list[str]:
    page = call(replica, "GET", "/v1/investors?limit=100", headers=headers)
    assert page.status_code == 200, page.text
    return [item["id"] for item in page.json()["items"]]


def test_a_retry_sent_to_the_other_replica_replays_the_first_response(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    investor = new_account(replicas, a, "investor")
    headers = {**investor, IDEMPOTENCY_HEADER: "replica-retry-0001"}
    body = investor_payload(name="Retried fund")

    first = call(a, "POST", "/v1/investors", headers=headers, json=body)
    retry = call(b, "POST", "/v1/investors", headers=headers, json=body)

    assert first.status_code == retry.status_code == 201, (first.text, retry.text)
    assert REPLAYED_HEADER not in first.headers
    assert retry.headers[REPLAYED_HEADER] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert listed_mandates(a, investor) == listed_mandates(b, investor) == [first.json()["id"]]


def test_the_same_post_sent_to_both_replicas_at_once_creates_one_object(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    investor = new_account(replicas, a, "investor")
    headers = {**investor, IDEMPOTENCY_HEADER: "replica-race-0001"}
    body = investor_payload(name="Raced across replicas")
    barrier = threading.Barrier(2)

    def send(replica: Replica) -> httpx.Response:
        with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as client:
            barrier.wait()
            return client.post(f"{replica.url}/v1/investors", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(send, (a, b)))

    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.headers.get(REPLAYED_HEADER, "") for r in responses) == ["", "true"]
    assert listed_mandates(b, investor) == [responses[0].json()["id"]]


def test_the_rate_limit_is_one_count_across_the_replicas(replicas: Replicas) -> None:
    """Requests alternating between A and B: RATE_LIMIT allowed in all, not per replica."""
    a, b = replicas.a, replicas.b
    key = new_account(replicas, a, "investor")
    sent = RATE_LIMIT + 10
    statuses: dict[str, list[int]] = {"a": [], "b": []}
    started = time.time()
    with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as client:
        for n in range(sent):
            replica = a if n % 2 == 0 else b
            response = client.get(f"{replica.url}/v1/sessions/current", headers=key)
            statuses[replica.name].append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
    finished = time.time()
    every = statuses["a"] + statuses["b"]

    print(
        f"\n{replicas.database_kind}: {sent} requests alternating A and B, limit {RATE_LIMIT}: "
        f"A {statuses['a'].count(200)} allowed, B {statuses['b'].count(200)} allowed, "
        f"{every.count(429)} refused"
    )
    assert set(every) <= {200, 429}
    if int(started // RATE_WINDOW_SECONDS) == int(finished // RATE_WINDOW_SECONDS):
        assert every.count(200) == RATE_LIMIT
        # Both refused the last ones, though neither served RATE_LIMIT requests itself.
        assert statuses["a"][-5:] == statuses["b"][-5:] == [429] * 5
        assert max(statuses["a"].count(200), statuses["b"].count(200)) < RATE_LIMIT
    else:  # the run crossed a window boundary: one fresh window at most
        assert every.count(200) <= 2 * RATE_LIMIT


def test_a_session_signed_in_on_one_replica_works_and_ends_on_the_other(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    account = created(
        call(
            a,
            "POST",
            "/v1/accounts",
            headers=replicas.admin,
            json={"role": "startup", "name": "Replicated startup"},
        )
    )
    remember_secret(account["api_key"])
    invitation = created(
        call(
            a,
            "POST",
            "/v1/invitations",
            headers=replicas.admin,
            json={"account_id": account["id"], "admin": False, "name": "Li Wei"},
        )
    )
    remember_secret(invitation["invitation_code"])
    remember_secret(PASSWORD)
    username = f"li.wei.{secrets.token_hex(3)}"
    accepted = call(
        b,
        "POST",
        "/v1/invitations/accept",
        headers={},
        json={"code": invitation["invitation_code"], "username": username, "password": PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text
    signed_in = call(
        a, "POST", "/v1/sessions", headers={}, json={"username": username, "password": PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    token = session_cookie(signed_in)
    assert token is not None
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}

    on_b = call(b, "GET", "/v1/sessions/current", headers=cookie)
    signed_out = call(a, "DELETE", "/v1/sessions/current", headers=cookie)
    after_on_b = call(b, "GET", "/v1/sessions/current", headers=cookie)
    after_on_a = call(a, "GET", "/v1/sessions/current", headers=cookie)

    assert on_b.status_code == 200, on_b.text
    assert on_b.json()["user"]["username"] == username
    assert (on_b.json()["via"], on_b.json()["account_id"]) == ("session", account["id"])
    assert signed_out.status_code == 204, signed_out.text
    assert after_on_b.status_code == 401, after_on_b.text
    assert after_on_a.status_code == 401, after_on_a.text


def test_a_key_revoked_through_one_replica_is_refused_by_the_other_at_once(
    replicas: Replicas,
) -> None:
    """Keys are looked up on every request (no cache): the bound is the revoking commit."""
    a, b = replicas.a, replicas.b
    account = created(
        call(
            a,
            "POST",
            "/v1/accounts",
            headers=replicas.admin,
            json={"role": "investor", "name": "Replicated keys"},
        )
    )
    remember_secret(account["api_key"])
    key = created(
        call(
            a,
            "POST",
            "/v1/api-keys",
            headers=replicas.admin,
            json={"name": "to revoke", "account_key": True, "account_id": account["id"]},
        )
    )
    remember_secret(key["api_key"])
    headers = bearer(key["api_key"])
    # B has served the key (and its rate limiter remembers it accepted).
    assert call(b, "GET", "/v1/sessions/current", headers=headers).status_code == 200

    revoked = call(a, "DELETE", f"/v1/api-keys/{key['id']}", headers=replicas.admin)
    on_b = call(b, "GET", "/v1/sessions/current", headers=headers)
    on_a = call(a, "GET", "/v1/sessions/current", headers=headers)
    other_key = call(b, "GET", "/v1/sessions/current", headers=bearer(account["api_key"]))

    assert revoked.status_code == 204, revoked.text
    assert on_b.status_code == 401, on_b.text
    assert on_a.status_code == 401, on_a.text
    assert other_key.status_code == 200, other_key.text  # the account's own key still works
