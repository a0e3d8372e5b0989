"""The commission's direction ranks from the index's stacked mandates (the roster), built
again whenever a mandate is created, changed or deleted: never a stale ranking."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from models import InvestorProfile
from service.ranking.records import mandate_probe
from tests.support.factories import ApiClient


def _investor_ids(api: ApiClient, request_id: str) -> list[str]:
    response = api.client.get(
        f"/v1/financing-requests/{request_id}/matches", params={"limit": 50}, headers=api.admin
    )
    assert response.status_code == 200, response.text
    return [item["investor"]["id"] for item in response.json()["items"]]


def test_every_change_to_a_mandate_shows_in_the_next_ranking_of_investors(
    api: ApiClient,
) -> None:
    startup = api.create_account("startup")
    request: dict[str, Any] = api.create_request(startup)
    api.publish(request["id"])
    first_owner, second_owner = api.create_account("investor"), api.create_account("investor")
    first = api.create_investor(first_owner, name="First fund")
    assert _investor_ids(api, request["id"]) == [first["id"]]
    # Twice: the second ranking reads the roster the first one built.
    assert _investor_ids(api, request["id"]) == [first["id"]]

    second = api.create_investor(second_owner, name="Second fund")
    assert set(_investor_ids(api, request["id"])) == {first["id"], second["id"]}

    # The first mandate's tickets no longer reach 3 billion yuan: not a match any more.
    path = f"/v1/investors/{first['id']}"
    changed = api.patch(
        path,
        json={"ticket_min": "1000000", "ticket_max": "2000000"},
        headers=first_owner.headers,
    )
    assert changed.status_code == 200, changed.text
    assert _investor_ids(api, request["id"]) == [second["id"]]

    deleted = api.delete(f"/v1/investors/{second['id']}", headers=second_owner.headers)
    assert deleted.status_code == 204, deleted.text
    assert _investor_ids(api, request["id"]) == []


def test_writes_that_bypass_the_service_still_show_in_the_next_ranking(
    api: ApiClient, db_session: Session
) -> None:
    # An update or delete in plain SQL goes past the service's code: the change counter that
    # database triggers bump still tells the roster to be built again. (A writer raises the
    # revision, as every write must: ETags and the mandates' feature cache name revisions.)
    startup = api.create_account("startup")
    request: dict[str, Any] = api.create_request(startup)
    api.publish(request["id"])
    owner = api.create_account("investor")
    first = api.create_investor(owner, name="First fund")
    assert _investor_ids(api, request["id"]) == [first["id"]]

    before = mandate_probe(db_session)
    db_session.execute(
        update(InvestorProfile)
        .where(InvestorProfile.id == first["id"])
        .values(
            ticket_min=Decimal(1_000_000),
            ticket_max=Decimal(2_000_000),
            revision=InvestorProfile.revision + 1,
        )
    )
    db_session.flush()
    assert mandate_probe(db_session)[0] == before[0] + 1  # the trigger counted the update
    assert _investor_ids(api, request["id"]) == []

    copied = api.create_investor(owner, name="Copied fund")
    counted = mandate_probe(db_session)[0]
    db_session.execute(delete(InvestorProfile).where(InvestorProfile.id == copied["id"]))
    db_session.flush()
    assert mandate_probe(db_session)[0] == counted + 1
    assert _investor_ids(api, request["id"]) == []
