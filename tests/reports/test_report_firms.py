"""A report's coverage counts investors as firms: a firm that keeps three mandates fitting a
request is one investor the startup meets, not three. The capital available still adds
each mandate's ticket (a firm's funds are separate pools).

In ``tests/support/report_world.py`` R2 (semiconductors, 355M CNY) matches I2 and I3: two
firms. Here I2's firm gets two more semiconductor mandates."""

from __future__ import annotations

from typing import Any

from tests.support.factories import ApiClient
from tests.support.report_world import build_fixture

SEMICONDUCTORS = {
    "sectors": ["semiconductors"],
    "stages": ["series_a"],
    "ticket_min": "100000000",
    "ticket_max": "1000000000",
    "currency": "CNY",
    "thesis": "",
    "regions": [],
}


def _report(api: ApiClient, event_id: str) -> dict[str, Any]:
    response = api.client.post(
        "/v1/reports", json={"event_id": event_id, "top_k": 5}, headers=api.admin
    )
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


def test_a_firm_with_three_fitting_mandates_counts_once(api: ApiClient) -> None:
    fx = build_fixture(api)
    firm = fx.accounts["I2"]
    more = [api.create_investor(firm, name=f"I2 fund {n}", **SEMICONDUCTORS)["id"] for n in (2, 3)]
    report = _report(api, fx.event_id)
    label = {v: k for k, v in {**fx.requests, **fx.investors}.items()}
    label.update({more[0]: "I2b", more[1]: "I2c"})

    listed = {label[r["financing_request_id"]]: r for r in report["requests"]}
    # Four mandates match R2 (each is listed with its own reasons), but two firms.
    assert sorted(label[m["investor_profile_id"]] for m in listed["R2"]["top_investors"]) == [
        "I2",
        "I2b",
        "I2c",
        "I3",
    ]
    assert listed["R2"]["investors_above_min_score"] == 2
    # The lists show mandates; those of a firm keeping several are named with their firm.
    firm_of = {
        label[m["investor_profile_id"]]: m.get("firm") for m in listed["R2"]["top_investors"]
    }
    assert firm_of == {"I2": "I2", "I2b": "I2", "I2c": "I2", "I3": None}
    investors = {label[i["investor_profile_id"]]: i.get("firm") for i in report["investors"]}
    assert investors["I2c"] == "I2"
    assert investors["I1"] is None
    html = api.client.get(f"/v1/reports/{report['id']}?format=html", headers=api.admin).text
    assert '<span class="muted firm"> · I2</span>' in html
    # So R2 is still short of three investors: in the "2" bucket, not covered.
    assert report["coverage"]["buckets"] == [
        {"label": "0", "requests": 1},
        {"label": "1", "requests": 0},
        {"label": "2", "requests": 1},
        {"label": "3+", "requests": 2},
    ]
    assert report["coverage"]["covered"] == 2
    assert report["totals"]["investors"] == 7  # mandates in scope

    semiconductors = {row["code"]: row for row in report["by_sector"]}["semiconductors"]
    assert semiconductors["fitting_investors"] == 2  # I2's firm and I3
    # Each mandate's ticket maximum: 3 x 1000M (I2's three funds) + 710M (I3, USD 100M).
    assert semiconductors["capital_available"] == "3710000000.00"
