"""An investor's page of matches is served on the event loop when the index is current, with
the connection its caller's check took on a worker thread; catching the index up runs on a
worker thread; either way the page is the same, and the session ends without a thread hop.

On the real session dependency and pool (``scratch_client``'s application), not the suite's
shared test transaction.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from models import ModelStatus, RankingModel
from scoring.learned import COMPONENT_FEATURES, LearnedRanker
from scoring.matcher import MatchScorer
from service.core import database
from service.core.database import _ended_by_handler, create_db_engine, end_unit_of_work
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.main import create_app
from service.ranking.index import MAX_CONCURRENT_RANKINGS, MatchIndex
from tests.support.environment import ADMIN_KEY
from tests.support.factories import Account, ApiClient


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


@dataclass
class Served:
    api: ApiClient
    where: WhereWorkRan
    engine: Engine
    index: MatchIndex


@pytest.fixture
def served(scratch_settings: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
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
    app = create_app(get_settings(), engine=engine)
    with TestClient(app) as client:
        yield Served(
            ApiClient(client=client, admin_key=ADMIN_KEY), where, engine, app.state.match_index
        )
    engine.dispose()


@pytest.fixture
def watched(served: Served) -> tuple[ApiClient, WhereWorkRan]:
    return served.api, served.where


def _matched(api: ApiClient) -> tuple[Account, str, str]:
    """An investor account, its mandate's matches path, and the id of the one request."""
    investor = api.create_account("investor")
    profile = api.create_investor(investor, name="Hillhouse Capital", sectors=["ai"])
    request = api.create_request(api.create_account("startup"))
    api.publish(request["id"])
    path = f"/v1/investors/{profile['id']}/matches"
    assert api.client.get(path, headers=investor.headers).status_code == 200  # caught up
    return investor, path, request["id"]


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


def test_a_learned_model_ranks_on_a_thread(served: Served) -> None:
    """A learned model scores every row (and may read the deal history): never on the loop."""
    investor, path, request_id = _matched(served.api)
    rng = np.random.default_rng(5)
    inputs = rng.uniform(0, 1, (200, len(COMPONENT_FEATURES)))
    outcomes = (inputs[:, 0] + 0.5 * inputs[:, 1] + rng.normal(0, 0.2, 200) > 0.8).astype(int)
    ranker = LearnedRanker(feature_names=COMPONENT_FEATURES).fit(inputs, outcomes)
    with Session(served.engine) as session:
        session.add(
            RankingModel(
                version=3,
                status=ModelStatus.ACTIVE,
                parameters=ranker.to_dict(),
                metrics={},
                trained_by="test",
            )
        )
        session.commit()
    served.where.clear()
    page = served.api.client.get(path, headers=investor.headers)
    assert page.status_code == 200, page.text
    assert page.json()["model"]["version"] == "learned-v3"
    assert [i["financing_request"]["id"] for i in page.json()["items"]] == [request_id]
    assert served.where.rankings == [False]


def test_a_ranking_whose_slots_are_taken_waits_on_a_thread(served: Served) -> None:
    """With every ranking slot held (a report's batches hold one), the page waits for one on
    a worker thread; the loop goes on serving."""
    investor, path, request_id = _matched(served.api)
    slots = served.index.ranking_slots
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    assert taken == MAX_CONCURRENT_RANKINGS
    answers: list[Any] = []
    waiting = threading.Thread(
        target=lambda: answers.append(served.api.client.get(path, headers=investor.headers))
    )
    served.where.clear()
    try:
        waiting.start()
        time.sleep(0.3)
        # The loop is free (were it waiting for a slot, this would wait too: in a thread of
        # its own, so that the test fails instead of hanging).
        health: list[int] = []
        checking = threading.Thread(
            target=lambda: health.append(served.api.client.get("/healthz").status_code)
        )
        checking.start()
        checking.join(timeout=5)
        assert health == [200]
        assert answers == []  # the page still waits for a slot
    finally:
        for _ in range(taken):
            slots.release()
    waiting.join(timeout=10)
    assert answers[0].status_code == 200, answers[0].text
    assert [i["financing_request"]["id"] for i in answers[0].json()["items"]] == [request_id]
    assert served.where.rankings == [False]


def test_a_bad_cursor_is_a_problem_and_the_session_is_rolled_back(served: Served) -> None:
    investor, path, _ = _matched(served.api)
    served.where.clear()
    response = served.api.client.get(path, params={"cursor": "nonsense"}, headers=investor.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert served.where.rankings == []
    assert served.where.session_end_hops == 1  # rolled back on a thread, its connection back
    assert served.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_session_changed_after_its_unit_of_work_ended_is_still_committed(
    served: Served,
) -> None:
    """Ending the unit of work early only spares the hop while nothing has happened since: an
    object changed or added afterwards is still committed at the end."""
    with Session(served.engine) as session:
        session.add(
            RankingModel(
                version=9,
                status=ModelStatus.CANDIDATE,
                parameters={},
                metrics={},
                trained_by="test",
            )
        )
        session.commit()
    with Session(served.engine, expire_on_commit=False) as session:
        model = session.scalars(select(RankingModel)).one()
        end_unit_of_work(session)
        assert _ended_by_handler(session)
        model.trained_by = "changed since"
        assert not _ended_by_handler(session)
        end_unit_of_work(session)
        assert _ended_by_handler(session)
        session.add(RankingModel(version=10, parameters={}, metrics={}, trained_by="test"))
        assert not _ended_by_handler(session)
