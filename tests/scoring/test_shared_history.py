"""The service and the offline evaluation read the same deals into the same numbers.

One synthetic set of deals goes through both callers: the service's path (rows of the
``deals`` table read by ``investor_histories``; the service's pair builder
``labelled_deal_pairs``) and the evaluation's (a Crunchbase ``DealTable``, ``DealHistory``,
its ``training_pairs``). The deal-history features and the training pairs must be equal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy.orm import Session

from models import Deal as DealRow
from scoring.evaluation import Deal, DealTable, EvaluationSettings
from scoring.evaluation.crunchbase import make_scorer, sector_of, stage_of
from scoring.evaluation.evaluate import training_pairs
from scoring.evaluation.features import FEATURE_NAMES, request_columns
from scoring.evaluation.history import DealHistory
from scoring.evaluation.profiles import InferenceSettings
from scoring.history import (
    HISTORY_FEATURES,
    CodeNames,
    CompanyCounts,
    InvestorHistory,
    PastDeal,
    company_key,
    histories_as_of,
    track_record_columns,
)
from scoring.learned import TRAINING_WINDOW_DAYS
from scoring.records import InvestorRecord
from scoring.training_pairs import RecordedDeal, labelled_deal_pairs
from service.deals.service import investor_histories
from tests.support.factories import ApiClient

INVESTORS = [f"Fund {number:02d}" for number in range(8)]
# "other" and an unknown category are both services.other; "venture" and "other" round
# types are both the stage venture: the evaluation counts by the finer codes and sums.
CATEGORIES = ["web", "ecommerce", "software", "biotech", "other", "no_such_category"]
ROUND_TYPES = ["angel", "series-a", "venture", "series-b", "series-c+"]
REGIONS = ["SF Bay", "New York", "Boston", ""]
NEWEST = dt.date(2012, 12, 20)
SPLIT = NEWEST + dt.timedelta(days=1)
START = SPLIT - dt.timedelta(days=TRAINING_WINDOW_DAYS)


def synthetic_deals() -> list[Deal]:
    """Four years of rounds, oldest first, with follow-ons, co-investors, a round listed
    twice for the same investor, and unknown amounts and regions before the training window.

    Each investor's first deal comes in name order, so both callers number the investors
    alike (the evaluation by first appearance, the service by id).
    """
    rng = np.random.default_rng(11)
    deals: list[Deal] = []
    taken: set[tuple[str, dt.date, str]] = set()
    days = sorted(
        dt.date(2009, 2, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1418, 160)
    )
    days[-1] = NEWEST
    for number, day in enumerate([dt.date(2009, 1, 1 + i) for i in range(8)] + days):
        company = f"/company/co-{int(rng.integers(0, 70))}"
        round_type = str(rng.choice(ROUND_TYPES))
        if (company, day, round_type) in taken:  # the service's round: company, day, stage
            continue
        taken.add((company, day, round_type))
        category, region = str(rng.choice(CATEGORIES)), str(rng.choice(REGIONS))
        if day >= START:
            amount: Decimal | None = Decimal(int(rng.integers(1, 400)) * 100_000)
        else:
            amount = None if rng.random() < 0.2 else Decimal(int(rng.integers(1, 400)) * 50_000)
        backers = (
            [INVESTORS[number]]
            if number < len(INVESTORS)
            else sorted(
                str(n) for n in rng.choice(INVESTORS, size=int(rng.integers(1, 4)), replace=False)
            )
        )
        if number == 40:
            backers = [*backers, backers[0]]  # listed twice: one round all the same
        for investor in backers:
            deals.append(Deal(investor, company, category, round_type, day, amount, number, region))
    return deals


def past_deal(deal: Deal) -> PastDeal:
    """A Crunchbase row as the service records a deal."""
    return PastDeal(
        company=deal.company,
        sector=sector_of(deal.category),
        stage=stage_of(deal.round_type),
        region=deal.region or None,
        closed_on=deal.funded_at,
    )


def track_records(deals: list[Deal]) -> dict[str, list[PastDeal]]:
    return {name: [past_deal(d) for d in deals if d.investor == name] for name in INVESTORS}


def co_investments_by_hand(deals: list[Deal], investor: str, cutoff: dt.date) -> dict[str, float]:
    """Per company: the rounds (before ``cutoff``) ``investor`` shared with each other
    investor that backed the company before ``cutoff``, summed over those backers."""
    before = [d for d in deals if d.funded_at < cutoff]
    rounds_of: dict[str, set[int]] = {}
    for d in before:
        rounds_of.setdefault(d.investor, set()).add(d.round_id)
    mine = rounds_of.get(investor, set())
    counts: dict[str, float] = {}
    for company in sorted({d.company for d in before}):
        backers = {d.investor for d in before if d.company == company} - {investor}
        shared = sum(len(mine & rounds_of[b]) for b in backers)
        if shared:
            counts[company] = float(shared)
    return counts


def history_features(history: InvestorHistory) -> npt.NDArray[np.float64]:
    """Every deal-history feature of ``history`` against the rounds of the last year, through
    ``MatchScorer.pair_features`` as the rankers compute them."""
    table = DealTable.from_deals(synthetic_deals())
    rounds = table.rounds.take(np.flatnonzero(table.rounds.funded_at >= np.datetime64(START)))
    scorer = make_scorer().fit(request_columns(table, rounds, np.ones(len(rounds))))
    mandate = InvestorRecord("any", ("internet",), ("angel",), Decimal(1), Decimal(9), "USD")
    matrix, _ = scorer.pair_features(
        scorer.investor_features(mandate),
        scorer.catalogue_,
        None,
        names=HISTORY_FEATURES,
        history=history,
    )
    return matrix


@pytest.mark.parametrize("cutoff", [dt.date(2010, 7, 1), START, SPLIT])
def test_the_deals_table_and_the_evaluation_give_the_same_histories(
    api: ApiClient, db_session: Session, cutoff: dt.date
) -> None:
    deals = synthetic_deals()
    profile_ids = {
        name: api.create_investor(api.create_account("investor"), name=name)["id"]
        for name in INVESTORS
    }
    for deal in deals:
        record = past_deal(deal)
        db_session.add(
            DealRow(
                investor_profile_id=profile_ids[deal.investor],
                company=record.company,
                sector=record.sector,
                stage=record.stage,
                region=record.region,
                amount=deal.amount_usd,
                currency="USD" if deal.amount_usd is not None else None,
                closed_on=record.closed_on,
            )
        )
    db_session.flush()

    served = investor_histories(db_session, [profile_ids[n] for n in INVESTORS], as_of=cutoff)
    table = DealTable.from_deals(deals)
    evaluated = DealHistory.before(table, cutoff)
    for name, service_history in zip(INVESTORS, served, strict=True):
        evaluation_history = evaluated.investor_history(table.investors.codes[name])
        assert service_history == evaluation_history, name
        assert service_history.rounds > 0
        np.testing.assert_array_equal(
            history_features(service_history), history_features(evaluation_history)
        )
    # Ranking one investor alone, the service still reads everyone's deals for the
    # co-investment counts (its ``market_deals``): the same history as with all of them.
    for name in (INVESTORS[2], INVESTORS[5]):
        (alone,) = investor_histories(db_session, [profile_ids[name]], as_of=cutoff)
        assert alone == served[INVESTORS.index(name)], name
    if cutoff > dt.date(2010, 7, 1):
        assert all(len(h.co_investments) > 0 for h in served)
        assert any(len(h.recent_co_investments) > 0 for h in served)
    for name, history in zip(INVESTORS, served, strict=True):
        expected = co_investments_by_hand(deals, name, cutoff)
        assert history.co_investments == CompanyCounts.of(
            np.array([company_key(c) for c in expected], dtype=np.int64),
            np.array(list(expected.values()), dtype=np.float64),
        ), name
    # The round listed twice counts once on both paths, and both sum finer codes.
    twice = next(d for d in deals if d.round_id == 40)
    history = served[INVESTORS.index(twice.investor)]
    one_listing = [d for d in deals if d.investor == twice.investor and d.funded_at < cutoff]
    assert history.rounds == len({d.round_id for d in one_listing})
    if cutoff > dt.date(2010, 7, 1):
        assert len(one_listing) > history.rounds


def test_the_service_and_the_evaluation_build_the_same_training_pairs() -> None:
    deals = synthetic_deals()
    table = DealTable.from_deals(deals)
    settings = EvaluationSettings(features=FEATURE_NAMES)

    # The evaluation: mandates inferred from the history before the window, the scorer
    # fitted on the window's rounds (``training_pairs`` does both itself).
    features, outcomes = training_pairs(table, SPLIT, settings)

    # The service's builder on the same deals, given the same mandates and catalogue.
    history = DealHistory.before(table, START)
    window = table.rounds.take(
        np.flatnonzero(table.rounds.funded_at >= np.datetime64(START.isoformat()))
    )
    scorer = make_scorer().fit(request_columns(table, window, history.amounts_or_typical(window)))
    fallback = history.typical_ticket(InferenceSettings().ticket_quantiles)
    mandates: dict[str, InvestorRecord] = {
        name: history.mandate(table.investors.codes[name], fallback_ticket=fallback).to_record()
        for name in INVESTORS
    }
    recorded = [
        RecordedDeal(
            d.investor, past_deal(d), d.amount_usd, "USD" if d.amount_usd is not None else None
        )
        for d in deals
    ]
    served = labelled_deal_pairs(scorer, recorded, track_records(deals), mandates)

    assert served.outcomes.sum() == outcomes.sum() > 30
    assert served.features.shape == features.shape

    def rows(matrix: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]) -> object:
        together = np.column_stack([matrix, labels])
        return together[np.lexsort(together.T[::-1])]

    # The same pairs with the same features and labels (the service orders them by date).
    np.testing.assert_array_equal(rows(served.features, served.outcomes), rows(features, outcomes))
    # Histories are those before the window: no positive knows of its own round.
    portfolio = FEATURE_NAMES.index("portfolio_company")
    follow_ons = features[outcomes == 1, portfolio]
    assert 0 < follow_ons.sum() < follow_ons.size
    # Co-investments with the company's earlier backers are counted on both paths.
    co_invested = features[:, FEATURE_NAMES.index("log_co_investments")]
    assert 0 < np.count_nonzero(co_invested) < co_invested.size


def test_histories_as_of_each_day_are_those_of_the_deals_before_it() -> None:
    deals = synthetic_deals()
    records = track_records(deals)
    columns, names = track_record_columns([records[n] for n in INVESTORS])
    assert isinstance(names, CodeNames)
    days = [dt.date(2010, 1, 1), dt.date(2011, 3, 5), dt.date(2010, 1, 1), SPLIT]
    investors = [0, 3, 5, 7]
    found = histories_as_of(columns, names, investors, days)
    for investor, day, history in zip(investors, days, found, strict=True):
        name = INVESTORS[investor]
        others = [records[n] for n in INVESTORS if n != name]
        assert history == InvestorHistory.from_deals(records[name], as_of=day, market=others)
        # Without the others' deals there is no one to have co-invested with.
        alone = InvestorHistory.from_deals(records[name], as_of=day)
        assert len(alone.co_investments) == 0
        assert alone.rounds == history.rounds
