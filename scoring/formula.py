"""The match score: each component's fit and their weighted mean, in one formula."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.catalogue import Segment
from scoring.encoding import InvestorFeatures
from scoring.mandate_stack import MandateStack
from scoring.similarity import text_similarity32
from scoring.text_index import TextRows, rows_similarity, theses_similarity

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
CodeArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
Miss = Literal["sector", "ticket", "stage"]
"""A component with no fit at all: a pair missing any of them is a near miss, not a match."""

TEXT_FIT_MIN_SIMILARITY = 0.35
"""Text similarity from which a thesis and a request's text are evidence of a sector fit (and
a reason names their shared terms). Character n-grams are shared by chance (English
function words, common Chinese characters): measured on the demo's data, every pair whose
sectors do not overlap at all has a similarity under 0.31 (AstraZeneca and an AI compute
request: 0.26; Blackstone and the same request: 0.30), so below this, text is no evidence."""


@dataclass(frozen=True, slots=True)
class Components:
    """Per-pair fit in [0, 1] for a batch of pairs, and the combined score."""

    sector: FloatArray
    ticket: FloatArray
    stage: FloatArray
    text: FloatArray
    score: FloatArray
    region: FloatArray
    """What the score was multiplied by for the request's region: 1 inside the mandate's
    regions (or for a mandate with none), ``region_outside_factor`` outside them."""
    sector_fits: BoolArray
    """Whether the sector has some fit: from the taxonomy, or from text similarity of at
    least ``TEXT_FIT_MIN_SIMILARITY``."""

    def matrix(self) -> FloatArray:
        """One row per pair: sector, ticket, stage and text, the learned ranker's inputs."""
        return np.column_stack([self.sector, self.ticket, self.stage, self.text])

    @property
    def fits(self) -> BoolArray:
        """True for a match: sector (counting text evidence), ticket and stage each fit."""
        fits: BoolArray = self.sector_fits & (self.ticket > 0) & (self.stage > 0)
        return fits

    def misses(self, pair: int) -> list[Miss]:
        """The components of pair ``pair`` with no fit at all (empty for a match)."""
        return misses_of(bool(self.sector_fits[pair]), self.ticket[pair], self.stage[pair])


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
    sector fit is the taxonomy's, ``text_share`` of it replaced by the text evidence; times
    ``region_outside_factor`` when the request lies outside the mandate's regions.

    A pair is a match when sector, ticket and stage each have some fit (``Components.fits``;
    the fast path's ``segment_scores_and_fits`` computes the same mask).

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
    region_outside_factor: float

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

    def region_fit(self, features: InvestorFeatures, region_codes: CodeArray) -> FloatArray:
        """Per request (by its region code): 1 inside the mandate's regions, for a mandate
        with none (anywhere) or for a request naming no region; ``region_outside_factor``
        outside. One table lookup per row."""
        if features.region_codes.size == 0:
            return np.ones(region_codes.shape[0], dtype=np.float64)
        size = max(int(region_codes.max(initial=-1)), int(features.region_codes.max())) + 2
        # Shifted by one: UNKNOWN_CODE (-1, no region given) reads slot 0.
        table = np.full(size, self.region_outside_factor, dtype=np.float64)
        table[0] = 1.0
        table[features.region_codes + 1] = 1.0
        fit: FloatArray = table[region_codes + 1]
        return fit

    def combine(
        self,
        sector_taxonomy: FloatArray,
        text: FloatArray,
        ticket: FloatArray,
        stage: FloatArray,
        region: FloatArray,
    ) -> Components:
        """The components and the score of pairs from their taxonomy, text, ticket, stage and
        region fits: the reference arrangement of the formula."""
        text_evidence = self.text_evidence(text)
        sector = (1.0 - self.text_share) * sector_taxonomy + self.text_share * text_evidence
        score = (
            (self.sector_weight * sector + self.ticket_weight * ticket + self.stage_weight * stage)
            / self.total_weight
            * region
        )
        # Each source counts only when the formula gives it a share of the sector fit.
        sector_fits: BoolArray = ((sector_taxonomy > 0) & (self.text_share < 1.0)) | (
            (text >= TEXT_FIT_MIN_SIMILARITY) & (self.text_share > 0)
        )
        return Components(
            sector=sector,
            ticket=ticket,
            stage=stage,
            text=text,
            score=score,
            region=region,
            sector_fits=sector_fits,
        )

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
            text = text_similarity(features.thesis, segment, rows)
        region_codes = segment.region_codes if rows is None else segment.region_codes[rows]
        region = self.region_fit(features, region_codes)
        return self.combine(sector_taxonomy, text, ticket, stage, region)

    def investor_components(self, mandates: MandateStack, request: Segment) -> Components:
        """Components of every stacked mandate (at least one) against the one request of
        ``request``: whole-array operations, no work per mandate."""
        count = len(mandates)
        columns = request.sector_combos[request.sector_combo[0]]
        sector_taxonomy = mandates.sector_fit[:, columns].max(axis=1)
        stage = mandates.stage_fit[:, request.stage_positions[0]]
        ticket = self.ticket_fit(
            np.full(count, request.log_amount_cny[0]),
            mandates.log_ticket_min,
            mandates.log_ticket_max,
        )
        terms = request.text_by_row()
        text = theses_similarity(mandates.weighted_theses(terms.idf), terms)
        region = np.where(
            mandates.inside_region(int(request.region_codes[0])), 1.0, self.region_outside_factor
        )
        return self.combine(sector_taxonomy, text.astype(np.float64), ticket, stage, region)

    def segment_scores(
        self, features: InvestorFeatures, segment: Segment, rows: IntArray | None
    ) -> tuple[FloatArray, FloatArray]:
        """The combined score of each row, and its text similarity: the ranking's inner loop
        (``segment_scores_and_fits`` without the match mask)."""
        score, text, _ = self.segment_scores_and_fits(features, segment, rows)
        return score, text

    def segment_scores_and_fits(
        self, features: InvestorFeatures, segment: Segment, rows: IntArray | None
    ) -> tuple[FloatArray, FloatArray, BoolArray]:
        """The combined score of each row, its text similarity, and whether it is a match
        (``Components.fits``): the ranking's inner loop.

        The same formula as ``combine``, arranged for speed: sector and stage depend only on
        the row's (sector set, stage) pair, so their weighted sum (and whether each has any
        fit) is a small table looked up once per row.
        """
        shares = self.shares()
        combo_fit = sector_fit_by_combo(features, segment)
        stage_fit = features.stage_fit[: segment.stage_slots]
        structure = (
            shares.sector_taxonomy * combo_fit[:, None] + shares.stage * stage_fit[None, :]
        ).ravel()
        # Bit 1: the taxonomy alone gives the sector some fit; bit 2: the stage fits.
        taxonomy_counts = self.text_share < 1.0
        structure_fits = (
            ((combo_fit > 0) & taxonomy_counts).astype(np.int8)[:, None]
            | ((stage_fit > 0).astype(np.int8) * 2)[None, :]
        ).ravel()
        keys = segment.structure_key if rows is None else segment.structure_key[rows]
        score: FloatArray = structure[keys]
        key_fits = structure_fits[keys]
        ticket = self.ticket_fit(
            segment.log_amount_cny if rows is None else segment.log_amount_cny[rows],
            features.log_ticket_min,
            features.log_ticket_max,
        )
        score += shares.ticket * ticket
        text = text_similarity(features.thesis, segment, rows)
        evidence = self.text_evidence(text)
        score += shares.sector_text * evidence
        region_codes = segment.region_codes if rows is None else segment.region_codes[rows]
        if features.region_codes.size:
            score *= self.region_fit(features, region_codes)
        sector_fits = (key_fits & 1).astype(np.bool_)
        if self.text_share > 0:
            sector_fits |= text >= TEXT_FIT_MIN_SIMILARITY
        fits: BoolArray = sector_fits & ((key_fits & 2) > 0) & (ticket > 0)
        return score, text, fits


def misses_of(sector_fits: bool, ticket: float, stage: float) -> list[Miss]:
    """The components with no fit at all, in the order sector, ticket, stage."""
    misses: list[Miss] = []
    if not sector_fits:
        misses.append("sector")
    if not ticket > 0:
        misses.append("ticket")
    if not stage > 0:
        misses.append("stage")
    return misses


def sector_fit_by_combo(features: InvestorFeatures, segment: Segment) -> FloatArray:
    """The mandate's taxonomy fit of each of the segment's sector sets (its best sector)."""
    fit: FloatArray = features.sector_fit[segment.sector_combos].max(axis=1)
    return fit


def text_similarity(thesis: sp.csr_matrix, segment: Segment, rows: IntArray | None) -> FloatArray:
    """Cosine similarity of a thesis and the text of each row (all by default) of a segment."""
    count = len(segment) if rows is None else rows.shape[0]
    if thesis.nnz == 0 or count == 0:
        return np.zeros(count, dtype=np.float64)
    # Texts are stored by column (an inverted index): only the thesis's own n-gram
    # columns are read. Its rows are laid out by group (``Segment.text``).
    positions = segment.text_positions if rows is None else segment.text_positions[rows]
    if isinstance(segment.text, TextRows):
        # A request the commission's direction keeps, its text by row (``Segment.text``).
        dense = rows_similarity(thesis, segment.text)
    else:
        dense = text_similarity32(thesis, segment.text)
    return np.take(dense, positions, mode="clip").astype(np.float64)
