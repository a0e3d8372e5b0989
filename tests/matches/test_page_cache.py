"""A worker keeps what pages of matches show (rows, responses, explained pairs) by revision:
whatever changed between two pages shows on the second, and a page served from the cache is
the page computed afresh, byte for byte."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
from fastapi import FastAPI
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    ModelStatus,
    RankingModel,
)
from scoring.learned import COMPONENT_FEATURES, LearnedRanker
from service.matches.schemas import MatchPage, RequestMatchOut
from service.ranking.ranker import RankingWindow, rank_requests
from service.ranking.selection import RequestSelection
from tests.deals.test_deals import _deal, _record_track_records
from tests.support.factories import Account, ApiClient


def _page(api: ApiClient, who: dict[str, str], profile_id: str, **params: Any) -> Any:
    response = api.client.get(f"/v1/investors/{profile_id}/matches", params=params, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def _only_item(page: Any) -> Any:
    assert len(page["items"]) == 1, page
    return page["items"][0]


def _reason(item: Any, kind: str) -> Any:
    return next(reason for reason in item["reasons"] if reason["kind"] == kind)


def _world(api: ApiClient) -> tuple[Account, dict[str, Any], Account, dict[str, Any]]:
    investor = api.create_account("investor")
    profile = api.create_investor(
        investor,
        name="Hillhouse Capital",
        sectors=["ai"],
        stages=["series_c"],
        ticket_min="1000000000",
        ticket_max="5000000000",
        thesis="基础大模型",
        regions=[],
    )
    startup = api.create_account("startup")
    request = api.create_request(startup, contact_name="张敏", contact_phone="+86 21 5555 0100")
    api.publish(request["id"])
    return investor, profile, startup, request


def _stored(db_session: Session, request_id: str) -> FinancingRequest:
    return db_session.scalars(
        select(FinancingRequest)
        .options(selectinload(FinancingRequest.sector_links))
        .where(FinancingRequest.id == request_id)
    ).one()


def test_a_page_from_the_cache_is_the_page_computed_afresh(api: ApiClient) -> None:
    investor, profile, _, _ = _world(api)
    path = f"/v1/investors/{profile['id']}/matches"
    for language in ("zh", "en"):
        first = api.client.get(path, headers={**investor.headers, "Accept-Language": language})
        again = api.client.get(path, headers={**investor.headers, "Accept-Language": language})
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"]


def test_a_request_changed_between_two_pages_shows_as_it_is_now(
    api: ApiClient, db_session: Session
) -> None:
    """Published requests are not edited through the API; a write that bumps the revision
    (as an ORM write does) is shown all the same, its reasons too."""
    investor, profile, _, request = _world(api)
    before = _only_item(_page(api, investor.headers, profile["id"]))
    assert before["financing_request"]["company"] == "Stepfun"
    assert _reason(before, "ticket")["values"]["amount"] == "3000000000.00"

    stored = _stored(db_session, request["id"])
    stored.company = "Stepfun AI"
    stored.amount = Decimal("2500000000")
    db_session.flush()

    after = _only_item(_page(api, investor.headers, profile["id"]))
    shown = after["financing_request"]
    assert (shown["company"], shown["amount"], shown["revision"]) == (
        "Stepfun AI",
        "2500000000.00",
        before["financing_request"]["revision"] + 1,
    )
    assert shown["display"]["amount"] == "25亿元（2,500,000,000 CNY）"
    ticket = _reason(after, "ticket")
    assert ticket["values"]["amount"] == "2500000000.00"
    assert ticket["text"].startswith("金额：25亿元（2,500,000,000 CNY）")


def test_a_change_of_sectors_alone_shows_on_the_next_page(
    api: ApiClient, db_session: Session
) -> None:
    investor, profile, _, request = _world(api)
    before = _only_item(_page(api, investor.headers, profile["id"]))
    assert before["financing_request"]["sectors"] == ["ai.foundation_models"]

    stored = _stored(db_session, request["id"])
    stored.sector_links = [FinancingRequestSector(code="ai.embodied")]
    stored.updated_at = dt.datetime.now(dt.UTC)  # as the service does: the revision moves
    db_session.flush()

    after = _only_item(_page(api, investor.headers, profile["id"]))
    assert after["financing_request"]["sectors"] == ["ai.embodied"]
    assert after["financing_request"]["display"]["sectors"] == ["具身智能与智能机器人"]
    assert _reason(after, "sector")["values"]["request_codes"] == ["ai.embodied"]


def test_a_request_withdrawn_or_passed_between_two_pages_leaves_them(api: ApiClient) -> None:
    investor, profile, startup, request = _world(api)
    kept = api.create_request(startup, company="MiniMax")
    api.publish(kept["id"])

    def shown() -> set[str]:
        items = _page(api, investor.headers, profile["id"])["items"]
        return {item["financing_request"]["id"] for item in items}

    assert shown() == {request["id"], kept["id"]}
    passed = api.client.put(
        f"/v1/investors/{profile['id']}/feedback/{kept['id']}",
        json={"action": "pass", "reason": "valuation"},
        headers=investor.headers,
    )
    assert passed.status_code == 200, passed.text
    assert shown() == {request["id"]}
    withdrawn = api.patch(
        f"/v1/financing-requests/{request['id']}",
        json={"status": "withdrawn"},
        headers=startup.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert shown() == set()


def test_a_mandate_edited_between_two_pages_changes_its_reasons(api: ApiClient) -> None:
    investor, profile, _, _ = _world(api)
    path = f"/v1/investors/{profile['id']}"
    before = _only_item(_page(api, investor.headers, profile["id"]))
    assert _reason(before, "ticket")["values"]["high"] == "5000000000.00"
    as_commission = _only_item(_page(api, api.admin, profile["id"]))
    assert "Hillhouse Capital" in _reason(as_commission, "ticket")["text"]

    edited = api.patch(
        path,
        json={"ticket_max": "4000000000", "name": "Hillhouse Partners"},
        headers=investor.headers,
    )
    assert edited.status_code == 200, edited.text

    after = _only_item(_page(api, investor.headers, profile["id"]))
    ticket = _reason(after, "ticket")
    assert ticket["values"]["high"] == "4000000000.00"
    assert "40亿元（4,000,000,000 CNY）" in ticket["text"]
    as_commission = _only_item(_page(api, api.admin, profile["id"]))
    assert "Hillhouse Partners" in _reason(as_commission, "ticket")["text"]


def test_each_reader_and_language_gets_its_own_page(api: ApiClient) -> None:
    """The commission reads a request's owner and contact and the investor's name; the
    investor, asking after it for the same pair, reads "your" and nulls."""
    investor, profile, startup, _ = _world(api)
    commission = _only_item(_page(api, api.admin, profile["id"]))
    assert commission["financing_request"]["owner_account_id"] == startup.id
    assert commission["financing_request"]["contact_name"] == "张敏"
    assert "Hillhouse Capital" in _reason(commission, "sector")["text"]

    own = _only_item(_page(api, investor.headers, profile["id"]))
    assert own["financing_request"]["owner_account_id"] is None
    assert own["financing_request"]["contact_name"] is None
    assert own["financing_request"]["contact_phone"] is None
    assert "您" in _reason(own, "sector")["text"]
    assert "Hillhouse Capital" not in _reason(own, "sector")["text"]

    english = _only_item(_page(api, {**investor.headers, "Accept-Language": "en"}, profile["id"]))
    assert english["financing_request"]["display"]["stage"] == "Series C"
    assert _reason(english, "sector")["text"].startswith("Sector: ")
    assert "your" in _reason(english, "sector")["text"]
    again = _only_item(_page(api, investor.headers, profile["id"]))
    assert again == own


def test_a_deal_recorded_between_two_pages_shows_in_the_track_record(api: ApiClient) -> None:
    """A ranker that reads deal history explains with it: a deal has no revision to key on,
    so those reasons are never kept."""
    investors = _record_track_records(api)
    startup = api.create_account("startup")
    request = api.create_request(
        startup, company="Robot Works", sectors=["ai.embodied"], amount="1000000000"
    )
    api.publish(request["id"])
    trained = api.client.post("/v1/ranking-models/train", headers=api.admin)
    assert trained.status_code == 201, trained.text
    model_id = trained.json()["model"]["id"]
    activated = api.client.post(f"/v1/ranking-models/{model_id}/activate", headers=api.admin)
    assert activated.status_code == 200, activated.text
    account, profile_id = investors["ai.embodied"]

    def track_record() -> Any:
        items = _page(api, account.headers, profile_id, limit=5)["items"]
        item = next(i for i in items if i["financing_request"]["id"] == request["id"])
        return _reason(item, "track_record")["values"]

    assert track_record() == {"request_codes": ["ai.embodied"], "count": "9", "total": "9"}
    recorded = api.client.post(
        f"/v1/investors/{profile_id}/deals",
        json=_deal(company="One more robot", sector="ai.embodied", closed_on="2025-12-01"),
        headers=api.admin,
    )
    assert recorded.status_code == 201, recorded.text
    assert track_record() == {"request_codes": ["ai.embodied"], "count": "10", "total": "10"}


def test_a_ranker_activated_between_two_pages_shows_its_scores(
    api: ApiClient, db_session: Session
) -> None:
    """A learned ranker that reads no deal history leaves the reasons as they were; the
    items kept with their scores are not served with the new ranker's."""
    investor, profile, _, _ = _world(api)
    before = _page(api, investor.headers, profile["id"])
    rng = np.random.default_rng(5)
    inputs = rng.uniform(0, 1, (200, len(COMPONENT_FEATURES)))
    outcomes = (inputs[:, 0] + 0.5 * inputs[:, 1] + rng.normal(0, 0.2, 200) > 0.8).astype(int)
    ranker = LearnedRanker(feature_names=COMPONENT_FEATURES).fit(inputs, outcomes)
    assert not ranker.uses_history
    db_session.add(
        RankingModel(
            version=7,
            status=ModelStatus.ACTIVE,
            parameters=ranker.to_dict(),
            metrics={},
            trained_by="test",
        )
    )
    db_session.flush()

    after = _page(api, investor.headers, profile["id"])
    assert (before["model"]["version"], after["model"]["version"]) == ("default-v1", "learned-v7")
    assert _only_item(after)["score"] != _only_item(before)["score"]
    assert _only_item(after)["reasons"] == _only_item(before)["reasons"]


def test_a_served_page_is_what_its_response_model_serialises(api: ApiClient) -> None:
    """The page's JSON is written around its items' kept JSON: read back and serialised
    whole by the route's response model, it gives the same bytes, from the cache or not."""
    investor, profile, startup, _ = _world(api)
    for company in ("MiniMax", "Moonshot"):
        api.publish(api.create_request(startup, company=company)["id"])
    adapter = TypeAdapter(MatchPage[RequestMatchOut])
    path = f"/v1/investors/{profile['id']}/matches"
    for params, who in (
        ({"limit": 2}, investor.headers),
        ({"limit": 2}, investor.headers),
        ({"limit": 2, "include_near_misses": "true"}, api.admin),
        ({"limit": 5}, {**investor.headers, "Accept-Language": "en"}),
        ({"limit": 5, "sector": "quantum"}, investor.headers),
    ):
        response = api.client.get(path, params=params, headers=who)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        page = adapter.validate_json(response.content)
        assert adapter.dump_json(page) == response.content


def test_a_pages_revisions_are_those_the_index_applied(
    api: ApiClient, app: FastAPI, db_session: Session
) -> None:
    """The page looks its rows up by the revisions the ranking read, all at once: the same
    as the index's own lookup one request at a time, for rows of the base, rows moved to
    the delta since, and base rows withdrawn."""
    _, profile, startup, _ = _world(api)
    created = [api.create_request(startup, company=f"Co {n}") for n in range(5)]
    for request in created[:3]:
        api.publish(request["id"])
    index = app.state.match_index
    index.rebuild(db_session)
    for request in created[3:]:
        api.publish(request["id"])
    withdrawn = api.patch(
        f"/v1/financing-requests/{created[0]['id']}",
        json={"status": "withdrawn"},
        headers=startup.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    edited = _stored(db_session, created[1]["id"])
    edited.company = "Co 1, renamed"
    db_session.flush()

    ranked = rank_requests(
        session=db_session,
        index=index,
        profile=db_session.get_one(InvestorProfile, profile["id"]),
        selection=RequestSelection(),
        window=RankingWindow(limit=20, include_near_misses=True),
    )
    state = ranked.state
    assert len(state.delta_revisions) == 3  # two published after the build, one renamed
    assert not state.base_alive.all()
    assert len(ranked.page) == 5
    assert ranked.applied_revisions() == {
        match.id: state.applied_revision(match.id) for match in ranked.page
    }
    assert ranked.applied_revisions()[created[1]["id"]] == created[1]["revision"] + 2
