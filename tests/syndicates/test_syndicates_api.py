"""Syndicates over HTTP: a 3 billion yuan ask covered within 10% by a lead and followers, each
ticket within its mandate's range; none when the mandates cannot cover it; who may see what."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Connection

from service.syndicates import schemas
from service.syndicates.router import router as syndicates_router
from tests.http import test_authorization_matrix as matrix
from tests.support.factories import Account, ApiClient

SYNDICATES_PATH = "/v1/financing-requests/{financing_request_id}/syndicates"
ENGLISH = {"Accept-Language": "en"}
ASK = Decimal(3_000_000_000)
RATE_USD = Decimal("7.10")  # the default exchange rates' CNY per USD


@pytest.fixture(autouse=True)
def _syndicates_served(app: FastAPI) -> None:
    """The route, until service.main includes its router (then this adds nothing)."""
    if not any(getattr(route, "path", None) == SYNDICATES_PATH for route in app.routes):
        app.include_router(syndicates_router)


# The authorization matrix's rows (tests/http/test_authorization_matrix.py): its world has no
# feedback, so the owner startup is refused; AFTER_INTEREST is the same world once investor A
# showed interest in RX_pub.
BEFORE_INTEREST = matrix.RouteSpec(
    f"GET {matrix.REQUEST_URL}/syndicates",
    """
    object   anon badkey inv_a inv_b su_x su_y admin comm
    RX_pub    401    401   403   403  403  404   200  200
    RX_sub    401    401   403   403  403  404   200  200
    RX_draft  401    401   403   403  403  404   200  200
    RX_rej    401    401   403   403  403  404   200  200
    RY_pub    401    401   403   403  404  403   200  200
    RY_sub    401    401   403   403  404  403   200  200
    missing   401    401   403   403  404  404   404  404
    """,
    note="the owner startup only once an investor showed interest",
)
AFTER_INTEREST = matrix.RouteSpec(
    BEFORE_INTEREST.route,
    """
    object   anon badkey inv_a inv_b su_x su_y admin comm
    RX_pub    401    401   403   403  200  404   200  200
    RX_sub    401    401   403   403  403  404   200  200
    RY_pub    401    401   403   403  404  403   200  200
    missing   401    401   403   403  404  404   404  404
    """,
    note="after investor A showed interest in RX_pub",
)


@dataclass(frozen=True)
class Fund:
    account: Account
    profile: dict[str, Any]

    @property
    def id(self) -> str:
        profile_id: str = self.profile["id"]
        return profile_id


def _fund(api: ApiClient, name: str, low: str, high: str, **fields: Any) -> Fund:
    account = api.create_account("investor", name)
    return Fund(account, _mandate(api, account, name, low, high, **fields))


def _mandate(
    api: ApiClient, account: Account, name: str, low: str, high: str, **fields: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": name,
        "sectors": ["ai"],
        "stages": ["series_b", "series_c"],
        "ticket_min": low,
        "ticket_max": high,
        "thesis": "基础大模型",
        "regions": [],
        **fields,
    }
    return api.create_investor(account, **payload)


def _stepfun(api: ApiClient, startup: Account, **fields: Any) -> dict[str, Any]:
    """Stepfun's 3 billion yuan Series C round, published."""
    request = api.create_request(startup, amount="3000000000", currency="CNY", **fields)
    api.publish(request["id"])
    return request


def _syndicates(
    api: ApiClient, request_id: str, headers: dict[str, str], status: int = 200, **params: Any
) -> Any:
    response = api.client.get(
        f"/v1/financing-requests/{request_id}/syndicates",
        params=params,
        headers={**headers, **ENGLISH},
    )
    assert response.status_code == status, response.text
    return response.json()


def _answer(api: ApiClient, fund: Fund, request_id: str, **body: Any) -> None:
    response = api.client.put(
        f"/v1/investors/{fund.id}/feedback/{request_id}", json=body, headers=fund.account.headers
    )
    assert response.status_code == 200, response.text


def _range_in_cny(profile: dict[str, Any]) -> tuple[Decimal, Decimal]:
    rate = {"CNY": Decimal(1), "USD": RATE_USD}[profile["currency"]]
    return Decimal(profile["ticket_min"]) * rate, Decimal(profile["ticket_max"]) * rate


def _assert_covers(body: Any, profiles: dict[str, dict[str, Any]]) -> None:
    """Every syndicate keeps every rule, checked in exact decimals from the JSON strings."""
    ask = Decimal(body["ask"])
    for syndicate in body["syndicates"]:
        tickets = [Decimal(member["ticket"]) for member in syndicate["members"]]
        total = Decimal(syndicate["total"])
        assert total == sum(tickets, Decimal(0))
        assert Decimal("0.9") * ask <= total <= Decimal("1.1") * ask
        assert syndicate["coverage"] == float((total / ask).quantize(Decimal("0.0001")))
        roles = [member["role"] for member in syndicate["members"]]
        assert roles == ["lead"] + ["follower"] * (len(roles) - 1)
        assert len(roles) >= 2
        assert syndicate["lead_investor_id"] == syndicate["members"][0]["investor_id"]
        assert tickets[0] == max(tickets)
        assert tickets[0] >= ask / 5
        owners = [profiles[m["investor_id"]]["owner_account_id"] for m in syndicate["members"]]
        assert len(set(owners)) == len(owners), "one account, one seat"
        for member, ticket in zip(syndicate["members"], tickets, strict=True):
            low, high = _range_in_cny(profiles[member["investor_id"]])
            assert low <= ticket <= high, member
            assert member["currency"] == "CNY"
    leads = [s["lead_investor_id"] for s in body["syndicates"]]
    assert len(set(leads)) == len(leads)
    fits = [s["combined_fit"] for s in body["syndicates"]]
    assert fits == sorted(fits, reverse=True)


def test_a_three_billion_yuan_ask_gets_syndicates_within_ten_percent(api: ApiClient) -> None:
    startup = api.create_account("startup")
    funds = [
        _fund(api, "Hillhouse Capital", "500000000", "1000000000"),
        _fund(api, "Sequoia Capital China", "300000000", "1000000000"),
        _fund(api, "Shanghai AI Guidance Fund", "200000000", "800000000"),
        _fund(api, "Allianz Global Investors", "50000000", "140000000", currency="USD"),
        _fund(api, "Pudong Science Fund", "100000000", "600000000", stages=["growth"]),
    ]
    # A second mandate of Hillhouse's account: one account still takes one seat.
    hillhouse_growth = _mandate(
        api, funds[0].account, "Hillhouse growth fund", "500000000", "1000000000"
    )
    # No sector fit at all: a near miss, never a candidate.
    biotech = _fund(api, "Vaccine Fund", "100000000", "2000000000", sectors=["life_science"])
    request = _stepfun(api, startup)
    body = _syndicates(api, request["id"], api.admin)
    profiles = {fund.id: fund.profile for fund in funds}
    profiles[hillhouse_growth["id"]] = hillhouse_growth
    assert body["syndicates"], body
    _assert_covers(body, profiles)
    assert (body["ask"], body["currency"], body["basis"]) == ("3000000000.00", "CNY", "matches")
    assert (body["obstacle"], body["note"]) == (None, None)
    assert body["candidates"] == 6
    assert body["rules"] == {
        "coverage_low": 0.9,
        "coverage_high": 1.1,
        "lead_min_share": 0.2,
        "max_members": 8,
    }
    assert body["model"]["weights"] is not None  # the commission sees the model, as in matches
    members = [m for s in body["syndicates"] for m in s["members"]]
    assert biotech.id not in {m["investor_id"] for m in members}
    # A Growth-only fund may follow but never leads a Series C round.
    pudong = funds[4].id
    assert pudong not in {s["lead_investor_id"] for s in body["syndicates"]}
    best = body["syndicates"][0]
    lead = best["members"][0]
    assert lead["display"]["role"] == "Lead"
    assert {r["kind"] for r in lead["reasons"]} >= {"sector", "ticket", "stage"}
    assert f"{lead['name']} leads with CNY 1 billion (1,000,000,000 CNY)" in best["explanation"]
    assert "2 followers bring the total to" in best["explanation"]
    assert "Track record: nothing on record shows" in best["explanation"]


def test_a_mandate_in_dollars_is_seated_within_its_own_range(api: ApiClient) -> None:
    startup = api.create_account("startup")
    lead = _fund(api, "Hillhouse Capital", "500000000", "1500000000")
    allianz = _fund(api, "Allianz", "50000000", "140000000", currency="USD", stages=["growth"])
    blackstone = _fund(api, "Blackstone", "100000000", "700000000", stages=["growth"])
    request = _stepfun(api, startup)
    body = _syndicates(api, request["id"], api.admin)
    _assert_covers(body, {f.id: f.profile for f in (lead, allianz, blackstone)})
    best = body["syndicates"][0]
    tickets = {m["investor_id"]: Decimal(m["ticket"]) for m in best["members"]}
    # 1.5 bn + 140 million dollars (994 million yuan) + 506 million: exactly the ask.
    assert tickets == {
        lead.id: Decimal("1500000000.00"),
        allianz.id: Decimal("994000000.00"),
        blackstone.id: Decimal("506000000.00"),
    }


def test_no_syndicate_when_the_mandates_cannot_cover_the_ask(api: ApiClient) -> None:
    startup = api.create_account("startup")
    funds = [
        _fund(api, "Hillhouse Capital", "300000000", "1000000000"),
        _fund(api, "Sequoia Capital China", "300000000", "1000000000"),
    ]
    request = _stepfun(api, startup)
    body = _syndicates(api, request["id"], api.admin)
    assert body["syndicates"] == []
    assert body["obstacle"] == "cannot_cover"
    assert body["candidates"] == len(funds)
    assert body["note"] == (
        "The candidates' tickets cannot cover the ask: all at their maximum they come to "
        "CNY 2 billion (2,000,000,000 CNY), less than CNY 2.7 billion (2,700,000,000 CNY), "
        "90% of the ask."
    )


def test_no_candidates_and_no_lead_are_said(api: ApiClient) -> None:
    startup = api.create_account("startup")
    quantum = _stepfun(api, startup, sectors=["quantum"], company="QBoson")
    _fund(api, "Hillhouse Capital", "300000000", "1000000000")
    body = _syndicates(api, quantum["id"], api.admin)
    assert (body["syndicates"], body["obstacle"], body["candidates"]) == ([], "no_candidates", 0)
    assert body["note"].startswith("No investor fits this request's sector, ticket and stage")
    growth = _stepfun(api, startup, stage="growth", company="MiniMax")
    _fund(api, "Sequoia Capital China", "300000000", "1000000000")
    body = _syndicates(api, growth["id"], api.admin)
    # Series B and C funds are one stage off Growth: they fit, but none may lead it.
    assert (body["syndicates"], body["obstacle"]) == ([], "no_lead")
    assert body["note"] == (
        "No candidate can lead: none invests at Growth with a maximum ticket of at least "
        "CNY 600 million (600,000,000 CNY), 20% of the ask."
    )


def test_a_history_of_leading_is_counted_and_told(api: ApiClient) -> None:
    startup = api.create_account("startup")
    veteran = _fund(api, "Hillhouse Capital", "300000000", "1000000000")
    others = [
        _fund(api, "Sequoia Capital China", "300000000", "1000000000"),
        _fund(api, "Shanghai AI Guidance Fund", "300000000", "1000000000"),
    ]
    deals = [
        {"stage": "series_c", "amount": "7000000000", "currency": "CNY"},  # counts
        {"stage": "series_c", "amount": "100000000", "currency": "USD"},  # 710 million: counts
        {"stage": "series_c", "amount": "500000000", "currency": "CNY"},  # under a fifth
        {"stage": "series_b", "amount": "9000000000", "currency": "CNY"},  # another stage
        {"stage": "series_c"},  # size unknown
    ]
    for deal in deals:
        response = api.client.post(
            f"/v1/investors/{veteran.id}/deals",
            json={"company": "Moonshot AI", "sector": "ai", "closed_on": "2025-08-15", **deal},
            headers=veteran.account.headers,
        )
        assert response.status_code == 201, response.text
    request = _stepfun(api, startup)
    body = _syndicates(api, request["id"], api.admin)
    _assert_covers(body, {f.id: f.profile for f in (veteran, *others)})
    # The same three accounts are one proposal, led by the one with a history of leading.
    assert len(body["syndicates"]) == 1
    syndicate = body["syndicates"][0]
    assert (syndicate["lead_investor_id"], syndicate["lead_rounds"]) == (veteran.id, 2)
    assert (
        "Track record: Hillhouse Capital took part in 2 rounds at Series C of at least "
        "CNY 600 million (600,000,000 CNY)."
    ) in syndicate["explanation"]


def test_who_may_see_syndicates(api: ApiClient) -> None:
    """The commission always; the owner startup only once investors showed interest, and
    then only theirs, without their mandates' reasons; nobody else."""
    owner, other_startup = api.create_account("startup"), api.create_account("startup")
    funds = [
        _fund(api, "Hillhouse Capital", "500000000", "1000000000"),
        _fund(api, "Sequoia Capital China", "300000000", "1000000000"),
        _fund(api, "Shanghai AI Guidance Fund", "200000000", "1000000000"),
        _fund(api, "Blackstone", "200000000", "1000000000"),
    ]
    request = _stepfun(api, owner)
    draft = api.create_request(owner, status="draft", company="Draft Co")
    commission = api.create_account("commission")
    for who in (api.admin, commission.headers):
        assert _syndicates(api, request["id"], who)["syndicates"]
    # The commission may look before publishing, as it may at the matches.
    assert _syndicates(api, draft["id"], api.admin)["basis"] == "matches"
    problem = _syndicates(api, request["id"], owner.headers, status=403)
    assert problem["detail"] == (
        "Syndicates are shown to the startup once an investor has shown interest in the request."
    )
    _syndicates(api, draft["id"], owner.headers, status=403)
    _syndicates(api, request["id"], other_startup.headers, status=404)
    _syndicates(api, request["id"], funds[0].account.headers, status=403)
    _syndicates(api, "00000000-0000-0000-0000-000000000000", api.admin, status=404)
    _syndicates(api, request["id"], {}, status=401)

    # One interested investor cannot fund 3 billion alone.
    _answer(api, funds[0], request["id"], action="interested")
    alone = _syndicates(api, request["id"], owner.headers)
    assert (alone["basis"], alone["candidates"], alone["syndicates"]) == ("interest", 1, [])
    assert alone["obstacle"] == "cannot_cover"
    assert alone["model"]["weights"] is None
    # Three answers, a pass among them: the passing fund is never proposed to the startup.
    _answer(api, funds[1], request["id"], action="meeting")
    _answer(api, funds[2], request["id"], action="pass", reason="ticket")
    _answer(api, funds[3], request["id"], action="committed", amount="1000000000")
    body = _syndicates(api, request["id"], owner.headers)
    interested = {funds[0].id, funds[1].id, funds[3].id}
    assert body["candidates"] == len(interested)
    assert body["syndicates"], body
    _assert_covers(body, {f.id: f.profile for f in funds})
    for syndicate in body["syndicates"]:
        assert {m["investor_id"] for m in syndicate["members"]} <= interested
        assert all(m["reasons"] is None for m in syndicate["members"])
    _syndicates(api, request["id"], other_startup.headers, status=404)
    _syndicates(api, request["id"], funds[0].account.headers, status=403)
    # The commission still sees every candidate, with reasons.
    everyone = _syndicates(api, request["id"], api.admin)
    assert everyone["candidates"] == len(funds)
    assert all(m["reasons"] for s in everyone["syndicates"] for m in s["members"])


def test_a_commitment_fixes_the_ticket(api: ApiClient) -> None:
    owner = api.create_account("startup")
    funds = [
        _fund(api, "Hillhouse Capital", "500000000", "1500000000"),
        _fund(api, "Sequoia Capital China", "300000000", "1000000000"),
        _fund(api, "Blackstone", "200000000", "1000000000"),
    ]
    request = _stepfun(api, owner)
    _answer(api, funds[1], request["id"], action="committed", amount="800000000")
    body = _syndicates(api, request["id"], api.admin)
    seated = {
        m["investor_id"]: (m["ticket"], m["committed"])
        for s in body["syndicates"]
        for m in s["members"]
    }
    assert seated[funds[1].id] == ("800000000.00", True)
    assert all(not committed for i, (_, committed) in seated.items() if i != funds[1].id)


def test_the_limit_is_bounded_and_the_answer_is_the_same_each_time(api: ApiClient) -> None:
    startup = api.create_account("startup")
    for number in range(8):
        _fund(api, f"Fund {number}", "300000000", "1000000000")
    request = _stepfun(api, startup)
    first = _syndicates(api, request["id"], api.admin, limit=10)
    assert len(first["syndicates"]) == 6  # the same accounts in another order count once
    assert first == _syndicates(api, request["id"], api.admin, limit=10)
    assert len(_syndicates(api, request["id"], api.admin)["syndicates"]) == 5
    assert len(_syndicates(api, request["id"], api.admin, limit=1)["syndicates"]) == 1
    for limit in (0, 11):
        problem = _syndicates(api, request["id"], api.admin, status=422, limit=limit)
        assert problem["errors"][0]["field"] == "limit"


def test_chinese_by_default(api: ApiClient) -> None:
    startup = api.create_account("startup")
    for name in ("A", "B", "C"):
        _fund(api, name, "300000000", "1000000000")
    request = _stepfun(api, startup)
    response = api.client.get(
        f"/v1/financing-requests/{request['id']}/syndicates", headers=api.admin
    )
    assert response.status_code == 200, response.text
    member = response.json()["syndicates"][0]["members"][0]
    assert member["display"]["ticket"] == "10亿元（1,000,000,000 CNY）"
    assert member["reasons"][0]["text"].startswith("行业：")


@pytest.mark.parametrize("spec", [BEFORE_INTEREST, AFTER_INTEREST], ids=lambda spec: spec.note)
def test_authorization_rows(api: ApiClient, connection: Connection, spec: matrix.RouteSpec) -> None:
    world = matrix.build_world(api)
    if spec is AFTER_INTEREST:
        response = api.client.put(
            f"/v1/investors/{world.ids['PA']}/feedback/{world.ids['RX_pub']}",
            json={"action": "interested"},
            headers=world.headers["inv_a"],
        )
        assert response.status_code == 200, response.text
    cells = [
        matrix.run_cell(api, connection, world, spec, cell, expected)
        for cell, expected in spec.expected().items()
    ]
    wrong = [c for c in cells if c.got != c.expected or c.problems]
    assert wrong == [], matrix.render(cells)


@pytest.mark.parametrize(
    "model",
    [
        schemas.MemberDisplayOut,
        schemas.SyndicateMemberOut,
        schemas.SyndicateDisplayOut,
        schemas.SyndicateOut,
        schemas.SyndicateRulesOut,
        schemas.SyndicateList,
    ],
    ids=lambda model: model.__name__,
)
def test_every_schema_example_validates(model: type[BaseModel]) -> None:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    examples = extra.get("examples")
    assert isinstance(examples, list)
    assert examples
    for example in examples:
        assert isinstance(example, dict)
        model.model_validate(example)
