"""Ranked, explained matches over HTTP: ordering, filters, paging, freshness, access."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.demo.loader import load_demo
from tests.support.factories import Account, ApiClient, bearer


def _matches(api: ApiClient, who: dict[str, str], investor_id: str, **params: Any) -> Any:
    response = api.client.get(f"/v1/investors/{investor_id}/matches", params=params, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def _setup(api: ApiClient) -> tuple[Account, dict[str, Any], Account]:
    investor = api.create_account("investor")
    startup = api.create_account("startup")
    profile = api.create_investor(
        investor,
        sectors=["ai"],
        stages=["series_c", "growth"],
        ticket_min="500000000",
        ticket_max="5000000000",
        thesis="基础大模型",
    )
    return investor, profile, startup


def test_demo_foundation_model_request_ranks_first_for_the_ai_investor(
    api: ApiClient, db_session: Session
) -> None:
    """The README demo: Hillhouse (AI, up to 5 billion yuan) sees Stepfun first."""
    keys = load_demo(db_session)
    db_session.flush()
    body = _matches(api, bearer(keys.investor), keys.investor_profile_id, limit=5)
    first = body["items"][0]
    assert first["financing_request"]["company"] == "Stepfun"
    assert first["financing_request"]["amount"] == "3000000000.00"
    ticket = next(r for r in first["reasons"] if r["kind"] == "ticket")
    assert (ticket["outcome"], ticket["values"]["amount"]) == ("within", "3000000000.00")
    # Chinese by default, written for the investor itself, the amount in 亿 beside the figure.
    assert ticket["text"].startswith("金额：30亿元（3,000,000,000 CNY）在您的单笔投资区间")
    assert body["model"] == {"version": "default-v1", "weights": None}  # the commission's
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_only_published_requests_are_matched_and_new_ones_show_at_once(
    api: ApiClient,
) -> None:
    investor, profile, startup = _setup(api)
    draft = api.create_request(startup, status="draft")
    submitted = api.create_request(startup, company="MiniMax")
    assert _matches(api, investor.headers, profile["id"])["items"] == []
    api.publish(submitted["id"])
    items = _matches(api, investor.headers, profile["id"])["items"]
    assert [i["financing_request"]["id"] for i in items] == [submitted["id"]]
    assert draft["id"] not in {i["financing_request"]["id"] for i in items}
    withdrawn = api.patch(
        f"/v1/financing-requests/{submitted['id']}",
        json={"status": "withdrawn"},
        headers=startup.headers,
    )
    assert withdrawn.status_code == 200
    assert _matches(api, investor.headers, profile["id"])["items"] == []


def test_a_full_fit_ranks_above_partial_fits_with_components(api: ApiClient) -> None:
    investor, profile, startup = _setup(api)
    full = api.create_request(startup, company="Full fit")
    wrong_stage = api.create_request(startup, company="Seed stage", stage="seed")
    too_big = api.create_request(startup, company="Too big", amount="60000000000")
    for created in (full, wrong_stage, too_big):
        api.publish(created["id"])
    # Seed is four steps from series_c and 60 billion is 12x the maximum: no stage fit, no
    # ticket fit, so both are near misses, listed only on request.
    matches = _matches(api, investor.headers, profile["id"])["items"]
    assert [i["financing_request"]["id"] for i in matches] == [full["id"]]
    items = _matches(api, investor.headers, profile["id"], include_near_misses=True)["items"]
    assert items[0]["financing_request"]["id"] == full["id"]
    assert items[0]["components"] == {
        "sector": items[0]["components"]["sector"],
        "ticket": 1.0,
        "stage": 1.0,
    }
    by_company = {i["financing_request"]["company"]: i for i in items}
    assert by_company["Too big"]["components"]["ticket"] == 0.0
    assert (by_company["Too big"]["near_miss"], by_company["Too big"]["misses"]) == (
        True,
        ["ticket"],
    )
    assert by_company["Seed stage"]["misses"] == ["stage"]
    assert (items[0]["near_miss"], items[0]["misses"]) == (False, [])
    too_big = next(r for r in by_company["Too big"]["reasons"] if r["kind"] == "ticket")
    assert (too_big["outcome"], too_big["values"]["ratio"]) == ("above", "12.0")
    assert "是您单笔上限50亿元（5,000,000,000 CNY）的12.0倍" in too_big["text"]


def test_filters_min_score_and_paging(api: ApiClient) -> None:
    investor, profile, startup = _setup(api)
    events = {
        "CIIE": api.create_event("CIIE", date="2036-11-05"),
        "GIPC": api.create_event("GIPC", date="2036-09-10"),
    }
    created = [
        api.create_request(
            startup, company=f"Co {n}", region=region, stage=stage, event_id=events[event]
        )
        for n, (region, stage, event) in enumerate(
            [
                ("xuhui", "series_c", "CIIE"),
                ("pudong", "growth", "CIIE"),
                ("pudong", "seed", "GIPC"),
                ("xuhui", "series_c", "GIPC"),
                ("minhang", "growth", "CIIE"),
            ]
        )
    ]
    for item in created:
        api.publish(item["id"])
    # Co 2 (seed, four steps from series_c) has no stage fit: a near miss, not a match.
    everything = _matches(api, investor.headers, profile["id"], limit=2)
    assert everything["total"] == 4
    seen = [i["financing_request"]["id"] for i in everything["items"]]
    cursor = everything["next_cursor"]
    while cursor:
        page = _matches(api, investor.headers, profile["id"], limit=2, cursor=cursor)
        seen += [i["financing_request"]["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(c["id"] for n, c in enumerate(created) if n != 2)
    assert len(seen) == 4
    with_near_misses = _matches(
        api, investor.headers, profile["id"], limit=10, include_near_misses=True
    )
    assert with_near_misses["total"] == 5
    assert [i["financing_request"]["id"] for i in with_near_misses["items"] if i["near_miss"]] == [
        created[2]["id"]
    ]

    pudong = _matches(api, investor.headers, profile["id"], region="pudong")["items"]
    assert {i["financing_request"]["region"] for i in pudong} == {"pudong"}
    assert len(pudong) == 1  # the other, at seed, is a near miss
    ciie_growth = _matches(
        api, investor.headers, profile["id"], event_id=events["CIIE"], stage="growth"
    )
    assert ciie_growth["total"] == 2
    strong = _matches(api, investor.headers, profile["id"], min_score=0.9)["items"]
    assert strong
    assert all(i["score"] >= 0.9 for i in strong)
    assert "seed" not in {i["financing_request"]["stage"] for i in strong}
    assert _matches(api, investor.headers, profile["id"], sector="quantum")["total"] == 0


def test_matches_are_the_same_on_every_call(api: ApiClient) -> None:
    investor, profile, startup = _setup(api)
    for n in range(12):
        api.publish(api.create_request(startup, company=f"Twin {n}")["id"])
    first = _matches(api, investor.headers, profile["id"], limit=12)
    second = _matches(api, investor.headers, profile["id"], limit=12)
    ids = [i["financing_request"]["id"] for i in first["items"]]
    assert ids == [i["financing_request"]["id"] for i in second["items"]]
    assert ids == sorted(ids)  # identical scores: ties go by id


def test_only_the_owner_and_the_commission_read_an_investors_matches(api: ApiClient) -> None:
    investor, profile, startup = _setup(api)
    other = api.create_account("investor")
    path = f"/v1/investors/{profile['id']}/matches"
    assert api.client.get(path, headers=investor.headers).status_code == 200
    assert api.client.get(path, headers=api.admin).status_code == 200
    assert api.client.get(path, headers=other.headers).status_code == 404
    assert api.client.get(path, headers=startup.headers).status_code == 403
    assert api.client.get(path).status_code == 401
    missing = "/v1/investors/00000000-0000-0000-0000-000000000000/matches"
    assert api.client.get(missing, headers=investor.headers).status_code == 404


def test_investors_ranked_for_a_request_is_the_commissions(api: ApiClient) -> None:
    investor, profile, startup = _setup(api)
    api.create_investor(
        investor,
        name="Seed fund",
        sectors=["life_science"],
        stages=["seed"],
        ticket_min="1000000",
        ticket_max="20000000",
    )
    stepfun = api.create_request(startup)
    api.publish(stepfun["id"])
    path = f"/v1/financing-requests/{stepfun['id']}/matches"
    response = api.client.get(path, headers=api.admin)
    assert response.status_code == 200
    # The seed fund has no ticket or stage fit (its thesis's wording gives the sector some):
    # no match.
    assert [i["investor"]["id"] for i in response.json()["items"]] == [profile["id"]]
    response = api.client.get(path, params={"include_near_misses": True}, headers=api.admin)
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["investor"]["id"] == profile["id"]
    assert items[0]["score"] > items[1]["score"]
    assert items[1]["misses"] == ["ticket", "stage"]
    assert any(r["kind"] == "ticket" for r in items[0]["reasons"])
    assert api.client.get(path, headers=investor.headers).status_code == 403
    assert api.client.get(path, headers=startup.headers).status_code == 403


def test_bad_match_parameters_are_problems(api: ApiClient) -> None:
    investor, profile, _ = _setup(api)
    path = f"/v1/investors/{profile['id']}/matches"
    for params in (
        {"limit": 101},
        {"min_score": 2},
        {"sector": "crypto"},
        {"stage": "series_z"},
        {"region": "mars"},
        {"cursor": "garbage"},
    ):
        response = api.client.get(path, params=params, headers=investor.headers)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
