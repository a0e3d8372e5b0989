"""`matchmaker evaluate --task all|new` on a slice of the real deals: the report's structure,
the lift over the strongest baseline, discovery queries without earlier backers, and baselines
that see only pre-split deals."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scoring.evaluation import Deal, DealTable, Direction, EvaluationSettings
from scoring.evaluation.deals import REQUIRED_COLUMNS
from scoring.evaluation.evaluate import SCORER_NAMES, SCORERS, HeldOutQueries, ScorerName
from scoring.evaluation.metrics import ranking_quality
from scoring.evaluation.report import BASELINE_NAMES, Task
from service.cli.evaluation import app as evaluation_cli
from tests.scoring.test_evaluation import crunchbase, needs_data, runner

SPLIT = dt.date(2012, 1, 1)
END = dt.date(2012, 1, 31)


@cache
def small_slice() -> DealTable:
    """Deals of 2010 to February 2012: the learned ranker trains on 2011, a month of test
    rounds."""
    table = crunchbase()
    keep = (table.funded_at >= np.datetime64("2010-01-01")) & (
        table.funded_at <= np.datetime64(END.isoformat())
    )
    return DealTable.from_deals([table.deal_at(int(i)) for i in np.flatnonzero(keep)])


def write_slice(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUIRED_COLUMNS)
        table = small_slice()
        for row in range(len(table)):
            deal = table.deal_at(row)
            writer.writerow(
                [
                    deal.investor,
                    deal.company,
                    deal.company,
                    deal.category,
                    deal.region,
                    deal.round_type,
                    deal.funded_at.isoformat(),
                    "" if deal.amount_usd is None else str(deal.amount_usd),
                    deal.round_id,
                ]
            )


def queries(task: Task, direction: Direction, table: DealTable | None = None) -> HeldOutQueries:
    return HeldOutQueries(
        table or small_slice(),
        split=SPLIT,
        end=END,
        direction=direction,
        settings=EvaluationSettings(),
        task=task,
    )


def command(path: Path, task: Task) -> list[str]:
    arguments = ["evaluate", "--data", str(path), "--split-date", SPLIT.isoformat()]
    return [*arguments, "--direction", "project", "--task", task.value]


def earlier_backers(table: DealTable) -> set[tuple[str, str]]:
    """(investor, company) pairs with a deal before the split, read from the deals one by one."""
    return {
        (deal.investor, deal.company)
        for deal in (table.deal_at(i) for i in range(len(table)))
        if deal.funded_at < SPLIT
    }


@needs_data
def test_evaluate_json_reports_the_lift_over_the_strongest_baseline(tmp_path: Path) -> None:
    path = tmp_path / "slice.csv"
    write_slice(path)
    result = runner.invoke(evaluation_cli, [*command(path, Task.ALL), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["task"] == "all"
    assert list(report["scorers"]) == list(SCORER_NAMES)
    scorers = report["scorers"]
    lifts = report["lift_over_strongest"]
    assert list(lifts) == ["recall@10", "ndcg@10", "mrr"]
    for metric, lift in lifts.items():
        strongest = max(BASELINE_NAMES, key=lambda name: scorers[name][metric])
        assert lift["baseline"] == strongest
        expected = scorers["learned"][metric] / scorers[strongest][metric] - 1
        assert lift["lift"] == pytest.approx(expected, abs=1e-4)


@needs_data
def test_evaluate_text_reports_the_lift_over_the_strongest_baseline(tmp_path: Path) -> None:
    path = tmp_path / "slice.csv"
    write_slice(path)
    result = runner.invoke(evaluation_cli, command(path, Task.NEW))
    assert result.exit_code == 0, result.output
    assert "task new, direction project" in result.stdout
    rows = dict(
        re.findall(
            r"^\| (\w+) \| (\d\.\d{3} \| \d\.\d{3} \| \d\.\d{3}) \|$",
            result.stdout,
            flags=re.MULTILINE,
        )
    )
    printed = {name: [float(x) for x in row.split(" | ")] for name, row in rows.items()}
    assert list(printed) == list(SCORER_NAMES)
    lifts = re.findall(r"(recall_at_k|ndcg_at_k|mrr) ([+-]\d+\.\d)% over (\w+)", result.stdout)
    assert [metric for metric, _, _ in lifts] == ["recall_at_k", "ndcg_at_k", "mrr"]
    for column, (_, lift, baseline) in enumerate(lifts):
        assert baseline in BASELINE_NAMES
        # The strongest of the printed baselines (equal to it at the printed precision).
        best = max(printed[name][column] for name in BASELINE_NAMES)
        assert printed[baseline][column] == pytest.approx(best, abs=1e-3)
        learned = printed["learned"][column]
        # Printed figures are rounded to 0.001: the lift from them is within that of the exact one.
        bound = 0.0005 * (1 + learned / best) / best * 100 + 0.05
        assert float(lift) == pytest.approx((learned / best - 1) * 100, abs=bound)


@needs_data
@pytest.mark.parametrize("direction", list(Direction))
def test_discovery_leaves_out_the_companys_earlier_backers(direction: Direction) -> None:
    table = small_slice()
    every, new = queries(Task.ALL, direction), queries(Task.NEW, direction)
    backers = earlier_backers(table)
    investor_names = [table.investors.values[i] for i in new.investors.tolist()]
    company_names = [table.companies.values[c] for c in new.rounds.company.tolist()]
    backed = np.array([[(i, c) in backers for c in company_names] for i in investor_names])
    oriented = backed.T if direction is Direction.PROJECT else backed
    assert oriented.any(), "the slice has follow-ons to leave out"
    np.testing.assert_array_equal(new.excluded, oriented)
    assert not (new.relevant & new.excluded).any()
    assert new.relevant.any(axis=1).all()
    assert not every.excluded.any()
    assert new.relevant.sum() < every.relevant.sum()
    # Excluded candidates count as not ranked at all: the same figures as ranking each query's
    # remaining candidates alone.
    scores = SCORERS[ScorerName.MIX](new)
    oriented_scores = scores.T if direction is Direction.PROJECT else scores
    per_query = [
        ranking_quality(
            oriented_scores[q : q + 1, ~new.excluded[q]],
            new.relevant[q : q + 1, ~new.excluded[q]],
            k=10,
            tie_break=new.tie_break[q : q + 1, ~new.excluded[q]],
        )
        for q in range(new.relevant.shape[0])
    ]
    quality = new.quality(scores)
    assert quality.recall_at_k == pytest.approx(np.mean([p.recall_at_k for p in per_query]))
    assert quality.ndcg_at_k == pytest.approx(np.mean([p.ndcg_at_k for p in per_query]))
    assert quality.mrr == pytest.approx(np.mean([p.mrr for p in per_query]))


@needs_data
def test_baselines_see_only_deals_before_the_split() -> None:
    table = small_slice()
    before = queries(Task.ALL, Direction.PROJECT)
    # After the split, the investors of the first test rounds pile into one new company in
    # another category and region: nothing a baseline scores may move.
    investors = sorted({table.investors.values[i] for i in before.investors[:40].tolist()})
    late = [
        Deal(name, "/company/late", "nanotech", "series-b", dt.date(2012, 1, 15), None, -1, "Mars")
        for name in investors
    ]
    deals = [table.deal_at(i) for i in range(len(table))]
    after = queries(Task.ALL, Direction.PROJECT, DealTable.from_deals([*deals, *late]))
    np.testing.assert_array_equal(after.investors, before.investors)
    position = {round_id: j for j, round_id in enumerate(after.rounds.round_ids.tolist())}
    same_rounds = np.array([position[r] for r in before.rounds.round_ids.tolist()])
    assert after.relevant.shape[0] == before.relevant.shape[0] + 1
    # random draws fresh numbers for the extra query: it reads no deals at all.
    for name in [n for n in BASELINE_NAMES if n != "random"]:
        scorer = SCORERS[ScorerName(name)]
        np.testing.assert_allclose(
            scorer(after)[:, same_rounds], scorer(before), rtol=1e-9, atol=1e-12, err_msg=name
        )
