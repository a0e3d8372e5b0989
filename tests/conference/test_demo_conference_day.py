"""The README's conference-day walk-through on the demo event, over the API: the programme
and meetings the demo brings, proposals for coverage, a schedule solved, an agenda as .ics, the
table plan as a workbook, a cancellation re-solved without moving anyone, and syndicates."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import icalendar
import openpyxl
from sqlalchemy.orm import Session

from service.demo.loader import load_demo
from tests.support.factories import ApiClient, bearer

CIIE = "上海城市推介大会 (CIIE)"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_the_demo_events_conference_day(api: ApiClient, db_session: Session) -> None:
    keys = load_demo(db_session)
    db_session.flush()
    commission, hillhouse, stepfun = (
        bearer(keys.commission),
        bearer(keys.investor),
        bearer(keys.startup),
    )
    events = api.client.get("/v1/events?limit=100", headers=commission).json()["items"]
    event_id = next(e["id"] for e in events if e["name"] == CIIE)
    base = f"/v1/events/{event_id}"

    programme = api.client.get(f"{base}/programme", headers=stepfun).json()
    assert (len(programme["slots"]), programme["tables"]) == (7, 4)
    # Held on a Thursday eight weeks after loading: its conference day is still to come.
    day = dt.date.fromisoformat(programme["date"])
    assert day.weekday() == 3
    assert dt.timedelta(weeks=8) <= day - dt.date.today() <= dt.timedelta(weeks=9)
    assert programme["slots"][0]["local_start"] == f"{day.isoformat()}T13:30:00+08:00"

    every = api.client.get(f"{base}/meetings", headers=commission).json()["items"]
    assert sorted(m["status"] for m in every) == ["accepted"] * 4 + ["pending"]
    hillhouses = api.client.get(f"{base}/meetings", headers=hillhouse).json()["items"]
    assert {m["company"] for m in hillhouses} == {"Stepfun", "MiniMax"}
    # Hillhouse's pending request to MiniMax is not Stepfun's to see.
    pending = next(m for m in hillhouses if m["status"] == "pending")
    assert api.client.get(f"/v1/meetings/{pending['id']}", headers=stepfun).status_code == 404

    proposed = api.client.post(
        f"{base}/proposals", json={"coverage_k": 3, "min_score": 0.3}, headers=commission
    )
    assert proposed.status_code == 200, proposed.text
    proposals = proposed.json()
    assert proposals["proposed"], "the ranking has suitable investors for some requests"
    assert all(m["requested_by"] == "commission" for m in proposals["proposed"])
    # Stepfun accepts every proposal made for its request; the investors have not answered.
    for meeting in proposals["proposed"]:
        if meeting["company"] == "Stepfun":
            answered = api.client.post(
                f"/v1/meetings/{meeting['id']}/answer",
                json={"answer": "accepted"},
                headers=stepfun,
            )
            assert answered.json()["status"] == "pending"

    solved = api.client.post(f"{base}/schedules", json={"coverage_k": 1}, headers=commission)
    assert solved.status_code == 201, solved.text
    schedule = solved.json()
    assert schedule["status"] == "optimal"
    # 7 slots × 4 tables hold the four accepted meetings; each request has one.
    assert len(schedule["placements"]) == 4
    assert schedule["coverage"] == schedule["greedy_coverage"] == 4

    ics = api.client.get(f"{base}/agenda?format=ics", headers=hillhouse)
    calendar = icalendar.Calendar.from_ical(ics.content)
    (meeting,) = calendar.walk("VEVENT")
    start = meeting.decoded("dtstart")
    afternoon = dt.datetime.combine(day, dt.time(13, 30), tzinfo=SHANGHAI)
    assert afternoon <= start <= afternoon + dt.timedelta(hours=3)
    assert "Stepfun" in str(meeting.get("summary"))

    workbook = api.client.get(f"{base}/table-plan?format=xlsx", headers=commission)
    assert workbook.status_code == 200, workbook.text
    sheets = openpyxl.load_workbook(io.BytesIO(workbook.content))
    text = " ".join(
        str(cell) for sheet in sheets for row in sheet.iter_rows(values_only=True) for cell in row
    )
    for company in ("Stepfun", "MiniMax", "Cixtech Technology", "Infinigence AI"):
        assert company in text

    # Stepfun calls off its meeting with Hillhouse; solving again keeps the other three seats.
    with_hillhouse = next(
        m
        for m in api.client.get(f"{base}/meetings?status=accepted", headers=stepfun).json()["items"]
        if m["investor_profile_id"] == keys.investor_profile_id
    )
    cancelled = api.client.post(
        f"/v1/meetings/{with_hillhouse['id']}/cancel",
        json={"reason": "Our CFO cannot attend"},
        headers=stepfun,
    )
    assert cancelled.status_code == 200, cancelled.text
    again = api.client.post(f"{base}/schedules", json={"coverage_k": 1}, headers=commission)
    assert again.status_code == 201, again.text
    assert (again.json()["kept"], again.json()["moved"]) == (3, 0)

    # Syndicates for Stepfun's 3-billion-yuan round, for the commission.
    syndicates = api.client.get(
        f"/v1/financing-requests/{with_hillhouse['financing_request_id']}/syndicates",
        headers=commission,
    )
    assert syndicates.status_code == 200, syndicates.text
    assert syndicates.json()["syndicates"], syndicates.json()
