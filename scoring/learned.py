"""A ranker learned from outcomes: logistic regression over match features and their products.

Stored as plain numbers (``to_dict``/``from_dict``), never as a pickle, so a model read back
from the database cannot run code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from scoring.history import HISTORY_FEATURES

FloatArray = npt.NDArray[np.float64]
COMPONENT_FEATURES = ("sector", "ticket", "stage", "text")
RANKING_FEATURES = COMPONENT_FEATURES + HISTORY_FEATURES
"""What a learned ranker can use: the match components and the investor's deal history."""

# How rankers are trained, shared by the service (``matchmaker train``) and the offline
# evaluation; chosen on a tuning split only (docs/evaluation.md).
REGULARIZATION = 0.1
"""Inverse L2 strength of the logistic regression."""
TRAINING_WINDOW_DAYS = 365
"""Deals in this window before the training date are the outcomes; older ones the history."""
SCALE_KNOTS = 101
"""Quantiles the fit scale is read at (every percentile)."""
NEGATIVES_PER_POSITIVE = 20
"""Pairs without a deal sampled per deal: half its round with other investors, half its
investor with other rounds."""


def with_interactions(features: FloatArray) -> FloatArray:
    """The features followed by every pairwise product of them, (0, 1), (0, 2), ... order."""
    first, second = np.triu_indices(features.shape[1], k=1)
    if first.size == 0:
        return features
    return np.hstack([features, features[:, first] * features[:, second]])


def _graded_rows(
    rows: FloatArray, targets: FloatArray, weights: FloatArray | None
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Each row as a positive weighted by its target and a negative weighted by the rest
    (rows whose share is 0 are left out, so a 0/1 target gives the row once)."""
    if targets.shape != (rows.shape[0],) or ((targets < 0) | (targets > 1)).any():
        raise ValueError("targets must be one number in [0, 1] per row")
    base = np.ones(rows.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    shares = np.concatenate([base * targets, base * (1.0 - targets)])
    labels = np.repeat(np.array([1, 0], dtype=np.int64), rows.shape[0])
    kept = shares > 0
    return np.vstack([rows, rows])[kept], labels[kept], shares[kept]


def _spread_plateaus(values: FloatArray) -> FloatArray:
    """``values`` (non-decreasing, from 0 to 1) made strictly increasing: a run of equal
    values v keeps v at its start and rises evenly over half the gap to the next value (at
    the top, where no value follows, it falls into half the gap from the one before)."""
    spread = values.copy()
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and values[end + 1] == values[start]:
            end += 1
        if end > start:
            level = values[start]
            if end + 1 < len(values):
                top = level + (values[end + 1] - level) / 2
                spread[start : end + 1] = np.linspace(level, top, end - start + 2)[:-1]
            else:
                below = values[start - 1] if start > 0 else 0.0
                bottom = level - (level - below) / 2
                spread[start : end + 1] = np.linspace(bottom, level, end - start + 2)[1:]
        start = end + 1
    return spread


class LearnedRanker(BaseEstimator):  # type: ignore[misc]
    """Scores pairs by the learned probability that an investor acts on them.

    Parameters
    ----------
    feature_names : sequence of str
        Names of the input columns, in order (the match components by default).
    regularization : float
        Inverse regularisation strength of the logistic regression (``C``).

    Attributes
    ----------
    coefficients_ : ndarray
        One weight per feature and per pairwise product.
    intercept_ : float
    scale_ : tuple of two ndarrays, or None
        Knots of the increasing map from the learned probability to the fit scale people and
        thresholds read (``fit_scale``); None: scores are the probabilities themselves.
    """

    def __init__(
        self, *, feature_names: Sequence[str] = COMPONENT_FEATURES, regularization: float = 1.0
    ) -> None:
        self.feature_names = feature_names
        self.regularization = regularization

    def fit(
        self,
        features: FloatArray,
        outcomes: npt.NDArray[Any],
        sample_weight: FloatArray | None = None,
        targets: FloatArray | None = None,
    ) -> LearnedRanker:
        """Learn weights from feature rows and 0/1 outcomes, or graded targets.

        Parameters
        ----------
        features : ndarray of shape (n_pairs, n_features)
        outcomes : ndarray of shape (n_pairs,)
            1 where the investor acted on the pair (interested, meeting, committed), else 0.
        sample_weight : ndarray of shape (n_pairs,), optional
            How much each pair counts (the service bounds each account's total).
        targets : ndarray of shape (n_pairs,), optional
            How far each pair went, in [0, 1] (``scoring.training_pairs.OUTCOME_TARGETS``):
            the probability the model is trained towards. A pair with target t counts as a
            positive with weight t and a negative with weight 1 - t, which is the logistic
            loss against t. None, or targets that are all 0 or 1: the outcomes.

        Returns
        -------
        self : LearnedRanker
        """
        features = np.asarray(features, dtype=np.float64)
        if features.shape[1] != len(self.feature_names):
            raise ValueError(f"expected {len(self.feature_names)} feature columns")
        if len(np.unique(outcomes)) < 2:
            raise ValueError("outcomes need both positive and negative examples")
        rows, labels, weights = with_interactions(features), np.asarray(outcomes), sample_weight
        if targets is not None and not np.isin(targets, (0.0, 1.0)).all():
            rows, labels, weights = _graded_rows(rows, np.asarray(targets), sample_weight)
        model = LogisticRegression(
            C=self.regularization, class_weight="balanced", max_iter=2000
        ).fit(rows, labels, sample_weight=weights)
        self.coefficients_ = model.coef_.ravel().astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        self.scale_: tuple[FloatArray, FloatArray] | None = None
        return self

    def fit_scale(self, scores: FloatArray, fits: FloatArray) -> LearnedRanker:
        """Put rankings' scores on the scale of ``fits`` by their quantiles: a score at
        quantile q of ``scores`` becomes quantile q of ``fits``.

        A learned probability of acting is not a fit: trained on few answers it may sit far
        below the formula's 0 to 1, and a report's "at least 0.6" would then count nothing.
        Given this model's scores of the pairs people are shown (each mandate's first
        matches, probability times region factor, as rankings weigh them) and the formula's
        fits of its own first matches, a scaled score says as much as a fit does: as many
        pages' pairs clear a threshold under either. Where many fits are equal (a formula of
        few components gives plateaus), the model's scores there are spread over the lower
        half of the gap to the next fit, starting at the plateau's own value, so the pairs
        the model tells apart stay apart and none falls below the plateau. The map is
        strictly increasing from (0, 0) to (1, 1): it never reorders two pairs (beyond the
        six decimals scores are kept to). Without a sample of each it sets no scale.
        """
        check_is_fitted(self, "coefficients_")
        scores = np.asarray(scores, dtype=np.float64)
        fits = np.asarray(fits, dtype=np.float64)
        if scores.size == 0 or fits.size == 0:
            self.scale_ = None
            return self
        levels = np.linspace(0.0, 1.0, SCALE_KNOTS)
        raw = np.clip(np.quantile(scores, levels), 0.0, 1.0)
        scaled = np.clip(np.quantile(fits, levels), 0.0, 1.0)
        # Equal scores are one knot, at the fit in the middle of their quantiles.
        raw, first, counts = np.unique(raw, return_index=True, return_counts=True)
        scaled = scaled[first + (counts - 1) // 2]
        keep = (raw > 0.0) & (raw < 1.0)
        raw = np.r_[0.0, raw[keep], 1.0]
        scaled = _spread_plateaus(np.r_[0.0, scaled[keep], 1.0])
        self.scale_ = (raw, scaled)
        return self

    @property
    def uses_history(self) -> bool:
        """Whether it reads the investor's deal history (``scoring.history``)."""
        return any(name in HISTORY_FEATURES for name in self.feature_names)

    def predict_scores(self, features: FloatArray) -> FloatArray:
        """Probability of a positive outcome for each row, in [0, 1] (``on_fit_scale`` puts
        a ranking's scores on the fit scale)."""
        check_is_fitted(self, "coefficients_")
        features = np.asarray(features, dtype=np.float64)
        width = features.shape[1]
        linear, pairwise = self.coefficients_[:width], self.coefficients_[width:]
        # The products' weights as an upper-triangular matrix W: sum_{i<j} w_ij x_i x_j is
        # the row sum of (X W) * X, without building the n x width^2 product columns.
        weights = np.zeros((width, width), dtype=np.float64)
        weights[np.triu_indices(width, k=1)] = pairwise
        logits = features @ linear + np.einsum("ij,ij->i", features @ weights, features)
        scores: FloatArray = 1.0 / (1.0 + np.exp(-(logits + self.intercept_)))
        return scores

    def on_fit_scale(self, scores: FloatArray) -> FloatArray:
        """``scores`` (probabilities, times the region factor as rankings weigh them) on the
        fit scale ``fit_scale`` set; as they are when it set none."""
        scale = getattr(self, "scale_", None)
        if scale is None:
            return scores
        scaled: FloatArray = np.interp(scores, scale[0], scale[1])
        return scaled

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as JSON-safe data."""
        check_is_fitted(self, "coefficients_")
        stored: dict[str, Any] = {
            "kind": "logistic-interactions-v1",
            "feature_names": list(self.feature_names),
            "regularization": self.regularization,
            "coefficients": self.coefficients_.tolist(),
            "intercept": self.intercept_,
        }
        scale = getattr(self, "scale_", None)
        if scale is not None:
            stored["scale"] = {"probability": scale[0].tolist(), "fit": scale[1].tolist()}
        return stored

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnedRanker:
        """Rebuild a model stored with ``to_dict``; refuses anything else."""
        if data.get("kind") != "logistic-interactions-v1":
            raise ValueError(f"unknown model kind {data.get('kind')!r}")
        names = [str(n) for n in data["feature_names"]]
        ranker = cls(feature_names=names, regularization=float(data["regularization"]))
        coefficients = np.asarray(data["coefficients"], dtype=np.float64)
        expected = len(names) + len(names) * (len(names) - 1) // 2
        if coefficients.shape != (expected,):
            raise ValueError("coefficients do not match the feature names")
        ranker.coefficients_ = coefficients
        ranker.intercept_ = float(data["intercept"])
        ranker.scale_ = None
        # Models trained before scores were put on the fit scale have none: probabilities.
        if "scale" in data:
            scale = data["scale"]
            if not isinstance(scale, dict) or not {"probability", "fit"} <= set(scale):
                raise ValueError("the score scale is not an increasing map from 0 to 1")
            raw = np.asarray(scale["probability"], dtype=np.float64)
            fit = np.asarray(scale["fit"], dtype=np.float64)
            if raw.shape != fit.shape or raw.size < 2 or (np.diff(raw) <= 0).any():
                raise ValueError("the score scale is not an increasing map")
            if (np.diff(fit) <= 0).any() or fit[0] != 0.0 or fit[-1] != 1.0:
                raise ValueError("the score scale is not an increasing map from 0 to 1")
            if raw[0] != 0.0 or raw[-1] != 1.0:
                raise ValueError("the score scale is not an increasing map from 0 to 1")
            ranker.scale_ = (raw, fit)
        return ranker
