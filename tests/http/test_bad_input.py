"""Bad input to every write endpoint: a problem naming each bad field, and nothing written
(no table gains or loses a row; the objects a PATCH or review aims at read back unchanged)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Account,
    AuditRecord,
    Base,
    FinancingRequest,
    FinancingRequestSector,
    IdempotencyKey,
    InvestorProfile,
    InvestorProfileRegion,
    InvestorProfileSector,
    InvestorProfileStage,
)
from service.http.idempotency import IDEMPOTENCY_HEADER
from tests.support.factories import Account as ApiAccount
from tests.support.factories import ApiClient, investor_payload, request_payload

PROBLEM = "application/problem+json"
MAX_BODY = 256 * 1024
COUNTED: tuple[type[Base], ...] = (
    Account,
    AuditRecord,
    InvestorProfile,
    InvestorProfileSector,
    InvestorProfileStage,
    InvestorProfileRegion,
    FinancingRequest,
    FinancingRequestSector,
    IdempotencyKey,
)

CREATE_INVESTOR = "create-investor"
PATCH_INVESTOR = "patch-investor"
CREATE_REQUEST = "create-request"
PATCH_REQUEST = "patch-request"
CREATE_ACCOUNT = "create-account"
REVIEW = "review"
TARGETS = (CREATE_INVESTOR, PATCH_INVESTOR, CREATE_REQUEST, PATCH_REQUEST, CREATE_ACCOUNT, REVIEW)
MONEY_FIELDS = [
    (CREATE_INVESTOR, "ticket_min"),
    (CREATE_INVESTOR, "ticket_max"),
    (PATCH_INVESTOR, "ticket_min"),
    (PATCH_INVESTOR, "ticket_max"),
    (CREATE_REQUEST, "amount"),
    (PATCH_REQUEST, "amount"),
]
REQUIRED = {
    CREATE_INVESTOR: ["name", "kind", "origin", "sectors", "ticket_min", "ticket_max", "stages"],
    CREATE_REQUEST: ["company", "title", "sectors", "amount", "stage"],
    CREATE_ACCOUNT: ["role", "name"],
    REVIEW: ["decision"],
}


class World:
    """The accounts and objects a case needs, created through the API on first use."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self._accounts: dict[str, ApiAccount] = {}
        self.profile_id: str | None = None
        self.request_id: str | None = None

    def account(self, role: str) -> ApiAccount:
        if role not in self._accounts:
            self._accounts[role] = self.api.create_account(role)
        return self._accounts[role]

    def profile(self) -> str:
        if self.profile_id is None:
            self.profile_id = self.api.create_investor(self.account("investor"))["id"]
        return self.profile_id

    def request(self) -> str:
        if self.request_id is None:
            self.request_id = self.api.create_request(self.account("startup"))["id"]
        return self.request_id


@dataclass(frozen=True)
class Case:
    target: str
    overrides: dict[str, Any] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    raw: bytes | None = None
    status: int = 422
    fields: tuple[str, ...] | None = ()  # None: do not check which fields are named
    allowed: str | None = None  # a valid code every named error must list


def base_body(target: str) -> dict[str, Any]:
    """A valid body for ``target``; a PATCH changes nothing without fields."""
    if target == CREATE_INVESTOR:
        return investor_payload()
    if target == CREATE_REQUEST:
        return request_payload()
    if target == CREATE_ACCOUNT:
        return {"role": "investor", "name": "New fund"}
    if target == REVIEW:
        return {"decision": "publish"}
    return {}


def route(world: World, target: str) -> tuple[str, str, dict[str, str]]:
    """Method, path and headers of ``target``, creating the objects it works on."""
    if target == CREATE_INVESTOR:
        return "POST", "/v1/investors", world.account("investor").headers
    if target == PATCH_INVESTOR:
        return "PATCH", f"/v1/investors/{world.profile()}", world.account("investor").headers
    if target == CREATE_REQUEST:
        return "POST", "/v1/financing-requests", world.account("startup").headers
    if target == PATCH_REQUEST:
        path = f"/v1/financing-requests/{world.request()}"
        return "PATCH", path, world.account("startup").headers
    if target == REVIEW:
        return "POST", f"/v1/financing-requests/{world.request()}/review", world.api.admin
    assert target == CREATE_ACCOUNT
    return "POST", "/v1/accounts", world.api.admin


@pytest.fixture
def world(api: ApiClient) -> World:
    return World(api)


def snapshot(world: World, session: Session) -> dict[str, Any]:
    """Row counts of every table, and the existing objects as the commission reads them."""
    state: dict[str, Any] = {
        model.__name__: session.scalar(select(func.count()).select_from(model)) for model in COUNTED
    }
    for path, object_id in [
        ("/v1/investors", world.profile_id),
        ("/v1/financing-requests", world.request_id),
    ]:
        if object_id is not None:
            response = world.api.client.get(f"{path}/{object_id}", headers=world.api.admin)
            assert response.status_code == 200, response.text
            state[path] = response.json()
    return state


def send(
    world: World,
    target: str,
    body: dict[str, Any] | bytes | Iterator[bytes],
    extra_headers: dict[str, str] | None = None,
    *,
    current_if_match: bool = True,
) -> Response:
    method, path, headers = route(world, target)
    if current_if_match and (method == "PATCH" or target == REVIEW):
        # The ETag of the revision the case read.
        headers = {**headers, **world.api.if_match(path.removesuffix("/review"))}
    headers = {**headers, **(extra_headers or {})}
    response: Response
    if isinstance(body, dict):
        response = world.api.client.request(method, path, json=body, headers=headers)
    else:
        headers = {**headers, "Content-Type": "application/json"}
        response = world.api.client.request(method, path, content=body, headers=headers)
    return response


def check_refused(world: World, session: Session, case: Case) -> list[dict[str, Any]]:
    if case.raw is not None:
        body: dict[str, Any] | bytes = case.raw
    else:
        body = {k: v for k, v in base_body(case.target).items() if k not in case.drop}
        body.update(case.overrides)
    route(world, case.target)
    before = snapshot(world, session)

    response = send(world, case.target, body)

    assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == case.status
    errors: list[dict[str, Any]] = problem.get("errors", [])
    if case.fields is not None:
        assert {error["field"] for error in errors} == set(case.fields), errors
    if case.allowed is not None:
        for error in errors:
            assert case.allowed in error["allowed"], error
    assert snapshot(world, session) == before
    return errors


def cases(target_fields: list[tuple[str, str]], values: list[Any]) -> list[Any]:
    return [
        pytest.param(
            Case(target, overrides={name: value}, fields=(name,)),
            id=f"{target}-{name}={value!r:.20}",
        )
        for target, name in target_fields
        for value in values
    ]


UNKNOWN_CODES: list[tuple[str, dict[str, Any], str, str]] = [
    (CREATE_INVESTOR, {"sectors": ["ai", "crypto"]}, "sectors.1", "ai.foundation_models"),
    (CREATE_INVESTOR, {"stages": ["series_z"]}, "stages.0", "proof_of_concept"),
    (CREATE_INVESTOR, {"regions": ["pudong", "atlantis"]}, "regions.1", "lingang"),
    (PATCH_INVESTOR, {"sectors": ["crypto"]}, "sectors.0", "ai.foundation_models"),
    (PATCH_INVESTOR, {"stages": ["seed", "series_z"]}, "stages.1", "seed"),
    (PATCH_INVESTOR, {"regions": ["atlantis"]}, "regions.0", "lingang"),
    (CREATE_REQUEST, {"sectors": ["crypto"]}, "sectors.0", "ai.foundation_models"),
    (CREATE_REQUEST, {"stage": "series_z"}, "stage", "series_c"),
    (CREATE_REQUEST, {"region": "atlantis"}, "region", "lingang"),
    (PATCH_REQUEST, {"sectors": ["ai", "crypto"]}, "sectors.1", "ai"),
    (PATCH_REQUEST, {"stage": "series_z"}, "stage", "growth"),
    (PATCH_REQUEST, {"region": "atlantis"}, "region", "xuhui"),
    *[(target, {"currency": "XYZ"}, "currency", "CNY") for target in TARGETS[:4]],
]


@pytest.mark.parametrize(
    ("target", "overrides", "bad_field", "valid"),
    UNKNOWN_CODES,
    ids=[f"{t}-{f}-{o[f.split('.')[0]]}" for t, o, f, _ in UNKNOWN_CODES],
)
def test_unknown_code_is_named_with_the_valid_codes(
    world: World,
    db_session: Session,
    target: str,
    overrides: dict[str, Any],
    bad_field: str,
    valid: str,
) -> None:
    [error] = check_refused(
        world, db_session, Case(target, overrides=overrides, fields=(bad_field,), allowed=valid)
    )
    bad_value = overrides[bad_field.split(".")[0]]
    bad_code = bad_value[-1] if isinstance(bad_value, list) else bad_value
    assert bad_code not in error["allowed"]
    assert bad_code in error["message"]


@pytest.mark.parametrize(
    "case",
    [
        Case(CREATE_INVESTOR, {"ticket_min": "5000000000", "ticket_max": "3000000000"}),
        Case(PATCH_INVESTOR, {"ticket_min": "5000000000"}),
        Case(PATCH_INVESTOR, {"ticket_max": "1000"}),
        Case(PATCH_INVESTOR, {"ticket_min": "10", "ticket_max": "9.99"}),
    ],
    ids=["create", "patch-min-only", "patch-max-only", "patch-both"],
)
def test_ticket_min_above_ticket_max_names_both(
    world: World, db_session: Session, case: Case
) -> None:
    check_refused(
        world, db_session, Case(case.target, case.overrides, fields=("ticket_min", "ticket_max"))
    )


@pytest.mark.parametrize(
    "case",
    [
        *cases(MONEY_FIELDS, [0, -5, "-0.01"]),  # not positive
        *cases(MONEY_FIELDS, ["abc", True, "NaN", "Infinity", "", []]),  # not a number
        *cases(MONEY_FIELDS, ["1.005", 0.001, "1000000000000000", 1e15]),  # > 2 places or 15 digits
    ],
)
def test_bad_amount_is_refused(world: World, db_session: Session, case: Case) -> None:
    check_refused(world, db_session, case)


@pytest.mark.parametrize(
    ("target", "raw", "bad_field"),
    [
        (PATCH_REQUEST, b'{"amount": NaN}', "amount"),
        (PATCH_INVESTOR, b'{"ticket_max": Infinity}', "ticket_max"),
    ],
)
def test_non_standard_json_number_literals_are_refused(
    world: World, db_session: Session, target: str, raw: bytes, bad_field: str
) -> None:
    check_refused(world, db_session, Case(target, raw=raw, fields=(bad_field,)))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(Case(target, drop=(name,), fields=(name,)), id=f"{target}-without-{name}")
        for target, names in REQUIRED.items()
        for name in names
    ]
    + [
        pytest.param(
            Case(
                CREATE_INVESTOR,
                drop=tuple(REQUIRED[CREATE_INVESTOR]),
                fields=tuple(REQUIRED[CREATE_INVESTOR]),
            ),
            id="create-investor-empty",
        )
    ],
)
def test_missing_required_field_is_named(world: World, db_session: Session, case: Case) -> None:
    errors = check_refused(world, db_session, case)
    assert {error["code"] for error in errors} == {"missing"}


PATCH_INVESTOR_NOT_NULL = (
    "name kind origin sectors thesis ticket_min ticket_max currency stages regions".split()  # noqa: SIM905
)
PATCH_REQUEST_NOT_NULL = "company title summary sectors amount currency stage status".split()  # noqa: SIM905
EXTRA_FIELDS = [
    *[(target, "bogus") for target in TARGETS],
    (PATCH_INVESTOR, "owner_account_id"),
    (PATCH_INVESTOR, "revision"),
    (PATCH_REQUEST, "review_note"),
    (PATCH_REQUEST, "owner_account_id"),
    (CREATE_REQUEST, "review_note"),
    (CREATE_ACCOUNT, "api_key"),
    (CREATE_ACCOUNT, "key_hash"),
    (REVIEW, "status"),
]


@pytest.mark.parametrize(("target", "extra"), EXTRA_FIELDS)
def test_unknown_extra_field_is_refused(
    world: World, db_session: Session, target: str, extra: str
) -> None:
    check_refused(world, db_session, Case(target, {extra: "mk_chosen"}, fields=(extra,)))


@pytest.mark.parametrize(
    "case",
    cases(
        [(PATCH_INVESTOR, name) for name in PATCH_INVESTOR_NOT_NULL]
        + [(PATCH_REQUEST, name) for name in PATCH_REQUEST_NOT_NULL]
        + [(CREATE_INVESTOR, "name"), (CREATE_REQUEST, "stage")]
        + [(CREATE_ACCOUNT, "role"), (REVIEW, "decision")],
        [None],
    ),
)
def test_null_for_a_non_nullable_field_is_refused(
    world: World, db_session: Session, case: Case
) -> None:
    check_refused(world, db_session, case)


@pytest.mark.parametrize(
    "case",
    [
        *cases([(CREATE_INVESTOR, "name"), (PATCH_INVESTOR, "name")], ["", "   ", "x" * 201]),
        *cases([(CREATE_INVESTOR, "kind")], ["hedge_fund"]),
        *cases([(CREATE_INVESTOR, "origin"), (PATCH_INVESTOR, "origin")], ["offshore"]),
        *cases([(CREATE_INVESTOR, "sectors"), (PATCH_INVESTOR, "stages")], [[], "ai"]),
        *cases([(CREATE_INVESTOR, "thesis")], ["x" * 10_001]),
        *cases([(CREATE_REQUEST, "title"), (PATCH_REQUEST, "company")], ["", "  "]),
        *cases(
            [(CREATE_REQUEST, "event_id"), (PATCH_REQUEST, "event_id")],
            ["", "x" * 37, "00000000-0000-4000-8000-000000000000"],
        ),
        *cases([(CREATE_REQUEST, "sectors"), (PATCH_REQUEST, "sectors")], [[]]),
        *cases([(CREATE_REQUEST, "status")], ["published", "rejected"]),
        *cases([(PATCH_REQUEST, "status")], ["published", "rejected", "open"]),
        *cases([(CREATE_ACCOUNT, "role")], ["superuser", "Investor", ""]),
        *cases([(CREATE_ACCOUNT, "name")], ["", "   ", "x" * 201]),
        *cases([(REVIEW, "decision")], ["approve", ""]),
        *cases([(REVIEW, "note")], ["x" * 10_001]),
        *[
            pytest.param(
                Case(REVIEW, {"decision": "reject", "note": note}, fields=("note",)),
                id=f"review-reject-note={note!r}",
            )
            for note in (None, "", "   ")
        ],
        *cases(
            [(CREATE_INVESTOR, "owner_account_id"), (CREATE_REQUEST, "owner_account_id")],
            ["someone-else"],
        ),
    ],
)
def test_invalid_field_value_is_named(world: World, db_session: Session, case: Case) -> None:
    check_refused(world, db_session, case)


@pytest.mark.parametrize(
    ("target", "role"), [(CREATE_INVESTOR, "startup"), (CREATE_REQUEST, "investor")]
)
def test_commission_must_name_an_owner_of_the_right_role(
    world: World, db_session: Session, target: str, role: str
) -> None:
    wrong_owner = world.account(role).id
    base = investor_payload() if target == CREATE_INVESTOR else request_payload()
    method, path, _ = route(world, target)
    before = snapshot(world, db_session)

    for owner in (wrong_owner, "no-such-account"):
        response = world.api.client.request(
            method, path, json={**base, "owner_account_id": owner}, headers=world.api.admin
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert [e["field"] for e in response.json()["errors"]] == ["owner_account_id"]
    assert snapshot(world, db_session) == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "raw",
    [b'{"name": ', b'{"a": 1,}', b"\xff\xfe"],
    ids=["truncated", "trailing-comma", "not-utf8"],
)
def test_invalid_json_is_422(world: World, db_session: Session, target: str, raw: bytes) -> None:
    errors = check_refused(world, db_session, Case(target, raw=raw, fields=None))
    assert [(error["code"], error["location"]) for error in errors] == [("json_invalid", "body")]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("raw", [b"", b"[]", b"null"], ids=["empty", "array", "null"])
def test_body_that_is_not_an_object_is_422(
    world: World, db_session: Session, target: str, raw: bytes
) -> None:
    check_refused(world, db_session, Case(target, raw=raw, fields=("body",)))


def padded(target: str, size: int) -> bytes:
    """A valid body for ``target``, padded with JSON whitespace to exactly ``size`` bytes."""
    body = json.dumps(base_body(target)).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


@pytest.mark.parametrize("target", TARGETS)
def test_body_over_the_limit_is_413(world: World, db_session: Session, target: str) -> None:
    check_refused(world, db_session, Case(target, raw=padded(target, MAX_BODY + 1), status=413))


@pytest.mark.parametrize("target", [CREATE_INVESTOR, PATCH_REQUEST, REVIEW])
def test_streamed_body_over_the_limit_is_413(
    world: World, db_session: Session, target: str
) -> None:
    chunks = [b" " * 1024] * (MAX_BODY // 1024) + [json.dumps(base_body(target)).encode()]
    route(world, target)
    before = snapshot(world, db_session)

    response = send(world, target, iter(chunks))

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 413
    assert snapshot(world, db_session) == before


def test_body_of_exactly_the_limit_is_accepted(world: World) -> None:
    response = send(world, CREATE_INVESTOR, padded(CREATE_INVESTOR, MAX_BODY))

    assert response.status_code == 201, response.text


POSTS = (CREATE_INVESTOR, CREATE_REQUEST, CREATE_ACCOUNT, REVIEW)
OTHER_BODY = {
    CREATE_INVESTOR: {"name": "Another fund"},
    CREATE_REQUEST: {"title": "Another round"},
    CREATE_ACCOUNT: {"name": "Another account"},
    REVIEW: {"decision": "reject", "note": "Another decision"},
}


@pytest.mark.parametrize("target", POSTS)
@pytest.mark.parametrize(
    "key",
    ["seven77", "k" * 129, "two words here", "slash/es/here", 'quote"marks"'],
    ids=["too-short", "too-long", "space", "slash", "quote"],
)
def test_malformed_idempotency_key_is_422(
    world: World, db_session: Session, target: str, key: str
) -> None:
    route(world, target)
    before = snapshot(world, db_session)

    response = send(world, target, base_body(target), {IDEMPOTENCY_HEADER: key})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert [(e["field"], e["location"]) for e in errors] == [(IDEMPOTENCY_HEADER, "header")]
    assert snapshot(world, db_session) == before


@pytest.mark.parametrize("target", POSTS)
def test_idempotency_key_reused_for_another_body_is_422(
    world: World, db_session: Session, target: str
) -> None:
    key = {IDEMPOTENCY_HEADER: f"first-{target}"}
    assert send(world, target, base_body(target), key).is_success
    before = snapshot(world, db_session)

    response = send(world, target, {**base_body(target), **OTHER_BODY[target]}, key)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert [e["field"] for e in problem["errors"]] == [IDEMPOTENCY_HEADER]
    assert snapshot(world, db_session) == before


@pytest.mark.parametrize("target", [PATCH_INVESTOR, PATCH_REQUEST, REVIEW])
@pytest.mark.parametrize(
    ("if_match", "status"),
    [(None, 428), ("*", 428), ('"0"', 412), ('W/"1"', 412), ("1", 422)],
    ids=["missing", "star", "stale", "weak", "unquoted"],
)
def test_a_write_without_the_current_etag_is_refused(
    world: World, db_session: Session, target: str, if_match: str | None, status: int
) -> None:
    # A review too (before: If-Match was optional there, so a review without it published
    # whatever the request had become since the commission read it).
    route(world, target)
    before = snapshot(world, db_session)
    headers = {} if if_match is None else {"If-Match": if_match}
    body = {PATCH_INVESTOR: {"name": "x"}, PATCH_REQUEST: {"title": "x"}}.get(
        target, {"decision": "publish"}
    )

    response = send(world, target, body, headers, current_if_match=False)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == status
    if status != 412:
        assert [e["field"] for e in response.json()["errors"]] == ["If-Match"]
    assert snapshot(world, db_session) == before
