"""Workers that share one index base (memory-mapped files) rank exactly as a worker with its own,
see each other's writes, and build each base once between them."""

from __future__ import annotations

import datetime as dt
import mmap
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from bench.synthetic import populate
from models import FinancingRequest, RequestStatus
from scoring import MatchScorer
from scoring.pruning import PRUNE_MIN_ROWS, group_index, has_group_index
from service.cli.server import SHARED_INDEX_ENV, shared_index_directory
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.ranking import index as index_module
from service.ranking.index import IndexState, MatchIndex
from service.ranking.records import investor_record, load_mandates
from service.ranking.serving import make_default_scorer
from service.ranking.shared_base import SharedBases

# Enough rows for the pruning's group index, which is shared with the base.
CATALOGUE_ROWS = PRUNE_MIN_ROWS + 300
INVESTORS = 12
TopList = list[list[tuple[str, float]]]


@pytest.fixture(scope="module")
def catalogue_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('shared')}/catalogue.db"
    upgrade(url)
    engine = create_db_engine(url)
    populate(engine, requests=CATALOGUE_ROWS, investors=INVESTORS, seed=11)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(catalogue_engine: Engine) -> sessionmaker[Session]:
    return create_session_factory(catalogue_engine)


class CountingScorers:
    """``make_default_scorer``, counting how often a base is built from the database."""

    def __init__(self) -> None:
        self.built = 0

    def __call__(self) -> MatchScorer:
        self.built += 1
        return make_default_scorer()


def mapped_from_a_file(array: object) -> bool:
    """Whether the array's memory is a file mapping (SciPy keeps a view, not the memmap)."""
    while array is not None:
        if isinstance(array, np.memmap | mmap.mmap):
            return True
        array = getattr(array, "base", None)
    return False


def top_lists(session: Session, state: IndexState) -> TopList:
    scorer = state.scorer
    no_delta_masked = np.ones(len(state.delta), dtype=np.bool_)
    return [
        [
            (match.id, round(match.score, 12))
            for match in scorer.rank_segments(
                scorer.investor_features(investor_record(profile)),
                [(state.base, state.base_alive), (state.delta, no_delta_masked)],
                limit=20,
            )[0]
        ]
        for profile in load_mandates(session, limit=INVESTORS)
    ]


def own_index_top_lists(sessions: sessionmaker[Session]) -> TopList:
    with sessions() as session:
        return top_lists(session, MatchIndex(make_default_scorer).rebuild(session))


def test_the_second_worker_maps_the_base_the_first_built_and_both_rank_as_one_alone(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    scorers = CountingScorers()
    shared = SharedBases(tmp_path / "shared")
    first, second = MatchIndex(scorers, shared=shared), MatchIndex(scorers, shared=shared)
    with sessions() as session:
        first_state = first.rebuild(session)
        second_state = second.rebuild(session)
        assert scorers.built == 1
        assert first_state.shared_number == second_state.shared_number == 1
        for state in (first_state, second_state):
            # The builder, too, ranks from the mapped files, not from its own copy.
            assert mapped_from_a_file(state.base.structure_key)
            text = state.base.inverted_text
            assert all(mapped_from_a_file(a) for a in text.arrays().values())
            # Known from the build: no worker's first ranking passes over every posting.
            assert vars(text.repeated).get("_has_sorted_indices") is True
            assert has_group_index(state.base)
            assert mapped_from_a_file(group_index(state.base).banded)
            assert mapped_from_a_file(state.base_revisions)
        alone = own_index_top_lists(sessions)
        assert any(alone)
        assert top_lists(session, first_state) == alone
        assert top_lists(session, second_state) == alone


def test_the_shared_arrays_cannot_be_written(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions() as session:
        state = MatchIndex(make_default_scorer, shared=SharedBases(tmp_path)).rebuild(session)
    with pytest.raises(ValueError, match="read-only"):
        state.base.log_amount_cny[0] = 0.0


def _edit_catalogue(session: Session, ids: list[str]) -> None:
    """Change the amount of the first ids, unpublish the last one (as the API would: a new
    revision and a fresh updated_at)."""
    now = dt.datetime.now(dt.UTC)
    *edited, withdrawn = ids
    for request_id in edited:
        session.execute(
            update(FinancingRequest)
            .where(FinancingRequest.id == request_id)
            .values(
                amount=Decimal("123456789.00"),
                revision=FinancingRequest.revision + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(FinancingRequest)
        .where(FinancingRequest.id == withdrawn)
        .values(
            status=RequestStatus.WITHDRAWN,
            revision=FinancingRequest.revision + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _published_ids(session: Session, count: int, skip: int) -> list[str]:
    return list(
        session.scalars(
            select(FinancingRequest.id)
            .where(FinancingRequest.status == RequestStatus.PUBLISHED)
            .order_by(FinancingRequest.id)
            .offset(skip)
            .limit(count)
        )
    )


def test_a_write_shows_in_every_worker_and_compaction_writes_one_base_for_all(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "COMPACT_AT_DELTA_ROWS", 6)
    compactions = 0
    compact = MatchIndex._compact

    def counting_compact(self: MatchIndex, *args: object, **kwargs: object) -> IndexState:
        nonlocal compactions
        compactions += 1
        return compact(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MatchIndex, "_compact", counting_compact)
    shared = SharedBases(tmp_path / "shared")
    first = MatchIndex(make_default_scorer, shared=shared)
    second = MatchIndex(make_default_scorer, shared=shared)
    # What the shared workers must agree with: a worker with its own base, given the same
    # writes (a fresh build would differ slightly: its text weights are fitted anew).
    alone = MatchIndex(make_default_scorer)
    with sessions() as session:
        first.rebuild(session)
        second.rebuild(session)
        alone.rebuild(session)

        # A few changes: each worker keeps them in its own delta over the shared base.
        _edit_catalogue(session, _published_ids(session, 3, skip=10))
        for worker in (first, second):
            state = worker.current(session)
            assert state.shared_number == 1
            assert len(state.delta) == 2
        expected = top_lists(session, alone.current(session))
        assert top_lists(session, first.current(session)) == expected
        assert top_lists(session, second.current(session)) == expected

        # Enough to compact: the first worker writes base 2, the second maps it.
        _edit_catalogue(session, _published_ids(session, 8, skip=100))
        first_state = first.current(session)
        second_state = second.current(session)
        assert compactions == 1
        expected = top_lists(session, alone.current(session))
        assert compactions == 2  # the worker alone compacts for itself
        assert first_state.shared_number == second_state.shared_number == 2
        assert mapped_from_a_file(second_state.base.structure_key)
        assert sorted(entry.name for entry in shared.directory.iterdir()) == [
            "base-00000002",
            "lock",
        ]
        assert top_lists(session, first_state) == expected
        assert top_lists(session, second_state) == expected
        withdrawn = _published_ids(session, 1, skip=0)
        _edit_catalogue(session, withdrawn + withdrawn)  # withdraws it (nothing edited)
        for worker in (first, second):
            assert worker.current(session).applied_revision(withdrawn[0]) is None


def test_serving_gives_its_workers_a_directory_for_the_run_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One worker or several, the server's workers map their index base from a directory
    of the run's own, gone when the server stops."""
    monkeypatch.delenv(SHARED_INDEX_ENV, raising=False)
    with shared_index_directory():
        directory = Path(os.environ[SHARED_INDEX_ENV])
        assert directory.is_dir()
        assert get_settings().shared_index_dir == directory
    assert not directory.exists()
    assert SHARED_INDEX_ENV not in os.environ


def test_a_configured_place_gets_a_directory_per_run_so_no_old_base_is_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SHARED_INDEX_ENV, str(tmp_path))
    (tmp_path / "base-00000001").mkdir()  # an earlier run's base, left behind
    for _ in range(2):
        with shared_index_directory():
            directory = Path(os.environ[SHARED_INDEX_ENV])
            assert directory.parent == tmp_path
            assert list(directory.iterdir()) == []
            assert get_settings().shared_index_dir == directory
        assert not directory.exists()
        assert os.environ[SHARED_INDEX_ENV] == str(tmp_path)
