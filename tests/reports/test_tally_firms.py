"""The report's tally scores mandates a firm at a time, so that a firm counts once per request
with one array of the requests' length: the order it scores them in must change nothing but
that count. Checked on the benchmarks' synthetic catalogue (150 mandates of 40 firms: three
batches of 64, firms spread over them), with foreign mandates, closed requests and passes."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import Engine

from bench.synthetic import populate
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.ranking.index import MatchIndex
from service.ranking.ranker import score_mandates
from service.ranking.serving import make_default_scorer
from service.reports import compute
from service.reports.loading import ReportScope
from service.reports.tally import INVESTOR_BATCH, PairTally, tally_pairs

INVESTORS, FIRMS, REQUESTS = 150, 40, 1_200


@pytest.fixture
def tally_arguments(scratch_database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What a report over the catalogue gives its tally, with foreign mandates, requests
    closed to them and passes added at random (seeded)."""
    upgrade(scratch_database_url)
    engine: Engine = create_db_engine(scratch_database_url)
    populate(engine, requests=REQUESTS, investors=INVESTORS, seed=5, firms=FIRMS)
    given: list[dict[str, Any]] = []

    def recording(**arguments: Any) -> PairTally:
        given.append(arguments)
        return tally_pairs(**arguments)

    monkeypatch.setattr(compute, "tally_pairs", recording)
    try:
        with create_session_factory(engine)() as session:
            index = MatchIndex(make_default_scorer)
            index.rebuild(session)
            compute.compute_report(
                session=session,
                index=index,
                scope=ReportScope(event_id=None),
                top_k=4,
                min_score=0.5,
                report_id="report",
                created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                created_by_account_id=None,
            )
    finally:
        engine.dispose()
    (arguments,) = given
    assert len(arguments["features"]) == INVESTORS > 2 * INVESTOR_BATCH
    assert len(set(arguments["firms"])) == FIRMS
    rng = np.random.default_rng(3)
    rows = len(arguments["segment"])
    return {
        **arguments,
        "foreign": list(rng.random(INVESTORS) < 0.3),
        "closed": rng.random(rows) < 0.2,
        "passed": {
            int(p): rng.random(rows) < 0.1 for p in rng.choice(INVESTORS, 20, replace=False)
        },
    }


def _each_mandates_matches(arguments: dict[str, Any]) -> npt.NDArray[np.bool_]:
    """Mandate x request: a match at or above min_score, worked out one mandate at a time."""
    matches = []
    scored = score_mandates(
        index=arguments["index"],
        scorer=arguments["scorer"],
        serving=arguments["serving"],
        segment=arguments["segment"],
        features=arguments["features"],
        histories=arguments["histories"],
    )
    for position, (scores, _, fits) in enumerate(scored):
        if arguments["foreign"][position]:
            fits = fits & ~arguments["closed"]
        passed = arguments["passed"].get(position)
        if passed is not None:
            fits = fits & ~passed
        matches.append((scores >= arguments["min_score"]) & fits)
    return np.array(matches)


def test_the_scoring_order_changes_nothing_but_the_firms_count(
    tally_arguments: dict[str, Any],
) -> None:
    firms = list(tally_arguments["firms"])
    shuffled = [int(f) for f in np.random.default_rng(8).permutation(firms)]
    by_mandate = tally_pairs(**{**tally_arguments, "firms": ()})
    matches = _each_mandates_matches(tally_arguments)
    assert np.array_equal(by_mandate.firms_above, matches.sum(axis=0))
    for numbering in (firms, shuffled):
        by_firm = tally_pairs(**{**tally_arguments, "firms": numbering})
        for field in fields(PairTally):
            if field.name in ("firms_above", "investor_top"):
                continue
            np.testing.assert_array_equal(
                getattr(by_firm, field.name), getattr(by_mandate, field.name), err_msg=field.name
            )
        assert len(by_firm.investor_top) == INVESTORS
        for mine, theirs in zip(by_firm.investor_top, by_mandate.investor_top, strict=True):
            for got, expected in zip(mine, theirs, strict=True):
                np.testing.assert_array_equal(got, expected)
        # Each firm once: a request counts the firms with at least one matching mandate.
        firm_of = np.array(numbering)
        expected = sum(matches[firm_of == firm].any(axis=0).astype(int) for firm in set(numbering))
        np.testing.assert_array_equal(by_firm.firms_above, expected)
        assert (by_firm.firms_above < by_firm.above).any()  # some firm matched twice somewhere


def test_firms_must_name_every_mandate(tally_arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="firms given"):
        tally_pairs(**{**tally_arguments, "firms": [0, 1]})
