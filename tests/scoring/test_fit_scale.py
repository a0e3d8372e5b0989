"""A learned ranker's scores on the formula's fit scale (LearnedRanker.fit_scale): thresholds
such as a report's 0.6 keep their meaning, and no two pairs change order."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.learned import LearnedRanker

RANDOM = np.random.default_rng(7)
FEATURES = RANDOM.random((400, 4))
OUTCOMES = (FEATURES[:, 0] + RANDOM.random(400) * 0.4 > 0.95).astype(np.int64)
SIX_DECIMALS = 6


def _fitted() -> LearnedRanker:
    return LearnedRanker().fit(FEATURES, OUTCOMES)


def _same_order(before: np.ndarray, after: np.ndarray) -> bool:
    order = np.argsort(before, kind="stable")
    return bool(np.all(np.diff(after[order]) > 0) or np.array_equal(before, after))


def test_the_scale_keeps_the_order_and_puts_scores_where_the_fits_are() -> None:
    ranker = _fitted()
    # Trained on few answers, probabilities sit low; the formula's fits spread over 0 to 1.
    shown = ranker.predict_scores(FEATURES) * 0.1
    fits = np.linspace(0.05, 0.95, 300)
    ranker.fit_scale(shown, fits)
    again = LearnedRanker.from_dict(ranker.to_dict())
    scaled = again.on_fit_scale(shown)

    assert _same_order(np.unique(shown), again.on_fit_scale(np.unique(shown)))
    # A threshold means on the scale what it means among the fits: the share of the sample's
    # pairs at 0.6 or more is the share of fits at 0.6 or more (to a percentile).
    assert abs((scaled >= 0.6).mean() - (fits >= 0.6).mean()) <= 0.02
    # Without the scale, nothing in the sample would have cleared 0.6.
    assert (shown >= 0.6).mean() == 0.0
    assert scaled.min() >= 0.0
    assert scaled.max() <= 1.0


def test_a_plateau_of_fits_keeps_its_value_and_the_models_order() -> None:
    """Fits of a formula with few components are often equal. All at 0.6, every pair of
    the sample clears 0.6 under the formula: so it must under the scale, and the pairs the
    model tells apart stay apart at the six decimals scores are kept to."""
    ranker = _fitted()
    shown = np.linspace(0.01, 0.05, 1000)
    ranker.fit_scale(shown, np.full(1000, 0.6))
    scaled = np.round(ranker.on_fit_scale(shown), SIX_DECIMALS)
    assert (scaled >= 0.6).all()
    assert len(np.unique(scaled)) == len(shown)

    mixed = np.r_[np.full(300, 0.6), np.full(300, 0.7), np.linspace(0.1, 0.5, 400)]
    ranker.fit_scale(shown, mixed)
    cleared = (ranker.on_fit_scale(shown) >= 0.6).mean()
    assert abs(cleared - (mixed >= 0.6).mean()) <= 0.02  # to a percentile


def test_the_scale_applies_after_the_region_factor_so_the_order_holds() -> None:
    """Rankings weigh a probability by the region factor, then scale it: a pair outside the
    mandate's regions that ranked below one inside stays below it."""
    ranker = _fitted()
    ranker.fit_scale(np.linspace(0.02, 0.05, 500), np.linspace(0.3, 0.9, 500))
    inside, outside = 0.03 * 1.0, 0.0345 * 0.85
    assert inside > outside
    scaled_inside, scaled_outside = ranker.on_fit_scale(np.array([inside, outside]))
    assert scaled_inside > scaled_outside


def test_a_model_stored_without_a_scale_scores_probabilities() -> None:
    ranker = _fitted()
    stored = ranker.to_dict()
    assert "scale" not in stored
    again = LearnedRanker.from_dict(stored)
    assert again.scale_ is None
    probabilities = ranker.predict_scores(FEATURES)
    assert np.array_equal(again.on_fit_scale(probabilities), probabilities)


def test_no_sample_sets_no_scale() -> None:
    ranker = _fitted()
    ranker.fit_scale(np.zeros(0), np.linspace(0, 1, 5))
    assert ranker.scale_ is None


def test_equal_fits_still_give_a_strictly_increasing_scale() -> None:
    ranker = _fitted()
    ranker.fit_scale(RANDOM.random(200), np.full(200, 0.7))
    assert ranker.scale_ is not None
    assert np.all(np.diff(ranker.scale_[0]) > 0)
    assert np.all(np.diff(ranker.scale_[1]) > 0)
    assert (ranker.scale_[1][0], ranker.scale_[1][-1]) == (0.0, 1.0)


def test_a_constant_model_does_not_make_every_pair_a_good_match() -> None:
    """Equal scores are one knot at the fit in the middle of their quantiles, not the top."""
    ranker = _fitted()
    ranker.fit_scale(np.full(100, 0.2), np.linspace(0.0, 1.0, 100))
    assert ranker.on_fit_scale(np.array([0.2]))[0] == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(
    "scale",
    [
        {"probability": [0.0, 0.5, 1.0], "fit": [0.0, 0.7, 0.6]},
        {"probability": [0.0, 0.5, 1.0], "fit": [0.1, 0.5, 1.0]},
        {"probability": [0.0, 0.5, 0.9], "fit": [0.0, 0.5, 1.0]},
        {"probability": [0.0, 1.0]},
        [0.0, 1.0],
    ],
)
def test_a_stored_scale_that_is_not_an_increasing_map_from_0_to_1_is_refused(
    scale: object,
) -> None:
    stored = _fitted().to_dict()
    stored["scale"] = scale
    with pytest.raises(ValueError, match="increasing map"):
        LearnedRanker.from_dict(stored)
