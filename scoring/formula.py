"""The match score: each component's fit and their weighted mean, in one formula."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.catalogue import Segment
from scoring.encoding import InvestorFeatures

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Components:
    """Per-pair fit in [0, 1] for a batch of pairs, and the combined score."""

    sector: FloatArray
    ticket: FloatArray
    stage: FloatArray
    text: FloatArray
    score: FloatArray

    def matrix(self) -> FloatArray:
        """One row per pair: sector, ticket, stage and text, the learned ranker's inputs."""
        return np.column_stack([self.sector, self.ticket, self.stage, self.text])


@dataclass(frozen=True, slots=True)
class Shares:
    """What one unit of each term adds to the score: its weight over the weights' sum."""

    sector_taxonomy: float
    sector_text: float
    ticket: float
    stage: float


@dataclass(frozen=True, slots=True)
class ScoreFormula:
    """The score of a pair: the weighted mean of its sector, ticket and stage fits, where the
    sector fit is the taxonomy's, ``text_share`` of it replaced by the text evidence.

    Two arrangements of the same arithmetic, sharing the ticket fit, the text evidence and
    the normalisation (``total_weight``): ``combine`` (and the ``*_components`` methods
    built on it) computes every component, then divides their weighted sum by the total;
    ``segment_scores``, the ranking's inner loop, adds each term times its ``shares``. They
    differ only by float rounding (``tests/scoring/test_formula.py`` holds them to 1e-9).
    """

    sector_weight: float
    ticket_weight: float
    stage_weight: float
    text_share: float
    text_saturation: float
    ticket_outside_cap: float
    ticket_zero_ratio: float

    @property
    def total_weight(self) -> float:
        """The sum of the three weights: the score is their weighted mean."""
        return self.sector_weight + self.ticket_weight + self.stage_weight

    def shares(self) -> Shares:
        """The weights over ``total_weight``, the text share split off the sector's."""
        total = self.total_weight
        return Shares(
            sector_taxonomy=self.sector_weight * (1.0 - self.text_share) / total,
            sector_text=self.sector_weight * self.text_share / total,
            ticket=self.ticket_weight / total,
            stage=self.stage_weight / total,
        )

    def ticket_fit(
        self,
        log_amount: FloatArray,
        log_ticket_min: FloatArray | float,
        log_ticket_max: FloatArray | float,
    ) -> FloatArray:
        """1 inside [min, max]; outside, ``ticket_outside_cap`` falling to 0 on a log scale.

        Works on natural logarithms of CNY amounts, precomputed per request, so ranking a
        catalogue takes no logarithm per row.
        """
        log_ratio = np.fmax(log_amount - log_ticket_max, log_ticket_min - log_amount)
        outside = self.ticket_outside_cap * np.clip(
            1.0 - log_ratio / np.log(self.ticket_zero_ratio), 0.0, 1.0
        )
        fit: FloatArray = np.where(log_ratio <= 0.0, 1.0, outside)
        return fit

    def text_evidence(self, text: FloatArray) -> FloatArray:
        """Text similarity as evidence of sector fit: full at ``text_saturation``."""
        evidence: FloatArray = np.minimum(text / self.text_saturation, 1.0)
        return evidence

    def combine(
        self, sector_taxonomy: FloatArray, text: FloatArray, ticket: FloatArray, stage: FloatArray
    ) -> Components:
        """The components and the score of pairs from their taxonomy, text, ticket and stage
        fits: the reference arrangement of the formula."""
        text_evidence = self.text_evidence(text)
        sector = (1.0 - self.text_share) * sector_taxonomy + self.text_share * text_evidence
        score = (
            self.sector_weight * sector + self.ticket_weight * ticket + self.stage_weight * stage
        ) / self.total_weight
        return Components(sector=sector, ticket=ticket, stage=stage, text=text, score=score)

    def segment_components(
        self,
        features: InvestorFeatures,
        segment: Segment,
        rows: IntArray | None,
        text: FloatArray | None,
    ) -> Components:
        """Components of one mandate against ``rows`` of a segment (all when None); ``text``,
        their text similarity, is computed when None."""
        combo_fit = sector_fit_by_combo(features, segment)
        sector_combo = segment.sector_combo if rows is None else segment.sector_combo[rows]
        stage_positions = segment.stage_positions if rows is None else segment.stage_positions[rows]
        log_amount = segment.log_amount_cny if rows is None else segment.log_amount_cny[rows]
        sector_taxonomy = combo_fit[sector_combo]
        stage = features.stage_fit[stage_positions]
        ticket = self.ticket_fit(log_amount, features.log_ticket_min, features.log_ticket_max)
        if text is None:
            text = text_similarity(features.thesis, segment.text, rows)
        return self.combine(sector_taxonomy, text, ticket, stage)

    def investor_components(
        self, features: Sequence[InvestorFeatures], request: Segment
    ) -> Components:
        """Components of many investors (at least one) against the one request of
        ``request``."""
        count = len(features)
        columns = request.sector_combos[request.sector_combo[0]]
        sector_fit = np.vstack([f.sector_fit for f in features])
        sector_taxonomy = sector_fit[:, columns].max(axis=1)
        stage = np.array([f.stage_fit[request.stage_positions[0]] for f in features])
        ticket = self.ticket_fit(
            np.full(count, request.log_amount_cny[0]),
            np.array([f.log_ticket_min for f in features]),
            np.array([f.log_ticket_max for f in features]),
        )
        theses = sp.vstack([f.thesis for f in features], format="csr")
        text = np.asarray(theses @ request.text.tocsr()[0].T.toarray()).ravel()
        return self.combine(sector_taxonomy, text.astype(np.float64), ticket, stage)

    def segment_scores(
        self, features: InvestorFeatures, segment: Segment, rows: IntArray | None
    ) -> tuple[FloatArray, FloatArray]:
        """The combined score of each row, and its text similarity: the ranking's inner loop.

        The same formula as ``combine``, arranged for speed: sector and stage depend only on
        the row's (sector set, stage) pair, so their weighted sum is a small table looked up
        once per row.
        """
        shares = self.shares()
        combo_fit = sector_fit_by_combo(features, segment)
        structure = (
            shares.sector_taxonomy * combo_fit[:, None]
            + shares.stage * features.stage_fit[None, : segment.stage_slots]
        ).ravel()
        keys = segment.structure_key if rows is None else segment.structure_key[rows]
        score: FloatArray = structure[keys]
        score += shares.ticket * self.ticket_fit(
            segment.log_amount_cny if rows is None else segment.log_amount_cny[rows],
            features.log_ticket_min,
            features.log_ticket_max,
        )
        text = text_similarity(features.thesis, segment.text, rows)
        score += shares.sector_text * self.text_evidence(text)
        return score, text


def sector_fit_by_combo(features: InvestorFeatures, segment: Segment) -> FloatArray:
    """The mandate's taxonomy fit of each of the segment's sector sets (its best sector)."""
    fit: FloatArray = features.sector_fit[segment.sector_combos].max(axis=1)
    return fit


def text_similarity(
    thesis: sp.csr_matrix, texts: sp.csc_matrix, rows: IntArray | None
) -> FloatArray:
    """Cosine similarity of a thesis and each text (rows of ``texts``, all by default)."""
    count = texts.shape[0] if rows is None else rows.shape[0]
    if thesis.nnz == 0 or count == 0:
        return np.zeros(count, dtype=np.float64)
    # Texts are stored by column (an inverted index): only the thesis's own n-gram
    # columns are read, in one sparse product.
    similarity = texts[:, thesis.indices] @ thesis.data.astype(np.float32)
    dense = np.asarray(similarity, dtype=np.float64).ravel()
    return dense if rows is None else dense[rows]
