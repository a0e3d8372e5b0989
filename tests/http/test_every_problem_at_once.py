"""One 422 names every invalid field of a body, including the rules between fields.

Pydantic runs a model's own validators only once every field is valid; the bodies here check
their rules between fields (``service.http.fields.CheckedTogether``) together with the fields,
so a client fixes a body in one round trip.
"""

from __future__ import annotations

from typing import Any

from httpx import Response

from tests.support.factories import ApiClient, investor_payload, request_payload

PROBLEM = "application/problem+json"


def _named(response: Response) -> dict[str, set[str]]:
    """Each named field with the codes it was refused for."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    named: dict[str, set[str]] = {}
    for error in response.json()["errors"]:
        named.setdefault(error["field"], set()).add(error["code"])
    return named


def test_an_investor_with_three_problems_hears_of_all_three(api: ApiClient) -> None:
    investor = api.create_account("investor")
    body = investor_payload(
        sectors=["ai", "not-a-sector"], ticket_min="9000000000", stages=["not-a-stage"]
    )

    response = api.client.post("/v1/investors", json=body, headers=investor.headers)

    named = _named(response)
    assert named == {
        "sectors.1": {"unknown_sector"},
        "stages.0": {"unknown_stage"},
        "ticket_min": {"ticket_range"},
        "ticket_max": {"ticket_range"},
    }
    by_field = {error["field"]: error for error in response.json()["errors"]}
    assert "ai" in by_field["sectors.1"]["allowed"]
    assert by_field["ticket_min"]["message"] == (
        "ticket_min 9000000000 is above ticket_max 3000000000"
    )
    assert by_field["ticket_min"]["pointer"] == "#/ticket_min"


def test_the_ticket_range_alone_is_still_refused(api: ApiClient) -> None:
    investor = api.create_account("investor")
    response = api.client.post(
        "/v1/investors", json=investor_payload(ticket_min="9000000000"), headers=investor.headers
    )
    assert _named(response) == {"ticket_min": {"ticket_range"}, "ticket_max": {"ticket_range"}}


def test_an_edit_with_a_bad_field_and_a_reversed_range_hears_of_both(api: ApiClient) -> None:
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    response = api.patch(
        f"/v1/investors/{profile['id']}",
        json={"ticket_min": "10", "ticket_max": "9", "regions": ["atlantis"]},
        headers=investor.headers,
    )
    assert _named(response) == {
        "regions.0": {"unknown_region"},
        "ticket_min": {"ticket_range"},
        "ticket_max": {"ticket_range"},
    }


def test_a_financing_request_with_three_bad_fields_hears_of_all_three(api: ApiClient) -> None:
    startup = api.create_account("startup")
    body = request_payload(amount="-5", sectors=["not-a-sector"], region="atlantis")

    response = api.client.post("/v1/financing-requests", json=body, headers=startup.headers)

    named = _named(response)
    assert set(named) == {"amount", "sectors.0", "region"}
    assert named["sectors.0"] == {"unknown_sector"}
    assert named["region"] == {"unknown_region"}


def _feedback(api: ApiClient, body: dict[str, Any]) -> Response:
    investor, startup = api.create_account("investor"), api.create_account("startup")
    profile = api.create_investor(investor)
    request = api.create_request(startup)
    api.publish(request["id"])
    response: Response = api.client.put(
        f"/v1/investors/{profile['id']}/feedback/{request['id']}",
        json=body,
        headers=investor.headers,
    )
    return response


def test_feedback_names_a_bad_currency_with_the_rules_of_its_action(api: ApiClient) -> None:
    # A pass with no reason, an amount it may not take, and an unknown currency.
    response = _feedback(api, {"action": "pass", "amount": "100", "currency": "XXX"})
    assert _named(response) == {
        "reason": {"missing"},
        "amount": {"not_allowed"},
        "currency": {"unknown_currency"},
    }


def test_feedback_rules_still_hold_with_valid_fields(api: ApiClient) -> None:
    response = _feedback(api, {"action": "committed", "reason": "team"})
    named = _named(response)
    assert named["amount"] == {"missing"}
    assert named["reason"] == {"not_allowed"}


def test_a_deal_names_a_missing_currency_with_a_bad_sector(api: ApiClient) -> None:
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    deal = {
        "company": "Stepfun",
        "sector": "not-a-sector",
        "stage": "series_b",
        "amount": "100000000",
        "closed_on": "2024-05-01",
    }
    response = api.client.post(
        f"/v1/investors/{profile['id']}/deals", json=deal, headers=investor.headers
    )
    assert _named(response) == {"sector": {"unknown_sector"}, "currency": {"missing"}}
