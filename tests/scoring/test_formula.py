"""One formula: the ranking's fast path scores every pair as the reference path does.

``ScoreFormula.segment_scores`` (what ``rank_segments`` and ``score_rows`` use) adds the
terms of the score in an order arranged for speed; ``segment_components`` computes each
component, then their weighted mean (``combine``). Over random mandates and requests on a
synthetic taxonomy, with and without regions, the two must agree to 1e-9, and say the same
pairs are matches (sector, ticket and stage each fit).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from scoring import Components, InvestorFeatures, InvestorRecord, MatchScorer, RequestRecord
from scoring.catalogue import Segment
from scoring.formula import sector_fit_by_combo
from scoring.mandate_stack import MandateStack

# Parents, children, a grandchild and siblings; "fintech" has no children.
SECTORS = (
    "ai",
    "ai.models",
    "ai.apps",
    "ai.chips",
    "bio",
    "bio.drugs",
    "bio.drugs.vaccines",
    "bio.devices",
    "energy",
    "energy.solar",
    "energy.storage",
    "fintech",
)
STAGES = ("seed", "angel", "series_a", "series_b", "series_c", "growth", "strategic")
RATES = {"CNY": Decimal(1), "USD": Decimal("7.1"), "EUR": Decimal("7.8")}
# GBP has no rate: a request in it fits no range. (Mandates keep to rated currencies: an
# unrated mandate against an unrated request makes numpy warn of inf - inf, an error here.)
REQUEST_CURRENCIES = (*RATES, "GBP")
WORDS = (
    "foundation model",
    "large language",
    "inference chip",
    "vaccine",
    "medical device",
    "solar panel",
    "battery storage",
    "payments",
    "基础大模型",
    "芯片设计",
    "疫苗",
    "储能电池",
)
# "east" is named by no request before the fit: a mandate region the catalogue has not seen.
REGIONS = ("pudong", "xuhui", "lingang", "minhang", "east")
TOLERANCE = 1e-9

PARAMETERS: list[dict[str, Any]] = [
    {},  # the defaults the service ranks with
    {
        "sector_weight": 1.0,
        "ticket_weight": 0.0,
        "stage_weight": 2.0,
        "text_share": 0.4,
        "text_saturation": 0.2,
        "ticket_outside_cap": 0.8,
        "ticket_zero_ratio": 4.0,
        "broader_fit": 0.7,
        "sibling_fit": 0.3,
        "stage_step_fits": (0.6, 0.3, 0.1),
    },
    {"sector_weight": 0.25, "ticket_weight": 0.5, "stage_weight": 0.25, "text_share": 0.0},
    {
        "sector_weight": 3.0,
        "ticket_weight": 1.0,
        "stage_weight": 0.5,
        "text_share": 1.0,
        "region_outside_factor": 0.5,
    },
]


def random_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))


def random_request(rng: random.Random, number: int) -> RequestRecord:
    return RequestRecord(
        id=f"request-{number:05d}",
        sectors=tuple(rng.sample(SECTORS, rng.randint(1, 3))),
        # Now and then a stage the ladder does not know.
        stage=rng.choice((*STAGES, "pre_ipo")),
        amount=Decimal(round(10 ** rng.uniform(4.0, 12.0), 2)).quantize(Decimal("0.01")),
        currency=rng.choice(REQUEST_CURRENCIES),
        text=random_text(rng) if rng.random() < 0.7 else "",
        # Now and then no region at all.
        region=rng.choice((*REGIONS[:4], None)),
    )


def random_mandate(rng: random.Random, number: int) -> InvestorRecord:
    ticket_min = Decimal(round(10 ** rng.uniform(5.0, 10.0)))
    return InvestorRecord(
        id=f"investor-{number:05d}",
        sectors=tuple(rng.sample(SECTORS, rng.randint(1, 3))),
        stages=tuple(rng.sample(STAGES, rng.randint(1, 3))),
        ticket_min=ticket_min,
        ticket_max=ticket_min * rng.choice((1, 2, 10, 100)),
        currency=rng.choice(tuple(RATES)),
        thesis=random_text(rng) if rng.random() < 0.6 else "",
        # Often none (anywhere).
        regions=tuple(rng.sample(REGIONS, rng.choice((0, 0, 1, 2)))),
    )


def fitted(parameters: dict[str, Any]) -> tuple[MatchScorer, Segment, list[InvestorRecord]]:
    """A scorer fitted on a random catalogue, a second segment built after the fit (as the
    service's delta is), and random mandates."""
    rng = random.Random(20260101)
    requests = [random_request(rng, number) for number in range(1_500)]
    scorer = MatchScorer(
        sector_codes=SECTORS, stage_order=STAGES, cny_per_unit=RATES, **parameters
    ).fit(requests[:1_200])
    mandates = [random_mandate(rng, number) for number in range(150)]
    return scorer, scorer.segment(requests[1_200:]), mandates


def cases(
    scorer: MatchScorer, delta: Segment, mandates: list[InvestorRecord]
) -> Iterator[tuple[InvestorFeatures, Segment, npt.NDArray[np.intp] | None]]:
    """Every mandate against each segment: all rows, then a random subset of rows."""
    rng = np.random.default_rng(3)
    for features in scorer.investors_features(mandates):
        for segment in (scorer.catalogue_, delta):
            yield features, segment, None
            rows = np.sort(rng.choice(len(segment), size=len(segment) // 3, replace=False))
            yield features, segment, rows


def assert_close(actual: npt.NDArray[np.float64], expected: npt.NDArray[np.float64]) -> None:
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("parameters", PARAMETERS)
def test_the_fast_path_scores_as_the_reference_path(parameters: dict[str, Any]) -> None:
    scorer, delta, mandates = fitted(parameters)
    seen: list[Components] = []
    taxonomy: set[float] = set()
    for features, segment, rows in cases(scorer, delta, mandates):
        reference = scorer.segment_components(features, segment, rows)
        by_row = sector_fit_by_combo(features, segment)[segment.sector_combo]
        taxonomy.update(np.unique(by_row if rows is None else by_row[rows]).tolist())
        fast, text = scorer.segment_scores(features, segment, rows)
        assert_close(fast, reference.score)
        assert np.array_equal(text, reference.text)
        served, served_text, fits = scorer.score_rows(features, segment, rows)
        assert_close(served, reference.score)
        assert np.array_equal(served_text, reference.text)
        assert np.array_equal(fits, reference.fits)
        seen.append(reference)
    # The random pairs cover every case of every component.
    assert taxonomy == {0.0, 1.0, scorer.broader_fit, scorer.sibling_fit}
    ticket = np.concatenate([c.ticket for c in seen])
    stage = np.concatenate([c.stage for c in seen])
    text = np.concatenate([c.text for c in seen])
    assert {0.0, 1.0} <= set(np.unique(ticket).tolist())
    assert ((ticket > 0) & (ticket < 1)).any()
    assert {0.0, 1.0, *scorer.stage_step_fits} <= set(np.unique(stage).tolist())
    assert (text == 0).any()
    assert (text > 0).any()
    assert (text > scorer.text_saturation).any()  # the text evidence saturates
    # Inside (or anywhere) and outside the mandate's regions; matches and near misses.
    region = np.concatenate([c.region for c in seen])
    assert set(np.unique(region).tolist()) == {1.0, scorer.region_outside_factor}
    fits = np.concatenate([c.fits for c in seen])
    assert fits.any()
    assert (~fits).any()


@pytest.mark.parametrize("parameters", PARAMETERS[:2])
def test_a_ranked_page_carries_the_reference_scores(parameters: dict[str, Any]) -> None:
    scorer, delta, mandates = fitted(parameters)
    segments = [
        (scorer.catalogue_, np.ones(len(scorer.catalogue_), dtype=np.bool_)),
        (delta, np.random.default_rng(5).random(len(delta)) < 0.5),
    ]
    for mandate in mandates[:40]:
        features = scorer.investor_features(mandate)
        page, total = scorer.rank_segments(features, segments, limit=25, offset=3)
        everything, all_pairs = scorer.rank_segments(
            features, segments, limit=25, offset=3, include_near_misses=True
        )
        assert all_pairs == len(scorer.catalogue_) + int(segments[1][1].sum())
        by_segment = [(s, m, scorer.segment_components(features, s)) for s, m in segments]
        # Only matches count by default; every selected pair with near misses.
        assert total == sum(int((c.fits & m).sum()) for _, m, c in by_segment)
        reference = {
            segment.ids[row].decode(): (components, row)
            for segment, _, components in by_segment
            for row in range(len(segment))
        }
        for entry in page:
            assert reference[entry.id][0].fits[reference[entry.id][1]]
            assert entry.misses == []
        for entry in page + everything:
            components, row = reference[entry.id]
            assert abs(entry.score - components.score[row]) <= TOLERANCE
            assert entry.sector == components.sector[row]
            assert entry.ticket == components.ticket[row]
            assert entry.stage == components.stage[row]
            assert entry.text == components.text[row]
            assert entry.misses == components.misses(row)


@pytest.mark.parametrize("parameters", PARAMETERS)
def test_every_stacked_mandate_against_one_request_scores_as_the_reference_path(
    parameters: dict[str, Any],
) -> None:
    """The commission's direction (every mandate against one request, on the stacked
    arrays) gives each pair exactly what the investor's direction gives it."""
    scorer, _, mandates = fitted(parameters)
    features = scorer.investors_features(mandates)
    stack = MandateStack.of(features)
    requests = [random_request(random.Random(number), 90_000 + number) for number in range(60)]
    outside = 0
    for request in requests:
        stacked = scorer.investor_components(mandates, request, stack)
        one_row = scorer.segment([request])
        for position, mandate in enumerate(features):
            reference = scorer.segment_components(mandate, one_row)
            for name in ("sector", "ticket", "stage", "text", "region"):
                assert getattr(stacked, name)[position] == getattr(reference, name)[0], name
            assert abs(stacked.score[position] - reference.score[0]) <= TOLERANCE
            assert stacked.fits[position] == reference.fits[0]
        outside += int((stacked.region < 1.0).sum())
        # Without a stack the scorer stacks the mandates itself: the same figures.
        unstacked = scorer.investor_components(mandates, request)
        assert np.array_equal(unstacked.score, stacked.score)
    assert outside > 0  # some pairs fall outside a mandate's regions
