"""Match reports against the world of ``tests/support/report_world.py``, whose every figure
is computed by hand there (investors I1-I5, requests R1-R6, full fits score 0.94)."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditRecord, ModelStatus, RankingModel, Report
from scoring.learned import COMPONENT_FEATURES, LearnedRanker
from tests.support.factories import ApiClient
from tests.support.report_world import Fixture, build_fixture

PROBLEM = "application/problem+json"
FULL_FIT = 0.94


def _create(api: ApiClient, **body: Any) -> dict[str, Any]:
    response = api.client.post("/v1/reports", json=body, headers=api.admin)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/v1/reports/{document['id']}"
    return document


def _feedback(api: ApiClient, fixture: Fixture, investor: str, request: str, **body: Any) -> None:
    response = api.client.put(
        f"/v1/investors/{fixture.investors[investor]}/feedback/{fixture.requests[request]}",
        json=body,
        headers=fixture.accounts[investor].headers,
    )
    assert response.status_code == 200, response.text


def test_report_figures_match_the_hand_computed_fixture(api: ApiClient) -> None:
    fx = build_fixture(api)
    report = _create(api, event_id=fx.event_id, top_k=2, min_score=0.8)
    request_label = {v: k for k, v in fx.requests.items()}
    investor_label = {v: k for k, v in fx.investors.items()}

    assert report["scope"] == {
        "event_id": fx.event_id,
        "event_name": "2026 上海投资促进大会",
        "sectors": [],
        "stages": [],
        "event_date": "2026-11-05",  # as the event was when the report ran
        "event_place": "Shanghai",
    }
    assert report["title"] == "Match report: 2026 上海投资促进大会"
    assert report["model"] == {
        "version": "default-v1",
        "weights": {"sector": 0.4, "ticket": 0.3, "stage": 0.3},
    }
    assert report["counts"] == {"published_requests": 5, "investors": 5}
    assert report["totals"] == {
        "requests": 4,
        "investors": 5,
        "capital_asked": "1355000000.00",  # 500M + 50M USD * 7.10 + 300M + 200M
        "currency": "CNY",
    }
    assert report["coverage"] == {
        "min_investors": 3,
        "covered": 1,
        "uncovered": 3,
        "buckets": [
            {"label": "0", "requests": 1},
            {"label": "1", "requests": 0},
            {"label": "2", "requests": 2},
            {"label": "3+", "requests": 1},
        ],
        "counted_by": "firm",
    }
    assert report["unmatched"] == [
        {
            "financing_request_id": fx.requests["R3"],
            "company": "QBoson",
            "title": "R3 round",
            "sectors": ["quantum"],
            "stage": "series_a",
            "amount": "300000000.00",
            "currency": "CNY",
            "investors_above_min_score": 0,
            "best_score": None,  # its best pairs (0.6) miss the sector: no match
        }
    ]
    by_sector = {row["code"]: row for row in report["by_sector"]}
    assert list(by_sector) == ["ai", "semiconductors", "quantum"]  # taxonomy order
    assert by_sector["ai"] == {
        "code": "ai",
        "name": "Artificial intelligence",
        "requests": 2,
        "capital_asked": "700000000.00",
        "fitting_investors": 3,  # I1, I3, I5
        "capital_available": "2010000000.00",  # 1000M + 100M USD * 7.10 + 300M
    }
    assert by_sector["semiconductors"]["requests"] == 1
    assert by_sector["semiconductors"]["capital_asked"] == "355000000.00"
    assert by_sector["semiconductors"]["fitting_investors"] == 2  # I2, I3
    assert by_sector["semiconductors"]["capital_available"] == "1710000000.00"
    assert by_sector["quantum"]["fitting_investors"] == 0
    assert by_sector["quantum"]["capital_available"] == "0.00"
    assert report["by_stage"] == [
        {
            "code": "series_a",
            "name": report["by_stage"][0]["name"],
            "requests": 4,
            "capital_asked": "1355000000.00",
            "fitting_investors": 4,  # everyone but I4
            "capital_available": "3010000000.00",
        }
    ]

    listed = {request_label[r["financing_request_id"]]: r for r in report["requests"]}
    # Largest asks first: R1 500M, R2 355M, R3 300M, R4 200M.
    assert [request_label[r["financing_request_id"]] for r in report["requests"]] == [
        "R1",
        "R2",
        "R3",
        "R4",
    ]
    assert [r["investors_above_min_score"] for r in report["requests"]] == [2, 2, 0, 3]

    def top(label: str) -> list[tuple[str, float]]:
        return [
            (investor_label[m["investor_profile_id"]], m["score"])
            for m in listed[label]["top_investors"]
        ]

    assert top("R1") == sorted([("I1", FULL_FIT), ("I3", FULL_FIT)], key=_by_id(fx.investors))
    assert top("R3") == []
    assert (
        top("R4")
        == sorted([("I1", FULL_FIT), ("I3", FULL_FIT), ("I5", FULL_FIT)], key=_by_id(fx.investors))[
            :2
        ]
    )
    first = listed["R1"]["top_investors"][0]
    ticket = next(reason for reason in first["reasons"] if reason["kind"] == "ticket")
    assert (ticket["outcome"], ticket["values"]["amount"]) == ("within", "500000000.00")

    tops = {
        investor_label[i["investor_profile_id"]]: [
            (request_label[m["financing_request_id"]], m["score"]) for m in i["top_requests"]
        ]
        for i in report["investors"]
    }
    assert tops["I1"] == sorted([("R1", FULL_FIT), ("R4", FULL_FIT)], key=_by_id(fx.requests))
    assert tops["I2"] == [("R2", FULL_FIT)]
    assert tops["I4"] == []
    assert tops["I5"] == [("R4", FULL_FIT)]
    assert report["funnel"] is None


def _by_id(ids: dict[str, str]) -> Any:
    return lambda pair: ids[pair[0]]


def test_the_funnel_counts_feedback_in_scope(api: ApiClient) -> None:
    fx = build_fixture(api)
    _feedback(api, fx, "I1", "R1", action="meeting")
    _feedback(api, fx, "I3", "R4", action="committed", amount="50000000", currency="CNY")
    _feedback(api, fx, "I2", "R2", action="pass", reason="valuation")
    _feedback(api, fx, "I1", "R5", action="committed", amount="999", currency="CNY")  # elsewhere
    report = _create(api, event_id=fx.event_id, top_k=2, min_score=0.8)
    assert report["funnel"] == {
        # Pairs at or above min_score, 2 + 2 + 0 + 3, less I2's pass on R2: a pair the
        # investor declined is no match.
        "matched": 6,
        "interested": 2,
        "meeting": 2,
        "committed": 1,
        "committed_amount": "50000000.00",
        "currency": "CNY",
    }


def test_a_sector_scope_keeps_the_mandates_and_requests_in_it(api: ApiClient) -> None:
    fx = build_fixture(api)
    report = _create(api, sectors=["semiconductors"], min_score=0.8)
    assert report["scope"] == {
        "event_id": None,
        "event_name": None,
        "sectors": ["semiconductors"],
        "stages": [],
    }  # no event: no date or place written
    assert report["totals"]["requests"] == 1
    assert report["totals"]["investors"] == 2  # I2 and I3
    assert [r["financing_request_id"] for r in report["requests"]] == [fx.requests["R2"]]
    by_stage = _create(api, stages=["growth"])
    assert by_stage["totals"]["requests"] == 0
    assert by_stage["totals"]["investors"] == 1  # I4
    assert by_stage["coverage"]["buckets"][-1] == {"label": "3+", "requests": 0}


def test_a_report_is_frozen_and_listed(api: ApiClient) -> None:
    fx = build_fixture(api)
    first = _create(api, event_id=fx.event_id, min_score=0.8, title="Before the fair")
    # Later data does not change a stored report.
    startup = api.create_account("startup")
    late = api.record_request(startup, event_id=fx.event_id, sectors=["ai"], stage="series_a")
    api.publish(late["id"])
    second = _create(api, event_id=fx.event_id, min_score=0.8)
    assert second["totals"]["requests"] == 5
    again = api.client.get(f"/v1/reports/{first['id']}", headers=api.admin)
    assert again.status_code == 200
    assert again.json() == first
    listed = api.client.get("/v1/reports", headers=api.admin).json()
    assert [r["id"] for r in listed["items"]] == [second["id"], first["id"]]
    summary = listed["items"][1]
    assert summary["title"] == "Before the fair"
    assert summary["totals"] == first["totals"]
    assert summary["coverage"] == first["coverage"]
    only_event = api.client.get(
        "/v1/reports", params={"event_id": fx.event_id, "limit": 1}, headers=api.admin
    ).json()
    assert [r["id"] for r in only_event["items"]] == [second["id"]]
    assert only_event["next_cursor"] is not None
    trail = api.client.get("/v1/audit", params={"object_type": "report"}, headers=api.admin).json()
    assert [r["object_id"] for r in trail["items"]] == [second["id"], first["id"]]


def test_csv_has_a_bom_and_neutralised_cells(api: ApiClient) -> None:
    fx = build_fixture(
        api,
        R1={"company": '=HYPERLINK("http://evil")'},
        R3={"company": "@SUM(A1:A9)", "title": "-2+3"},
        R4={"company": "+cmd|' /C calc'!A0"},
    )
    report = _create(api, event_id=fx.event_id, min_score=0.8)
    response = api.client.get(f"/v1/reports/{report['id']}?format=csv", headers=api.admin)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@"}]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert "'@SUM(A1:A9)" in cells
    assert "'-2+3" in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert "Cixtech" in cells
    unmatched = rows.index(["# Unmatched requests"])
    assert rows[unmatched + 2][:2] == [fx.requests["R3"], "'@SUM(A1:A9)"]
    assert next(row[:5] for row in rows if row[:1] == ["ai"]) == [
        "ai",
        "Artificial intelligence",
        "2",
        "700000000.00",
        "3",
    ]


def test_html_is_the_rendered_document(api: ApiClient) -> None:
    fx = build_fixture(api)
    report = _create(api, event_id=fx.event_id, min_score=0.8)
    response = api.client.get(f"/v1/reports/{report['id']}?format=html", headers=api.admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "阶跃星辰" in response.text
    assert "<svg" in response.text


def _counts(session: Session) -> list[int | None]:
    return [session.scalar(select(func.count()).select_from(m)) for m in (Report, AuditRecord)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"top_k": 0}, "top_k"),
        ({"top_k": 21}, "top_k"),
        ({"top_k": "five"}, "top_k"),
        ({"min_score": 1.5}, "min_score"),
        ({"min_score": -0.1}, "min_score"),
        ({"sectors": ["crypto"]}, "sectors.0"),
        ({"sectors": "ai"}, "sectors"),
        ({"stages": ["series_z"]}, "stages.0"),
        ({"event_id": "00000000-0000-4000-8000-000000000000"}, "event_id"),
        ({"event_id": ""}, "event_id"),
        ({"title": ""}, "title"),
        ({"scope": {}}, "scope"),
    ],
)
def test_bad_report_input_names_the_field_and_writes_nothing(
    api: ApiClient, db_session: Session, body: dict[str, Any], field: str
) -> None:
    before = _counts(db_session)
    response = api.client.post("/v1/reports", json=body, headers=api.admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in {e["field"] for e in response.json()["errors"]}
    assert _counts(db_session) == before


def test_an_unknown_format_or_report_is_a_problem(api: ApiClient) -> None:
    report = _create(api)
    bad = api.client.get(f"/v1/reports/{report['id']}?format=docx", headers=api.admin)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["format"]
    missing = api.client.get("/v1/reports/00000000-0000-4000-8000-000000000000", headers=api.admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("model", ["default", "learned"])
def test_report_scores_are_the_matches_scores(
    api: ApiClient, db_session: Session, model: str
) -> None:
    """The report ranks with the serving model, exactly as the matches endpoint does."""
    fx = build_fixture(api)
    if model == "learned":
        rng = np.random.default_rng(5)
        inputs = rng.uniform(0, 1, (200, len(COMPONENT_FEATURES)))
        outcomes = (inputs[:, 0] + 0.5 * inputs[:, 1] + rng.normal(0, 0.2, 200) > 0.8).astype(int)
        ranker = LearnedRanker(feature_names=COMPONENT_FEATURES).fit(inputs, outcomes)
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
    report = _create(api, event_id=fx.event_id, top_k=3, min_score=0.3)
    assert report["model"]["version"] == ("learned-v7" if model == "learned" else "default-v1")
    for investor in report["investors"]:
        label = next(k for k, v in fx.investors.items() if v == investor["investor_profile_id"])
        matches = api.client.get(
            f"/v1/investors/{investor['investor_profile_id']}/matches",
            params={"event_id": fx.event_id, "min_score": 0.3, "limit": 3},
            headers=fx.accounts[label].headers,
        ).json()
        # The investor is told the model's version, not its weights (the commission's).
        assert matches["model"] == {**report["model"], "weights": None}
        # The same findings; the report keeps them as structure, written when read.
        assert [
            (
                m["financing_request"]["id"],
                m["score"],
                [{k: r[k] for k in ("kind", "outcome", "values")} for r in m["reasons"]],
            )
            for m in matches["items"]
        ] == [
            (r["financing_request_id"], r["score"], r["reasons"]) for r in investor["top_requests"]
        ]


def test_a_pair_the_investor_passed_on_is_no_match_in_a_report(api: ApiClient) -> None:
    """The walk found a report putting an investor first for a request it had declined
    (不考虑), and counting it among the request's matching investors: the commission would
    follow up with someone who said no. A pass takes the pair out, as the investor's own
    matches do; answered otherwise later, the pair counts again."""
    startup = api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    investor = api.create_account("investor")
    mandate = api.create_investor(investor)

    def listed() -> tuple[int, list[str]]:
        report = _create(api)
        row = next(r for r in report["requests"] if r["financing_request_id"] == request["id"])
        names = [i["investor_profile_id"] for i in row["top_investors"]]
        return row["investors_above_min_score"], names

    matched, names = listed()
    assert names == [mandate["id"]]
    path = f"/v1/investors/{mandate['id']}/feedback/{request['id']}"
    passed = api.client.put(
        path, json={"action": "pass", "reason": "valuation"}, headers=investor.headers
    )
    assert passed.status_code in (200, 201), passed.text
    assert listed() == (matched - 1, [])
    changed = api.client.put(
        path,
        json={"action": "interested"},
        headers={**investor.headers, "If-Match": passed.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert listed() == (matched, [mandate["id"]])
