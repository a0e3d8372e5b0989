"""A mandate's regions count: inside them (or anywhere, for a mandate with none) a request
scores as before; outside them its score is multiplied by ``region_outside_factor`` and a
reason says so."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from scoring import InvestorRecord, MatchScorer, RequestRecord
from scoring.reasons import Reason
from service.reference_data.catalog import get_reference_data

REFERENCE = get_reference_data()
FULL_FIT = 0.94  # no text: 0.4 * 0.85 + 0.3 + 0.3 (text evidence is 15% of the sector)


def scorer(region_outside_factor: float = 0.85) -> MatchScorer:
    return MatchScorer(
        sector_codes=[s.code for s in REFERENCE.sectors],
        stage_order=[s.code for s in REFERENCE.stages],
        cny_per_unit=dict(REFERENCE.cny_per_unit),
        region_outside_factor=region_outside_factor,
    )


def request(request_id: str, region: str | None) -> RequestRecord:
    return RequestRecord(
        id=request_id,
        sectors=("ai.foundation_models",),
        stage="series_c",
        amount=Decimal("3000000000"),
        currency="CNY",
        region=region,
    )


def investor(*regions: str) -> InvestorRecord:
    return InvestorRecord(
        id=f"investor-{'-'.join(regions) or 'anywhere'}",
        sectors=("ai",),
        stages=("series_c",),
        ticket_min=Decimal("500000000"),
        ticket_max=Decimal("5000000000"),
        currency="CNY",
        regions=regions,
    )


# Ids sort the out-of-region request first: only the score can put the other above it.
OUTSIDE = request("a-minhang", "minhang")
INSIDE = request("b-xuhui", "xuhui")
NO_REGION = request("c-unknown", None)
CATALOGUE = [OUTSIDE, INSIDE, NO_REGION]


def ranked(fitted: MatchScorer, mandate: InvestorRecord) -> list[tuple[str, float]]:
    features = fitted.investor_features(mandate)
    everything = np.ones(len(fitted.catalogue_), dtype=np.bool_)
    page, total = fitted.rank_segments(features, [(fitted.catalogue_, everything)], limit=10)
    assert total == len(CATALOGUE)  # outside the regions is still a match
    return [(entry.id, round(entry.score, 9)) for entry in page]


def test_outside_the_mandates_regions_scores_lower_and_ranks_below() -> None:
    fitted = scorer().fit(CATALOGUE)
    assert ranked(fitted, investor("lingang", "xuhui")) == [
        ("b-xuhui", FULL_FIT),
        ("c-unknown", FULL_FIT),  # no region given: not held against it
        ("a-minhang", round(0.85 * FULL_FIT, 9)),
    ]


def test_the_factor_is_a_parameter() -> None:
    fitted = scorer(region_outside_factor=0.5).fit(CATALOGUE)
    scores = dict(ranked(fitted, investor("xuhui")))
    assert scores["a-minhang"] == pytest.approx(0.5 * FULL_FIT)
    assert scores["b-xuhui"] == pytest.approx(FULL_FIT)
    with pytest.raises(ValueError, match="region_outside_factor"):
        scorer(region_outside_factor=1.5).fit(CATALOGUE)


def test_a_mandate_with_no_regions_takes_requests_anywhere() -> None:
    fitted = scorer().fit(CATALOGUE)
    assert ranked(fitted, investor()) == [
        ("a-minhang", FULL_FIT),
        ("b-xuhui", FULL_FIT),
        ("c-unknown", FULL_FIT),
    ]
    for pair in CATALOGUE:
        assert not any(r.kind == "region" for r in fitted.explain(investor(), pair, 0.0))


def test_the_reason_says_inside_or_outside() -> None:
    fitted = scorer().fit(CATALOGUE)
    mandate = investor("pudong", "lingang")
    assert Reason("region", "outside", ("minhang",), ("lingang", "pudong")) in fitted.explain(
        mandate, OUTSIDE, 0.0
    )
    assert Reason("region", "inside", ("xuhui",)) in fitted.explain(investor("xuhui"), INSIDE, 0.0)
    assert not any(r.kind == "region" for r in fitted.explain(mandate, NO_REGION, 0.0))


def test_a_region_first_named_after_the_fit_is_recognised() -> None:
    fitted = scorer().fit(CATALOGUE)
    # The mandate names lingang before any request does; a later request there is inside.
    features = fitted.investor_features(investor("lingang"))
    later = fitted.segment([request("d-lingang", "lingang"), request("e-pudong", "pudong")])
    components = fitted.segment_components(features, later)
    assert components.region.tolist() == [1.0, 0.85]
    assert components.score.tolist() == pytest.approx([FULL_FIT, 0.85 * FULL_FIT])


def test_the_commission_direction_applies_the_same_factor() -> None:
    fitted = scorer().fit(CATALOGUE)
    mandates = [investor("xuhui"), investor("minhang"), investor()]
    components = fitted.investor_components(mandates, INSIDE)
    assert components.region.tolist() == [1.0, 0.85, 1.0]
    assert components.score.tolist() == pytest.approx([FULL_FIT, 0.85 * FULL_FIT, FULL_FIT])
