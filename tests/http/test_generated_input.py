"""Generated requests (schemathesis) against every operation of the service's own OpenAPI.

For each operation Hypothesis draws cases from the OpenAPI description, valid ones and
deliberately invalid ones (derandomized: every run sends the same requests). Each case goes out
as one of several callers: no key, a bad key, an investor, a startup or the commission, and a
valid case often aims its path parameters at a real object of the right kind. Every response
must be documented (status code, content type, body, headers) and never a server error; every
error must be a problem+json body; invalid input must be refused; a secured operation must
answer 401 to a caller without a valid key (or refuse the request before looking at anyone's
key: 413 for a body over the size limit, 429 for a rate limit). Each request runs in a
savepoint rolled back after it, so every case meets the same world.

Run with ``pytest -s`` to see the counts per operation.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection

from tests.support.database import undone_afterwards
from tests.support.factories import COMING_DAY, ApiClient, bearer
from tests.support.people import new_person

# Examples Hypothesis draws per operation and generation mode; an operation with a small
# input space (no parameters, say) gets fewer. (The whole run is one outer transaction: each
# request's savepoint is released after its rollback, see ``undone_afterwards``.)
EXAMPLES_PER_MODE = 25
MIN_TOTAL_REQUESTS = 5000
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/v1/taxonomy"})
# Anyone may send these: signing in (a wrong password is a 401, a bad body a 422) and
# accepting an invitation (the code is the credential).
OPEN_PATHS = frozenset({"/v1/sessions", "/v1/invitations/accept"})
PROBLEM_JSON = "application/problem+json"
CALLERS = ("anon", "badkey", "investor", "startup", "commission")
UNAUTHENTICATED = frozenset({"anon", "badkey"})
# Refused before anything looks at the caller: a body over the size limit, a rate limit.
REFUSED_BEFORE_AUTH = frozenset({413, 429})
# A 413 refuses invalid input as much as a 422 does; schemathesis's default list leaves it out.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [
                    *(400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429),
                    "5XX",
                ]
            }
        }
    }
)
DOCUMENTED = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE


@dataclass
class OperationTally:
    """What one operation answered, and what was wrong with it."""

    requests: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    answered_without_auth: int = 0
    not_problem_json: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def wrong(self) -> int:
        return self.schema_violations + self.answered_without_auth + self.not_problem_json


@dataclass
class World:
    """Callers' headers and the ids of real objects to aim path parameters at."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, list[str]]


@dataclass
class Findings:
    """Every distinct kind of failure, counted, with the first example of each."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, example: str) -> None:
        self.counts[kind] += 1
        self.examples.setdefault(kind, example)


def build_world(api: ApiClient) -> World:
    investor = api.create_account("investor", "generated investor")
    startup = api.create_account("startup", "generated startup")
    profile = api.create_investor(investor, name="generated fund")
    event_id = api.create_event("generated conference", date=COMING_DAY)
    programme = api.client.put(
        f"/v1/events/{event_id}/programme",
        json={"days": ["2037-11-05"], "slots": [{"start": "09:00", "minutes": 30}], "tables": 1},
        headers=api.admin,
    )
    assert programme.status_code == 200, programme.text
    published = api.create_request(startup, title="generated published", event_id=event_id)
    api.publish(published["id"])
    submitted = api.create_request(startup, title="generated submitted")
    draft = api.create_request(startup, title="generated draft", status="draft")
    assert api.client.put(
        f"/v1/investors/{profile['id']}/feedback/{published['id']}",
        json={"action": "interested"},
        headers=investor.headers,
    ).is_success
    meeting = api.client.post(
        f"/v1/events/{event_id}/meetings",
        json={"financing_request_id": published["id"], "investor_profile_id": profile["id"]},
        headers=investor.headers,
    )
    assert meeting.status_code == 201, meeting.text
    outcome = api.client.post(
        "/v1/outcomes",
        json={"financing_request_id": published["id"], "investor_profile_id": profile["id"]},
        headers=investor.headers,
    )
    assert outcome.status_code == 201, outcome.text
    headers = {
        "anon": {},
        "badkey": bearer("mk_" + secrets.token_urlsafe(32)),
        "investor": investor.headers,
        "startup": startup.headers,
        "commission": api.admin,
    }
    person = new_person(api, investor, signed_in=False)
    key = api.client.post("/v1/api-keys", json={"name": "generated"}, headers=investor.headers)
    assert key.status_code == 201, key.text
    endpoint = api.client.post(
        "/v1/webhook-endpoints",
        json={
            "url": "https://127.0.0.1:9443/in",
            "event_types": ["meeting.requested"],
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
        headers=investor.headers,
    )
    assert endpoint.status_code == 201, endpoint.text
    ids = {
        "investor_id": [profile["id"]],
        "financing_request_id": [published["id"], submitted["id"], draft["id"]],
        "model_id": [str(uuid.uuid4())],
        "user_id": [person.id],
        "api_key_id": [key.json()["id"]],
        "event_id": [event_id],
        "meeting_id": [meeting.json()["id"]],
        "outcome_id": [outcome.json()["id"]],
        "endpoint_id": [endpoint.json()["id"]],
    }
    return World(headers=headers, ids=ids)


def header(response: schemathesis.Response, name: str) -> str:
    """A response header's value ('' when absent); schemathesis keeps lists of values."""
    return ", ".join(response.headers.get(name, []))


def our_rules_broken(path: str, caller: str, response: schemathesis.Response) -> list[str]:
    """What the service promises beyond its OpenAPI description, and this response broke."""
    broken = []
    status = response.status_code
    if status >= 400 and not header(response, "content-type").startswith(PROBLEM_JSON):
        broken.append(f"not problem+json: {status} {header(response, 'content-type')!r}")
    secured = caller in UNAUTHENTICATED and path not in PUBLIC_PATHS | OPEN_PATHS
    if (
        secured
        and status not in REFUSED_BEFORE_AUTH
        and (status != 401 or header(response, "www-authenticate") != "Bearer")
    ):
        broken.append(f"answered without auth: {status}")
    return broken


def takes_if_match(operation: APIOperation[Any, Any, Any, Any]) -> bool:
    return any(
        parameter.get("in") == "header" and str(parameter.get("name")).lower() == "if-match"
        for parameter in operation.definition.raw.get("parameters", [])
    )


def aim_at_real_objects(case: schemathesis.Case[Any], world: World, pick: int) -> None:
    for name in case.path_parameters or {}:
        if name in world.ids:
            case.path_parameters[name] = world.ids[name][pick % len(world.ids[name])]


@dataclass
class GeneratedRun:
    """Sends generated cases, each as every caller, and tallies what came back."""

    world: World
    connection: Connection
    api: ApiClient
    tallies: dict[str, OperationTally] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)

    def run(
        self, operation: APIOperation[Any, Any, Any, Any], mode: schemathesis.GenerationMode
    ) -> None:
        @hypothesis.settings(
            max_examples=EXAMPLES_PER_MODE,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(
            case=operation.as_strategy(generation_mode=mode),
            pick=st.integers(min_value=-1, max_value=5),
        )
        def send_each_case(case: schemathesis.Case[Any], pick: int) -> None:
            aimed = pick >= 0 and mode is POSITIVE
            if aimed:
                aim_at_real_objects(case, self.world, pick)
            for caller in CALLERS:
                self.send(case, caller, mode, with_current_etag=aimed and pick % 2 == 0)

        try:
            send_each_case()
        except hypothesis.errors.Unsatisfiable:
            # Nothing to make invalid: the operation takes no parameters and no body.
            assert mode is NEGATIVE, operation.label

    def send(
        self,
        case: schemathesis.Case[Any],
        caller: str,
        mode: schemathesis.GenerationMode,
        *,
        with_current_etag: bool,
    ) -> None:
        operation = case.operation
        tally = self.tallies.setdefault(operation.label, OperationTally())
        # The caller's key replaces any Authorization header generated from the schema.
        headers = dict(self.world.headers[caller])
        with undone_afterwards(self.connection):
            if with_current_etag and takes_if_match(operation):
                # A client that read the object first: its current ETag, so the write can
                # succeed; other cases send a generated If-Match (412) or none (428).
                # A review's If-Match is its request's (the path without "/review").
                read = case.formatted_path.removesuffix("/review")
                headers.update(self.api.if_match(read, headers))
            response = case.call(headers=headers)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        tally.server_errors += response.status_code >= 500
        checks = [*DOCUMENTED, *([negative_data_rejection] if mode is NEGATIVE else [])]
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (FailureGroup, Failure) as error:
            tally.schema_violations += 1
            failures = error.exceptions if isinstance(error, FailureGroup) else [error]
            for failure in failures:
                self.findings.add(f"{operation.label}: {failure.title}", str(error))
        for broken in our_rules_broken(operation.path, caller, response):
            if broken.startswith("answered"):
                tally.answered_without_auth += 1
            else:
                tally.not_problem_json += 1
            self.findings.add(f"{operation.label}: {broken}", case.as_curl_command(headers))

    def report(self, elapsed: float) -> str:
        lines = []
        for label, tally in self.tallies.items():
            statuses = " ".join(f"{s}:{n}" for s, n in sorted(tally.statuses.items()))
            lines.append(
                f"{label:<64} {tally.requests:>4} requests, 5xx {tally.server_errors}, "
                f"schema {tally.schema_violations}, no-auth {tally.answered_without_auth}, "
                f"non-problem {tally.not_problem_json}  [{statuses}]"
            )
        tallies = self.tallies.values()
        lines.append(
            f"generated requests: {sum(t.requests for t in tallies)} over {len(self.tallies)} "
            f"operations in {elapsed:.1f}s; 5xx: {sum(t.server_errors for t in tallies)}; "
            f"schema violations: {sum(t.schema_violations for t in tallies)}; "
            f"answered without auth: {sum(t.answered_without_auth for t in tallies)}; "
            f"errors not problem+json: {sum(t.not_problem_json for t in tallies)}"
        )
        for kind, count in self.findings.counts.most_common():
            lines.append(f"{'-' * 80}\n{count} x {kind}\n{self.findings.examples[kind][:2000]}")
        return "\n".join(lines)


def test_generated_requests_against_every_operation(
    app: FastAPI, api: ApiClient, connection: Connection
) -> None:
    schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)
    schema.app = app
    run = GeneratedRun(world=build_world(api), connection=connection, api=api)
    started = time.perf_counter()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        for mode in (POSITIVE, NEGATIVE):
            run.run(result.ok(), mode)
    print(f"\n{run.report(time.perf_counter() - started)}")

    assert sum(t.requests for t in run.tallies.values()) >= MIN_TOTAL_REQUESTS
    assert sum(t.server_errors for t in run.tallies.values()) == 0
    assert {label: t.wrong for label, t in run.tallies.items() if t.wrong} == {}
