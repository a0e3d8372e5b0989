"""Conference day over HTTP: the programme, meetings asked and answered, availability, a
schedule solved and re-solved, proposals, agendas (.ics) and who may see what."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import icalendar
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditRecord, Meeting
from tests.support.factories import COMING_DAY, Account, ApiClient
from tests.support.people import Clock

PROBLEM = "application/problem+json"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def programme(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "time_zone": "Asia/Shanghai",
        "days": ["2037-11-05"],
        "slots": [{"start": "09:00", "minutes": 30}, {"start": "09:30", "minutes": 30}],
        "tables": 2,
        "investor_meeting_cap": 4,
    }
    body.update(overrides)
    return body


@dataclass
class Conference:
    api: ApiClient
    event_id: str
    investor: Account
    other_investor: Account
    startup: Account
    other_startup: Account
    mandate: str
    other_mandate: str
    request: str
    other_request: str

    def post(self, path: str, body: dict[str, Any], who: Account | None) -> Any:
        headers = who.headers if who is not None else self.api.admin
        return self.api.client.post(path, json=body, headers=headers)

    def get(self, path: str, who: Account | None) -> Any:
        headers = who.headers if who is not None else self.api.admin
        return self.api.client.get(path, headers=headers)

    def ask(self, who: Account | None, request: str, mandate: str) -> dict[str, Any]:
        response = self.post(
            f"/v1/events/{self.event_id}/meetings",
            {"financing_request_id": request, "investor_profile_id": mandate},
            who,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def answer(self, who: Account, meeting_id: str, answer: str, reason: str | None = None) -> Any:
        body: dict[str, Any] = {"answer": answer}
        if reason is not None:
            body["reason"] = reason
        return self.post(f"/v1/meetings/{meeting_id}/answer", body, who)


@pytest.fixture
def conference(api: ApiClient) -> Conference:
    event_id = api.create_event("2026 Shanghai conference day", date=COMING_DAY)
    set_up = api.client.put(f"/v1/events/{event_id}/programme", json=programme(), headers=api.admin)
    assert set_up.status_code == 200, set_up.text
    investor = api.create_account("investor", "Hillhouse")
    other_investor = api.create_account("investor", "Qiming")
    startup = api.create_account("startup", "Stepfun")
    other_startup = api.create_account("startup", "Unitree")
    mandate = api.create_investor(investor)["id"]
    other_mandate = api.create_investor(other_investor, name="Qiming Venture")["id"]
    request = api.create_request(startup, event_id=event_id)["id"]
    other_request = api.create_request(other_startup, company="Unitree", event_id=event_id)["id"]
    api.publish(request)
    api.publish(other_request)
    return Conference(
        api,
        event_id,
        investor,
        other_investor,
        startup,
        other_startup,
        mandate,
        other_mandate,
        request,
        other_request,
    )


def test_the_programme_has_slots_in_utc_and_local_time(conference: Conference) -> None:
    read = conference.get(f"/v1/events/{conference.event_id}/programme", conference.startup)
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["tables"] == 2
    assert body["investor_meeting_cap"] == 4
    assert [s["local_start"] for s in body["slots"]] == [
        "2037-11-05T09:00:00+08:00",
        "2037-11-05T09:30:00+08:00",
    ]
    assert body["slots"][0]["starts_at"] == "2037-11-05T01:00:00Z"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"days": []}, "days"),
        ({"days": ["2037-11-05", "2037-11-05"]}, "days"),
        (
            {"slots": [{"start": "09:00", "minutes": 60}, {"start": "09:30", "minutes": 30}]},
            "slots",
        ),
        ({"slots": [{"start": "23:50", "minutes": 30}]}, "slots"),
        ({"tables": 0}, "tables"),
        ({"investor_meeting_cap": 0}, "investor_meeting_cap"),
    ],
)
def test_a_bad_programme_is_a_problem_naming_the_field(
    api: ApiClient, overrides: dict[str, Any], field: str
) -> None:
    event_id = api.create_event("Bad programme", date=COMING_DAY)
    response = api.client.put(
        f"/v1/events/{event_id}/programme", json=programme(**overrides), headers=api.admin
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in {error["field"].split(".")[0] for error in response.json()["errors"]}


def test_only_the_commission_sets_the_programme(conference: Conference) -> None:
    response = conference.api.client.put(
        f"/v1/events/{conference.event_id}/programme",
        json=programme(),
        headers=conference.investor.headers,
    )
    assert response.status_code == 403


def test_an_investor_asks_and_the_startup_accepts(
    conference: Conference, db_session: Session
) -> None:
    meeting = conference.ask(conference.investor, conference.request, conference.mandate)
    assert meeting["status"] == "pending"
    assert meeting["investor_answer"] == "accepted"
    assert meeting["startup_answer"] == "pending"
    assert meeting["requested_by"] == "investor"
    assert meeting["company"] == "Stepfun"
    assert 0 < meeting["score"] <= 1
    # The investor cannot answer for the startup's side; the startup accepts.
    accepted = conference.answer(conference.startup, meeting["id"], "accepted")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.object_id == meeting["id"])
        )
        == 2
    )


def test_declining_needs_a_reason_and_writes_nothing_without_one(
    conference: Conference, db_session: Session
) -> None:
    meeting = conference.ask(conference.investor, conference.request, conference.mandate)
    bare = conference.answer(conference.startup, meeting["id"], "declined")
    assert bare.status_code == 422
    assert bare.json()["errors"][0]["field"] == "reason"
    stored = db_session.get(Meeting, meeting["id"])
    assert stored is not None
    db_session.refresh(stored)
    assert stored.status.value == "pending"
    declined = conference.answer(
        conference.startup, meeting["id"], "declined", "Raising from strategic investors only"
    )
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["reason"] == "Raising from strategic investors only"
    # Declining again is no answer to a declined meeting; the declined investor cannot
    # press it again.
    assert conference.answer(conference.startup, meeting["id"], "declined", "No").status_code == 409
    assert conference.answer(conference.investor, meeting["id"], "accepted").status_code == 409


def test_the_side_that_declined_may_still_agree(
    conference: Conference, db_session: Session
) -> None:
    """A decline made by mistake is not final for the side that made it: agreeing reopens
    the meeting, accepted at once if the other side had agreed, else waiting for it."""
    asked = conference.ask(conference.investor, conference.request, conference.mandate)
    conference.answer(conference.startup, asked["id"], "declined", "Wrong button")

    agreed = conference.answer(conference.startup, asked["id"], "accepted")

    assert agreed.status_code == 200, agreed.text
    assert (agreed.json()["status"], agreed.json()["reason"]) == ("accepted", None)
    reopened = db_session.scalars(
        select(AuditRecord.changes).where(
            AuditRecord.object_id == asked["id"], AuditRecord.action == "meeting.answer"
        )
    ).all()
    assert [changes.get("reopened") for changes in reopened] == [None, True]
    # A proposal declined by one side and agreed again waits for the other side.
    proposal = conference.ask(None, conference.other_request, conference.mandate)
    conference.answer(conference.investor, proposal["id"], "declined", "Not this year")
    again = conference.answer(conference.investor, proposal["id"], "accepted").json()
    assert (again["status"], again["investor_answer"], again["startup_answer"]) == (
        "pending",
        "accepted",
        "pending",
    )
    assert (
        conference.answer(conference.other_startup, proposal["id"], "accepted").json()["status"]
        == "accepted"
    )
    # A request presented elsewhere since: agreeing to the old event's meeting is refused.
    declined = conference.ask(
        conference.other_investor, conference.request, conference.other_mandate
    )
    conference.answer(conference.startup, declined["id"], "declined", "Not now")
    conference.post(f"/v1/meetings/{asked['id']}/cancel", {"reason": "Moving on"}, None)
    later = conference.api.create_event("2038 conference", date="2038-11-04")
    moved = conference.api.client.put(
        f"/v1/events/{later}/roster/{conference.request}", headers=conference.api.admin
    )
    assert moved.status_code == 200, moved.text
    refused = conference.answer(conference.startup, declined["id"], "accepted")
    assert refused.status_code == 409
    assert [e["code"] for e in refused.json()["errors"]] == ["not_presented"]


def test_a_startup_asks_only_investors_that_showed_interest(conference: Conference) -> None:
    path = f"/v1/events/{conference.event_id}/meetings"
    body = {"financing_request_id": conference.request, "investor_profile_id": conference.mandate}
    before = conference.post(path, body, conference.startup)
    assert before.status_code == 404
    interest = conference.api.client.put(
        f"/v1/investors/{conference.mandate}/feedback/{conference.request}",
        json={"action": "interested"},
        headers=conference.investor.headers,
    )
    assert interest.status_code == 200, interest.text
    after = conference.post(path, body, conference.startup)
    assert after.status_code == 201, after.text
    assert after.json()["startup_answer"] == "accepted"
    assert after.json()["investor_answer"] == "pending"
    # One meeting per pair and event.
    assert conference.post(path, body, conference.startup).status_code == 409


def test_a_commission_proposal_waits_for_both_sides(conference: Conference) -> None:
    meeting = conference.ask(None, conference.request, conference.other_mandate)
    assert meeting["requested_by"] == "commission"
    assert (meeting["investor_answer"], meeting["startup_answer"]) == ("pending", "pending")
    assert (
        conference.answer(conference.other_investor, meeting["id"], "accepted").json()["status"]
        == "pending"
    )
    assert (
        conference.answer(conference.startup, meeting["id"], "accepted").json()["status"]
        == "accepted"
    )
    # The commission proposes; it does not answer for a party.
    proposal = conference.ask(None, conference.other_request, conference.mandate)
    assert (
        conference.post(
            f"/v1/meetings/{proposal['id']}/answer", {"answer": "accepted"}, None
        ).status_code
        == 403
    )


def test_a_pair_outside_the_mandate_is_said_to_be_no_match_whatever_it_scores(
    conference: Conference, api: ApiClient
) -> None:
    """A life-sciences mandate whose ticket and stages fit an AI request scores 0.6 on those
    alone (the officer's walk: AstraZeneca and a quantum-computing request read as "score
    0.60", a good fit); the meeting says the pair is no match."""
    life_sciences = api.create_account("investor", "AstraZeneca")
    outside = api.create_investor(
        life_sciences,
        name="AstraZeneca",
        sectors=["life_science"],
        thesis="创新药与医疗器械; innovative medicines and medical devices",
        regions=[],
    )["id"]
    proposed = conference.ask(None, conference.request, outside)
    assert proposed["score"] >= 0.6
    assert proposed["within_mandate"] is False
    within = conference.ask(None, conference.request, conference.mandate)
    assert within["within_mandate"] is True
    listed = conference.get(f"/v1/events/{conference.event_id}/meetings", None).json()
    by_id = {m["id"]: m["within_mandate"] for m in listed["items"]}
    assert (by_id[proposed["id"]], by_id[within["id"]]) == (False, True)


def test_an_unpublished_or_other_events_request_cannot_be_met(
    conference: Conference, api: ApiClient
) -> None:
    elsewhere = api.create_event("Another event", date=COMING_DAY)
    stray = api.create_request(conference.startup, event_id=elsewhere)["id"]
    api.publish(stray)
    unpublished = api.create_request(conference.startup, event_id=conference.event_id)["id"]
    path = f"/v1/events/{conference.event_id}/meetings"
    at_other = conference.post(
        path,
        {"financing_request_id": stray, "investor_profile_id": conference.mandate},
        conference.investor,
    )
    assert at_other.status_code == 422
    assert at_other.json()["errors"][0]["code"] == "not_at_event"
    # An investor cannot see an unpublished request at all.
    hidden = conference.post(
        path,
        {"financing_request_id": unpublished, "investor_profile_id": conference.mandate},
        conference.investor,
    )
    assert hidden.status_code == 404
    # Nor use another account's mandate.
    theirs = conference.post(
        path,
        {
            "financing_request_id": conference.request,
            "investor_profile_id": conference.other_mandate,
        },
        conference.investor,
    )
    assert theirs.status_code == 404


def test_everyone_sees_only_their_own_meetings(conference: Conference) -> None:
    mine = conference.ask(conference.investor, conference.request, conference.mandate)
    theirs = conference.ask(
        conference.other_investor, conference.other_request, conference.other_mandate
    )
    path = f"/v1/events/{conference.event_id}/meetings"

    def ids(who: Account | None) -> set[str]:
        response = conference.get(path, who)
        assert response.status_code == 200, response.text
        return {m["id"] for m in response.json()["items"]}

    assert ids(None) == {mine["id"], theirs["id"]}
    assert ids(conference.investor) == {mine["id"]}
    assert ids(conference.startup) == {mine["id"]}
    assert ids(conference.other_startup) == {theirs["id"]}
    # Another account's meeting is a 404 to read, answer or cancel.
    for who in (conference.other_investor, conference.other_startup):
        assert conference.get(f"/v1/meetings/{mine['id']}", who).status_code == 404
        assert conference.answer(who, mine["id"], "accepted").status_code == 404
        cancelled = conference.post(f"/v1/meetings/{mine['id']}/cancel", {"reason": "x"}, who)
        assert cancelled.status_code == 404
    assert conference.get(f"/v1/meetings/{mine['id']}", conference.startup).status_code == 200


def test_availability_names_only_the_events_slots(conference: Conference) -> None:
    path = f"/v1/events/{conference.event_id}/availability"
    unsaid = conference.get(path, conference.investor).json()
    assert unsaid == {
        "event_id": conference.event_id,
        "stated": False,
        "slot_ids": [],
        "revision": 0,
    }
    slots = conference.get(f"/v1/events/{conference.event_id}/programme", None).json()["slots"]
    bad = conference.api.client.put(
        path, json={"slot_ids": [slots[0]["id"], "nope"]}, headers=conference.investor.headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "slot_ids.1"
    good = conference.api.client.put(
        path, json={"slot_ids": [slots[1]["id"]]}, headers=conference.investor.headers
    )
    assert good.status_code == 200, good.text
    assert conference.get(path, conference.investor).json()["slot_ids"] == [slots[1]["id"]]
    # The commission has no availability of its own to state.
    assert conference.get(path, None).status_code == 403


def _accepted(
    conference: Conference, investor: Account, mandate: str, startup: Account, request: str
) -> str:
    meeting = conference.ask(investor, request, mandate)
    assert conference.answer(startup, meeting["id"], "accepted").status_code == 200
    meeting_id: str = meeting["id"]
    return meeting_id


def test_a_schedule_respects_availability_and_agendas_have_the_right_times(
    conference: Conference,
) -> None:
    slots = conference.get(f"/v1/events/{conference.event_id}/programme", None).json()["slots"]
    # Hillhouse can only meet at 09:30.
    conference.api.client.put(
        f"/v1/events/{conference.event_id}/availability",
        json={"slot_ids": [slots[1]["id"]]},
        headers=conference.investor.headers,
    )
    first = _accepted(
        conference, conference.investor, conference.mandate, conference.startup, conference.request
    )
    second = _accepted(
        conference,
        conference.investor,
        conference.mandate,
        conference.other_startup,
        conference.other_request,
    )
    solved = conference.post(f"/v1/events/{conference.event_id}/schedules", {}, None)
    assert solved.status_code == 201, solved.text
    schedule = solved.json()
    assert schedule["status"] in {"optimal", "feasible"}
    # Asked for nothing in particular: coverage counts requests with 3 meetings, 30 s at most.
    assert schedule["coverage_k"] == 3
    assert schedule["time_limit_seconds"] == 30.0
    # Hillhouse cannot be at two tables at 09:30: one meeting sits, one is left out.
    assert len(schedule["placements"]) == 1
    assert schedule["placements"][0]["seat"]["slot_id"] == slots[1]["id"]
    assert [left["reason"] for left in schedule["left_out"]] == ["party_busy"]
    assert schedule["coverage"] >= schedule["greedy_coverage"]
    placed = schedule["placements"][0]["meeting_id"]
    assert placed in {first, second}

    ics = conference.api.client.get(
        f"/v1/events/{conference.event_id}/agenda?format=ics", headers=conference.investor.headers
    )
    assert ics.status_code == 200, ics.text
    assert ics.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(ics.content)
    meetings = list(calendar.walk("VEVENT"))
    assert len(meetings) == 1
    start = meetings[0].decoded("dtstart")
    assert start == dt.datetime(2037, 11, 5, 9, 30, tzinfo=SHANGHAI)
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert meetings[0].decoded("dtend") - start == dt.timedelta(minutes=30)
    assert list(calendar.walk("VTIMEZONE")), "the zone's definition travels with the file"
    # Named in English, the event is read so by an English reader's calendar.
    conference.api.client.patch(
        f"/v1/events/{conference.event_id}",
        json={"name_en": "Pudong Investment Conference", "place_en": "Pudong"},
        headers={
            **conference.api.admin,
            "If-Match": conference.api.client.get(
                f"/v1/events/{conference.event_id}", headers=conference.api.admin
            ).headers["ETag"],
        },
    )
    english = icalendar.Calendar.from_ical(
        conference.api.client.get(
            f"/v1/events/{conference.event_id}/agenda?format=ics",
            headers={**conference.investor.headers, "Accept-Language": "en"},
        ).content
    )
    assert str(english["x-wr-calname"]).startswith("Pudong Investment Conference: ")
    assert str(next(iter(english.walk("VEVENT")))["location"]).startswith("Pudong · ")

    # The startup whose meeting was left out has an empty agenda; the other has its meeting.
    agendas = {
        who.id: conference.get(f"/v1/events/{conference.event_id}/agenda", who).json()
        for who in (conference.startup, conference.other_startup)
    }
    assert sorted(len(a["entries"]) for a in agendas.values()) == [0, 1]
    # The table plan shows the meeting at its table.
    plan = conference.get(f"/v1/events/{conference.event_id}/table-plan", None).json()
    assert plan["meetings"] == 1
    assert plan["slots"][1]["tables"][0]["meeting_id"] == placed


def test_a_cancellation_re_solves_keeping_the_other_meetings_in_place(
    conference: Conference, api: ApiClient
) -> None:
    investors = [conference.investor, conference.other_investor]
    mandates = [conference.mandate, conference.other_mandate]
    for n in range(2):
        extra = api.create_account("investor", f"Investor {n}")
        investors.append(extra)
        mandates.append(api.create_investor(extra, name=f"Fund {n}")["id"])
    meetings = [
        _accepted(conference, investor, mandate, startup, request)
        for investor, mandate in zip(investors, mandates, strict=True)
        for startup, request in (
            (conference.startup, conference.request),
            (conference.other_startup, conference.other_request),
        )
    ][:6]
    path = f"/v1/events/{conference.event_id}/schedules"
    first = conference.post(path, {"coverage_k": 2}, None).json()
    seats = {p["meeting_id"]: p["seat"] for p in first["placements"]}
    assert first["coverage"] == 2
    gone = next(iter(seats))
    cancel = conference.post(
        f"/v1/meetings/{gone}/cancel",
        {"reason": "Flight cancelled"},
        conference.investor if gone in meetings[:2] else None,
    )
    assert cancel.status_code == 200, cancel.text
    again = conference.post(path, {"coverage_k": 2}, None).json()
    after = {p["meeting_id"]: p["seat"] for p in again["placements"]}
    assert gone not in after
    unaffected = [m for m in seats if m != gone]
    moved = [m for m in unaffected if after.get(m) != seats[m]]
    assert moved == [], f"{len(moved)} of {len(unaffected)} unaffected meetings moved"
    assert again["moved"] == 0
    assert again["kept"] == len(unaffected)
    current = conference.get(f"{path}/current", None).json()
    assert current["id"] == again["id"]
    # Asked to keep seats (a true or false, nothing like one): nobody moves either.
    unclear = conference.post(path, {"coverage_k": 2, "keep_seats": "yes"}, None)
    assert unclear.status_code == 422, unclear.text
    assert [e["field"] for e in unclear.json()["errors"]] == ["keep_seats"]
    kept = conference.post(path, {"coverage_k": 2, "keep_seats": True}, None)
    assert kept.status_code == 201, kept.text
    assert (kept.json()["kept"], kept.json()["moved"]) == (len(again["placements"]), 0)


def test_a_programme_day_before_the_events_date_is_refused(conference: Conference) -> None:
    """The officer's walk saved meeting slots on the day before its event, unwarned."""
    path = f"/v1/events/{conference.event_id}/programme"
    early = conference.api.client.put(
        path, json=programme(days=["2037-11-04", "2037-11-05"]), headers=conference.api.admin
    )
    assert early.status_code == 422, early.text
    assert [(e["field"], e["code"]) for e in early.json()["errors"]] == [
        ("days", "day_before_event")
    ]
    starts = [slot["local_start"][:10] for slot in conference.get(path, None).json()["slots"]]
    assert set(starts) == {"2037-11-05"}  # nothing written


def test_meetings_last_whole_fives_of_minutes(conference: Conference) -> None:
    path = f"/v1/events/{conference.event_id}/programme"
    odd = conference.api.client.put(
        path,
        json=programme(slots=[{"start": "09:00", "minutes": 7}]),
        headers=conference.api.admin,
    )
    assert odd.status_code == 422, odd.text
    assert [(e["field"], e["code"]) for e in odd.json()["errors"]] == [
        ("slots.0.minutes", "multiple_of")
    ]


def test_a_programme_day_long_after_the_events_date_is_refused(conference: Conference) -> None:
    """A walk saved meeting slots a year after their event, unwarned: the event's pages named
    one date and its slots another."""
    path = f"/v1/events/{conference.event_id}/programme"
    last_allowed = programme(days=["2037-11-05", "2037-11-18"])
    assert conference.api.client.put(
        path, json=last_allowed, headers=conference.api.admin
    ).is_success
    late = conference.api.client.put(
        path, json=programme(days=["2037-11-05", "2037-11-19"]), headers=conference.api.admin
    )
    assert late.status_code == 422, late.text
    assert [(e["field"], e["code"]) for e in late.json()["errors"]] == [("days", "day_after_event")]
    starts = [slot["local_start"][:10] for slot in conference.get(path, None).json()["slots"]]
    assert set(starts) == {"2037-11-05", "2037-11-18"}  # nothing written


def test_a_scheduled_programme_can_grow_but_not_shrink(conference: Conference) -> None:
    """The officer's walk could not add a table or raise the cap to place the meetings a
    schedule left out: once scheduled, the programme was frozen whole."""
    _accepted(
        conference, conference.investor, conference.mandate, conference.startup, conference.request
    )
    path = f"/v1/events/{conference.event_id}"
    solved = conference.post(f"{path}/schedules", {"coverage_k": 1}, None)
    assert solved.status_code == 201, solved.text
    before = conference.get(f"{path}/programme", None).json()["slots"]
    admin = conference.api.admin
    client = conference.api.client
    for shrunk, field in (
        (programme(tables=1), "tables"),
        (programme(investor_meeting_cap=3), "investor_meeting_cap"),
        (programme(slots=[{"start": "09:00", "minutes": 30}]), "slots"),
        (programme(slots=[{"start": "09:00", "minutes": 60}]), "slots"),
        (programme(time_zone="Asia/Hong_Kong"), "time_zone"),
        # Another offset: the zone is the one problem (the slots typed are the ones kept).
        (programme(time_zone="Europe/London"), "time_zone"),
    ):
        refused = client.put(f"{path}/programme", json=shrunk, headers=admin)
        assert refused.status_code == 409, (shrunk, refused.text)
        assert "only be added to or raised" in refused.json()["detail"]
        # The field to correct is named, as for any other refusal of a body.
        assert [e["field"] for e in refused.json()["errors"]] == [field], refused.text
    assert conference.get(f"{path}/programme", None).json()["slots"] == before
    grown = client.put(
        f"{path}/programme",
        json=programme(
            tables=3,
            investor_meeting_cap=6,
            slots=[
                {"start": "08:30", "minutes": 30},
                {"start": "09:00", "minutes": 30},
                {"start": "09:30", "minutes": 30},
            ],
        ),
        headers=admin,
    )
    assert grown.status_code == 200, grown.text
    after = grown.json()
    assert (after["tables"], after["investor_meeting_cap"]) == (3, 6)
    # The slots already there keep their ids (seats point at them); the new one comes first.
    assert [slot["id"] for slot in after["slots"][1:]] == [slot["id"] for slot in before]
    assert [slot["position"] for slot in after["slots"]] == [0, 1, 2]
    current = conference.get(f"{path}/schedules/current", None)
    assert current.status_code == 200
    assert (
        client.put(
            f"{path}/programme", json=programme(tables=3, investor_meeting_cap=None), headers=admin
        ).status_code
        == 409
    )  # dropping the new slot
    three_slots = [
        {"start": "08:30", "minutes": 30},
        {"start": "09:00", "minutes": 30},
        {"start": "09:30", "minutes": 30},
    ]
    uncapped = programme(tables=3, investor_meeting_cap=None, slots=three_slots)
    assert client.put(f"{path}/programme", json=uncapped, headers=admin).status_code == 200
    # No cap is the highest: a cap where there was none lowers it (seats may exceed it).
    capped = programme(tables=3, investor_meeting_cap=6, slots=three_slots)
    assert client.put(f"{path}/programme", json=capped, headers=admin).status_code == 409


def test_a_scheduled_programme_grows_on_its_second_day(
    conference: Conference, app: FastAPI
) -> None:
    """Growing sends the programme's days again, the first already past on the second day:
    only the days added are checked against today."""
    clock = Clock(dt.datetime(2037, 11, 1, tzinfo=dt.UTC)).install(app)
    path = f"/v1/events/{conference.event_id}"
    admin, client = conference.api.admin, conference.api.client
    two_days = programme(days=["2037-11-05", "2037-11-06"])
    assert client.put(f"{path}/programme", json=two_days, headers=admin).is_success
    _accepted(
        conference, conference.investor, conference.mandate, conference.startup, conference.request
    )
    assert conference.post(f"{path}/schedules", {"coverage_k": 1}, None).status_code == 201
    clock.now = dt.datetime(2037, 11, 6, 2, tzinfo=dt.UTC)  # 10:00 on the second day
    more_tables = programme(days=["2037-11-05", "2037-11-06"], tables=3)
    grown = client.put(f"{path}/programme", json=more_tables, headers=admin)
    assert grown.status_code == 200, grown.text
    assert grown.json()["tables"] == 3
    # A day added before today is still refused.
    earlier = programme(days=["2037-11-04", "2037-11-05", "2037-11-06"], tables=3)
    refused = client.put(f"{path}/programme", json=earlier, headers=admin)
    assert refused.status_code == 422, refused.text


def test_nothing_to_schedule_is_a_clear_problem(conference: Conference, api: ApiClient) -> None:
    empty = conference.post(f"/v1/events/{conference.event_id}/schedules", {}, None)
    assert empty.status_code == 409
    assert empty.headers["content-type"] == PROBLEM
    assert "accepted meetings" in empty.json()["detail"]
    bare_event = api.create_event("No programme yet", date="2037-11-05")
    no_programme = conference.post(f"/v1/events/{bare_event}/schedules", {}, None)
    assert no_programme.status_code == 409
    assert "programme" in no_programme.json()["detail"]
    too_long = conference.post(
        f"/v1/events/{conference.event_id}/schedules", {"time_limit_seconds": 3600}, None
    )
    assert too_long.status_code == 422


def test_proposals_fill_requests_below_k_from_the_ranking(
    conference: Conference, api: ApiClient
) -> None:
    made = conference.post(
        f"/v1/events/{conference.event_id}/proposals", {"coverage_k": 2, "min_score": 0.0}, None
    )
    assert made.status_code == 200, made.text
    body = made.json()
    per_request: dict[str, int] = {}
    for meeting in body["proposed"]:
        assert meeting["requested_by"] == "commission"
        per_request[meeting["financing_request_id"]] = (
            per_request.get(meeting["financing_request_id"], 0) + 1
        )
    assert all(count <= 2 for count in per_request.values())
    # Two mandates in all: each request can reach k=2 only if both fit it; the rest are targets.
    for target in body["outreach_targets"]:
        assert target["meetings"] < 2
    # Asking again proposes no pair twice.
    again = conference.post(
        f"/v1/events/{conference.event_id}/proposals", {"coverage_k": 2, "min_score": 0.0}, None
    ).json()
    pairs = {(m["financing_request_id"], m["investor_profile_id"]) for m in body["proposed"]}
    assert not pairs & {
        (m["financing_request_id"], m["investor_profile_id"]) for m in again["proposed"]
    }


def test_proposals_count_a_firm_once_and_propose_its_best_fund_only(
    conference: Conference, api: ApiClient
) -> None:
    """Hillhouse keeps three funds fitting both requests: proposing two of them to Stepfun
    would count as two of its k investors while it is one firm. Each request is offered one
    fund of a firm, and a fund already asked (answered or not) keeps the firm's others away."""
    funds = [
        api.create_investor(conference.investor, name=f"Hillhouse fund {n}")["id"] for n in (2, 3)
    ]
    hillhouse = {conference.mandate, *funds}
    asked = conference.ask(None, conference.request, funds[0])
    path = f"/v1/events/{conference.event_id}/proposals"
    made = conference.post(path, {"coverage_k": 3, "min_score": 0.0}, None)
    assert made.status_code == 200, made.text
    proposed = [
        (m["financing_request_id"], m["investor_profile_id"]) for m in made.json()["proposed"]
    ]
    # Stepfun had Hillhouse already (fund 2): only Qiming is proposed.
    assert sorted(p for r, p in proposed if r == conference.request) == [conference.other_mandate]
    # Unitree gets one Hillhouse fund and Qiming.
    unitree = [p for r, p in proposed if r == conference.other_request]
    assert len(unitree) == 2
    assert len(hillhouse & set(unitree)) == 1
    assert conference.other_mandate in unitree
    # Both requests meet two firms, one short of k=3, however many funds meet them.
    targets = {t["financing_request_id"]: t["meetings"] for t in made.json()["outreach_targets"]}
    assert targets == {conference.request: 2, conference.other_request: 2}
    # A declined fund keeps the firm away too.
    declined = conference.answer(conference.investor, asked["id"], "declined", "Not now")
    assert declined.status_code == 200, declined.text
    again = conference.post(path, {"coverage_k": 3, "min_score": 0.0}, None).json()
    assert not [m for m in again["proposed"] if m["investor_profile_id"] in hillhouse]


def test_proposals_keep_to_the_minimum_score_and_the_investors_cap(
    conference: Conference, api: ApiClient
) -> None:
    path = f"/v1/events/{conference.event_id}/proposals"
    # Above every score: nothing is proposed and both requests are outreach targets.
    strict = conference.post(path, {"coverage_k": 2, "min_score": 0.999}, None)
    assert strict.status_code == 200, strict.text
    assert strict.json()["proposed"] == []
    assert sorted(t["financing_request_id"] for t in strict.json()["outreach_targets"]) == sorted(
        [conference.request, conference.other_request]
    )
    assert all(t["meetings"] == 0 for t in strict.json()["outreach_targets"])
    # One meeting per investor at most: two requests, two investors, no investor twice.
    capped = api.client.put(
        f"/v1/events/{conference.event_id}/programme",
        json=programme(investor_meeting_cap=1),
        headers=api.admin,
    )
    assert capped.status_code == 200, capped.text
    made = conference.post(path, {"coverage_k": 2, "min_score": 0.0}, None)
    assert made.status_code == 200, made.text
    per_investor: dict[str, int] = {}
    for meeting in made.json()["proposed"]:
        investor = meeting["investor_profile_id"]
        per_investor[investor] = per_investor.get(investor, 0) + 1
    assert per_investor
    assert max(per_investor.values()) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/v1/events/{event}/programme", programme()),
        ("post", "/v1/events/{event}/schedules", {}),
        ("get", "/v1/events/{event}/schedules/current", None),
        ("post", "/v1/events/{event}/proposals", {}),
        ("get", "/v1/events/{event}/table-plan", None),
    ],
)
def test_the_commissions_routes_refuse_investors_and_startups(
    conference: Conference, method: str, path: str, body: dict[str, Any] | None
) -> None:
    for who in (conference.investor, conference.startup):
        response = conference.api.client.request(
            method, path.format(event=conference.event_id), json=body, headers=who.headers
        )
        assert response.status_code == 403, (who.role, response.text)


def test_an_agenda_is_ones_own(conference: Conference) -> None:
    path = f"/v1/events/{conference.event_id}/agenda"
    theirs = conference.get(
        f"{path}?account_id={conference.other_investor.id}", conference.investor
    )
    assert theirs.status_code == 422
    commission = conference.get(f"{path}?account_id={conference.other_investor.id}", None)
    assert commission.status_code == 200
    assert commission.json()["entries"] == []
    assert conference.get(path, None).status_code == 422


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_programme_day_at_the_ends_of_the_calendar_is_refused_beside_the_field(
    conference: Conference, day: str
) -> None:
    # Found by the generated requests: 0001-01-01 at 00:00 in Shanghai is before year 1 in UTC.
    response = conference.api.client.put(
        f"/v1/events/{conference.event_id}/programme",
        json=programme(days=[day], slots=[{"start": "00:00", "minutes": 5}]),
        headers=conference.api.admin,
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["days.0"]


def test_an_event_that_is_over_takes_no_more_meetings(
    conference: Conference, app: FastAPI, db_session: Session
) -> None:
    """Through the conference's last day (Shanghai time) people ask, answer, propose and
    schedule; from the next day the event is on record only: each of those is a 409 that
    says so, and nothing is written. Calling a meeting off is still allowed."""
    clock = Clock(dt.datetime(2037, 11, 5, 15, 59, tzinfo=dt.UTC)).install(app)
    # 23:59 on the day in Shanghai: still the conference's day.
    pending = conference.ask(conference.investor, conference.request, conference.mandate)
    accepted = conference.ask(
        conference.other_investor, conference.request, conference.other_mandate
    )
    agreed = conference.answer(conference.startup, accepted["id"], "accepted")
    assert agreed.status_code == 200, agreed.text

    def written() -> tuple[int, int]:
        return (
            db_session.scalar(select(func.count()).select_from(Meeting)) or 0,
            db_session.scalar(select(func.count()).select_from(AuditRecord)) or 0,
        )

    before = written()
    clock.advance(minutes=1)  # 00:00 on 6 November in Shanghai
    refused = [
        conference.answer(conference.startup, pending["id"], "accepted"),
        conference.post(
            f"/v1/events/{conference.event_id}/meetings",
            {
                "financing_request_id": conference.other_request,
                "investor_profile_id": conference.mandate,
            },
            conference.investor,
        ),
        conference.post(f"/v1/events/{conference.event_id}/proposals", {"coverage_k": 3}, None),
        conference.post(f"/v1/events/{conference.event_id}/schedules", {}, None),
    ]

    assert [r.status_code for r in refused] == [409] * 4
    assert all("The event ended on 2037-11-05" in r.json()["detail"] for r in refused)
    assert all(r.headers["content-type"] == PROBLEM for r in refused)
    assert written() == before
    read = conference.get(f"/v1/meetings/{pending['id']}", conference.startup).json()
    assert read["status"] == "pending"
    called_off = conference.post(
        f"/v1/meetings/{accepted['id']}/cancel", {"reason": "Met in the corridor"}, None
    )
    assert called_off.status_code == 200, called_off.text


def test_the_commission_presents_a_published_request_at_a_coming_event(
    conference: Conference, api: ApiClient, db_session: Session
) -> None:
    """A published request filed for no event (or another) goes on the conference's roster;
    a draft does not, an event held takes nobody, and a request with meetings still to come
    at its event stays there until they are called off."""
    newcomer = api.create_account("startup", "Unitree II")
    elsewhere = api.create_request(newcomer, company="宇树科技", title="四足机器人B轮")["id"]
    draft = api.create_request(newcomer, title="草稿", status="draft")["id"]
    api.publish(elsewhere)
    roster = f"/v1/events/{conference.event_id}/roster"

    def present(request_id: str, event_path: str = roster) -> Any:
        return api.client.put(f"{event_path}/{request_id}", headers=api.admin)

    presented = present(elsewhere)
    assert presented.status_code == 200, presented.text
    assert presented.json()["event_id"] == conference.event_id
    trail = db_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "financing_request.present")
    ).all()
    assert [(r.object_id, r.changes["event_id"]["to"]) for r in trail] == [
        (elsewhere, conference.event_id)
    ]
    assert conference.ask(conference.investor, elsewhere, conference.mandate)["status"] == (
        "pending"
    )

    not_published = present(draft)
    assert not_published.status_code == 422
    assert not_published.json()["errors"][0]["field"] == "financing_request_id"
    held = api.create_event("2001 conference", date="2001-05-01")
    assert present(elsewhere, f"/v1/events/{held}/roster").status_code == 409
    later = api.create_event("2038 conference", date="2038-05-01")
    still_meeting = present(elsewhere, f"/v1/events/{later}/roster")
    assert still_meeting.status_code == 409
    assert "pending or accepted meetings" in still_meeting.json()["detail"]
    (meeting,) = [
        m
        for m in conference.get(f"/v1/events/{conference.event_id}/meetings", None).json()["items"]
        if m["financing_request_id"] == elsewhere
    ]
    conference.post(f"/v1/meetings/{meeting['id']}/cancel", {"reason": "Next year"}, None)
    moved = present(elsewhere, f"/v1/events/{later}/roster")
    assert moved.status_code == 200, moved.text
    assert moved.json()["event_id"] == later


def test_a_programme_plans_days_to_come(conference: Conference, app: FastAPI) -> None:
    """A day before today where the event is held is refused beside ``days``, nothing
    written; today itself is fine (late arrangements on the day)."""
    Clock(dt.datetime(2037, 11, 4, 16, 30, tzinfo=dt.UTC)).install(app)  # 00:30, 5 Nov
    path = f"/v1/events/{conference.event_id}/programme"
    before = conference.get(path, None).json()

    yesterday = conference.api.client.put(
        path,
        json=programme(days=["2037-11-04", "2037-11-05"], tables=5),
        headers=conference.api.admin,
    )
    after_refusal = conference.get(path, None).json()
    today = conference.api.client.put(path, json=programme(tables=3), headers=conference.api.admin)

    assert yesterday.status_code == 422
    assert [(e["field"], e["code"]) for e in yesterday.json()["errors"]] == [
        ("days", "day_in_the_past")
    ]
    assert after_refusal == before  # nothing written
    assert today.status_code == 200, today.text
    assert today.json()["tables"] == 3


def test_an_event_held_keeps_its_programme_and_its_last_day_counts(
    conference: Conference, app: FastAPI
) -> None:
    """A programme running past the event's date keeps the event open through its last
    slot's day; once that day is over, new days cannot reopen it."""
    clock = Clock(dt.datetime(2037, 11, 1, tzinfo=dt.UTC)).install(app)
    path = f"/v1/events/{conference.event_id}/programme"
    two_days = programme(days=["2037-11-05", "2037-11-06"])
    assert conference.api.client.put(path, json=two_days, headers=conference.api.admin).is_success
    clock.now = dt.datetime(2037, 11, 6, 12, tzinfo=dt.UTC)  # the second day, 20:00 local
    assert conference.ask(conference.investor, conference.request, conference.mandate)
    clock.now = dt.datetime(2037, 11, 6, 16, tzinfo=dt.UTC)  # 00:00 on the 7th in Shanghai

    reopened = conference.api.client.put(
        path, json=programme(days=["2037-11-20"]), headers=conference.api.admin
    )

    assert reopened.status_code == 409
    assert reopened.json()["type"] == "/problems/event-over"
    read = conference.get(path, None).json()
    assert [s["local_start"][:10] for s in read["slots"]] == ["2037-11-05"] * 2 + ["2037-11-06"] * 2
    # Nor can a side say when it is free any more: its schedule stays as it was.
    slot = read["slots"][0]["id"]
    late = conference.api.client.put(
        f"/v1/events/{conference.event_id}/availability",
        json={"slot_ids": [slot]},
        headers=conference.startup.headers,
    )
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/event-over"
    stated = conference.get(f"/v1/events/{conference.event_id}/availability", conference.startup)
    assert stated.json()["stated"] is False


def test_a_new_date_moves_the_programme_until_its_meetings_are_scheduled(
    conference: Conference, db_session: Session
) -> None:
    """An officer moving the conference a week on moves its meeting slots a week on, at the
    same local times, and people's availability (which names slots) with them; once a
    schedule seats meetings at those slots the date stays, and nothing is written."""
    api, event = conference.api, f"/v1/events/{conference.event_id}"
    slots = conference.get(f"{event}/programme", None).json()["slots"]
    conference.api.client.put(
        f"{event}/availability",
        json={"slot_ids": [slots[1]["id"]]},
        headers=conference.investor.headers,
    ).raise_for_status()

    moved = api.patch(event, json={"date": "2037-11-12"}, headers=api.admin)

    assert moved.status_code == 200, moved.text
    after = conference.get(f"{event}/programme", None).json()["slots"]
    assert [(s["id"], s["local_start"]) for s in after] == [
        (slots[0]["id"], "2037-11-12T09:00:00+08:00"),
        (slots[1]["id"], "2037-11-12T09:30:00+08:00"),
    ]
    availability = conference.get(f"{event}/availability", conference.investor).json()
    assert availability["slot_ids"] == [slots[1]["id"]]
    (audited,) = db_session.scalars(
        select(AuditRecord.changes).where(
            AuditRecord.object_id == conference.event_id, AuditRecord.action == "event.update"
        )
    ).all()
    assert audited["programme_days_moved"] == 7
    # Back a week (earlier first), then a past day is refused beside the date.
    assert api.patch(event, json={"date": "2037-11-05"}, headers=api.admin).status_code == 200
    past = api.patch(event, json={"date": "2020-11-05"}, headers=api.admin)
    assert past.status_code == 422
    assert [(e["field"], e["code"]) for e in past.json()["errors"]] == [("date", "day_in_the_past")]
    # Scheduled: the day stays where the seats are.
    _accepted(
        conference, conference.investor, conference.mandate, conference.startup, conference.request
    )
    assert conference.post(f"{event}/schedules", {}, None).status_code == 201
    refused = api.patch(event, json={"date": "2037-11-19"}, headers=api.admin)
    assert refused.status_code == 409
    assert [e["code"] for e in refused.json()["errors"]] == ["event_scheduled"]
    assert conference.get(event, None).json()["date"] == "2037-11-05"
    assert conference.get(f"{event}/programme", None).json()["slots"][0]["local_start"] == (
        "2037-11-05T09:00:00+08:00"
    )


@pytest.mark.parametrize("new_date", ["2037-11-06", "2037-11-04"])
def test_a_programme_of_two_days_moves_by_one_day_either_way(
    conference: Conference, new_date: str
) -> None:
    """Each day's slots land where the other day's were: no start is held twice on the way."""
    event = f"/v1/events/{conference.event_id}"
    two_days = programme(days=["2037-11-05", "2037-11-06"])
    conference.api.client.put(
        f"{event}/programme", json=two_days, headers=conference.api.admin
    ).raise_for_status()
    api = conference.api

    moved = api.patch(event, json={"date": new_date}, headers=api.admin)

    assert moved.status_code == 200, moved.text
    starts = [
        s["local_start"][:16] for s in conference.get(f"{event}/programme", None).json()["slots"]
    ]
    shift = 1 if new_date == "2037-11-06" else -1
    days = [f"2037-11-{5 + shift:02d}", f"2037-11-{6 + shift:02d}"]
    assert starts == [f"{day}T{time}" for day in days for time in ("09:00", "09:30")]


def test_the_commission_moves_one_meeting_by_hand(
    conference: Conference, db_session: Session
) -> None:
    """An officer puts a meeting at another slot and table without solving again: a new
    schedule keeps every other seat; a seat that cannot hold it is refused, naming the field,
    and nothing is written."""
    event = f"/v1/events/{conference.event_id}"
    slots = [s["id"] for s in conference.get(f"{event}/programme", None).json()["slots"]]
    c = conference
    first = _accepted(c, c.investor, c.mandate, c.startup, c.request)
    # Hillhouse meets both startups: it cannot sit at two tables at once.
    third = _accepted(c, c.investor, c.mandate, c.other_startup, c.other_request)

    def put(meeting_id: str, slot: str, table: int, who: Account | None = None) -> Any:
        return c.api.client.put(
            f"{event}/schedules/current/seats/{meeting_id}",
            json={"slot_id": slot, "table": table},
            headers=c.api.admin if who is None else who.headers,
        )

    def seats(schedule: dict[str, Any]) -> dict[str, tuple[str, int]]:
        return {
            p["meeting_id"]: (p["seat"]["slot_id"], p["seat"]["table"])
            for p in schedule["placements"]
        }

    assert put(first, slots[0], 1).status_code == 409  # nothing solved yet
    # Stepfun is free only in the first slot: Hillhouse meets it then, and Unitree after.
    c.api.client.put(
        f"{event}/availability", json={"slot_ids": [slots[0]]}, headers=c.startup.headers
    ).raise_for_status()
    solved = c.post(f"{event}/schedules", {}, None).json()
    seat_of = seats(solved)
    assert (seat_of[first][0], seat_of[third][0]) == (slots[0], slots[1])
    # Qiming and Unitree agree to meet once the schedule is made: no seat yet.
    second = _accepted(c, c.other_investor, c.other_mandate, c.other_startup, c.other_request)

    # A table taken then, a slot where a side meets someone else, a seat the event has not.
    taken = put(second, *seat_of[first])
    assert taken.status_code == 409
    assert [(e["field"], e["code"]) for e in taken.json()["errors"]] == [("table", "seat_taken")]
    other_table = 2 if seat_of[first][1] == 1 else 1
    busy = put(third, seat_of[first][0], other_table)
    assert [e["code"] for e in busy.json()["errors"]] == ["party_busy"]
    wrong = put(first, "no-such-slot", 3)
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"slot_id", "table"}
    assert c.get(f"{event}/schedules/current", None).json()["id"] == solved["id"]

    # Hillhouse's first meeting to a free table in the same slot: every other seat stays.
    moved = put(first, seat_of[first][0], other_table)
    assert moved.status_code == 200, moved.text
    assert seats(moved.json()) == {first: (seat_of[first][0], other_table), third: seat_of[third]}
    assert moved.json()["id"] != solved["id"]
    assert (solved["status"], moved.json()["status"]) == ("optimal", "edited")
    assert c.get(f"{event}/schedules/current", None).json()["id"] == moved.json()["id"]
    assert put(first, seat_of[first][0], other_table).json()["id"] == moved.json()["id"]
    listed = c.get(f"/v1/meetings/{first}", c.startup).json()
    assert (listed["seat"]["slot_id"], listed["seat"]["table"]) == (seat_of[first][0], other_table)
    # The startup's agenda says where the meeting was; its calendar file says so too, with a
    # SEQUENCE grown past the first solve's so that a calendar takes the new table.
    entry = c.get(f"{event}/agenda", c.startup).json()["entries"][0]
    assert (entry["table"], entry["moved_from"]["table"]) == (other_table, seat_of[first][1])
    assert entry["moved_from"]["starts_at"] == entry["starts_at"]
    unmoved = c.get(f"{event}/agenda", c.other_startup).json()["entries"]
    assert [e["moved_from"] for e in unmoved] == [None]
    ics = c.api.client.get(f"{event}/agenda?format=ics", headers=c.startup.headers)
    (calendar_entry,) = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert calendar_entry.decoded("sequence") == 1
    time_then = calendar_entry.decoded("dtstart").strftime("%H:%M")
    assert f"安排已调整：原定 {time_then}，{seat_of[first][1]}号桌。" in str(
        calendar_entry["description"]
    )

    # The left-out meeting seated by hand: Unitree meets Hillhouse in the other slot, and
    # Qiming has said it is free only then, so this slot is refused until it says more.
    free_slot = seat_of[first][0]
    other_slot = seat_of[third][0]
    free_table = seat_of[first][1]  # left free by the move above
    availability = f"{event}/availability"

    def qiming_free_in(slot: str) -> None:
        c.api.client.put(
            availability, json={"slot_ids": [slot]}, headers=c.other_investor.headers
        ).raise_for_status()

    qiming_free_in(other_slot)
    unavailable = put(second, free_slot, free_table)
    assert [e["code"] for e in unavailable.json()["errors"]] == ["not_available"]
    busy_then = put(second, other_slot, 2 if seat_of[third][1] == 1 else 1)
    assert [e["code"] for e in busy_then.json()["errors"]] == ["party_busy"]
    qiming_free_in(free_slot)
    placed = put(second, free_slot, free_table)
    assert placed.status_code == 200, placed.text
    assert seats(placed.json())[second] == (free_slot, free_table)
    assert placed.json()["left_out"] == []

    # Solved again after the moves: whatever the solver keeps, Stepfun's agenda still says
    # where its meeting sat before it last moved, for whoever printed the first solve's.
    c.post(f"{event}/schedules", {}, None).raise_for_status()
    (entry,) = c.get(f"{event}/agenda", c.startup).json()["entries"]
    assert entry["moved_from"] is not None
    assert (entry["moved_from"]["starts_at"], entry["moved_from"]["table"]) != (
        entry["starts_at"],
        entry["table"],
    )

    audited = db_session.scalars(
        select(AuditRecord.changes).where(AuditRecord.action == "schedule.move")
    ).all()
    assert [(m["meeting_id"], m["from"] is None) for m in audited] == [
        (first, False),
        (second, True),
    ]
    # Investors and startups do not move meetings.
    assert put(first, other_slot, 1, c.investor).status_code == 403


def test_a_new_date_where_the_clocks_skip_a_slot_is_refused(conference: Conference) -> None:
    """New York moves its clocks from 02:00 to 03:00 on 2037-03-08: a 02:30 slot moved there
    would not exist (or land on another slot), so the date is refused beside the field."""
    event_id = conference.api.create_event("2037 New York roadshow", date="2037-03-01")
    event = f"/v1/events/{event_id}"
    early = programme(
        time_zone="America/New_York",
        days=["2037-03-01"],
        slots=[{"start": "02:30", "minutes": 30}, {"start": "03:30", "minutes": 30}],
    )
    conference.api.client.put(
        f"{event}/programme", json=early, headers=conference.api.admin
    ).raise_for_status()
    api = conference.api

    refused = api.patch(event, json={"date": "2037-03-08"}, headers=api.admin)

    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("date", "no_such_time")]
    assert conference.get(event, None).json()["date"] == "2037-03-01"
    assert api.patch(event, json={"date": "2037-03-15"}, headers=api.admin).status_code == 200


def test_a_meeting_moved_and_moved_back_says_where_it_was_in_between(
    conference: Conference,
) -> None:
    """Moved from table A to B and back to A: whoever printed the agenda while it was at B
    needs to learn it went back, so the agenda says it was at B (its last different seat);
    a meeting never moved says nothing."""
    c = conference
    event = f"/v1/events/{c.event_id}"
    meeting = _accepted(c, c.investor, c.mandate, c.startup, c.request)
    solved = c.post(f"{event}/schedules", {}, None).json()
    (placed,) = solved["placements"]
    slot, table = placed["seat"]["slot_id"], placed["seat"]["table"]
    assert c.get(f"{event}/agenda", c.startup).json()["entries"][0]["moved_from"] is None
    other = 2 if table == 1 else 1

    def move_to(number: int) -> None:
        c.api.client.put(
            f"{event}/schedules/current/seats/{meeting}",
            json={"slot_id": slot, "table": number},
            headers=c.api.admin,
        ).raise_for_status()

    move_to(other)
    move_to(table)
    (entry,) = c.get(f"{event}/agenda", c.startup).json()["entries"]
    assert entry["table"] == table
    assert entry["moved_from"]["table"] == other


def test_a_calendar_drops_a_meeting_that_lost_its_seat_and_leaves_the_others_alone(
    conference: Conference,
) -> None:
    """A calendar that imported the .ics keeps whatever the new file does not contradict: a
    meeting left out or called off comes back at its last time with STATUS:CANCELLED and a
    grown SEQUENCE, and a meeting a solve did not touch keeps its SEQUENCE."""
    c = conference
    event = f"/v1/events/{c.event_id}"
    first = _accepted(c, c.investor, c.mandate, c.startup, c.request)
    second = _accepted(c, c.other_investor, c.other_mandate, c.other_startup, c.other_request)
    c.post(f"{event}/schedules", {}, None)

    def calendar(who: Account) -> dict[str, Any]:
        ics = c.api.client.get(f"{event}/agenda?format=ics", headers=who.headers)
        return {
            str(item["uid"]).split("@")[0]: item
            for item in icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
        }

    (seated,) = calendar(c.startup).values()
    was = seated.decoded("dtstart")
    assert seated.decoded("sequence") == 0
    # Stepfun is free at no time now: solved again, its meeting has no seat.
    c.api.client.put(
        f"{event}/availability", json={"slot_ids": []}, headers=c.startup.headers
    ).raise_for_status()
    c.post(f"{event}/schedules", {}, None)
    dropped = calendar(c.startup)[first]
    assert (str(dropped["status"]), dropped.decoded("sequence")) == ("CANCELLED", 1)
    assert dropped.decoded("dtstart") == was  # the time the calendar holds
    assert c.get(f"{event}/agenda", c.startup).json()["entries"] == []
    untouched = calendar(c.other_startup)[second]
    assert ("status" not in untouched, untouched.decoded("sequence")) == (True, 0)
    # Called off, its seat kept until the next solve: cancelled too, the sequence grown.
    c.post(f"/v1/meetings/{second}/cancel", {"reason": "Moving on"}, None)
    called_off = calendar(c.other_startup)[second]
    assert (str(called_off["status"]), called_off.decoded("sequence")) == ("CANCELLED", 1)
    assert "会面已取消。" in str(called_off["description"])


def test_a_firm_meets_a_request_once_per_event(conference: Conference, api: ApiClient) -> None:
    """A walk saw Sequoia's three funds each ask MiniMax to meet at the same event: one
    investor, three meetings. While one fund's meeting stands, the firm's others are refused,
    whoever asks; once it is declined, another fund may ask."""
    second_fund = api.create_investor(conference.investor, name="Hillhouse USD fund")["id"]
    first = conference.ask(conference.investor, conference.request, conference.mandate)
    path = f"/v1/events/{conference.event_id}/meetings"
    pair = {"financing_request_id": conference.request, "investor_profile_id": second_fund}
    for who in (conference.investor, None):
        refused = conference.post(path, pair, who)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["errors"][0]["code"] == "firm_meets_already"
        assert first["id"] in problem["detail"]
    # Another firm is not held back.
    assert conference.ask(conference.other_investor, conference.request, conference.other_mandate)
    # Once the startup declines the first fund, the firm may ask with another.
    declined = conference.answer(conference.startup, first["id"], "declined", "Not this round")
    assert declined.status_code == 200, declined.text
    again = conference.post(path, pair, conference.investor)
    assert again.status_code == 201, again.text
    # The startup cannot agree after all to the first fund while the second one's stands.
    reopened = conference.answer(conference.startup, first["id"], "accepted")
    assert reopened.status_code == 409, reopened.text
    assert reopened.json()["errors"][0]["code"] == "firm_meets_already"
    assert again.json()["id"] in reopened.json()["detail"]
