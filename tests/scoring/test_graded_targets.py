"""Graded targets in the learned ranker: a pair with target t is a positive weighing t and a
negative weighing 1 - t (the logistic loss against t)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.learned import LearnedRanker

NAMES = ("sector", "ticket", "stage")


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    features = rng.uniform(0, 1, size=(200, 3))
    outcomes = (features[:, 0] + rng.normal(0, 0.3, 200) > 0.6).astype(np.int64)
    return features, outcomes


def test_yes_or_no_targets_train_the_same_model_as_the_outcomes() -> None:
    features, outcomes = _data()
    plain = LearnedRanker(feature_names=NAMES).fit(features, outcomes)
    graded = LearnedRanker(feature_names=NAMES).fit(
        features, outcomes, targets=outcomes.astype(np.float64)
    )
    np.testing.assert_array_equal(plain.coefficients_, graded.coefficients_)


def test_a_graded_target_pulls_the_score_towards_it() -> None:
    features, outcomes = _data()
    # The same pairs; in the second training the positives of high tickets went further.
    targets = np.where(outcomes == 1, np.where(features[:, 1] > 0.5, 1.0, 0.7), 0.0)
    flat = LearnedRanker(feature_names=NAMES).fit(features, outcomes)
    graded = LearnedRanker(feature_names=NAMES).fit(features, outcomes, targets=targets)
    ticket = NAMES.index("ticket")
    assert graded.coefficients_[ticket] > flat.coefficients_[ticket] + 0.1


@pytest.mark.parametrize("bad", [np.full(200, 1.5), np.full(200, -0.1), np.full(3, 0.5)])
def test_targets_outside_zero_to_one_or_of_another_length_are_refused(bad: np.ndarray) -> None:
    features, outcomes = _data()
    with pytest.raises(ValueError, match="targets"):
        LearnedRanker(feature_names=NAMES).fit(features, outcomes, targets=bad)
