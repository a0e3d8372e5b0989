"""Typed helpers that arrange data through the public API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def investor_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "Hillhouse Capital",
        "kind": "pe",
        "origin": "domestic",
        "sectors": ["ai", "semiconductors.design"],
        "thesis": "基础大模型与芯片设计; foundation models and chips",
        "ticket_min": "300000000",
        "ticket_max": "3000000000",
        "currency": "CNY",
        "stages": ["series_b", "series_c", "growth"],
        "regions": ["pudong", "xuhui"],
    }
    payload.update(overrides)
    return payload


def request_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "company": "Stepfun",
        "title": "Foundation model training round",
        "summary": "基础大模型研发与训练算力",
        "sectors": ["ai.foundation_models"],
        "amount": "3000000000",
        "currency": "CNY",
        "stage": "series_c",
        "region": "xuhui",
    }
    payload.update(overrides)
    return payload


# A conference day still to come: an event held takes no more meetings, so the suite's
# conferences with meetings are held then.
COMING_DAY = "2037-11-05"


@dataclass(frozen=True)
class Account:
    id: str
    api_key: str
    role: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.api_key)


@dataclass
class ApiClient:
    client: TestClient
    admin_key: str

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.admin_key)

    def create_account(self, role: str, name: str | None = None) -> Account:
        response = self.client.post(
            "/v1/accounts",
            json={"role": role, "name": name or f"{role} account"},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return Account(id=body["id"], api_key=body["api_key"], role=role)

    def create_investor(self, owner: Account, **overrides: Any) -> dict[str, Any]:
        response = self.client.post(
            "/v1/investors", json=investor_payload(**overrides), headers=owner.headers
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def create_request(self, owner: Account, **overrides: Any) -> dict[str, Any]:
        response = self.client.post(
            "/v1/financing-requests", json=request_payload(**overrides), headers=owner.headers
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def record_request(self, owner: Account, **overrides: Any) -> dict[str, Any]:
        """A request filed by the commission for ``owner``: its record of where a request was
        presented, which may be an event already held (a startup names only events to come)."""
        payload = {**request_payload(**overrides), "owner_account_id": owner.id}
        response = self.client.post("/v1/financing-requests", json=payload, headers=self.admin)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def create_event(
        self, name: str, date: str = "2026-11-05", place: str | None = "Shanghai"
    ) -> str:
        response = self.client.post(
            "/v1/events", json={"name": name, "date": date, "place": place}, headers=self.admin
        )
        assert response.status_code == 201, response.text
        event_id: str = response.json()["id"]
        return event_id

    def review(self, request_id: str, decision: str, note: str | None = None) -> Response:
        """Review as the commission, with the If-Match of the request's current revision."""
        path = f"/v1/financing-requests/{request_id}"
        response: Response = self.client.post(
            f"{path}/review",
            json={"decision": decision, "note": note},
            headers={**self.admin, **self.if_match(path)},
        )
        return response

    def if_match(self, path: str, reader: dict[str, str] | None = None) -> dict[str, str]:
        """An If-Match header with the object's current ETag, read as ``reader`` where it
        can read the object (a webhook endpoint only its own account can), else as the
        commission.

        A path neither can read gets a tag no object has, so the route answers as it would
        to any other caller (404, 403, ...).
        """
        if reader is not None:
            own = self.client.get(path, headers=reader)
            if own.status_code == 200 and "etag" in own.headers:
                return {"If-Match": own.headers["etag"]}
        current = self.client.get(path, headers=self.admin)
        return {"If-Match": current.headers.get("etag", '"0"')}

    def patch(self, path: str, *, json: Any, headers: dict[str, str]) -> Response:
        """PATCH ``path`` with the If-Match of its current revision."""
        response: Response = self.client.patch(
            path, json=json, headers={**headers, **self.if_match(path, headers)}
        )
        return response

    def delete(self, path: str, *, headers: dict[str, str]) -> Response:
        """DELETE ``path`` with the If-Match of its current revision."""
        response: Response = self.client.delete(
            path, headers={**headers, **self.if_match(path, headers)}
        )
        return response

    def publish(self, request_id: str) -> None:
        response = self.review(request_id, "publish")
        assert response.status_code == 200, response.text
