"""No lost updates: ETags on single objects; PATCH and DELETE need the current If-Match."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy.orm import Session

from tests.support.database import row_counts
from tests.support.factories import Account, ApiClient, investor_payload

PROBLEM = "application/problem+json"


def investor_object(api: ApiClient) -> tuple[str, Account, dict[str, Any]]:
    owner = api.create_account("investor")
    created = api.create_investor(owner)
    return f"/v1/investors/{created['id']}", owner, {"name": "Renamed fund"}


def request_object(api: ApiClient) -> tuple[str, Account, dict[str, Any]]:
    owner = api.create_account("startup")
    created = api.create_request(owner, status="draft")
    return f"/v1/financing-requests/{created['id']}", owner, {"title": "Renamed round"}


OBJECTS = [pytest.param(investor_object, id="investor"), pytest.param(request_object, id="request")]


def send(
    api: ApiClient, method: str, path: str, owner: Account, body: Any, **headers: str
) -> Response:
    response: Response = api.client.request(
        method,
        path,
        json=body if method == "PATCH" else None,
        headers={**owner.headers, **{k.replace("_", "-"): v for k, v in headers.items()}},
    )
    return response


@pytest.mark.parametrize("make", OBJECTS)
def test_reads_and_writes_carry_the_revision_as_etag(api: ApiClient, make: Any) -> None:
    path, owner, change = make(api)
    read = api.client.get(path, headers=owner.headers)
    assert read.headers["etag"] == f'"{read.json()["revision"]}"'

    patched = send(api, "PATCH", path, owner, change, If_Match=read.headers["etag"])

    assert patched.status_code == 200, patched.text
    assert patched.json()["revision"] == read.json()["revision"] + 1
    assert patched.headers["etag"] == f'"{patched.json()["revision"]}"'
    assert api.client.get(path, headers=owner.headers).headers["etag"] == patched.headers["etag"]


def test_creation_review_and_feedback_responses_carry_an_etag(api: ApiClient) -> None:
    investor, startup = api.create_account("investor"), api.create_account("startup")
    profile = api.client.post("/v1/investors", json=investor_payload(), headers=investor.headers)
    assert profile.headers["etag"] == '"1"'
    request = api.create_request(startup)
    reviewed = api.review(request["id"], "publish")
    assert reviewed.headers["etag"] == f'"{reviewed.json()["revision"]}"' == '"2"'
    feedback_path = f"/v1/investors/{profile.json()['id']}/feedback/{request['id']}"
    first = api.client.put(feedback_path, json={"action": "interested"}, headers=investor.headers)
    second = api.client.put(feedback_path, json={"action": "meeting"}, headers=investor.headers)
    assert (first.headers["etag"], second.headers["etag"]) == ('"1"', '"2"')


@pytest.mark.parametrize("make", OBJECTS)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [
        (None, 428, "missing"),
        ("*", 428, "missing"),
        ('"0"', 412, None),
        ('W/"1"', 412, None),
        ('"7", "8"', 412, None),
        ("1", 422, "invalid_entity_tag"),
    ],
    ids=["missing", "star", "stale", "weak", "list-without-current", "unquoted"],
)
def test_a_write_without_the_current_etag_changes_nothing(
    api: ApiClient,
    db_session: Session,
    make: Any,
    method: str,
    if_match: str | None,
    status: int,
    code: str | None,
) -> None:
    path, owner, change = make(api)
    before = api.client.get(path, headers=owner.headers)
    counts = row_counts(db_session)
    headers = {} if if_match is None else {"If_Match": if_match}

    response = send(api, method, path, owner, change, **headers)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    if code is not None:
        assert [(e["field"], e["location"], e["code"]) for e in problem["errors"]] == [
            ("If-Match", "header", code)
        ]
    if status == 412:
        assert response.headers["etag"] == before.headers["etag"]
    after = api.client.get(path, headers=owner.headers)
    assert (after.status_code, after.json()) == (200, before.json())
    assert row_counts(db_session) == counts


@pytest.mark.parametrize("make", OBJECTS)
def test_a_list_naming_the_current_etag_matches(api: ApiClient, make: Any) -> None:
    path, owner, change = make(api)
    current = api.client.get(path, headers=owner.headers).headers["etag"]

    response = send(api, "PATCH", path, owner, change, If_Match=f'"0", W/"x", {current}')

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("make", OBJECTS)
def test_the_second_of_two_writes_from_one_read_gets_412(api: ApiClient, make: Any) -> None:
    path, owner, change = make(api)
    read = api.client.get(path, headers=owner.headers).headers["etag"]

    first = send(api, "PATCH", path, owner, change, If_Match=read)
    second = send(api, "PATCH", path, owner, {**change}, If_Match=read)
    delete = send(api, "DELETE", path, owner, None, If_Match=read)

    assert (first.status_code, second.status_code, delete.status_code) == (200, 412, 412)
    assert second.headers["etag"] == first.headers["etag"]
    final = send(api, "DELETE", path, owner, None, If_Match=first.headers["etag"])
    assert final.status_code == 204


@pytest.mark.parametrize("make", OBJECTS)
def test_preconditions_come_after_authorization(api: ApiClient, make: Any) -> None:
    """Another account's object is a 404 whatever the If-Match: nothing about it leaks."""
    path, owner, change = make(api)
    stranger = api.create_account(owner.role)
    assert send(api, "PATCH", path, stranger, change).status_code == 404
    assert send(api, "DELETE", path, stranger, None, If_Match='"1"').status_code == 404


# Writes that need no If-Match, and why; every other PATCH and DELETE must require it.
UNCONDITIONAL = {
    ("DELETE", "/v1/investors/{investor_id}/deals/{deal_id}"): (
        "a deal is an immutable record (no PATCH, no revision): deleting it loses no update"
    ),
    ("DELETE", "/v1/sessions/current"): (
        "signing out is one-way and changes nothing anyone edits: it loses no update"
    ),
    ("DELETE", "/v1/api-keys/{api_key_id}"): (
        "revoking a key is one-way (a key has no PATCH, no revision); revoking twice is a no-op"
    ),
}


def test_every_patch_and_delete_requires_if_match(app: FastAPI) -> None:
    """Read from the OpenAPI document, so a new PATCH or DELETE route is covered at once."""
    conditional = []
    for path, operations in app.openapi()["paths"].items():
        for method in ("patch", "delete"):
            if method not in operations or (method.upper(), path) in UNCONDITIONAL:
                continue
            operation = operations[method]
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "If-Match" in names, f"{method.upper()} {path}: no If-Match parameter"
            assert {"412", "428"} <= operation["responses"].keys(), f"{method.upper()} {path}"
            conditional.append(f"{method.upper()} {path}")
    print(f"\n{len(conditional)} conditional writes: {conditional}")
    assert len(conditional) >= 4


def test_a_review_requires_if_match(app: FastAPI, api: ApiClient, db_session: Session) -> None:
    """Before: If-Match was optional, so a review without it published unseen changes."""
    operation = app.openapi()["paths"]["/v1/financing-requests/{financing_request_id}/review"]
    names = {p["name"] for p in operation["post"].get("parameters", [])}
    assert "If-Match" in names
    assert {"412", "428"} <= operation["post"]["responses"].keys()

    startup = api.create_account("startup")
    path = f"/v1/financing-requests/{api.create_request(startup)['id']}"
    counts = row_counts(db_session)
    for headers in ({}, {"If-Match": "*"}):
        response = api.client.post(
            f"{path}/review", json={"decision": "publish"}, headers={**api.admin, **headers}
        )
        assert response.status_code == 428, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["If-Match"]
    assert row_counts(db_session) == counts
    assert api.client.get(path, headers=api.admin).json()["status"] == "submitted"


def test_a_review_with_if_match_reviews_only_what_the_commission_read(
    api: ApiClient, db_session: Session
) -> None:
    startup = api.create_account("startup")
    path = f"/v1/financing-requests/{api.create_request(startup)['id']}"
    read = api.client.get(path, headers=api.admin).headers["etag"]
    edited = api.patch(path, json={"amount": "5000000000"}, headers=startup.headers)
    assert edited.status_code == 200
    counts = row_counts(db_session)

    stale = api.client.post(
        f"{path}/review", json={"decision": "publish"}, headers={**api.admin, "If-Match": read}
    )
    assert stale.status_code == 412, stale.text
    assert stale.headers["etag"] == edited.headers["etag"]
    assert row_counts(db_session) == counts
    assert api.client.get(path, headers=api.admin).json()["status"] == "submitted"

    current = api.client.post(
        f"{path}/review",
        json={"decision": "publish"},
        headers={**api.admin, "If-Match": edited.headers["etag"]},
    )
    assert current.status_code == 200, current.text
    assert current.json()["status"] == "published"
