"""A learned ranker's scores on the formula's fit scale (LearnedRanker.fit_scale): thresholds
such as a report's 0.6 keep their meaning, and no two pairs change order."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.learned import LearnedRanker

RANDOM = np.random.default_rng(7)
FEATURES = RANDOM.random((400, 4))
OUTCOMES = (FEATURES[:, 0] + RANDOM.random(400) * 0.4 > 0.95).astype(np.int64)


def _fitted() -> LearnedRanker:
    return LearnedRanker().fit(FEATURES, OUTCOMES)


def test_the_scale_keeps_the_order_and_puts_scores_where_the_fits_are() -> None:
    ranker = _fitted()
    probabilities = ranker.predict_scores(FEATURES)
    # Trained on few answers, probabilities sit low; the formula's fits spread over 0 to 1.
    shown = probabilities * 0.1
    fits = np.linspace(0.05, 0.95, 300)
    ranker.fit_scale(shown, fits)
    scaled_ranker = LearnedRanker.from_dict(ranker.to_dict())
    scaled = scaled_ranker.predict_scores(FEATURES)
    raw = LearnedRanker.from_dict({k: v for k, v in ranker.to_dict().items() if k != "scale"})

    # Never reorders: the scaled scores sort exactly as the probabilities do.
    unscaled = raw.predict_scores(FEATURES)
    assert np.array_equal(np.argsort(unscaled, kind="stable"), np.argsort(scaled, kind="stable"))
    assert np.all(np.diff(scaled[np.argsort(unscaled, kind="stable")]) >= 0)
    # A threshold means on the scale what it means among the fits: the share of the sample's
    # pairs at 0.6 or more is the share of fits at 0.6 or more (to a percentile).
    sample_scaled = np.interp(shown, *scaled_ranker.scale_)  # type: ignore[misc]
    assert abs((sample_scaled >= 0.6).mean() - (fits >= 0.6).mean()) <= 0.02
    # Without the scale, almost nothing in the sample would have cleared 0.6.
    assert (shown >= 0.6).mean() == 0.0
    assert scaled.min() >= 0.0
    assert scaled.max() <= 1.0


def test_a_model_stored_without_a_scale_scores_probabilities() -> None:
    ranker = _fitted()
    stored = ranker.to_dict()
    assert "scale" not in stored
    again = LearnedRanker.from_dict(stored)
    assert again.scale_ is None
    assert np.allclose(again.predict_scores(FEATURES), ranker.predict_scores(FEATURES))


def test_no_sample_leaves_the_probabilities_as_they_are() -> None:
    ranker = _fitted()
    before = ranker.predict_scores(FEATURES)
    ranker.fit_scale(np.zeros(0), np.linspace(0, 1, 5))
    assert ranker.scale_ is None
    assert np.array_equal(ranker.predict_scores(FEATURES), before)


def test_equal_fits_still_give_a_strictly_increasing_scale() -> None:
    """Many pages' fits are equal (a formula of few components); a flat stretch would tie
    pairs the model tells apart."""
    ranker = _fitted()
    ranker.fit_scale(RANDOM.random(200), np.full(200, 0.7))
    assert ranker.scale_ is not None
    assert np.all(np.diff(ranker.scale_[0]) > 0)
    assert np.all(np.diff(ranker.scale_[1]) > 0)


def test_a_stored_scale_that_is_not_increasing_is_refused() -> None:
    ranker = _fitted()
    ranker.fit_scale(RANDOM.random(100), RANDOM.random(100))
    stored = ranker.to_dict()
    stored["scale"]["fit"] = list(reversed(stored["scale"]["fit"]))
    with pytest.raises(ValueError, match="increasing"):
        LearnedRanker.from_dict(stored)
