"""Events: the commission's conferences; requests name them by id; lists and matches filter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models import AuditRecord, Event
from service.core.database import create_db_engine
from service.core.migrations import downgrade, upgrade
from tests.support.factories import ApiClient, bearer, request_payload

PROBLEM = "application/problem+json"


def test_the_commission_creates_reads_and_lists_events(api: ApiClient) -> None:
    created = api.client.post(
        "/v1/events",
        json={"name": "2026 上海投资促进大会", "date": "2026-11-05", "place": "Shanghai"},
        headers=api.admin,
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["name"] == "2026 上海投资促进大会"
    assert event["date"] == "2026-11-05"
    assert event["place"] == "Shanghai"
    read = api.client.get(f"/v1/events/{event['id']}", headers=api.admin)
    assert read.status_code == 200
    assert read.json() == event
    campaign = api.create_event("Lingang campaign", place=None)
    listed = api.client.get("/v1/events?limit=1", headers=api.admin).json()
    assert [e["id"] for e in listed["items"]] == [campaign]
    rest = api.client.get(f"/v1/events?limit=1&cursor={listed['next_cursor']}", headers=api.admin)
    assert [e["id"] for e in rest.json()["items"]] == [event["id"]]
    assert rest.json()["next_cursor"] is None


def test_event_names_are_unique(api: ApiClient, db_session: Session) -> None:
    api.create_event("CIIE")
    before = db_session.scalar(select(func.count()).select_from(Event))
    again = api.client.post(
        "/v1/events", json={"name": "CIIE", "date": "2027-01-01"}, headers=api.admin
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert db_session.scalar(select(func.count()).select_from(Event)) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-11-05"}, "name"),
        ({"name": "", "date": "2026-11-05"}, "name"),
        ({"name": "x" * 201, "date": "2026-11-05"}, "name"),
        ({"name": "CIIE"}, "date"),
        ({"name": "CIIE", "date": "next Thursday"}, "date"),
        ({"name": "CIIE", "date": "2026-02-30"}, "date"),
        ({"name": "CIIE", "date": "2026-11-05", "place": ""}, "place"),
        ({"name": "CIIE", "date": "2026-11-05", "city": "Shanghai"}, "city"),
    ],
)
def test_bad_event_input_names_the_field_and_writes_nothing(
    api: ApiClient, db_session: Session, body: dict[str, Any], field: str
) -> None:
    counts = [db_session.scalar(select(func.count()).select_from(m)) for m in (Event, AuditRecord)]
    response = api.client.post("/v1/events", json=body, headers=api.admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in {e["field"] for e in response.json()["errors"]}
    assert [
        db_session.scalar(select(func.count()).select_from(m)) for m in (Event, AuditRecord)
    ] == counts


def test_a_startup_names_only_an_event_still_to_come(api: ApiClient) -> None:
    """Filed or moved to a held event by a startup: 422 naming event_id (``event_over``),
    nothing written. The commission may record a request at a held event (where it was
    presented), and a request kept at its held event saves its other changes."""
    startup = api.create_account("startup")
    held = api.create_event("2021 大会", date="2021-11-05")
    coming = api.create_event("2036 大会", date="2036-11-05")

    refused = api.client.post(
        "/v1/financing-requests", json=request_payload(event_id=held), headers=startup.headers
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    [error] = refused.json()["errors"]
    assert (error["field"], error["code"]) == ("event_id", "event_over")
    assert "2021-11-05" in refused.json()["detail"]
    listed = api.client.get("/v1/financing-requests", headers=startup.headers).json()["items"]
    assert listed == []  # nothing written

    draft = api.create_request(startup, event_id=coming, status="draft")
    path = f"/v1/financing-requests/{draft['id']}"
    moved = api.patch(path, json={"event_id": held}, headers=startup.headers)
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["code"] == "event_over"
    assert api.client.get(path, headers=startup.headers).json()["event_id"] == coming

    recorded = api.record_request(startup, event_id=held, status="draft")
    assert recorded["event_id"] == held
    kept = api.patch(
        f"/v1/financing-requests/{recorded['id']}",
        json={"title": "往届项目（修订）", "event_id": held},
        headers=startup.headers,
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["event_id"] == held


def test_a_request_names_its_event_and_lists_filter_by_it(api: ApiClient) -> None:
    startup = api.create_account("startup")
    investor = api.create_account("investor")
    # Events still to come: a startup names only those (a held one is test_a_startup_...).
    ciie = api.create_event("CIIE", date="2036-11-05")
    gipc = api.create_event("GIPC", date="2036-09-10")
    at_ciie = api.create_request(startup, event_id=ciie)
    assert at_ciie["event_id"] == ciie
    at_gipc = api.create_request(startup, event_id=ciie)
    moved = api.patch(
        f"/v1/financing-requests/{at_gipc['id']}", json={"event_id": gipc}, headers=startup.headers
    )
    assert moved.status_code == 200
    assert moved.json()["event_id"] == gipc
    nowhere = api.create_request(startup)
    assert nowhere["event_id"] is None
    for request in (at_ciie, at_gipc, nowhere):
        api.publish(request["id"])

    def listed(event_id: str) -> list[str]:
        response = api.client.get(
            "/v1/financing-requests", params={"event_id": event_id}, headers=investor.headers
        )
        assert response.status_code == 200
        return [r["id"] for r in response.json()["items"]]

    assert listed(ciie) == [at_ciie["id"]]
    assert listed(gipc) == [at_gipc["id"]]
    profile = api.create_investor(investor)

    def matched(event_id: str) -> list[str]:
        response = api.client.get(
            f"/v1/investors/{profile['id']}/matches",
            params={"event_id": event_id},
            headers=investor.headers,
        )
        assert response.status_code == 200
        return [m["financing_request"]["id"] for m in response.json()["items"]]

    assert matched(ciie) == [at_ciie["id"]]
    assert matched(gipc) == [at_gipc["id"]]
    # A request leaving its event leaves the event's matches at once.
    cleared = api.patch(
        f"/v1/financing-requests/{at_gipc['id']}", json={"event_id": None}, headers=api.admin
    )
    assert cleared.status_code == 409  # published: content is frozen
    assert matched(gipc) == [at_gipc["id"]]


def test_an_unknown_event_is_refused_with_the_field_named(api: ApiClient) -> None:
    startup = api.create_account("startup")
    response = api.client.post(
        "/v1/financing-requests",
        json={
            "company": "QBoson",
            "title": "Quantum",
            "sectors": ["quantum"],
            "amount": "300000000",
            "stage": "series_a",
            "event_id": "00000000-0000-4000-8000-000000000000",
        },
        headers=bearer(startup.api_key),
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("event_id", "unknown_event")
    ]


def test_the_migration_turns_event_names_into_events_and_back(scratch_database_url: str) -> None:
    """Requests filed with a free-text event before this migration keep it, as an event."""
    upgrade(scratch_database_url, "0004")
    engine = create_db_engine(scratch_database_url)
    now = dt.datetime(2025, 11, 6, 9, 30, tzinfo=dt.UTC)
    rows = [
        ("00000000-0000-4000-8000-00000000000a", "CIIE 2025", now),
        ("00000000-0000-4000-8000-00000000000b", "CIIE 2025", now + dt.timedelta(days=3)),
        ("00000000-0000-4000-8000-00000000000c", None, now),
    ]
    requests = text(
        "INSERT INTO financing_requests (id, company, title, summary, amount, currency, stage,"
        " event, status, created_at, updated_at, revision)"
        " VALUES (:id, 'Co', 'T', '', 100, 'CNY', 'seed', :event, 'draft', :at, :at, 1)"
    )
    try:
        with engine.begin() as connection:
            for request_id, event, at in rows:
                connection.execute(requests, {"id": request_id, "event": event, "at": at})
        upgrade(scratch_database_url)
        with engine.connect() as connection:
            events = connection.execute(select(Event.id, Event.name, Event.date)).all()
            assert [(e.name, e.date) for e in events] == [("CIIE 2025", dt.date(2025, 11, 6))]
            linked = {
                row[0]: row[1]
                for row in connection.execute(text("SELECT id, event_id FROM financing_requests"))
            }
            assert linked == {rows[0][0]: events[0].id, rows[1][0]: events[0].id, rows[2][0]: None}
        downgrade(scratch_database_url, "0004")
        with engine.connect() as connection:
            names = {
                row[0]: row[1]
                for row in connection.execute(text("SELECT id, event FROM financing_requests"))
            }
            assert names == {rows[0][0]: "CIIE 2025", rows[1][0]: "CIIE 2025", rows[2][0]: None}
    finally:
        engine.dispose()


def test_event_creation_is_audited(api: ApiClient, db_session: Session) -> None:
    event_id = api.create_event("Audited fair")
    record = db_session.scalars(select(AuditRecord).where(AuditRecord.object_id == event_id)).one()
    assert record.action == "event.create"
    assert record.changes["name"] == "Audited fair"


def test_the_commission_changes_an_event_with_the_etag_it_read(
    api: ApiClient, db_session: Session
) -> None:
    event_id = api.create_event("Pudong fair 2026", place="Pudong")
    api.create_event("Lingang fair 2026")
    path = f"/v1/events/{event_id}"

    unconditional = api.client.patch(path, json={"place": "Expo"}, headers=api.admin)
    changed = api.client.patch(
        path,
        json={"date": "2026-11-06", "place": "Expo Centre"},
        headers={**api.admin, **api.if_match(path)},
    )
    stale = api.client.patch(
        path, json={"place": "Elsewhere"}, headers={**api.admin, "If-Match": '"1"'}
    )
    taken = api.client.patch(
        path, json={"name": "Lingang fair 2026"}, headers={**api.admin, **api.if_match(path)}
    )
    emptied = api.client.patch(
        path, json={"name": None}, headers={**api.admin, **api.if_match(path)}
    )

    assert unconditional.status_code == 428
    assert changed.status_code == 200, changed.text
    assert (changed.json()["date"], changed.json()["place"]) == ("2026-11-06", "Expo Centre")
    assert changed.json()["revision"] == 2
    assert changed.headers["etag"] == '"2"'
    assert stale.status_code == 412
    assert taken.status_code == 409
    assert [(e["field"], e["code"]) for e in taken.json()["errors"]] == [("name", "name_taken")]
    assert emptied.status_code == 422
    no_deadline = api.client.patch(
        path, json={"registration_due_months": None}, headers={**api.admin, **api.if_match(path)}
    )
    assert no_deadline.status_code == 422
    assert [(e["field"], e["code"]) for e in no_deadline.json()["errors"]] == [
        ("registration_due_months", "missing")
    ]
    read = api.client.get(path, headers=api.admin).json()
    assert (read["name"], read["place"], read["revision"]) == ("Pudong fair 2026", "Expo Centre", 2)
    [record] = db_session.scalars(
        select(AuditRecord).where(
            AuditRecord.object_id == event_id, AuditRecord.action == "event.update"
        )
    ).all()
    assert record.changes == {
        "date": {"from": "2026-11-05", "to": "2026-11-06"},
        "place": {"from": "Pudong", "to": "Expo Centre"},
    }
