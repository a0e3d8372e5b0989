"""Regressions from the generated-input run: input is judged only after the caller is known,
unreadable bodies and unknown query parameters answer a 422 naming them, and every status a
route can answer is in the OpenAPI description."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from service.http.routing import AuthFirstRoute
from tests.support.factories import ApiClient, bearer

PROBLEM = "application/problem+json"
UNREADABLE_BODIES = {
    "nul": b"\x00",
    "not-utf8-inside-a-string": b'{"name": "\xff"}',
    "truncated": b'{"name": ',
}
WRITES = [
    ("POST", "/v1/accounts"),
    ("POST", "/v1/investors"),
    ("PATCH", "/v1/investors/{investor}"),
    ("POST", "/v1/financing-requests"),
    ("PATCH", "/v1/financing-requests/{request}"),
    ("POST", "/v1/financing-requests/{request}/review"),
    ("PUT", "/v1/investors/{investor}/feedback/{request}"),
]


@pytest.fixture
def ids(api: ApiClient) -> dict[str, str]:
    investor = api.create_account("investor")
    startup = api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    return {"investor": api.create_investor(investor)["id"], "request": request["id"]}


@pytest.mark.parametrize(("method", "template"), WRITES)
@pytest.mark.parametrize("body", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
@pytest.mark.parametrize("key", ["none", "bad"])
def test_an_unreadable_body_without_a_valid_key_answers_401(
    api: ApiClient, ids: dict[str, str], method: str, template: str, body: bytes, key: str
) -> None:
    # Before: 422 (not JSON) or 400 (not UTF-8) from FastAPI's body reading, before auth.
    headers = {"Content-Type": "application/json"}
    if key == "bad":
        headers |= bearer("mk_not-a-key-that-was-ever-issued-0000000000")
    response = api.client.request(method, template.format(**ids), content=body, headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"


# Bodies of every shape, with the Content-Type they come with: none may answer before the key.
OTHER_BODIES = {
    # Before: 400 "There was an error parsing the body" (RecursionError, or an integer of
    # more digits than Python converts: errors FastAPI's body reading turns into a 400).
    "nested-too-deeply": (b"[" * 30000, "application/json"),
    "nested-too-deeply-but-closed": (b"[" * 3000 + b"]" * 3000, "application/json"),
    "number-of-5000-digits": (b"1" * 5000, "application/json"),
    "number-of-5000-digits-in-a-field": (b'{"name": ' + b"1" * 5000 + b"}", "application/json"),
    # Answered 401 already; kept so they stay so.
    "wrong-content-type": (b'{"name": "x"}', "text/plain"),
    "no-content-type": (b'{"name": "x"}', None),
    "form": (b"role=startup&name=x", "application/x-www-form-urlencoded"),
    "form-not-utf8": (b"name=\xff\xfe", "application/x-www-form-urlencoded"),
    "multipart": (
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    "multipart-broken": (b"--b\r\ngarbage", "multipart/form-data; boundary=b"),
    "multipart-without-boundary": (b"garbage", "multipart/form-data"),
    "utf-16": ('{"name": "x"}'.encode("utf-16"), "application/json"),
    "not-utf8-json": (b"\xff\xfe\xfd", "application/json; charset=latin-1"),
    "empty": (b"", "application/json"),
}


@pytest.mark.parametrize(("method", "template"), WRITES)
@pytest.mark.parametrize("body", OTHER_BODIES.values(), ids=OTHER_BODIES.keys())
@pytest.mark.parametrize("key", ["none", "bad"])
def test_any_body_without_a_valid_key_answers_401(
    api: ApiClient,
    ids: dict[str, str],
    method: str,
    template: str,
    body: tuple[bytes, str | None],
    key: str,
) -> None:
    content, content_type = body
    headers = {"Content-Type": content_type} if content_type else {}
    if key == "bad":
        headers |= bearer("mk_not-a-key-that-was-ever-issued-0000000000")
    response = api.client.request(method, template.format(**ids), content=content, headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body",
    [b"[" * 30000, b"[" * 3000 + b"]" * 3000, b"1" * 5000, b'{"name": ' + b"1" * 5000 + b"}"],
    ids=["nested-too-deeply", "closed", "long-number", "long-number-in-a-field"],
)
def test_a_body_python_cannot_read_answers_422_naming_the_body(api: ApiClient, body: bytes) -> None:
    # Before: 400 without field errors.
    response = api.client.post(
        "/v1/accounts", content=body, headers={"Content-Type": "application/json", **api.admin}
    )

    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("body", "json_invalid")
    ]


@pytest.mark.parametrize(("method", "template"), WRITES)
def test_a_body_that_is_not_utf8_answers_422_naming_the_body(
    api: ApiClient, ids: dict[str, str], method: str, template: str
) -> None:
    # Before: an undocumented 400 "There was an error parsing the body" without field errors.
    response = api.client.request(
        method,
        template.format(**ids),
        content=UNREADABLE_BODIES["not-utf8-inside-a-string"],
        headers={"Content-Type": "application/json", **api.admin},
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert [(e["field"], e["location"], e["code"]) for e in errors] == [
        ("body", "body", "json_invalid")
    ]
    assert "UTF-8" in errors[0]["message"]


def test_an_unknown_query_parameter_answers_422_naming_it(api: ApiClient) -> None:
    # Before: ignored, so a misspelt filter silently returned everything.
    response = api.client.get("/v1/financing-requests?sectr=ai&limit=5", headers=api.admin)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert (error["field"], error["location"], error["code"]) == (
        "sectr",
        "query",
        "unknown_parameter",
    )
    assert {"sector", "limit", "cursor"} <= set(error["allowed"])


@pytest.mark.parametrize(
    "path",
    ["/v1/audit?object_type=a&object_type=b", "/v1/financing-requests?sector=ai&sector=quantum"],
)
def test_a_repeated_single_valued_query_parameter_answers_422_naming_it(
    api: ApiClient, path: str
) -> None:
    # Before: accepted, and the last value silently won.
    response = api.client.get(path, headers=api.admin)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    name = path.split("?")[1].split("=")[0]
    assert (error["field"], error["location"], error["code"]) == (
        name,
        "query",
        "repeated_parameter",
    )


def test_an_unknown_query_parameter_without_a_key_still_answers_401(api: ApiClient) -> None:
    response = api.client.get("/v1/financing-requests?sectr=ai")

    assert response.status_code == 401


def test_known_query_parameters_are_accepted(api: ApiClient, ids: dict[str, str]) -> None:
    response = api.client.get(
        f"/v1/investors/{ids['investor']}/matches?limit=5&min_score=0.1&include_passed=true",
        headers=api.admin,
    )

    assert response.status_code == 200, response.text


def test_conflicts_are_documented_and_answered_as_problems(
    app: FastAPI, api: ApiClient, ids: dict[str, str]
) -> None:
    # Before: 409 answers were missing from the OpenAPI description.
    paths = app.openapi()["paths"]
    for method, path in [
        ("delete", "/v1/financing-requests/{financing_request_id}"),
        ("post", "/v1/financing-requests/{financing_request_id}/review"),
        ("post", "/v1/ranking-models/train"),
    ]:
        assert PROBLEM in paths[path][method]["responses"]["409"]["content"], (method, path)

    path = f"/v1/financing-requests/{ids['request']}"
    current = api.client.get(path, headers=api.admin).headers["etag"]
    response = api.client.delete(path, headers={**api.admin, "If-Match": current})

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM


def test_every_route_authenticates_before_it_judges_the_input(app: FastAPI) -> None:
    plain = [
        route.path
        for route in app.routes
        if isinstance(route, APIRoute) and not isinstance(route, AuthFirstRoute)
    ]
    assert plain == [], "give these routers route_class=AuthFirstRoute"


def test_a_time_filter_takes_iso_8601_only(api: ApiClient) -> None:
    # Before: "-57474297" was read as a Unix time (1968) and answered 200.
    response = api.client.get("/v1/audit?since=-57474297", headers=api.admin)

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["location"], error["code"]) == (
        "since",
        "query",
        "datetime_from_iso",
    )
    for iso in ("2026-11-21T09:30:00Z", "2026-11-21T09:30:00+08:00", "2026-11-21"):
        assert api.client.get(
            f"/v1/audit?since={iso.replace('+', '%2B')}", headers=api.admin
        ).is_success


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "location"),
    [
        ("POST", "/v1/accounts", {"role": "startup", "name": "a\x00b"}, "name", "body"),
        ("POST", "/v1/accounts", {"role": "startup", "name": "\ud800"}, "name", "body"),
        ("GET", "/v1/audit?object_type=a%00", None, "object_type", "query"),
        ("GET", "/v1/investors/%00", None, "investor_id", "path"),
    ],
    ids=["nul-in-body", "lone-surrogate-in-body", "nul-in-query", "nul-in-path"],
)
def test_text_no_database_stores_answers_422_naming_it(
    api: ApiClient, method: str, path: str, body: object, field: str, location: str
) -> None:
    # Before: 500 on PostgreSQL ("text fields cannot contain NUL") when the text reached a query.
    content = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **api.admin}
    response = api.client.request(method, path, content=content, headers=headers)

    assert response.status_code == 422, response.text
    assert [(e["field"], e["location"], e["code"]) for e in response.json()["errors"]] == [
        (field, location, "invalid_text")
    ]
