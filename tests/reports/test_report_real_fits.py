"""A report counts matches only. At min_score 0.6 (the default) the sector misses of
``tests/support/report_world.py`` reach the cutoff on ticket and stage alone (0.3 + 0.3):
I1, I2, I3 and I5 against R3 (quantum, nobody's sector), I2 against R1 and R4, I1 against R2.
None of them is a match, so none is in coverage, top pairs, fitting investors or capital
available."""

from __future__ import annotations

from typing import Any

from tests.support.factories import ApiClient
from tests.support.report_world import build_fixture


def test_sector_misses_at_the_cutoff_count_nowhere_in_a_report(api: ApiClient) -> None:
    fx = build_fixture(api)
    response = api.client.post(
        "/v1/reports", json={"event_id": fx.event_id, "top_k": 5}, headers=api.admin
    )
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    assert report["min_score"] == 0.6
    label = {v: k for k, v in {**fx.requests, **fx.investors}.items()}

    listed = {label[r["financing_request_id"]]: r for r in report["requests"]}
    above = {name: r["investors_above_min_score"] for name, r in listed.items()}
    # R1: I1, I3, I5 (ticket partly, 0.780); R2: I2, I3; R3: nobody; R4: I1, I3, I5.
    assert above == {"R1": 3, "R2": 2, "R3": 0, "R4": 3}
    tops = {
        name: sorted(label[m["investor_profile_id"]] for m in r["top_investors"])
        for name, r in listed.items()
    }
    assert tops == {
        "R1": ["I1", "I3", "I5"],
        "R2": ["I2", "I3"],
        "R3": [],
        "R4": ["I1", "I3", "I5"],
    }
    assert report["coverage"]["buckets"] == [
        {"label": "0", "requests": 1},
        {"label": "1", "requests": 0},
        {"label": "2", "requests": 1},
        {"label": "3+", "requests": 2},
    ]
    (unmatched,) = report["unmatched"]
    assert label[unmatched["financing_request_id"]] == "R3"
    assert unmatched["investors_above_min_score"] == 0
    assert unmatched["best_score"] is None  # no investor fits it on all three

    investor_tops = {
        label[i["investor_profile_id"]]: sorted(
            label[m["financing_request_id"]] for m in i["top_requests"]
        )
        for i in report["investors"]
    }
    assert investor_tops == {
        "I1": ["R1", "R4"],
        "I2": ["R2"],
        "I3": ["R1", "R2", "R4"],
        "I4": [],
        "I5": ["R1", "R4"],
    }

    by_sector = {row["code"]: row for row in report["by_sector"]}
    assert by_sector["quantum"]["fitting_investors"] == 0
    assert by_sector["quantum"]["capital_available"] == "0.00"
    assert by_sector["ai"]["fitting_investors"] == 3  # I1, I3, I5; not I2
    assert by_sector["ai"]["capital_available"] == "2010000000.00"  # 1000M + 710M + 300M
    assert by_sector["semiconductors"]["fitting_investors"] == 2  # I2, I3; not I1
    assert by_sector["semiconductors"]["capital_available"] == "1710000000.00"


def test_a_reports_reasons_name_a_region_outside_the_mandate(api: ApiClient) -> None:
    """The report explains a pair as the matches do: a region outside the mandate's lowers
    the score, and the report says so."""
    owner = api.create_account("investor")
    api.create_investor(owner, name="浦东基金", regions=["pudong"])
    startup = api.create_account("startup")
    request = api.create_request(startup, region="xuhui")
    api.publish(request["id"])
    report = api.client.post("/v1/reports", json={"min_score": 0}, headers=api.admin).json()
    (listed,) = [r for r in report["requests"] if r["financing_request_id"] == request["id"]]
    reasons = [
        reason
        for investor in listed["top_investors"]
        if investor["name"] == "浦东基金"
        for reason in investor["reasons"]
    ]
    assert {
        "kind": "region",
        "outcome": "outside",
        "values": {"request_codes": ["xuhui"], "mandate_codes": ["pudong"]},
    } in reasons
    html = api.client.get(
        f"/v1/reports/{report['id']}", params={"format": "html"}, headers=api.admin
    )
    assert "区域：徐汇区不在浦东基金关注的区域（浦东新区）之内（匹配度已下调）" in html.text
