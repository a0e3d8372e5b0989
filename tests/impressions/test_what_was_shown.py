"""What was shown: every page of matches an investor is served is remembered (position,
score, model version), answers say whether they answered something shown, and each model
version's outcomes by position are there for the commission."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Feedback, Impression
from tests.support.factories import Account, ApiClient


def _world(api: ApiClient) -> tuple[Account, dict[str, Any], list[str]]:
    """An AI mandate and three published AI requests that fit it, best first."""
    investor = api.create_account("investor")
    profile = api.create_investor(
        investor, sectors=["ai"], stages=["series_c"], ticket_min="100000000", regions=[]
    )
    startup = api.create_account("startup")
    ids = []
    for company, amount in (
        ("First", "1000000000"),
        ("Second", "2500000000"),
        ("Third", "9000000000"),
    ):
        request = api.create_request(startup, company=company, amount=amount, region=None)
        api.publish(request["id"])
        ids.append(request["id"])
    return investor, profile, ids


def _matches(api: ApiClient, who: dict[str, str], profile_id: str, **params: Any) -> Any:
    response = api.client.get(f"/v1/investors/{profile_id}/matches", params=params, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def _shown(app: FastAPI, db_session: Session) -> list[tuple[str, int, float, str]]:
    app.state.impression_log.flush()
    rows = db_session.execute(
        select(
            Impression.financing_request_id,
            Impression.position,
            Impression.score,
            Impression.model_version,
        ).order_by(Impression.shown_at, Impression.position)
    ).tuples()
    return list(rows)


def test_each_served_page_is_remembered_with_positions_scores_and_the_model(
    api: ApiClient, app: FastAPI, db_session: Session
) -> None:
    investor, profile, _ = _world(api)
    first = _matches(api, investor.headers, profile["id"], limit=2)
    second = _matches(api, investor.headers, profile["id"], limit=2, cursor=first["next_cursor"])
    # The commission looking at the investor's matches shows the investor nothing.
    _matches(api, api.admin, profile["id"], limit=2)
    served = [*first["items"], *second["items"]]
    assert _shown(app, db_session) == [
        (item["financing_request"]["id"], position, item["score"], "default-v1")
        for position, item in enumerate(served, start=1)
    ]


def test_an_answer_says_whether_the_request_had_been_shown(
    api: ApiClient, app: FastAPI, db_session: Session
) -> None:
    investor, profile, _ = _world(api)
    page = _matches(api, investor.headers, profile["id"], limit=1)
    shown_id = page["items"][0]["financing_request"]["id"]
    all_ids = [
        i["financing_request"]["id"] for i in _matches(api, api.admin, profile["id"])["items"]
    ]
    never_shown = next(i for i in all_ids if i != shown_id)
    path = f"/v1/investors/{profile['id']}/feedback"
    answered = api.client.put(
        f"{path}/{shown_id}", json={"action": "interested"}, headers=investor.headers
    )
    # Not yet written to the database: the worker's log still knows it showed it.
    assert answered.json()["shown"] is True
    unsolicited = api.client.put(
        f"{path}/{never_shown}", json={"action": "interested"}, headers=investor.headers
    )
    assert unsolicited.json()["shown"] is False
    # Kept from the first answer: seeing it later does not make the first answer solicited.
    _matches(api, investor.headers, profile["id"], limit=10)
    again = api.client.put(
        f"{path}/{never_shown}", json={"action": "meeting"}, headers=investor.headers
    )
    assert again.json()["shown"] is False
    stored = db_session.scalars(select(Feedback).order_by(Feedback.updated_at)).all()
    assert {f.financing_request_id: f.shown for f in stored} == {
        shown_id: True,
        never_shown: False,
    }


def test_online_metrics_count_what_each_position_led_to(api: ApiClient, app: FastAPI) -> None:
    investor, profile, _ = _world(api)
    items = _matches(api, investor.headers, profile["id"], limit=3)["items"]
    path = f"/v1/investors/{profile['id']}/feedback"
    first, second = (item["financing_request"]["id"] for item in items[:2])
    api.client.put(f"{path}/{first}", json={"action": "interested"}, headers=investor.headers)
    api.client.put(f"{path}/{second}", json={"action": "meeting"}, headers=investor.headers)
    app.state.impression_log.flush()  # what the worker's thread does within a second
    response = api.client.get("/v1/ranking-models/default/online-metrics", headers=api.admin)
    assert response.status_code == 200, response.text
    metrics = response.json()
    assert metrics["model_version"] == "default-v1"
    assert [
        (p["position"], p["shown"], p["interested"], p["meeting"], p["committed"])
        for p in metrics["positions"]
    ] == [(1, 1, 1, 0, 0), (2, 1, 1, 1, 0), (3, 1, 0, 0, 0)]
    assert (metrics["shown"], metrics["interested"], metrics["meeting"]) == (3, 2, 1)
    # A commitment given by mistake and undone does not count: only answers still standing.
    third = items[2]["financing_request"]["id"]
    committed = api.client.put(
        f"{path}/{third}",
        json={"action": "committed", "amount": "50000000", "currency": "CNY"},
        headers=investor.headers,
    )
    assert committed.status_code == 200, committed.text
    counted = api.client.get("/v1/ranking-models/default/online-metrics", headers=api.admin)
    assert counted.json()["positions"][2]["committed"] == 1
    from tests.support.people import new_person
    from tests.support.web import Browser

    person = Browser(api.client)
    person.sign_in(new_person(api, investor, signed_in=False))
    undone = person.post(f"/investor/mandates/{profile['id']}/feedback/{third}/undo", {})
    assert undone.status_code == 303, undone.text
    after = api.client.get("/v1/ranking-models/default/online-metrics", headers=api.admin).json()
    assert [
        (p["position"], p["shown"], p["interested"], p["meeting"], p["committed"])
        for p in after["positions"]
    ] == [(1, 1, 1, 0, 0), (2, 1, 1, 1, 0), (3, 1, 0, 0, 0)]
    # Taken back, then passed on: the commitment still counts nowhere (a review found the
    # pass letting the taken-back commitment count as progress).
    api.client.put(
        f"{path}/{third}", json={"action": "pass", "reason": "other"}, headers=investor.headers
    )
    taken_back = api.client.get("/v1/ranking-models/default/online-metrics", headers=api.admin)
    assert taken_back.json()["positions"][2]["committed"] == 0
    # Real progress followed by a no still counts: met, then passed.
    api.client.put(
        f"{path}/{second}", json={"action": "pass", "reason": "other"}, headers=investor.headers
    )
    passed = api.client.get("/v1/ranking-models/default/online-metrics", headers=api.admin)
    assert passed.json()["positions"][1]["meeting"] == 1
    assert (
        api.client.get(
            "/v1/ranking-models/default/online-metrics", headers=investor.headers
        ).status_code
        == 403
    )


def test_the_matches_page_of_the_web_application_is_remembered_too(
    api: ApiClient, app: FastAPI, db_session: Session
) -> None:
    from tests.support.people import new_person
    from tests.support.web import Browser

    investor, profile, ids = _world(api)
    browser = Browser(api.client)
    browser.sign_in(new_person(api, investor, signed_in=False))
    assert browser.get(f"/investor/mandates/{profile['id']}/matches").status_code == 200
    shown = _shown(app, db_session)
    assert sorted(row[0] for row in shown) == sorted(ids)
    assert sorted(row[1] for row in shown) == [1, 2, 3]


def test_reports_count_who_saw_each_request_and_list_those_nobody_saw(
    api: ApiClient, app: FastAPI
) -> None:
    investor, profile, _ = _world(api)
    startup = api.create_account("startup")
    unseen = api.create_request(
        startup, company="无人看到的疫苗厂", sectors=["life_science.drugs"], region=None
    )
    api.publish(unseen["id"])
    _matches(api, investor.headers, profile["id"], limit=2)  # the first two only
    app.state.impression_log.flush()  # what the worker's thread does within a second

    created = api.client.post("/v1/reports", json={}, headers=api.admin)
    assert created.status_code == 201, created.text
    report = created.json()
    exposure = report["exposure"]
    assert (exposure["top"], exposure["seen"], exposure["unseen"]) == (20, 2, 2)
    assert {r["company"] for r in exposure["unseen_requests"]} == {"Third", "无人看到的疫苗厂"}
    seen = {r["company"]: r["seen_by_investors"] for r in report["requests"]}
    assert seen == {"First": 1, "Second": 1, "Third": 0, "无人看到的疫苗厂": 0}
    html = api.client.get(f"/v1/reports/{report['id']}?format=html", headers=api.admin).text
    assert "曝光情况" in html
    assert "没有投资方看到的项目" in html
    assert "1家投资方在前20名中看到" in html
    # A request no investor ranks says so too: nobody saw it.
    assert html.count("0家投资方在前20名中看到") == 2

    # The downloads carry exposure too: the workbook's summary and sheet, the CSV's sections.
    workbook = load_workbook(
        io.BytesIO(
            api.client.get(f"/v1/reports/{report['id']}?format=xlsx", headers=api.admin).content
        )
    )
    summary = {row[0]: row[1:] for row in workbook["摘要"].iter_rows(values_only=True)}
    assert summary["进入至少一家投资方前 20 名匹配的需求"][0] == 2
    assert summary["未展示给任何投资方的需求"][0] == 2
    unseen_sheet = list(workbook["曝光情况"].iter_rows(values_only=True))
    assert {row[0] for row in unseen_sheet[1:]} == {"Third", "无人看到的疫苗厂"}
    raw = api.client.get(f"/v1/reports/{report['id']}?format=csv", headers=api.admin).content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    heading = rows.index(["# Requests shown to no investor"])
    listed = []
    for row in rows[heading + 2 :]:
        if not row or row[0].startswith("#"):
            break
        listed.append(row[1])
    assert set(listed) == {"Third", "无人看到的疫苗厂"}
    assert ["seen", "2"] in rows
    assert ["unseen", "2"] in rows

    from tests.support.people import new_person
    from tests.support.web import Browser

    officer = Browser(api.client)
    officer.sign_in(new_person(api, api.create_account("commission"), signed_in=False))
    page = officer.get(f"/commission/reports/{report['id']}")
    assert page.status_code == 200
    section = page.text.split('id="exposure"', 1)[1].split("</section>", 1)[0]
    assert "曝光情况" in section
    assert "没有投资方看到的项目" in section
    assert "范围内尚无项目出现在投资方查看过的匹配列表前 20 名中" not in section  # two were seen
    unseen_table = section.split("<table>", 1)[1].split("</table>", 1)[0]
    assert "无人看到的疫苗厂" in unseen_table
    assert "Third" in unseen_table
    assert "First" not in unseen_table
    # Then every request with how many investors saw it, the fewest first (the walk found
    # the count only beside each request's top investors, in the downloads).
    each = section.split("各项目进入了多少家投资方的前 20 名匹配", 1)[1]
    seen_rows = re.findall(r"<tr><td>([^<]*)</td><td>[^<]*</td><td>(\d+)</td>", each)
    assert sorted(seen_rows[2:]) == [("First", "1"), ("Second", "1")]
    assert sorted(seen_rows[:2]) == [("Third", "0"), ("无人看到的疫苗厂", "0")]
    assert "Second" not in unseen_table


def test_a_firm_that_saw_a_request_on_two_mandates_counts_once(
    api: ApiClient, app: FastAPI
) -> None:
    """Exposure counts investors as the report's coverage does: firms, each once."""
    investor, profile, ids = _world(api)
    company = dict(zip(ids, ("First", "Second", "Third"), strict=True))
    mandate = {"sectors": ["ai"], "stages": ["series_c"], "ticket_min": "100000000"}
    second_fund = api.create_investor(investor, regions=[], **mandate)
    other_firm = api.create_account("investor")
    other_profile = api.create_investor(other_firm, regions=[], **mandate)

    def shown(who: Account, profile_id: str, limit: int) -> set[str]:
        page = _matches(api, who.headers, profile_id, limit=limit)
        return {company[item["financing_request"]["id"]] for item in page["items"]}

    # The firm's two funds: all three requests between them, two of them on both pages.
    firm_saw = shown(investor, profile["id"], 2) | shown(investor, second_fund["id"], 3)
    assert firm_saw == {"First", "Second", "Third"}
    other_saw = shown(other_firm, other_profile["id"], 1)
    assert len(other_saw) == 1
    app.state.impression_log.flush()

    created = api.client.post("/v1/reports", json={}, headers=api.admin)
    assert created.status_code == 201, created.text
    seen = {r["company"]: r["seen_by_investors"] for r in created.json()["requests"]}
    assert seen == {name: 1 + (name in other_saw) for name in ("First", "Second", "Third")}


def test_online_metrics_count_each_pair_where_it_was_first_shown(
    api: ApiClient, app: FastAPI
) -> None:
    investor, profile, _ = _world(api)
    first_page = _matches(api, investor.headers, profile["id"], limit=3)["items"]
    path = f"/v1/investors/{profile['id']}/feedback"
    passed = first_page[0]["financing_request"]["id"]
    api.client.put(
        f"{path}/{passed}", json={"action": "pass", "reason": "other"}, headers=investor.headers
    )
    # Passed requests leave the list: the second request is now shown first.
    again = _matches(api, investor.headers, profile["id"], limit=3)["items"]
    assert again[0]["financing_request"]["id"] == first_page[1]["financing_request"]["id"]
    app.state.impression_log.flush()
    metrics = api.client.get("/v1/ranking-models/default/online-metrics", headers=api.admin)
    shown = {p["position"]: p["shown"] for p in metrics.json()["positions"]}
    assert shown == {1: 1, 2: 1, 3: 1}  # counted where each pair was shown first


def test_without_recording_every_answer_counts_as_shown(
    api: ApiClient, app: FastAPI, db_session: Session
) -> None:
    from service.impressions.log import ImpressionLog, connection_writer

    investor, profile, ids = _world(api)
    recording = app.state.impression_log
    app.state.impression_log = ImpressionLog(
        connection_writer(db_session.connection()), interval=None, enabled=False
    )
    try:
        answered = api.client.put(
            f"/v1/investors/{profile['id']}/feedback/{ids[0]}",
            json={"action": "interested"},
            headers=investor.headers,
        )
    finally:
        app.state.impression_log = recording
    assert answered.json()["shown"] is True
