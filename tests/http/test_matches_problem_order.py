"""An investor's matches judge a request in the order every route does: the caller (401), its
input's form (unknown or repeated parameters, 422), its role (403), the mandate it names (404),
then the values of its parameters (422), though the route checks the first four in one
dependency (``InvestorSideMandate``)."""

from __future__ import annotations

from typing import Any

from tests.support.factories import ApiClient

UNKNOWN_MANDATE = "00000000-0000-4000-8000-000000000000"


def _problem(api: ApiClient, mandate_id: str, params: str, headers: dict[str, str]) -> Any:
    response = api.client.get(f"/v1/investors/{mandate_id}/matches?{params}", headers=headers)
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, [error.get("code") for error in response.json().get("errors", [])]


def test_each_problem_comes_in_its_turn(api: ApiClient) -> None:
    investor = api.create_account("investor")
    profile = api.create_investor(investor)
    other = api.create_investor(api.create_account("investor"))
    startup = api.create_account("startup")

    # No caller: nothing else is judged.
    assert _problem(api, UNKNOWN_MANDATE, "limit=0&min_scor=1", {})[0] == 401
    # A caller: the form of its input before its role.
    assert _problem(api, UNKNOWN_MANDATE, "min_scor=1", startup.headers) == (
        422,
        ["unknown_parameter"],
    )
    assert _problem(api, UNKNOWN_MANDATE, "limit=1&limit=2", startup.headers) == (
        422,
        ["repeated_parameter"],
    )
    # Its role before the mandate, the mandate before the parameters' values.
    assert _problem(api, UNKNOWN_MANDATE, "limit=0", startup.headers)[0] == 403
    assert _problem(api, other["id"], "limit=0", investor.headers)[0] == 404
    assert _problem(api, UNKNOWN_MANDATE, "limit=0", api.admin)[0] == 404
    status, codes = _problem(api, profile["id"], "limit=0", investor.headers)
    assert status == 422
    assert codes
    assert "unknown_parameter" not in codes
