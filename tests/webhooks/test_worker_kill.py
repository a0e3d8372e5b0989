"""At least once, across a crash: ``matchmaker worker`` runs as its own process against a
receiver on 127.0.0.1 that holds each request a moment; the worker is killed with SIGKILL
while a delivery is in flight, then started again. Every event arrives, each copy verifies
with the Standard Webhooks library, and a duplicate carries the same webhook-id and the same
body as the first copy."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from standardwebhooks import Webhook

from models import DeliveryStatus, WebhookDelivery
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.main import create_app
from tests.support.environment import ADMIN_KEY
from tests.support.factories import ApiClient
from tests.webhooks.receiver import Receiver, receiving

EVENTS = 6
WAIT_SECONDS = 120


def wait_for(condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextmanager
def worker_process(database_url: str, log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "service.cli", "worker"]
    options = ["--interval", "0.1", "--lease-seconds", "2", "--backoff-seconds", "0.2"]
    env = {
        **os.environ,
        "MATCHMAKER_DATABASE_URL": database_url,
        "MATCHMAKER_ENVIRONMENT": "test",
    }
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [*command, *options], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def delivery_states(database_url: str) -> dict[str, DeliveryStatus]:
    engine = create_db_engine(database_url)
    try:
        with create_session_factory(engine)() as session:
            return {
                delivery.event_id: delivery.status
                for delivery in session.scalars(select(WebhookDelivery))
            }
    finally:
        engine.dispose()


def test_a_worker_killed_mid_delivery_loses_no_event_and_duplicates_share_their_id(
    scratch_settings: str, tmp_path: Path
) -> None:
    upgrade(scratch_settings)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    with receiving(status=200, pause_seconds=0.6) as receiver:
        engine = create_db_engine(scratch_settings)
        with TestClient(create_app(get_settings(), engine=engine)) as client:
            api = ApiClient(client=client, admin_key=ADMIN_KEY)
            startup = api.create_account("startup")
            registered = client.post(
                "/v1/webhook-endpoints",
                json={
                    "url": receiver.url,
                    "event_types": ["financing_request.reviewed"],
                    "secret": secret,
                },
                headers=startup.headers,
            )
            assert registered.status_code == 201, registered.text
            for number in range(EVENTS):
                api.publish(api.create_request(startup, title=f"request {number}")["id"])
        engine.dispose()
        events = set(delivery_states(scratch_settings))
        assert len(events) == EVENTS

        log_file = tmp_path / "webhook-worker.log"
        with worker_process(scratch_settings, log_file) as first:
            # The third request has arrived and the receiver is still holding it.
            wait_for(lambda: len(receiver.ids()) >= 3, "three deliveries")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        in_flight = receiver.ids()[-1]
        assert delivery_states(scratch_settings)[in_flight] is DeliveryStatus.PENDING

        with worker_process(scratch_settings, log_file):
            wait_for(
                lambda: (
                    set(delivery_states(scratch_settings).values()) == {DeliveryStatus.DELIVERED}
                ),
                "every delivery",
            )
        _check_copies(receiver, secret, events, in_flight)


def _check_copies(receiver: Receiver, secret: str, events: set[str], in_flight: str) -> None:
    copies: dict[str, list[bytes]] = defaultdict(list)
    for got in receiver.received:
        payload = Webhook(secret).verify(got.body, got.headers)
        assert payload["id"] == got.headers["webhook-id"]
        copies[got.headers["webhook-id"]].append(got.body)
    assert set(copies) == events  # none lost
    assert len(copies[in_flight]) >= 2  # the one killed in flight came again...
    for bodies in copies.values():
        assert len(set(bodies)) == 1  # ...and every copy is the same event, byte for byte
    print(
        f"\n{len(receiver.received)} requests for {len(events)} events; "
        f"duplicates: { {i: len(b) for i, b in copies.items() if len(b) > 1} }"
    )
