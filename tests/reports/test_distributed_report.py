"""A report tallied on a Dask cluster (two worker processes on 127.0.0.1) is the report one
process computes: every count, every ranked pair and its reasons, the whole document."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bench.synthetic import BENCH_EVENT, populate
from models import ModelStatus, RankingModel
from scoring.learned import RANKING_FEATURES
from service.cli.main import app as cli
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.reports import compute
from service.reports.compute import MAX_LISTED, compute_report
from service.reports.distributed import DaskEngine, dask_engine, tallied_on
from service.reports.document import ReportDocument
from service.reports.loading import ReportScope
from service.reports.tally import PairTally, tally_pairs

REQUESTS, INVESTORS = 2_500, 150
BLOCK_ROWS = 300  # 9 blocks; the 1,000 listed requests (the largest asks) fall in every one
TOP_K, MIN_SCORE = 4, 0.55
SECONDS = 240  # a tally on the cluster that takes longer fails the test
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskEngine]:
    """Two worker processes of one thread each, listening on 127.0.0.1, no dashboard;
    closed (workers, scheduler, work directory) when the module's tests are done."""
    with dask_engine(
        workers=2,
        threads_per_worker=1,
        work_dir=tmp_path_factory.mktemp("report-blocks"),
        block_rows=BLOCK_ROWS,
        timeout=SECONDS,
    ) as engine:
        assert _address(engine).startswith("tcp://127.0.0.1:")
        yield engine


def _address(engine: DaskEngine) -> str:
    assert engine.client.scheduler is not None
    address = engine.client.scheduler.address
    assert isinstance(address, str)
    return address


@pytest.fixture
def catalogue(scratch_database_url: str) -> Iterator[Engine]:
    """The benchmarks' synthetic catalogue, small: many pairs share a score (the same text,
    sector and stage, an ask inside the ticket), so ties are broken as often as not."""
    upgrade(scratch_database_url)
    engine = create_db_engine(scratch_database_url)
    populate(engine, requests=REQUESTS, investors=INVESTORS, seed=11, firms=INVESTORS // 2)
    yield engine
    engine.dispose()


def _activate_learned_ranker(session: Session) -> None:
    """A learned ranker over every feature, deal history included, serves the matches."""
    names = list(RANKING_FEATURES)
    weights = np.random.default_rng(5).normal(size=len(names) + len(names) * (len(names) - 1) // 2)
    session.add(
        RankingModel(
            version=1,
            status=ModelStatus.ACTIVE,
            parameters={
                "kind": "logistic-interactions-v1",
                "feature_names": names,
                "regularization": 0.1,
                "coefficients": weights.tolist(),
                "intercept": 0.5,
            },
            metrics={},
            trained_by="test",
        )
    )
    session.flush()


def _report(session: Session, index: MatchIndex, scope: ReportScope) -> ReportDocument:
    return compute_report(
        session=session,
        index=index,
        scope=scope,
        top_k=TOP_K,
        min_score=MIN_SCORE,
        report_id="report",
        created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        created_by_account_id=None,
    )


def _assert_same_tally(distributed: PairTally, local: PairTally) -> None:
    for field in fields(PairTally):
        if field.name == "investor_top":
            continue
        np.testing.assert_array_equal(
            getattr(distributed, field.name), getattr(local, field.name), err_msg=field.name
        )
        assert getattr(distributed, field.name).dtype == getattr(local, field.name).dtype
    assert len(distributed.investor_top) == len(local.investor_top)
    for mine, theirs in zip(distributed.investor_top, local.investor_top, strict=True):
        for got, expected in zip(mine, theirs, strict=True):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("ranker", ["default", "learned"])
def test_the_distributed_report_equals_the_local_one(
    catalogue: Engine, cluster: DaskEngine, ranker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with create_session_factory(catalogue)() as session:
        if ranker == "learned":
            _activate_learned_ranker(session)
        index = MatchIndex(make_default_scorer)
        index.rebuild(session)
        scope = ReportScope(event_id=None)

        # The local report, keeping what its tally was given and what it returned.
        seen: list[tuple[dict[str, Any], PairTally]] = []

        def recording(**given: Any) -> PairTally:
            result = tally_pairs(**given)
            seen.append((given, result))
            return result

        monkeypatch.setattr(compute, "tally_pairs", recording)
        local = _report(session, index, scope)
        monkeypatch.undo()
        [(given, local_tally)] = seen

        with tallied_on(cluster):
            distributed = _report(session, index, scope)

        # The same tally, array by array (above and below min_score, every investor's top k).
        _assert_same_tally(cluster.tally(**given), local_tally)

    assert local.totals.requests == REQUESTS
    assert local.totals.investors == INVESTORS
    assert local.model.version == ("default-v1" if ranker == "default" else "learned-v1")
    assert len(local.requests) == MAX_LISTED
    assert sum(len(i.top_requests) for i in local.investors) > INVESTORS  # pairs to rank
    assert local.coverage.covered > 0
    assert local.coverage.uncovered > 0
    assert distributed.model_dump(mode="json") == local.model_dump(mode="json")
    assert vars(compute)["tally_pairs"] is tally_pairs  # the local tally is back


def test_matchmaker_report_on_the_cluster_writes_the_local_report(
    scratch_settings: str, cluster: DaskEngine, tmp_path: Path
) -> None:
    upgrade(scratch_settings)
    engine = create_db_engine(scratch_settings)
    try:
        populate(engine, requests=800, investors=60, seed=3, firms=30)
    finally:
        engine.dispose()
    documents = {}
    for name, options in {
        "local": [],
        "dask": [
            "--engine",
            "dask",
            "--scheduler",
            _address(cluster),
            "--block-rows",
            "250",
            "--work-dir",
            str(tmp_path / "blocks"),
        ],
    }.items():
        output = tmp_path / f"{name}.json"
        result = runner.invoke(
            cli,
            ["report", "--event", BENCH_EVENT, "--top-k", "3", "-o", str(output), *options],
        )
        assert result.exit_code == 0, result.output
        document = json.loads(output.read_text(encoding="utf-8"))
        del document["id"], document["created_at"]
        documents[name] = document
    assert documents["dask"]["totals"]["requests"] == 800
    assert documents["dask"] == documents["local"]


def test_cluster_options_need_the_dask_engine(tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["report", "--scheduler", "tcp://127.0.0.1:1", "-o", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 2
    assert "need --engine dask" in result.output
