"""Investors' track records: recording deals, and a ranker that learns from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Deal
from scoring import MatchScorer, RequestRecord
from scoring.history import (
    InvestorHistory,
    PastDeal,
    company_key,
    history_columns,
    own_rounds,
)
from scoring.learned import RANKING_FEATURES
from scoring.reasons import Reason, history_reason
from scoring.records import InvestorRecord
from scoring.training_pairs import FeedbackOutcome, labelled_feedback_pairs
from tests.support.factories import Account, ApiClient

HOMES = ("ai.foundation_models", "ai.embodied", "ai.applications", "ai.infrastructure")


def _deal(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "company": "Unitree Robotics",
        "sector": "ai.embodied",
        "stage": "series_b",
        "region": "pudong",
        "amount": "800000000",
        "currency": "CNY",
        "closed_on": "2025-03-31",
    }
    body.update(overrides)
    return body


def _count_deals(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Deal)) or 0


def test_the_owner_and_the_commission_record_and_list_deals(api: ApiClient) -> None:
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    url = f"/v1/investors/{profile['id']}/deals"
    own = api.client.post(url, json=_deal(), headers=investor.headers)
    assert own.status_code == 201, own.text
    assert own.json()["amount"] == "800000000.00"
    by_commission = api.client.post(
        url, json=_deal(company="Stepfun", closed_on="2024-01-15"), headers=api.admin
    )
    assert by_commission.status_code == 201
    listed = api.client.get(url, headers=investor.headers).json()["items"]
    assert [d["company"] for d in listed] == ["Unitree Robotics", "Stepfun"]  # latest first


def test_another_investors_deal_is_not_found(api: ApiClient, db_session: Session) -> None:
    owner, other = api.create_account("investor"), api.create_account("investor")
    owner_profile, other_profile = api.create_investor(owner), api.create_investor(other)
    deal = api.client.post(
        f"/v1/investors/{owner_profile['id']}/deals", json=_deal(), headers=owner.headers
    ).json()
    # Through the other's own profile, the deal id leads nowhere; the owner's profile is hidden.
    for path in (
        f"/v1/investors/{other_profile['id']}/deals/{deal['id']}",
        f"/v1/investors/{owner_profile['id']}/deals/{deal['id']}",
    ):
        response = api.client.delete(path, headers=other.headers)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert _count_deals(db_session) == 1
    gone = api.client.delete(
        f"/v1/investors/{owner_profile['id']}/deals/{deal['id']}", headers=owner.headers
    )
    assert gone.status_code == 204
    assert _count_deals(db_session) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sector": "ai.nonexistent"}, "sector"),
        ({"stage": "series_z"}, "stage"),
        ({"closed_on": "2999-01-01"}, "closed_on"),
        ({"closed_on": "yesterday"}, "closed_on"),
        ({"currency": None}, "currency"),
        ({"amount": "5e8x"}, "amount"),
        ({"company": ""}, "company"),
    ],
)
def test_bad_deals_are_refused_and_nothing_is_written(
    api: ApiClient, db_session: Session, overrides: dict[str, Any], field: str
) -> None:
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    response = api.client.post(
        f"/v1/investors/{profile['id']}/deals", json=_deal(**overrides), headers=investor.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text
    assert _count_deals(db_session) == 0


# The history features, by hand.


def _request(request_id: str, sector: str, stage: str, amount: int, **fields: Any) -> RequestRecord:
    return RequestRecord(request_id, (sector,), stage, Decimal(amount), "CNY", **fields)


def test_history_columns_count_the_investors_own_deals() -> None:
    deals = [
        PastDeal("Unitree", "ai.embodied", "series_b", "pudong", dt.date(2024, 5, 1)),
        PastDeal("AgiBot", "ai.embodied", "series_a", "pudong", dt.date(2025, 6, 1)),
        PastDeal("Stepfun", "ai.foundation_models", "series_b", "xuhui", dt.date(2025, 7, 1)),
        PastDeal("Later Co", "ai.embodied", "series_b", "pudong", dt.date(2026, 1, 1)),
    ]
    history = InvestorHistory.from_deals(deals, as_of=dt.date(2025, 12, 31))
    assert history.rounds == 3  # the 2026 deal is after the date
    assert history.recent_rounds == 2  # within the year before
    scorer = MatchScorer(stage_order=("seed", "series_a", "series_b", "series_c")).fit(
        [
            RequestRecord(
                "a", ("ai.embodied",), "series_b", Decimal(10**9), "CNY", company="UNITREE"
            ),
            RequestRecord("b", ("ai.foundation_models",), "series_a", Decimal(10**8), "CNY"),
            RequestRecord(
                "c", ("semiconductors",), "series_b", Decimal(10**7), "CNY", region="pudong"
            ),
        ]
    )
    columns = history_columns(
        history,
        scorer.catalogue_,
        None,
        combos=scorer.combos_,
        ladder=scorer.ladder_,
        regions=scorer.regions_,
    )
    scale = np.log(1001.0)
    assert np.allclose(columns["log_category"], np.log1p([2, 1, 0]) / scale)
    assert np.allclose(columns["category_share"], [2 / 3, 1 / 3, 0])
    assert np.allclose(columns["log_category_and_type"], np.log1p([1, 0, 0]) / scale)
    assert np.allclose(columns["log_round_type"], np.log1p([2, 1, 2]) / scale)
    assert np.allclose(columns["region_share"], [0, 0, 2 / 3])
    assert columns["portfolio_company"].tolist() == [1.0, 0.0, 0.0]  # case and spacing ignored
    assert np.allclose(columns["log_amount"], [(9 - 7) / 3, (8 - 7) / 3, 0])
    assert np.allclose(columns["log_rounds"], np.log1p(3) / scale)


def test_a_follow_on_round_is_explained_by_the_track_record() -> None:
    history = InvestorHistory.from_deals(
        [PastDeal("Unitree", "ai.embodied", "series_b", None, dt.date(2024, 5, 1))],
        as_of=dt.date(2025, 1, 1),
    )
    follow_on = RequestRecord(
        "a", ("ai.embodied",), "series_c", Decimal(10**9), "CNY", company="unitree "
    )
    assert company_key("Unitree") == company_key(" UNITREE")
    assert history_reason(history, follow_on) == Reason(
        "track_record", "follow_on", company="unitree "
    )
    other = RequestRecord(
        "b", ("ai.embodied",), "series_c", Decimal(10**9), "CNY", company="AgiBot"
    )
    assert history_reason(history, other) == Reason(
        "track_record", "sector_deals", request_codes=("ai.embodied",), count=1, total=1
    )


def test_a_commitment_does_not_make_its_own_request_a_follow_on() -> None:
    """Committing to a request through the service is a deal in its company, but no earlier
    one for that request: only the company's other requests become follow-ons."""
    committed_on = dt.date(2025, 3, 1)
    deals = [
        PastDeal("Stepfun", "ai.foundation_models", "series_b", None, committed_on, "r-stepfun"),
        PastDeal("Unitree", "ai.embodied", "series_b", None, dt.date(2024, 5, 1)),
        # Recorded by hand the day after committing: the same round, not an earlier one.
        PastDeal("Stepfun", "ai.foundation_models", "series_b", None, dt.date(2025, 3, 2)),
        # Recorded before committing: an earlier round of the company.
        PastDeal("MiniMax", "ai.foundation_models", "series_a", None, dt.date(2024, 1, 1)),
        PastDeal("MiniMax", "ai.foundation_models", "series_b", None, committed_on, "r-minimax"),
    ]
    as_of = dt.date(2025, 6, 1)
    history = replace(
        InvestorHistory.from_deals(deals, as_of=as_of), own_rounds=own_rounds(deals, before=as_of)
    )
    assert history.own_rounds == {company_key("Stepfun"): frozenset({"r-stepfun"})}
    committed = _request("r-stepfun", "ai.foundation_models", "series_b", 10**9, company="Stepfun")
    next_round = _request("r-later", "ai.foundation_models", "series_c", 10**9, company="Stepfun")
    earlier_backed = _request(
        "r-minimax", "ai.foundation_models", "series_b", 10**9, company="MiniMax"
    )
    assert history_reason(history, committed) != Reason(
        "track_record", "follow_on", company="Stepfun"
    )
    assert history_reason(history, next_round) == Reason(
        "track_record", "follow_on", company="Stepfun"
    )
    assert history_reason(history, earlier_backed) == Reason(
        "track_record", "follow_on", company="MiniMax"
    )
    scorer = MatchScorer(stage_order=("seed", "series_a", "series_b", "series_c")).fit(
        [committed, next_round, earlier_backed]
    )
    columns = history_columns(
        history,
        scorer.catalogue_,
        None,
        combos=scorer.combos_,
        ladder=scorer.ladder_,
        regions=scorer.regions_,
    )
    by_id = dict(
        zip(
            [i.decode() for i in scorer.catalogue_.ids],
            columns["portfolio_company"].tolist(),
            strict=True,
        )
    )
    assert by_id == {"r-stepfun": 0.0, "r-later": 1.0, "r-minimax": 1.0}


def test_of_two_requests_committed_to_only_the_later_is_a_follow_on() -> None:
    deals = [
        PastDeal("Stepfun", "ai", "series_a", None, dt.date(2024, 3, 1), "r-first"),
        PastDeal("Stepfun", "ai", "series_b", None, dt.date(2025, 3, 1), "r-second"),
    ]
    assert own_rounds(deals, before=dt.date(2026, 1, 1)) == {
        company_key("Stepfun"): frozenset({"r-first"})
    }
    # Before the second commitment only the first counts, and it is its own round.
    assert own_rounds(deals, before=dt.date(2024, 6, 1)) == {
        company_key("Stepfun"): frozenset({"r-first"})
    }


def test_training_reads_a_commitment_as_serving_does() -> None:
    """A committed pair dated at a later outcome: its own commitment is in the history by
    then, but it is no earlier deal in the company for that pair (training and serving
    agree), while another request of the company is a follow-on."""
    mandate = InvestorRecord(
        "fund", ("ai",), ("series_a", "series_b"), Decimal(10**7), Decimal(10**10), "CNY"
    )
    committed = _request("r-own", "ai", "series_b", 10**9, company="Stepfun")
    later = _request("r-next", "ai", "series_b", 10**9, company="Stepfun")
    scorer = MatchScorer(stage_order=("seed", "series_a", "series_b")).fit([committed, later])
    track = {"fund": [PastDeal("Stepfun", "ai", "series_b", None, dt.date(2025, 3, 1), "r-own")]}
    pairs = labelled_feedback_pairs(
        scorer,
        [
            FeedbackOutcome("fund", committed, dt.date(2025, 5, 1), positive=True),
            FeedbackOutcome("fund", later, dt.date(2025, 5, 1), positive=False),
        ],
        track,
        {"fund": mandate},
    )
    portfolio = RANKING_FEATURES.index("portfolio_company")
    assert pairs.features[:, portfolio].tolist() == [0.0, 1.0]


# Learning from deal history, end to end.


def _record_track_records(api: ApiClient) -> dict[str, tuple[Account, str]]:
    """Twelve investors with one mandate (all of AI); each funds one AI sub-sector only."""
    investors: dict[str, tuple[Account, str]] = {}
    for number in range(12):
        home = HOMES[number % len(HOMES)]
        account = api.create_account("investor")
        profile = api.create_investor(
            account,
            name=f"Fund {number}",
            sectors=["ai"],
            stages=["series_b", "series_c"],
            ticket_min="300000000",
            ticket_max="3000000000",
            thesis="",
            regions=[],
        )
        for deal_number in range(9):
            # Six older deals, then three in the last year, spread over it.
            closed_on = (
                dt.date(2022, 1 + deal_number, 10 + number)
                if deal_number < 6
                else dt.date(2025, 1 + 4 * (deal_number - 6), 1 + number)
            )
            response = api.client.post(
                f"/v1/investors/{profile['id']}/deals",
                json=_deal(
                    company=f"{home} company {number}-{deal_number}",
                    sector=home,
                    closed_on=closed_on.isoformat(),
                ),
                headers=api.admin,
            )
            assert response.status_code == 201, response.text
        investors[home] = investors.get(home) or (account, profile["id"])
    return investors


def _first_match(api: ApiClient, account: Account, profile_id: str) -> dict[str, Any]:
    response = api.client.get(
        f"/v1/investors/{profile_id}/matches?limit=2", headers=account.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_ranker_trained_on_deal_history_puts_the_investors_own_sector_first(
    api: ApiClient,
) -> None:
    investors = _record_track_records(api)
    startup = api.create_account("startup")
    # Both requests are in the mandate; the robotics one asks a little more than its ticket.
    for company, sector, amount in (
        ("Model Lab", "ai.foundation_models", "1000000000"),
        ("Robot Works", "ai.embodied", "3500000000"),
    ):
        request = api.create_request(
            startup, company=company, sectors=[sector], amount=amount, stage="series_b"
        )
        api.publish(request["id"])
    account, profile_id = investors["ai.embodied"]

    before = _first_match(api, account, profile_id)
    assert before["model"]["version"] == "default-v1"
    assert before["items"][0]["financing_request"]["company"] == "Model Lab"

    trained = api.client.post("/v1/ranking-models/train", headers=api.admin)
    assert trained.status_code == 201, trained.text
    outcome = trained.json()
    assert outcome["activated"] is False  # a candidate: the commission activates it
    metrics = outcome["model"]["metrics"]
    assert metrics["held_out_auc"] > metrics["serving_held_out_auc"]
    activated = api.client.post(
        f"/v1/ranking-models/{outcome['model']['id']}/activate", headers=api.admin
    )
    assert activated.status_code == 200, activated.text

    after = _first_match(api, account, profile_id)
    assert after["model"]["version"] == "learned-v1"
    first = after["items"][0]
    assert first["financing_request"]["company"] == "Robot Works"
    track_record = next(r for r in first["reasons"] if r["kind"] == "track_record")
    assert track_record["values"] == {
        "request_codes": ["ai.embodied"],
        "count": "9",
        "total": "9",
    }
    assert track_record["text"] == "投资记录：您的9笔投资中有9笔在具身智能与智能机器人领域"

    # The same model ranks the investors of a request by their track records too.
    request_id = first["financing_request"]["id"]
    ranked = api.client.get(
        f"/v1/financing-requests/{request_id}/matches?limit=3", headers=api.admin
    ).json()
    assert {item["investor"]["name"] for item in ranked["items"]} == {
        "Fund 1",
        "Fund 5",
        "Fund 9",
    }

    # Committing to the request is a deal in its company, but no earlier round of it: the
    # request is not explained as a follow-on of itself (10 deals now, the commitment one).
    committed = api.client.put(
        f"/v1/investors/{profile_id}/feedback/{request_id}",
        json={"action": "committed", "amount": "300000000", "currency": "CNY"},
        headers=account.headers,
    )
    assert committed.status_code == 200, committed.text
    again = api.client.get(
        f"/v1/investors/{profile_id}/matches?limit=5", headers=account.headers
    ).json()
    same = next(i for i in again["items"] if i["financing_request"]["id"] == request_id)
    outcomes = [r["outcome"] for r in same["reasons"] if r["kind"] == "track_record"]
    assert outcomes == ["sector_deals"], same["reasons"]
    assert "本轮为跟投" not in str(same["reasons"])
