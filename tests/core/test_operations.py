"""Request ids, JSON logs without secrets, and readiness when the database is gone."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.core.database import create_db_engine
from service.core.logging_setup import JsonFormatter
from service.core.settings import get_settings
from service.main import create_app
from tests.support.environment import ADMIN_KEY
from tests.support.factories import ApiClient, bearer


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged during the test, formatted as the service formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


def test_request_id_is_returned_and_on_the_access_log(
    api: ApiClient, json_log: io.StringIO
) -> None:
    """The service names every request itself; the client's id is logged beside it."""
    response = api.client.get("/v1/taxonomy", headers={"X-Request-ID": "conference-42"})
    request_id = response.headers["x-request-id"]
    assert request_id != "conference-42"
    assert len(request_id) == 32
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "matchmaker.access"]
    assert access, lines
    assert access[-1]["request_id"] == request_id
    assert access[-1]["client_request_id"] == "conference-42"
    assert access[-1]["path"] == "/v1/taxonomy"
    assert access[-1]["status"] == 200


def test_two_requests_with_one_client_id_get_two_ids(api: ApiClient) -> None:
    first = api.client.get("/healthz", headers={"X-Request-ID": "same-id"})
    second = api.client.get("/healthz", headers={"X-Request-ID": "same-id"})
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_key_sent_as_a_request_id_is_not_logged(api: ApiClient, json_log: io.StringIO) -> None:
    investor = api.create_account("investor")
    api.client.get("/v1/me", headers={**investor.headers, "X-Request-ID": investor.api_key})
    assert investor.api_key not in json_log.getvalue()


def test_unsafe_client_request_ids_are_replaced(api: ApiClient) -> None:
    response = api.client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32


def test_logs_never_contain_api_keys(api: ApiClient, json_log: io.StringIO) -> None:
    """Keys used, issued or mistyped in requests never reach a log line."""
    investor = api.create_account("investor")
    api.create_investor(investor)
    api.client.get("/v1/investors", headers=investor.headers)
    wrong_key = "mk_" + "x" * 43
    assert api.client.get("/v1/investors", headers=bearer(wrong_key)).status_code == 401
    logging.getLogger("matchmaker.test").info("calling with Bearer %s", investor.api_key)
    output = json_log.getvalue()
    assert output, "nothing was logged"
    for secret in (investor.api_key, ADMIN_KEY, wrong_key):
        assert secret not in output
    assert "[redacted]" in output
    for line in output.splitlines():
        assert "request_id" in json.loads(line)


def test_readyz_answers_503_when_the_database_is_unreachable() -> None:
    engine = create_db_engine("postgresql://nobody@127.0.0.1:1/nowhere")
    with TestClient(create_app(get_settings(), engine=engine)) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"


def test_readyz_answers_200_with_the_database(api: ApiClient) -> None:
    assert api.client.get("/readyz").json() == {"status": "ok"}


def test_unknown_route_is_a_problem(api: ApiClient) -> None:
    response = api.client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
