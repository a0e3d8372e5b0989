"""Offline evaluation: metrics by hand, mandate inference, the pipeline on real deals, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scoring.evaluation import (
    Deal,
    DealTable,
    Direction,
    EvaluationSettings,
    baselines,
    evaluate,
    infer_mandate,
    read_deals,
    train_learned_ranker,
)
from scoring.evaluation.deals import REQUIRED_COLUMNS
from scoring.evaluation.evaluate import SCORER_NAMES
from scoring.evaluation.features import MandateMatcher
from scoring.evaluation.history import DealHistory
from scoring.evaluation.metrics import (
    mean_reciprocal_rank,
    ndcg_at_k,
    ranking_quality,
    recall_at_k,
    relevant_ranks,
)
from service.cli.evaluation import app as evaluation_cli

_DATA_FILE = Path("shared") / "data" / "crunchbase-2013" / "investor_rounds.csv"
# The data stays outside the repository (non-commercial licence): set
# MATCHMAKER_EVALUATION_DATA, or keep it beside the checkout as the workspace does. A clone
# made elsewhere (CI clones the workspace's checkout) finds it beside the checkout it was
# cloned from, read from git's "origin" when that is a local directory.
_CHECKOUT = Path(__file__).resolve().parents[2]


def _beside_origin() -> Path:
    try:
        url = subprocess.run(
            ["git", "-C", str(_CHECKOUT), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return Path()
    origin = Path(url.removeprefix("file://"))
    return origin.resolve().parent / _DATA_FILE if origin.is_dir() else Path()


_DATA_CANDIDATES = [
    Path(os.environ.get("MATCHMAKER_EVALUATION_DATA", "")),
    _CHECKOUT.parent / _DATA_FILE,
    _beside_origin(),
]
DATA = next((p for p in _DATA_CANDIDATES if p.is_file()), _DATA_CANDIDATES[1])
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"evaluation data not at {DATA}")
runner = CliRunner()


@cache
def crunchbase() -> DealTable:
    return DealTable.from_deals(read_deals(DATA))


# Metrics, against hand-computed values.


def test_metrics_match_hand_computed_values() -> None:
    scores = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.4, 0.6]])
    relevant = np.array([[False, True, True, False], [True, False, False, False]])
    ranks = relevant_ranks(scores, relevant)
    # Query 0: candidate 1 is 4th, candidate 2 is 2nd; query 1: candidate 0 is 4th.
    assert ranks.query.tolist() == [0, 0, 1]
    assert ranks.rank.tolist() == [4, 2, 4]
    assert recall_at_k(ranks, 2) == pytest.approx((1 / 2 + 0) / 2)
    discounted = 1 / np.log2(3)
    assert ndcg_at_k(ranks, 2) == pytest.approx((discounted / (1 + discounted) + 0) / 2)
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 / 2 + 1 / 4) / 2)
    quality = ranking_quality(scores, relevant, k=4)
    assert quality.recall_at_k == pytest.approx(1.0)
    assert quality.ndcg_at_k == pytest.approx(
        ((1 / np.log2(3) + 1 / np.log2(5)) / (1 + 1 / np.log2(3)) + 1 / np.log2(5)) / 2
    )
    assert quality.n_queries == 2


def test_a_perfect_ranking_scores_one_and_a_reversed_one_does_not() -> None:
    relevant = np.array([[True, True, False, False, False]])
    perfect = ranking_quality(np.array([[5.0, 4, 3, 2, 1]]), relevant, k=2)
    assert (perfect.recall_at_k, perfect.ndcg_at_k, perfect.mrr) == (1.0, 1.0, 1.0)
    reversed_ = ranking_quality(np.array([[1.0, 2, 3, 4, 5]]), relevant, k=2)
    assert (reversed_.recall_at_k, reversed_.ndcg_at_k) == (0.0, 0.0)
    assert reversed_.mrr == pytest.approx(1 / 4)


def test_ties_follow_the_tie_break() -> None:
    scores = np.ones((1, 3))
    relevant = np.array([[False, False, True]])
    assert relevant_ranks(scores, relevant).rank.tolist() == [3]
    assert relevant_ranks(scores, relevant, np.array([2.0, 1.0, 0.0])).rank.tolist() == [1]


def test_a_query_without_relevant_candidates_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one relevant"):
        ranking_quality(np.ones((2, 3)), np.array([[True, False, False], [False] * 3]), k=1)


# Mandate inference on a hand-made deal history.


def deal(
    round_id: int,
    category: str,
    round_type: str,
    amount: str | None,
    day: str = "2010-06-01",
    investor: str = "Acme Ventures",
) -> Deal:
    return Deal(
        investor=investor,
        company=f"/company/c{round_id}",
        category=category,
        round_type=round_type,
        funded_at=dt.date.fromisoformat(day),
        amount_usd=None if amount is None else Decimal(amount),
        round_id=round_id,
        region="SF Bay",
    )


HISTORY = [
    *(deal(i, "web", "series-a", "2000000") for i in range(1, 6)),
    deal(6, "ecommerce", "series-a", "3000000"),
    deal(7, "ecommerce", "series-c+", "25000000"),
    deal(8, "ecommerce", "series-c+", "31000000"),
    deal(9, "biotech", "angel", "500000"),
    deal(10, "software", "series-c+", None),
    # Later than the cutoff used below, and a duplicate row of round 1.
    deal(11, "biotech", "series-b", "9000000", day="2013-01-01"),
    deal(1, "web", "series-a", "2000000"),
]


def test_inferred_mandate_covers_most_deals_with_a_contiguous_stage_range() -> None:
    mandate = infer_mandate(HISTORY, before=dt.date(2012, 1, 1))
    assert mandate.deal_count == 10
    # web 5/10, then ecommerce 3/10 reaches the 80% coverage.
    assert mandate.sectors == ("internet.ecommerce", "internet.web")
    assert mandate.sector_shares == {"internet.web": 0.5, "internet.ecommerce": 0.3}
    # series A 6/10 and C+ 3/10; the stages between them are filled in.
    assert mandate.stages == ("series_a", "venture", "series_b", "series_c_plus")
    # 10th/90th percentiles of the 9 known sizes, rounded outwards to 2 significant digits.
    amounts = [2e6] * 5 + [3e6, 25e6, 31e6, 0.5e6]
    low, high = np.quantile(amounts, [0.1, 0.9])
    assert (low, high) == pytest.approx((1.7e6, 26.2e6))
    assert (mandate.ticket_min, mandate.ticket_max) == (Decimal(1700000), Decimal(27000000))
    assert mandate.currency == "USD"
    assert mandate.to_json()["ticket_max"] == "27000000"


def test_later_deals_change_the_mandate_only_without_a_cutoff() -> None:
    assert infer_mandate(HISTORY).deal_count == 11
    with pytest.raises(ValueError, match="no deals before"):
        infer_mandate(HISTORY, before=dt.date(2010, 6, 1))


def test_inference_refuses_mixed_or_amountless_histories() -> None:
    with pytest.raises(ValueError, match="several investors"):
        infer_mandate([*HISTORY, deal(12, "web", "angel", "1", investor="Other")])
    amountless = [deal(1, "web", "angel", None), deal(2, "web", "angel", None)]
    with pytest.raises(ValueError, match="no deal has a known amount"):
        infer_mandate(amountless)
    fallback = infer_mandate(amountless, fallback_ticket=(1e5, 2e6))
    assert (fallback.ticket_min, fallback.ticket_max) == (Decimal(100000), Decimal(2000000))
    assert not fallback.ticket_from_history


def test_history_counts_give_the_same_mandate_as_the_deal_list() -> None:
    table = DealTable.from_deals(HISTORY)
    history = DealHistory.before(table, dt.date(2012, 1, 1))
    from_counts = history.mandate(table.investors.codes["Acme Ventures"], fallback_ticket=(1, 2))
    assert from_counts == infer_mandate(HISTORY, before=dt.date(2012, 1, 1))


def test_baselines_count_only_the_past() -> None:
    deals = [
        *(deal(i, "web", "series-a", "1000000", investor="A") for i in (1, 2, 3)),
        deal(4, "biotech", "angel", "1000000", investor="A"),
        deal(5, "web", "series-b", "1000000", investor="B"),
        deal(6, "biotech", "series-a", "1000000", investor="B"),
        deal(7, "biotech", "series-a", "1000000", investor="B"),
        # The test round: company c5 (backed by B before) raises a web series A.
        Deal("B", "/company/c5", "web", "series-a", dt.date(2012, 3, 1), Decimal(5), 8, "SF Bay"),
    ]
    table = DealTable.from_deals(deals)
    history = DealHistory.before(table, dt.date(2012, 1, 1))
    investors = np.array([table.investors.codes["A"], table.investors.codes["B"]])
    test_round = table.rounds.take(np.array([7]))
    assert history.counts.rounds[investors].tolist() == [4, 3]
    within = baselines.within_category_scores(history, investors, test_round)
    assert within.ravel().tolist() == [3, 1]
    mix = baselines.popularity_mix_scores(history, investors, test_round)
    # A: 0.5 * 3/4 web + 0.3 * 3/3 web series A + 0.2 * 3/5 series A; B likewise.
    assert mix.ravel() == pytest.approx([0.5 * 0.75 + 0.3 + 0.2 * 0.6, 0.5 * 0.25 + 0.2 * 0.4])
    follow_on = baselines.follow_on_scores(history, investors, test_round, mix)
    assert follow_on.ravel() == pytest.approx([mix[0, 0], 2 + mix[1, 0]])


# The pipeline on the real deals.


@needs_data
def test_pipeline_reproduces_the_readme_baselines() -> None:
    report = evaluate(
        crunchbase(),
        split=dt.date(2012, 1, 1),
        test_until=dt.date(2013, 10, 1),
        direction=Direction.PROJECT,
        scorers=("random", "popularity", "category", "mix"),
    )
    assert (report.n_queries, report.n_candidates) == (3901, 1281)
    assert report.mean_relevant == pytest.approx(2.3, abs=0.05)
    recall = {name: q.recall_at_k for name, q in report.quality.items()}
    assert recall["random"] < 0.015
    assert recall["popularity"] == pytest.approx(0.081, abs=0.002)
    assert recall["category"] == pytest.approx(0.106, abs=0.002)
    assert recall["mix"] == pytest.approx(0.151, abs=0.002)
    assert report.quality["mix"].ndcg_at_k == pytest.approx(0.101, abs=0.002)
    assert report.quality["mix"].mrr == pytest.approx(0.136, abs=0.002)


@cache
def recent_slice() -> DealTable:
    """Deals from 2010 to March 2012: a small, fast version of the full evaluation."""
    table = crunchbase()
    keep = (table.funded_at >= np.datetime64("2010-01-01")) & (
        table.funded_at < np.datetime64("2012-04-01")
    )
    return DealTable.from_deals([table.deal_at(int(i)) for i in np.flatnonzero(keep)])


@needs_data
@pytest.mark.parametrize("direction", list(Direction))
def test_learned_ranker_beats_the_baselines_on_a_slice(direction: Direction) -> None:
    report = evaluate(
        recent_slice(),
        split=dt.date(2012, 1, 1),
        direction=direction,
        settings=EvaluationSettings(min_rounds=5),
    )
    quality = report.quality
    assert report.n_queries > 100
    for baseline in ("random", "popularity", "category", "mix"):
        assert quality["learned"].recall_at_k > quality[baseline].recall_at_k, baseline
        assert quality["learned"].ndcg_at_k > quality[baseline].ndcg_at_k, baseline
    assert quality["learned"].recall_at_k > 1.3 * quality["popularity"].recall_at_k
    # More than the follow-on rounds alone.
    assert quality["learned"].recall_at_k > quality["follow_on"].recall_at_k


@needs_data
def test_default_scores_rank_like_the_service() -> None:
    table = recent_slice()
    history = DealHistory.before(table, dt.date(2012, 1, 1))
    investors = history.counts.active_investors(5)[:3]
    later = np.flatnonzero(table.rounds.funded_at >= np.datetime64("2012-01-01"))
    rounds = table.rounds.take(later)
    matcher = MandateMatcher(history, investors, rounds)
    scores = matcher.default_scores(range(investors.size))
    ids = np.array([str(i) for i in rounds.round_ids.tolist()])
    scorer = matcher.scorer
    for position in range(investors.size):
        page, total = scorer.rank_segments(
            matcher.investor_features[position],
            [(scorer.catalogue_, np.ones(len(rounds), dtype=np.bool_))],
            limit=25,
            # The evaluation ranks every round, matches or not: so must the page compared.
            include_near_misses=True,
        )
        assert total == len(rounds)
        ours = sorted(range(len(rounds)), key=lambda j: (-scores[position, j], ids[j]))[:25]
        assert [entry.id for entry in page] == ids[ours].tolist()
        assert [entry.score for entry in page] == pytest.approx(scores[position, ours].tolist())


@needs_data
def test_training_sees_nothing_from_the_split_on() -> None:
    table = recent_slice()
    split = dt.date(2012, 1, 1)
    before_split = DealTable.from_deals(
        [
            table.deal_at(int(i))
            for i in np.flatnonzero(table.funded_at < np.datetime64(split.isoformat()))
        ]
    )
    settings = EvaluationSettings()
    trained, pairs = train_learned_ranker(table, split, settings)
    blind, blind_pairs = train_learned_ranker(before_split, split, settings)
    assert pairs == blind_pairs
    np.testing.assert_allclose(trained.coefficients_, blind.coefficients_)


# The commands, on a small made-up file.


def write_deals(path: Path, count: int = 900) -> None:
    """Investors who each favour one category and region, over six years."""
    rng = np.random.default_rng(7)
    categories = ["web", "software", "biotech", "mobile", "cleantech"]
    regions = ["SF Bay", "New York", "Boston"]
    types = ["angel", "series-a", "series-b", "series-c+"]
    favourite = {f"Fund {i}": (categories[i % 5], regions[i % 3]) for i in range(40)}
    names = list(favourite)
    activity = rng.pareto(1.5, size=len(names)) + 1
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUIRED_COLUMNS)
        for round_id in range(count):
            category, region = rng.choice(categories), rng.choice(regions)
            day = dt.date(2006, 1, 1) + dt.timedelta(days=int(rng.integers(0, 6 * 365)))
            round_type = rng.choice(types)
            fit = np.array([(c == category) + (r == region) for c, r in favourite.values()])
            weights = activity * np.exp(2.0 * fit)
            chosen = rng.choice(
                len(names), size=int(rng.integers(1, 4)), replace=False, p=weights / weights.sum()
            )
            amount = f"{float(np.exp(rng.normal(15, 1))):.1f}" if rng.random() > 0.1 else ""
            for i in chosen:
                writer.writerow(
                    [
                        names[i],
                        f"Co {round_id}",
                        f"/company/co-{round_id}",
                        category,
                        region,
                        round_type,
                        day.isoformat(),
                        amount,
                        round_id,
                    ]
                )


def test_infer_profile_command_prints_a_mandate(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    write_deals(path)
    result = runner.invoke(
        evaluation_cli,
        ["infer-profile", "--data", str(path), "--investor", "Fund 2", "--before", "2010-01-01"],
    )
    assert result.exit_code == 0, result.output
    mandate = json.loads(result.stdout)
    assert mandate["currency"] == "USD"
    assert "life_science.biotech" in mandate["sectors"]
    assert Decimal(mandate["ticket_min"]) < Decimal(mandate["ticket_max"])
    unknown = runner.invoke(
        evaluation_cli, ["infer-profile", "--data", str(path), "--investor", "Nobody"]
    )
    assert unknown.exit_code == 1


def test_evaluate_command_reports_every_scorer(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    write_deals(path)
    result = runner.invoke(
        evaluation_cli,
        [
            "evaluate",
            "--data",
            str(path),
            "--split-date",
            "2011-01-01",
            "--direction",
            "investor",
            "--k",
            "5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report["scorers"]) == list(SCORER_NAMES)
    assert report["k"] == 5
    assert report["queries"] > 0
    assert report["scorers"]["learned"]["recall@5"] > report["scorers"]["random"]["recall@5"]
