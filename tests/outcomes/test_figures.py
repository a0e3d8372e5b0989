"""Due days, overdue flags and the commission's figures, against a fixture computed by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from models import Meeting, MeetingAnswer, MeetingSide, MeetingStatus
from service.outcomes.deadlines import months_after
from service.outcomes.service import today
from tests.support.factories import ApiClient, investor_payload

CREDIT_CODE = "91310000MA1FL0ER26"


def ago(days: int) -> str:
    return (today() - dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 11, 6), 12, dt.date(2027, 11, 6)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    ],
)
def test_months_after_keeps_the_day_or_takes_the_months_last(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert months_after(day, months) == expected


class World:
    """Two events (E2 allows one month to register, six to produce), a domestic investor I1
    and a foreign one I2, requests R1, R2 (E1; Xuhui, Pudong; CNY) and R3 (E2; Xuhui; USD)."""

    def __init__(self, api: ApiClient, db_session: Session) -> None:
        self.api = api
        created = api.client.post(
            "/v1/events",
            json={
                "name": "E2",
                "date": "2026-06-01",
                "registration_due_months": 1,
                "production_due_months": 6,
            },
            headers=api.admin,
        )
        assert created.status_code == 201, created.text
        assert created.json()["registration_due_months"] == 1
        self.e1, self.e2 = api.create_event("E1"), created.json()["id"]
        i1 = api.create_account("investor", "I1")
        i2 = api.create_account("investor", "I2")
        self.i1 = api.create_investor(i1, name="I1 fund")["id"]
        self.i2 = api.create_investor(i2, **investor_payload(name="I2 fund", origin="foreign"))[
            "id"
        ]
        startup = api.create_account("startup", "S")
        # Conferences held (2026): the commission's records of the requests presented there.
        self.r1 = api.record_request(startup, event_id=self.e1, region="xuhui")["id"]
        self.r2 = api.record_request(
            startup,
            event_id=self.e1,
            region="pudong",
            company="BioCo",
            sectors=["life_science.drugs"],
        )["id"]
        self.r3 = api.record_request(
            startup, event_id=self.e2, region="xuhui", company="UsdCo", currency="USD", amount="1e7"
        )["id"]
        for request_id in (self.r1, self.r2, self.r3):
            api.publish(request_id)
        for event_id, request_id, profile_id, status in (
            (self.e1, self.r1, self.i1, MeetingStatus.ACCEPTED),
            (self.e1, self.r1, self.i2, MeetingStatus.ACCEPTED),
            (self.e1, self.r2, self.i1, MeetingStatus.ACCEPTED),
            (self.e2, self.r3, self.i2, MeetingStatus.ACCEPTED),
            (self.e1, self.r2, self.i2, MeetingStatus.PENDING),  # not counted
        ):
            answer = MeetingAnswer.ACCEPTED
            db_session.add(
                Meeting(
                    event_id=event_id,
                    financing_request_id=request_id,
                    investor_profile_id=profile_id,
                    requested_by=MeetingSide.INVESTOR,
                    investor_answer=answer,
                    startup_answer=answer,
                    status=status,
                    score=0.9,
                )
            )
        db_session.commit()
        # O1: signed 100 million 400 days ago, registered, 40 million in place: production
        # overdue. O2: 50 million signed 200 days ago, not registered: registration overdue.
        # O3: 10 million USD (71 million CNY) signed 10 days ago, registered with O1's code
        # (the same company claimed at two events). O4: abandoned before signing.
        self.o1 = self.deal(
            self.i1,
            self.r1,
            [
                {"kind": "sign", "happened_on": ago(400), "amount": "100000000"},
                {"kind": "register", "happened_on": ago(390), "credit_code": CREDIT_CODE},
                {"kind": "tranche", "happened_on": ago(380), "amount": "40000000"},
            ],
        )
        self.o2 = self.deal(
            self.i2, self.r1, [{"kind": "sign", "happened_on": ago(200), "amount": "50000000"}]
        )
        self.o3 = self.deal(
            self.i2,
            self.r3,
            [
                {"kind": "sign", "happened_on": ago(10), "amount": "10000000"},
                {"kind": "register", "happened_on": ago(5), "credit_code": CREDIT_CODE},
            ],
        )
        self.o4 = self.deal(
            self.i1, self.r2, [{"kind": "abandon", "happened_on": ago(0), "reason": "no fit"}]
        )

    def deal(self, profile_id: str, request_id: str, steps: list[dict[str, Any]]) -> str:
        opened = self.api.client.post(
            "/v1/outcomes",
            json={"investor_profile_id": profile_id, "financing_request_id": request_id},
            headers=self.api.admin,
        )
        assert opened.status_code == 201, opened.text
        outcome_id: str = opened.json()["id"]
        for step in steps:
            stepped = self.api.client.post(
                f"/v1/outcomes/{outcome_id}/steps", json=step, headers=self.api.admin
            )
            assert stepped.status_code == 200, stepped.text
        return outcome_id

    def figures(self, by: str) -> dict[str, Any]:
        response = self.api.client.get(
            f"/v1/outcomes/figures?by={by}", headers={**self.api.admin, "Accept-Language": "en"}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def world(api: ApiClient, db_session: Session) -> World:
    return World(api, db_session)


def row(
    meetings: int,
    deals: int,
    signed: int,
    rate: str | None,
    signed_cny: str,
    funds_cny: str,
    ratio: str | None,
    overdue: tuple[int, int],
    abandoned: int,
) -> dict[str, Any]:
    return {
        "meetings": meetings,
        "deals": deals,
        "signed": signed,
        "signing_rate": rate,
        "signed_amount_cny": signed_cny,
        "funds_in_place_cny": funds_cny,
        "funds_in_place_ratio": ratio,
        "overdue_registration": overdue[0],
        "overdue_production": overdue[1],
        "abandoned": abandoned,
    }


def numbers(figure: dict[str, Any]) -> dict[str, Any]:
    # Every deal here had its meeting: the pairs that met and signed are the signed deals.
    assert figure["met_and_signed"] <= figure["signed"]
    return {k: v for k, v in figure.items() if k not in ("key", "name", "met_and_signed")}


def test_each_deal_says_when_it_is_due_and_what_is_overdue(world: World) -> None:
    def read(outcome_id: str) -> dict[str, Any]:
        body: dict[str, Any] = world.api.client.get(
            f"/v1/outcomes/{outcome_id}", headers=world.api.admin
        ).json()
        return body

    signed_400 = dt.date.fromisoformat(ago(400))
    o1 = read(world.o1)
    assert o1["registration_due_on"] == months_after(signed_400, 3).isoformat()
    assert o1["production_due_on"] == months_after(signed_400, 12).isoformat()
    assert o1["overdue"] == ["production"]
    assert read(world.o2)["overdue"] == ["registration"]
    o3 = read(world.o3)
    assert o3["registration_due_on"] == months_after(dt.date.fromisoformat(ago(10)), 1).isoformat()
    assert o3["overdue"] == []
    assert read(world.o4)["registration_due_on"] is None


def test_the_figures_by_event_and_in_total(world: World) -> None:
    figures = world.figures("event")
    by_key = {g["key"]: numbers(g) for g in figures["groups"]}
    assert by_key == {
        world.e1: row(3, 3, 2, "0.6667", "150000000.00", "40000000.00", "0.2667", (1, 1), 1),
        world.e2: row(1, 1, 1, "1.0000", "71000000.00", "0.00", "0.0000", (0, 0), 0),
    }
    assert numbers(figures["total"]) == row(
        4, 4, 3, "0.7500", "221000000.00", "40000000.00", "0.1810", (1, 1), 1
    )
    assert [g["name"] for g in figures["groups"]] == ["E1", "E2"]
    # Read in English, an event with an English name is named by it.
    path = f"/v1/events/{world.e2}"
    named = world.api.client.patch(
        path, json={"name_en": "A fair"}, headers={**world.api.admin, **world.api.if_match(path)}
    )
    assert named.status_code == 200, named.text
    assert [g["name"] for g in world.figures("event")["groups"]] == ["A fair", "E1"]
    assert figures["double_claims"] == [
        {
            "credit_code": CREDIT_CODE,
            "outcome_ids": [world.o1, world.o3],
            "regions": ["xuhui"],
            "event_ids": sorted([world.e1, world.e2]),
        }
    ]


def test_the_figures_by_origin_region_and_sector(world: World) -> None:
    by_origin = {g["key"]: numbers(g) for g in world.figures("origin")["groups"]}
    assert by_origin == {
        "domestic": row(2, 2, 1, "0.5000", "100000000.00", "40000000.00", "0.4000", (0, 1), 1),
        "foreign": row(2, 2, 2, "1.0000", "121000000.00", "0.00", "0.0000", (1, 0), 0),
    }
    by_region = {g["key"]: numbers(g) for g in world.figures("region")["groups"]}
    assert by_region == {
        "xuhui": row(3, 3, 3, "1.0000", "221000000.00", "40000000.00", "0.1810", (1, 1), 0),
        "pudong": row(1, 1, 0, "0.0000", "0.00", "0.00", None, (0, 0), 1),
    }
    sectors = {g["key"] for g in world.figures("sector")["groups"]}
    assert sectors == {"ai.foundation_models", "life_science.drugs"}


def test_a_deal_without_a_meeting_counts_as_a_deal_but_not_in_the_signing_rate(
    world: World,
) -> None:
    before = world.figures("event")["total"]
    world.deal(world.i1, world.r3, [{"kind": "sign", "happened_on": ago(3), "amount": "1"}])
    after = world.figures("event")["total"]
    assert (after["deals"], after["signed"]) == (before["deals"] + 1, before["signed"] + 1)
    assert (after["meetings"], after["met_and_signed"]) == (4, 3)
    assert after["signing_rate"] == before["signing_rate"] == "0.7500"


@pytest.mark.parametrize("role", ["investor", "startup"])
def test_only_the_commission_reads_the_figures(api: ApiClient, role: str) -> None:
    caller = api.create_account(role, f"figures {role}")
    response = api.client.get("/v1/outcomes/figures", headers=caller.headers)
    assert response.status_code == 403
