"""Training on feedback reads the whole market's deals, as ranking does: an answer about a
company whose earlier backers shared rounds with the investor carries that co-investment."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from scoring.learned import RANKING_FEATURES
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.ranking.training_pairs import feedback_pairs
from tests.support.factories import ApiClient


def _deal(api: ApiClient, profile_id: str, company: str, closed_on: str) -> None:
    body: dict[str, Any] = {
        "company": company,
        "sector": "ai.foundation_models",
        "stage": "series_b",
        "region": "pudong",
        "amount": "800000000",
        "currency": "CNY",
        "closed_on": closed_on,
    }
    response = api.client.post(f"/v1/investors/{profile_id}/deals", json=body, headers=api.admin)
    assert response.status_code == 201, response.text


def test_feedback_pairs_count_rounds_shared_with_the_companys_earlier_backers(
    api: ApiClient, db_session: Session
) -> None:
    answering, partner = api.create_account("investor"), api.create_account("investor")
    mine = api.create_investor(answering, name="Answering fund", regions=[])
    theirs = api.create_investor(partner, name="Partner fund", regions=[])
    # The two funds shared two rounds; the partner alone backed Stepfun earlier.
    for company, day in (("Shared One", "2024-03-01"), ("Shared Two", "2024-09-01")):
        _deal(api, mine["id"], company, day)
        _deal(api, theirs["id"], company, day)
    _deal(api, theirs["id"], "Stepfun", "2025-01-15")
    startup = api.create_account("startup")
    request = api.create_request(startup, company="Stepfun")
    api.publish(request["id"])
    answered = api.client.put(
        f"/v1/investors/{mine['id']}/feedback/{request['id']}",
        json={"action": "interested"},
        headers=answering.headers,
    )
    assert answered.status_code == 200, answered.text

    scorer = MatchIndex(make_default_scorer).rebuild(db_session).scorer
    pairs = feedback_pairs(db_session, scorer)
    column = RANKING_FEATURES.index("log_co_investments")
    assert pairs.investors == (mine["id"],)
    assert pairs.features[0, column] > 0  # two shared rounds with Stepfun's earlier backer
