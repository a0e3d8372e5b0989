"""The scorer on plain records: ranking semantics, reasons, determinism, conventions."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from scoring import InvestorRecord, MatchScorer, RequestRecord
from scoring.reasons import Reason
from service.reference_data.catalog import get_reference_data

REFERENCE = get_reference_data()
SECTORS = [s.code for s in REFERENCE.sectors]
STAGES = [s.code for s in REFERENCE.stages]


def scorer() -> MatchScorer:
    return MatchScorer(
        sector_codes=SECTORS, stage_order=STAGES, cny_per_unit=dict(REFERENCE.cny_per_unit)
    )


def request(
    request_id: str | None = None,
    *,
    sectors: tuple[str, ...] = ("ai.foundation_models",),
    stage: str = "series_c",
    amount: str = "3000000000",
    currency: str = "CNY",
    text: str = "",
) -> RequestRecord:
    return RequestRecord(
        id=request_id or str(uuid.uuid4()),
        sectors=sectors,
        stage=stage,
        amount=Decimal(amount),
        currency=currency,
        text=text,
    )


def investor(
    *,
    sectors: tuple[str, ...] = ("ai",),
    stages: tuple[str, ...] = ("series_c",),
    ticket_min: str = "500000000",
    ticket_max: str = "5000000000",
    currency: str = "CNY",
    thesis: str = "",
) -> InvestorRecord:
    return InvestorRecord(
        id=str(uuid.uuid4()),
        sectors=sectors,
        stages=stages,
        ticket_min=Decimal(ticket_min),
        ticket_max=Decimal(ticket_max),
        currency=currency,
        thesis=thesis,
    )


def components_of(fitted: MatchScorer, mandate: InvestorRecord) -> dict[str, dict[str, float]]:
    features = fitted.investor_features(mandate)
    parts = fitted.segment_components(features, fitted.catalogue_)
    return {
        fitted.catalogue_.ids[row].decode(): {
            "score": float(parts.score[row]),
            "sector": float(parts.sector[row]),
            "ticket": float(parts.ticket[row]),
            "stage": float(parts.stage[row]),
        }
        for row in range(len(fitted.catalogue_))
    }


def test_a_full_fit_outranks_every_pair_that_misses_one_component() -> None:
    """Over every sector x stage x amount, full fits score above all misses."""
    rng = np.random.default_rng(7)
    amounts = ["1000000", "80000000", "300000000", "900000000", "3000000000", "40000000000"]
    catalogue = [
        request(
            sectors=(sector,),
            stage=stage,
            amount=amount,
            text=str(rng.choice(["基础大模型", "chip design", "疫苗", "quantum", ""])),
        )
        for sector, stage, amount in itertools.product(SECTORS, STAGES, amounts)
    ]
    fitted = scorer().fit(catalogue)
    mandates = [
        investor(sectors=("ai",), stages=("series_b", "series_c"), thesis="基础大模型 AI"),
        investor(
            sectors=("semiconductors.design", "quantum"),
            stages=("seed", "angel"),
            ticket_min="50000000",
            ticket_max="400000000",
            thesis="chip design",
        ),
        investor(
            sectors=("life_science.drugs",),
            stages=("strategic",),
            currency="USD",
            ticket_min="10000000",
            ticket_max="200000000",
            thesis="vaccines 疫苗",
        ),
    ]
    for mandate in mandates:
        scores = components_of(fitted, mandate)
        full: list[float] = []
        missing: list[float] = []
        for record in catalogue:
            relation = fitted.taxonomy_.relation(mandate.sectors, record.sectors[0])[0]
            rate = REFERENCE.cny_per_unit[mandate.currency]
            in_range = mandate.ticket_min * rate <= record.amount <= mandate.ticket_max * rate
            fits = relation == "covered" and in_range and record.stage in mandate.stages
            (full if fits else missing).append(scores[record.id]["score"])
        assert full
        assert missing
        assert min(full) > max(missing)


def test_a_parent_sector_covers_its_children() -> None:
    fitted = scorer().fit(
        [
            request("a", sectors=("ai.foundation_models",)),
            request("b", sectors=("semiconductors.design",)),
        ]
    )
    scores = components_of(fitted, investor(sectors=("ai",)))
    assert scores["a"]["sector"] >= 0.85
    assert scores["b"]["sector"] == 0.0


def test_sibling_sub_sectors_are_partly_relevant() -> None:
    fitted = scorer().fit([request("a", sectors=("ai.applications",))])
    sector = components_of(fitted, investor(sectors=("ai.foundation_models",)))["a"]["sector"]
    assert 0.3 < sector < 0.85


@pytest.mark.parametrize(
    ("amount", "low", "high"),
    [
        ("1000000000", 1.0, 1.0),
        ("2000000000", 0.2, 0.5),
        ("10000000000", 0.0, 0.01),
        ("100000000", 0.0, 0.01),
        ("50000000000", 0.0, 0.0),
    ],
)
def test_ticket_fit_falls_off_on_a_log_scale(amount: str, low: float, high: float) -> None:
    """Inside the range fits fully; 2x above is weak; 10x outside is none."""
    fitted = scorer().fit([request("a", amount=amount)])
    mandate = investor(ticket_min="1000000000", ticket_max="1000000000")
    ticket = components_of(fitted, mandate)["a"]["ticket"]
    assert low <= ticket <= high


def test_adjacent_stage_is_a_partial_fit() -> None:
    fitted = scorer().fit([request("a", stage="series_b"), request("b", stage="growth")])
    scores = components_of(fitted, investor(stages=("series_a",)))
    assert scores["a"]["stage"] == 0.5
    assert scores["b"]["stage"] == 0.0


def test_a_chinese_thesis_finds_the_chinese_summary_on_its_topic() -> None:
    on_topic = request("on-topic", text="基础大模型研发与训练算力,打造通用人工智能")
    unrelated = request("unrelated", text="单剂疫苗生产基地建设与冷链物流")
    fitted = scorer().fit([on_topic, unrelated])
    mandate = investor(thesis="专注投资基础大模型与人工智能算力")
    features = fitted.investor_features(mandate)
    mask = np.ones(2, dtype=np.bool_)
    ranked, _ = fitted.rank_segments(features, [(fitted.catalogue_, mask)], limit=2)
    assert [r.id for r in ranked] == ["on-topic", "unrelated"]
    assert ranked[0].text > ranked[1].text


def test_reasons_name_the_real_amounts_and_stages() -> None:
    stepfun = request("stepfun", stage="series_b", amount="3000000000")
    fitted = scorer().fit([stepfun])
    mandate = investor(stages=("seed", "series_a"), ticket_min="100000000", ticket_max="1000000000")
    sector, ticket, stage = fitted.explain(mandate, stepfun, 0.0)
    assert sector == Reason("sector", "within", ("ai.foundation_models",), ("ai",))
    assert (ticket.outcome, ticket.amount, ticket.high, ticket.ratio) == (
        "above",
        Decimal("3000000000"),
        Decimal("1000000000"),
        Decimal("3.0"),
    )
    assert stage == Reason("stage", "after", ("series_b",), ("series_a",), steps=1)


def test_reasons_convert_the_range_into_the_request_currency() -> None:
    dollars = request("usd", amount="50000000", currency="USD")
    fitted = scorer().fit([dollars])
    mandate = investor(ticket_min="71000000", ticket_max="710000000")  # 10M to 100M USD
    ticket = fitted.explain(mandate, dollars, 0.0)[1]
    assert (ticket.outcome, ticket.currency, ticket.low, ticket.high, ticket.converted_from) == (
        "within",
        "USD",
        Decimal("10000000"),
        Decimal("100000000"),
        "CNY",
    )
    # The mandate's own figures ride along, for a reason that names them first.
    assert (ticket.own_low, ticket.own_high) == (Decimal("71000000"), Decimal("710000000"))


def test_ties_are_broken_by_id_whatever_the_input_order() -> None:
    ids = sorted(str(uuid.uuid4()) for _ in range(30))
    records = [request(i) for i in ids]
    mandate = investor()
    rankings = []
    for order in (records, records[::-1], records[5:] + records[:5]):
        fitted = scorer().fit(order)
        features = fitted.investor_features(mandate)
        mask = np.ones(len(order), dtype=np.bool_)
        ranked, total = fitted.rank_segments(
            features, [(fitted.catalogue_, mask)], limit=10, offset=5
        )
        rankings.append([r.id for r in ranked])
        assert total == 30
    assert rankings[0] == rankings[1] == rankings[2] == ids[5:15]


def test_follows_scikit_learn_conventions() -> None:
    unfitted = scorer()
    assert clone(unfitted).get_params()["sector_weight"] == 0.4
    with pytest.raises(NotFittedError):
        unfitted.investor_features(investor())
    assert unfitted.fit([request()]) is unfitted
    with pytest.raises(ValueError, match="weights"):
        MatchScorer(sector_codes=SECTORS, stage_order=STAGES, ticket_weight=-1).fit([])


def test_learned_scores_equal_the_explicit_interaction_formula() -> None:
    import itertools

    from scoring.learned import LearnedRanker

    rng = np.random.default_rng(0)
    features = rng.random((400, 5))
    outcomes = (features[:, 0] * features[:, 3] + 0.2 * rng.random(400) > 0.3).astype(np.int64)
    ranker = LearnedRanker(feature_names=tuple("abcde")).fit(features, outcomes)
    products = [features[:, i] * features[:, j] for i, j in itertools.combinations(range(5), 2)]
    explicit = np.hstack([features, np.column_stack(products)]) @ ranker.coefficients_
    expected = 1.0 / (1.0 + np.exp(-(explicit + ranker.intercept_)))
    assert np.allclose(ranker.predict_scores(features), expected, rtol=0, atol=1e-12)
