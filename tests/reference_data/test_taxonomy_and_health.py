"""GET /v1/taxonomy, and the liveness and readiness probes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.factories import ApiClient, investor_payload, request_payload

STAGE_ORDER = [
    "proof_of_concept",
    "seed",
    "angel",
    "series_a",
    "series_b",
    "series_c",
    "growth",
    "strategic",
]


@pytest.fixture
def taxonomy(api: ApiClient) -> dict[str, Any]:
    response = api.client.get("/v1/taxonomy")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def test_taxonomy_needs_no_key_and_names_every_kind_of_code(taxonomy: dict[str, Any]) -> None:
    assert set(taxonomy) == {
        "sectors",
        "stages",
        "regions",
        "investor_kinds",
        "origins",
        "currency_names",
        "currencies",
    }
    for part in ("sectors", "stages", "regions", "investor_kinds", "origins", "currency_names"):
        for entry in taxonomy[part]:
            assert entry["name"], entry
            assert entry["name_zh"], entry
            assert entry["label"] == entry["name_zh"], entry  # Chinese by default
    assert {c["code"] for c in taxonomy["currency_names"]} == set(taxonomy["currencies"])


def test_sectors_name_their_parents(taxonomy: dict[str, Any]) -> None:
    by_code = {sector["code"]: sector for sector in taxonomy["sectors"]}

    assert by_code["ai.foundation_models"]["parent"] == "ai"
    assert by_code["semiconductors.design"]["parent"] == "semiconductors"
    assert by_code["ai"]["parent"] is None
    assert by_code["ai"]["name"]
    assert by_code["ai"]["name_zh"]
    for sector in taxonomy["sectors"]:
        assert set(sector) == {"code", "label", "name", "name_zh", "parent"}
        if sector["parent"] is not None:
            assert sector["parent"] in by_code
            assert sector["code"].startswith(sector["parent"] + ".")


def test_stages_come_in_funding_order(taxonomy: dict[str, Any]) -> None:
    assert [stage["code"] for stage in taxonomy["stages"]] == STAGE_ORDER


def test_regions_include_lingang(taxonomy: dict[str, Any]) -> None:
    codes = [region["code"] for region in taxonomy["regions"]]

    assert "lingang" in codes
    assert "pudong" in codes
    assert len(codes) == len(set(codes))


def test_currencies_are_cny_rates_as_strings(taxonomy: dict[str, Any]) -> None:
    currencies = taxonomy["currencies"]

    assert currencies["CNY"] == "1"
    assert "USD" in currencies
    for code, rate in currencies.items():
        assert isinstance(rate, str), code
        assert Decimal(rate) > 0


def test_every_listed_code_is_accepted_by_writes(api: ApiClient, taxonomy: dict[str, Any]) -> None:
    investor = api.create_account("investor")
    startup = api.create_account("startup")
    sectors = [sector["code"] for sector in taxonomy["sectors"]]
    stages = [stage["code"] for stage in taxonomy["stages"]]
    regions = [region["code"] for region in taxonomy["regions"]]

    profile = api.create_investor(investor, sectors=sectors, stages=stages, regions=regions)

    assert profile["sectors"] == sorted(sectors)
    assert profile["stages"] == STAGE_ORDER
    assert profile["regions"] == sorted(regions)
    for currency in taxonomy["currencies"]:
        request = api.client.post(
            "/v1/financing-requests",
            json=request_payload(currency=currency),
            headers=startup.headers,
        )
        assert request.status_code == 201, (currency, request.text)
        assert request.json()["currency"] == currency
        assert (
            api.client.post(
                "/v1/investors",
                json=investor_payload(currency=currency),
                headers=investor.headers,
            ).status_code
            == 201
        )


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_200(api: ApiClient, path: str) -> None:
    response = api.client.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


def test_unknown_path_is_a_404_problem(api: ApiClient) -> None:
    response = api.client.get("/v1/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
