"""Locust users for ``make load`` (bench/load.py prepares the accounts file they read).

Investors rank their matches, browse published requests, read their mandate and record
feedback; startups file requests (with an Idempotency-Key) and list their own; one commission
user works the review queue (publishing, so the match index takes writes under load) and
ranks investors for requests. Any non-2xx answer is a failure.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from pathlib import Path
from typing import Any

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

ACCOUNTS: dict[str, Any] = json.loads(Path(os.environ["LOAD_ACCOUNTS_FILE"]).read_text())
TIMEOUT_SECONDS = 30.0
SECTORS = ["ai", "semiconductors", "life_science", "energy", "digital_economy"]


class ServiceUser(FastHttpUser):
    abstract = True
    wait_time = between(0.1, 1.0)
    connection_timeout = TIMEOUT_SECONDS
    network_timeout = TIMEOUT_SECONDS
    api_key = ""

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", **extra}


class Investor(ServiceUser):
    weight = 4

    def on_start(self) -> None:
        account = random.choice(ACCOUNTS["investors"])
        self.api_key = account["api_key"]
        self.profile_ids: list[str] = account["profile_ids"]
        self.seen_requests: list[str] = []

    @task(6)
    def matches(self) -> None:
        profile = random.choice(self.profile_ids)
        with self.client.get(
            f"/v1/investors/{profile}/matches?limit=20",
            headers=self.headers(),
            name="GET /v1/investors/{id}/matches",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                items = response.json()["items"]
                self.seen_requests = [item["financing_request"]["id"] for item in items[:5]]

    @task(2)
    def browse(self) -> None:
        self.client.get(
            f"/v1/financing-requests?limit=20&sector={random.choice(SECTORS)}",
            headers=self.headers(),
            name="GET /v1/financing-requests?sector",
        )

    @task(1)
    def read_mandate(self) -> None:
        self.client.get(
            f"/v1/investors/{random.choice(self.profile_ids)}",
            headers=self.headers(),
            name="GET /v1/investors/{id}",
        )

    @task(1)
    def feedback(self) -> None:
        if not self.seen_requests:
            return
        profile = self.profile_ids[0]
        self.client.put(
            f"/v1/investors/{profile}/feedback/{random.choice(self.seen_requests)}",
            json={"action": random.choice(["interested", "meeting"])},
            headers=self.headers(),
            name="PUT /v1/investors/{id}/feedback/{request}",
        )


class Startup(ServiceUser):
    weight = 2

    def on_start(self) -> None:
        self.api_key = random.choice(ACCOUNTS["startups"])

    @task(2)
    def file_request(self) -> None:
        self.client.post(
            "/v1/financing-requests",
            json={
                "company": f"Load {uuid.uuid4().hex[:8]}",
                "title": "Series A for embodied AI 具身智能",
                "summary": "机器人 robots for factories",
                "sectors": ["ai.embodied"],
                "amount": f"{random.randint(5, 300)}000000",
                "currency": "CNY",
                "stage": "series_a",
                "region": "pudong",
            },
            headers=self.headers(**{"Idempotency-Key": uuid.uuid4().hex}),
            name="POST /v1/financing-requests",
        )

    @task(3)
    def own_requests(self) -> None:
        self.client.get(
            "/v1/financing-requests?limit=20",
            headers=self.headers(),
            name="GET /v1/financing-requests",
        )


class Commission(ServiceUser):
    fixed_count = 1  # one reviewer: two would race to publish the same request

    def on_start(self) -> None:
        self.api_key = ACCOUNTS["commission"]

    @task(3)
    def review_queue(self) -> None:
        with self.client.get(
            "/v1/financing-requests?status=submitted&limit=5",
            headers=self.headers(),
            name="GET /v1/financing-requests?status=submitted",
            catch_response=True,
        ) as response:
            queue = response.json()["items"] if response.status_code == 200 else []
        for item in queue[:2]:
            self.client.post(
                f"/v1/financing-requests/{item['id']}/review",
                json={"decision": "publish", "note": "Load test"},
                # The revision the reviewer read in the queue (428 without it).
                headers=self.headers(
                    **{"Idempotency-Key": uuid.uuid4().hex, "If-Match": f'"{item["revision"]}"'}
                ),
                name="POST /v1/financing-requests/{id}/review",
            )

    @task(1)
    def investors_for_a_request(self) -> None:
        request_id = random.choice(ACCOUNTS["published_request_ids"])
        self.client.get(
            f"/v1/financing-requests/{request_id}/matches?limit=20",
            headers=self.headers(),
            name="GET /v1/financing-requests/{id}/matches",
        )
