"""The audit trail and reports name the person who acted, not only the account."""

from __future__ import annotations

from tests.support.factories import ApiClient
from tests.support.people import new_person


def test_the_trail_names_people_and_keys_and_filters_by_user(api: ApiClient) -> None:
    commission = api.create_account("commission", "Pudong commission")
    person = new_person(api, commission)
    api.client.post(
        "/v1/events",
        json={"name": "Named fair", "date": "2026-11-05"},
        headers={**person.headers, "X-Request-ID": "fair-42"},
    )
    api.client.post(
        "/v1/events", json={"name": "Keyed fair", "date": "2026-11-06"}, headers=commission.headers
    )

    trail = api.client.get("/v1/audit", params={"object_type": "event"}, headers=api.admin).json()[
        "items"
    ]
    by_person = api.client.get(
        "/v1/audit", params={"actor_user_id": person.id}, headers=api.admin
    ).json()["items"]

    keyed, named = trail[0], trail[1]
    assert (named["actor_user_id"], named["actor_name"]) == (person.id, person.username)
    assert named["client_request_id"] == "fair-42"
    assert named["request_id"] != "fair-42"
    assert (keyed["actor_user_id"], keyed["actor_name"]) == (None, "Pudong commission")
    assert keyed["client_request_id"] is None
    assert {item["actor_user_id"] for item in by_person} == {person.id}


def test_a_report_names_who_ran_it(api: ApiClient) -> None:
    person = new_person(api, api.create_account("commission", "Pudong commission"))

    created = api.client.post("/v1/reports", json={"top_k": 1}, headers=person.headers)
    listed = api.client.get("/v1/reports", headers=api.admin).json()["items"]
    html = api.client.get(
        f"/v1/reports/{created.json()['id']}",
        params={"format": "html"},
        headers={**api.admin, "Accept-Language": "en"},
    )

    assert created.status_code == 201, created.text
    assert created.json()["created_by_user_id"] == person.id
    assert created.json()["created_by_name"] == person.username
    assert listed[0]["created_by_name"] == person.username
    assert f"<dt>Ran by</dt><dd>{person.username}</dd>" in html.text
