"""An investor's page of matches is served on the event loop when the index is current, with
the connection its caller's check took on a worker thread; catching the index up runs on a
worker thread; either way the page is the same, and the session ends without a thread hop.

On the real session dependency and pool (``scratch_client``'s application), not the suite's
shared test transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from scoring.matcher import MatchScorer
from service.core import database
from service.core.database import create_db_engine
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.main import create_app
from service.ranking.index import MatchIndex
from tests.support.environment import ADMIN_KEY
from tests.support.factories import ApiClient


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@dataclass
class WhereWorkRan:
    """For each kind of work, whether each call ran on the event loop (True) or a thread."""

    checkouts: list[bool] = field(default_factory=list)
    rankings: list[bool] = field(default_factory=list)
    refreshes: list[bool] = field(default_factory=list)
    session_end_hops: int = 0

    def clear(self) -> None:
        self.checkouts.clear()
        self.rankings.clear()
        self.refreshes.clear()
        self.session_end_hops = 0


@pytest.fixture
def watched(
    scratch_settings: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ApiClient, WhereWorkRan]]:
    upgrade(scratch_settings)
    where = WhereWorkRan()
    engine = create_db_engine(scratch_settings)
    event.listen(engine, "checkout", lambda *_: where.checkouts.append(_on_event_loop()))

    rank_segments = MatchScorer.rank_segments
    refresh = MatchIndex._refresh
    own_thread = database._on_own_thread

    def ranking(self: MatchScorer, *args: Any, **kwargs: Any) -> Any:
        where.rankings.append(_on_event_loop())
        return rank_segments(self, *args, **kwargs)

    def refreshing(self: MatchIndex, *args: Any, **kwargs: Any) -> Any:
        where.refreshes.append(_on_event_loop())
        return refresh(self, *args, **kwargs)

    async def ending(*args: Any) -> None:
        where.session_end_hops += 1
        await own_thread(*args)

    monkeypatch.setattr(MatchScorer, "rank_segments", ranking)
    monkeypatch.setattr(MatchIndex, "_refresh", refreshing)
    monkeypatch.setattr(database, "_on_own_thread", ending)
    with TestClient(create_app(get_settings(), engine=engine)) as client:
        yield ApiClient(client=client, admin_key=ADMIN_KEY), where
    engine.dispose()


def test_a_current_index_ranks_on_the_loop_and_catching_up_does_not(
    watched: tuple[ApiClient, WhereWorkRan],
) -> None:
    api, where = watched
    investor = api.create_account("investor")
    profile = api.create_investor(investor, name="Hillhouse Capital", sectors=["ai"])
    startup = api.create_account("startup")
    request = api.create_request(startup)
    api.publish(request["id"])
    path = f"/v1/investors/{profile['id']}/matches"

    # Published after the index was built at start-up: this ranking catches up first.
    where.clear()
    caught_up = api.client.get(path, headers=investor.headers)
    assert caught_up.status_code == 200, caught_up.text
    assert [i["financing_request"]["id"] for i in caught_up.json()["items"]] == [request["id"]]
    assert where.refreshes == [False]
    assert where.rankings == [False]

    # Nothing written since: ranked on the loop, with no connection taken there, and the
    # session closed without a hop.
    where.clear()
    current = api.client.get(path, headers=investor.headers)
    assert current.status_code == 200, current.text
    assert where.refreshes == []
    assert where.rankings == [True]
    assert where.checkouts  # the caller's check took its connection on a thread
    assert not any(where.checkouts)
    assert where.session_end_hops == 0
    assert current.json()["items"] == caught_up.json()["items"]
    assert current.json()["total"] == caught_up.json()["total"] == 1


def test_another_accounts_mandate_is_still_a_404_and_ends_its_session(
    watched: tuple[ApiClient, WhereWorkRan],
) -> None:
    api, where = watched
    owner = api.create_account("investor")
    profile = api.create_investor(owner, name="Hillhouse Capital")
    stranger = api.create_account("investor")
    where.clear()
    response = api.client.get(f"/v1/investors/{profile['id']}/matches", headers=stranger.headers)
    assert response.status_code == 404
    assert where.rankings == []
    # The refusal is raised by the caller's check: the session is rolled back on a thread.
    assert where.session_end_hops == 1
