"""A learned ranker: trained on feedback, served only when better on held-out pairs."""

from __future__ import annotations

from typing import Any

from tests.support.factories import Account, ApiClient
from tests.support.feedback_worlds import contrarian_world


def _serving(api: ApiClient, investor: Account, profile_id: str) -> Any:
    # With near misses: the contrarian world's misfits fit the mandate on nothing, so only
    # then can a learned ranker's preference for them show.
    response = api.client.get(
        f"/v1/investors/{profile_id}/matches?limit=5&include_passed=true&include_near_misses=true",
        headers=investor.headers,
    )
    assert response.status_code == 200
    return response.json()


def test_too_little_feedback_keeps_the_default_weights(api: ApiClient) -> None:
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    response = api.client.post("/v1/ranking-models/train", headers=api.admin)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "Too little feedback" in response.json()["detail"]
    assert _serving(api, investor, profile["id"])["model"]["version"] == "default-v1"


def test_a_better_model_is_activated_and_the_default_can_be_restored(api: ApiClient) -> None:
    investor, profile_id = contrarian_world(api, likes_the_mandate=False)
    before = _serving(api, investor, profile_id)
    assert before["items"][0]["components"]["stage"] == 1.0  # the mandate's fits come first

    trained = api.client.post("/v1/ranking-models/train", headers=api.admin)
    assert trained.status_code == 201, trained.text
    outcome = trained.json()
    assert outcome["activated"] is True
    metrics = outcome["model"]["metrics"]
    assert metrics["held_out_auc"] > metrics["serving_held_out_auc"]
    assert outcome["serving_version"] == "learned-v1"

    after = _serving(api, investor, profile_id)
    assert after["model"]["version"] == "learned-v1"
    assert after["items"][0]["financing_request"]["stage"] == "seed"  # what it really likes
    # The investor sees its own pairs' components, never the learned model's weights; the
    # commission (on the same list, and on a request's investors) sees them.
    assert after["model"]["weights"] is None
    assert set(after["items"][0]["components"]) == {"sector", "ticket", "stage"}
    as_commission = api.client.get(
        f"/v1/investors/{profile_id}/matches?limit=5&include_passed=true&include_near_misses=true",
        headers=api.admin,
    ).json()
    assert as_commission["model"]["version"] == "learned-v1"
    learned_features = outcome["model"]["parameters"]["feature_names"]
    assert set(as_commission["model"]["weights"]) == set(learned_features)
    request_id = after["items"][0]["financing_request"]["id"]
    investors = api.client.get(
        f"/v1/financing-requests/{request_id}/matches", headers=api.admin
    ).json()
    assert investors["model"] == as_commission["model"]

    restored = api.client.post("/v1/ranking-models/default/activate", headers=api.admin)
    assert restored.json()["serving_version"] == "default-v1"
    assert _serving(api, investor, profile_id)["model"]["version"] == "default-v1"
    model_id = outcome["model"]["id"]
    again = api.client.post(f"/v1/ranking-models/{model_id}/activate", headers=api.admin)
    assert again.json()["status"] == "active"
    assert _serving(api, investor, profile_id)["model"]["version"] == "learned-v1"


def test_a_model_no_better_than_the_serving_one_is_not_activated(api: ApiClient) -> None:
    investor, profile_id = contrarian_world(api, likes_the_mandate=True)
    trained = api.client.post("/v1/ranking-models/train", headers=api.admin)
    assert trained.status_code == 201, trained.text
    outcome = trained.json()
    assert outcome["activated"] is False
    assert outcome["model"]["status"] == "candidate"
    assert outcome["serving_version"] == "default-v1"
    assert _serving(api, investor, profile_id)["model"]["version"] == "default-v1"
    listed = api.client.get("/v1/ranking-models", headers=api.admin).json()
    assert [m["version"] for m in listed["items"]] == [1]


def test_only_the_commission_trains_and_activates(api: ApiClient) -> None:
    investor = api.create_account("investor")
    startup = api.create_account("startup")
    for who in (investor.headers, startup.headers):
        assert api.client.post("/v1/ranking-models/train", headers=who).status_code == 403
        assert api.client.get("/v1/ranking-models", headers=who).status_code == 403
    assert api.client.post("/v1/ranking-models/train").status_code == 401
    missing = "/v1/ranking-models/00000000-0000-0000-0000-000000000000/activate"
    assert api.client.post(missing, headers=api.admin).status_code == 404
