"""Error answers stay small whatever was sent, out-of-range times are 422s naming the field,
a 405 names every method its path takes, and a 500 carries the request id it asks the caller
to quote."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI

from service.core.request_context import current_request_id
from tests.support.factories import ApiClient

PROBLEM = "application/problem+json"
MAX_PROBLEM_BYTES = 4096


@pytest.mark.parametrize(
    "query",
    [
        "&".join(f"{'x' * 500}{i}=1" for i in range(100)),  # 100 long unknown names
        "y" * 60_000 + "=1",  # one enormous name (httpx sends up to 64 KB)
        "&".join(f"unknown{i}=1" for i in range(2000)),  # many short ones
        "&".join(f"bad{i}%00=1" for i in range(500)),  # names no database stores
        "&".join(f"{'z' * 300}%00{i}=1" for i in range(100)),
    ],
    ids=["long-names", "one-huge-name", "many-names", "nul-in-names", "long-nul-names"],
)
def test_an_unknown_query_parameter_answer_is_at_most_4_kb(api: ApiClient, query: str) -> None:
    # Before: every name was echoed in the detail and as one error each (hundreds of KB).
    response = api.client.get(f"/v1/financing-requests?{query}", headers=api.admin)

    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"] == PROBLEM
    assert len(response.content) <= MAX_PROBLEM_BYTES, len(response.content)
    problem = response.json()
    assert 1 <= len(problem["errors"]) <= 5
    assert all(len(e["field"]) <= 64 for e in problem["errors"])
    assert {e["location"] for e in problem["errors"]} == {"query"}


def test_a_few_unknown_query_parameters_are_all_named(api: ApiClient) -> None:
    response = api.client.get("/v1/financing-requests?sectr=ai&lmit=5", headers=api.admin)

    assert response.status_code == 422
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["lmit", "sectr"]
    assert problem["detail"] == "Unknown query parameters: lmit, sectr"


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T99:00",
        "0000-01-01",
        "10000-01-01",
        # Valid ISO 8601 whose offset moves it out of the years 1 to 9999 in UTC.
        # Before: 500 (OverflowError while binding the parameter).
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T10:00+14:00",
    ],
)
@pytest.mark.parametrize("field", ["since", "until"])
def test_an_out_of_range_time_is_a_422_naming_it(api: ApiClient, field: str, value: str) -> None:
    response = api.client.get("/v1/audit", params={field: value}, headers=api.admin)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == (field, "query")
    assert error["code"] in {"datetime_from_iso", "datetime_range"}


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59.999999", "0001-01-01", "9999-12-31T23:59:59+00:00"]
)
def test_the_edges_of_the_range_are_accepted(api: ApiClient, value: str) -> None:
    response = api.client.get("/v1/audit", params={"since": value}, headers=api.admin)

    assert response.status_code == 200, response.text


class _RequestIds(logging.Handler):
    """The request id each error line is written under (JSON lines read it the same way)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[tuple[str, str | None, bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record.getMessage(), current_request_id(), bool(record.exc_info)))


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        # Two routes on one path (list and create): the router named only the first's.
        ("DELETE", "/v1/events", "GET, POST"),
        ("PUT", "/v1/api-keys", "GET, POST"),
        ("POST", "/v1/taxonomy", "GET"),
        ("POST", "/v1/events/2b8f6e3d-1a9c-4d7e-b5f2-4c3a1e0d9f65", "GET, PATCH"),
    ],
)
def test_a_405_names_every_method_its_path_takes(
    api: ApiClient, method: str, path: str, allowed: str
) -> None:
    """RFC 9110: a 405 lists the target's methods in Allow (a fuzzer read ``Allow: POST`` for
    /v1/events, which lists events too)."""
    response = api.client.request(method, path, headers=api.admin)

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["allow"] == allowed


def test_a_500_carries_the_request_id_it_asks_to_quote(app: FastAPI, api: ApiClient) -> None:
    # Before: the 500 was answered outside the request id's middleware, so its body had no
    # request_id, it had no X-Request-ID header, and the error's log line had no id either.
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/v1/broken", broken)
    errors = logging.getLogger("matchmaker.errors")
    handler = _RequestIds()
    errors.addHandler(handler)
    try:
        generated = api.client.get("/v1/broken")
        supplied = api.client.get("/v1/broken", headers={"X-Request-ID": "ticket-4711"})
    finally:
        errors.removeHandler(handler)

    for response in (generated, supplied):
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert "request_id" in problem["detail"]
        assert problem["request_id"]
        assert problem["request_id"] == response.headers["x-request-id"]
    assert handler.seen == [
        ("unhandled error", generated.json()["request_id"], True),
        ("unhandled error", supplied.json()["request_id"], True),
    ]


def test_a_500_on_a_page_is_a_page_in_the_readers_language(app: FastAPI, api: ApiClient) -> None:
    """A person whose page fails reads what happened in Chinese (or English, if chosen),
    with the number to quote; the same failure at an API address stays a problem document,
    and so does a program's request for a page (no text/html)."""

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/commission/broken", broken)
    app.add_api_route("/v1/broken", broken)
    browser = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}

    chinese = api.client.get("/commission/broken", headers=browser)
    english = api.client.get(
        "/commission/broken", headers={**browser, "Accept-Language": "en-GB,en;q=0.9"}
    )
    api_address = api.client.get("/v1/broken", headers=browser)
    program = api.client.get("/commission/broken")

    assert chinese.status_code == 500
    assert chinese.headers["content-type"].startswith("text/html")
    assert "系统出错了" in chinese.text
    assert f"请将此编号告知商务委：{chinese.headers['x-request-id']}。" in chinese.text
    assert "Something went wrong on our side" in english.text
    for problem in (api_address, program):
        assert problem.status_code == 500
        assert problem.headers["content-type"] == PROBLEM
