"""The ``MatchScorer`` estimator: its parameters, fitting the catalogue, and the scoring API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from scoring.catalogue import CodeBook, ComboBook, Segment, build_segment, merge_segments
from scoring.encoding import InvestorFeatures, encode_mandates
from scoring.formula import Components, ScoreFormula
from scoring.history import InvestorHistory
from scoring.learned import LearnedRanker
from scoring.mandate_stack import MandateStack
from scoring.pair_features import pair_feature_matrix
from scoring.pruning import PRUNE_MIN_ROWS, group_index, pruned_candidates
from scoring.ranking import RankedRequest, RequestFilter, filter_mask, top_requests
from scoring.reasons import ExplainedPair, Reason, explain_pairs
from scoring.records import InvestorRecord, RequestColumns, RequestRecord
from scoring.taxonomy import SectorTaxonomy, StageLadder
from scoring.text import TextEvidence

__all__ = [
    "Components",
    "InvestorFeatures",
    "MatchScorer",
    "RankedRequest",
    "RequestFilter",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

_FORMULA_PARAMETERS = tuple(field.name for field in fields(ScoreFormula))


class MatchScorer(BaseEstimator):  # type: ignore[misc]
    """Scores investor/request pairs by sector, ticket size and stage.

    Parameters
    ----------
    sector_codes : sequence of str
        The sector taxonomy (dotted codes; a parent covers its children).
    stage_order : sequence of str
        Funding stages from earliest to latest.
    cny_per_unit : dict of str to Decimal
        Exchange rates: CNY per unit of each currency.
    sector_weight, ticket_weight, stage_weight : float
        Weights of the three components in the combined score.
    text_share : float
        Share of the sector component that comes from thesis/summary text similarity.
    text_saturation : float
        Cosine similarity at which the text evidence counts in full.
    broader_fit, sibling_fit : float
        Sector fit of a request filed under a parent, or a sibling, of a mandate sector.
    stage_step_fits : tuple of float
        Stage fit one, two, ... steps away from the nearest mandate stage.
    ticket_outside_cap : float
        Ticket fit just outside the range; it falls to 0 on a log scale.
    ticket_zero_ratio : float
        Ratio to the nearest range bound at which the ticket fit reaches 0.
    region_outside_factor : float
        What the score of a request outside the mandate's regions is multiplied by (a
        mandate with no regions takes requests anywhere).
    max_sectors : int
        Sectors kept per request.
    max_text_terms : int
        Heaviest n-grams kept per text (bounds memory on large catalogues).

    Attributes
    ----------
    taxonomy_ : SectorTaxonomy
    ladder_ : StageLadder
    text_ : TextEvidence
        The hasher and the IDF weights fitted on the catalogue's texts.
    catalogue_ : Segment
        The fitted requests as arrays.
    """

    def __init__(
        self,
        *,
        sector_codes: Sequence[str] = (),
        stage_order: Sequence[str] = (),
        cny_per_unit: dict[str, Decimal] | None = None,
        sector_weight: float = 0.4,
        ticket_weight: float = 0.3,
        stage_weight: float = 0.3,
        text_share: float = 0.15,
        text_saturation: float = 0.5,
        broader_fit: float = 0.6,
        sibling_fit: float = 0.5,
        stage_step_fits: tuple[float, ...] = (0.5, 0.15),
        ticket_outside_cap: float = 0.6,
        ticket_zero_ratio: float = 10.0,
        region_outside_factor: float = 0.85,
        max_sectors: int = 4,
        max_text_terms: int = 32,
    ) -> None:
        self.sector_codes = sector_codes
        self.stage_order = stage_order
        self.cny_per_unit = cny_per_unit
        self.sector_weight = sector_weight
        self.ticket_weight = ticket_weight
        self.stage_weight = stage_weight
        self.text_share = text_share
        self.text_saturation = text_saturation
        self.broader_fit = broader_fit
        self.sibling_fit = sibling_fit
        self.stage_step_fits = stage_step_fits
        self.ticket_outside_cap = ticket_outside_cap
        self.ticket_zero_ratio = ticket_zero_ratio
        self.region_outside_factor = region_outside_factor
        self.max_sectors = max_sectors
        self.max_text_terms = max_text_terms

    @property
    def weights(self) -> dict[str, float]:
        return {
            "sector": self.sector_weight,
            "ticket": self.ticket_weight,
            "stage": self.stage_weight,
        }

    @property
    def formula(self) -> ScoreFormula:
        """The score formula (ticket fit, ``combine``, the fast ``segment_scores``) with this
        scorer's current parameters of the same names."""
        return ScoreFormula(**{name: getattr(self, name) for name in _FORMULA_PARAMETERS})

    @property
    def _rates(self) -> dict[str, Decimal]:
        return self.cny_per_unit or {"CNY": Decimal(1)}

    def fit(self, requests: Sequence[RequestRecord] | RequestColumns, y: Any = None) -> MatchScorer:
        """Learn the text IDF weights from ``requests`` and index them as arrays.

        Parameters
        ----------
        requests : sequence of RequestRecord, or RequestColumns
            The catalogue to rank.
        y : ignored

        Returns
        -------
        self : MatchScorer
        """
        return self.fit_chunks([_as_columns(requests)])

    def fit_chunks(self, chunks: Iterable[RequestColumns]) -> MatchScorer:
        """``fit`` for a catalogue read in chunks, so memory stays bounded by a chunk.

        The IDF weights are learned from the first chunk: pass chunks in id order (random
        UUIDs) and a large catalogue's weights come from a uniform sample of it.

        Parameters
        ----------
        chunks : iterable of RequestColumns

        Returns
        -------
        self : MatchScorer
        """
        if min(self.weights.values()) < 0 or sum(self.weights.values()) <= 0:
            raise ValueError("weights must be non-negative with a positive sum")
        if not 0 <= self.text_share <= 1:
            raise ValueError("text_share must lie in [0, 1]")
        if not 0 <= self.region_outside_factor <= 1:
            raise ValueError("region_outside_factor must lie in [0, 1]")
        self.taxonomy_ = SectorTaxonomy(
            self.sector_codes, broader_fit=self.broader_fit, sibling_fit=self.sibling_fit
        )
        self.ladder_ = StageLadder(self.stage_order, step_fits=self.stage_step_fits)
        self.combos_ = ComboBook(self.taxonomy_, self.max_sectors)
        self.regions_ = CodeBook()
        self.events_ = CodeBook()
        self.text_ = TextEvidence()
        segments: list[Segment] = []
        for columns in chunks:
            counts = self.text_.counts_of(columns.texts, columns.text_counts)
            if not segments:
                self.text_.fit(counts)
            segments.append(self._segment(columns, counts, column_text=False))
            del counts
        if not segments:
            self.text_.fit(sp.csr_matrix((0, self.text_.n_features), dtype=np.float32))
            segments.append(self._segment(RequestColumns.empty(), None, column_text=False))
        self.catalogue_ = merge_segments([(s, None) for s in segments])
        if len(self.catalogue_) >= PRUNE_MIN_ROWS:
            # Built with the catalogue rather than in its first ranking.
            group_index(self.catalogue_)
        return self

    def _segment(
        self, columns: RequestColumns, counts: sp.csr_matrix | None, *, column_text: bool = True
    ) -> Segment:
        if counts is None:
            counts = self.text_.counts_of(columns.texts, columns.text_counts)
        return build_segment(
            columns,
            ladder=self.ladder_,
            cny_per_unit=self._rates,
            text=self.text_,
            text_counts=counts,
            combos=self.combos_,
            regions=self.regions_,
            events=self.events_,
            max_text_terms=self.max_text_terms,
            column_text=column_text,
        )

    def segment(
        self, requests: Sequence[RequestRecord] | RequestColumns, *, text_by_row: bool = False
    ) -> Segment:
        """Arrays for more requests, weighted with the IDF learned in ``fit``.

        ``text_by_row``: keep the text by row, for a request scored against mandates one
        request at a time (the commission's direction). An inverted index holds a pointer
        per hashed term: for one request, building it (and reading the request's terms back
        from it) is a pass over the whole vocabulary, most of a cold ranking's cost. A
        segment kept by row is merged or scored (``formula.text_similarity``), never pruned.
        """
        check_is_fitted(self, "catalogue_")
        return self._segment(_as_columns(requests), None, column_text=not text_by_row)

    def sector_combinations(self) -> dict[tuple[str, ...], int]:
        """Each sector set a fitted request was filed under, and its code in
        ``Segment.sector_combo``."""
        check_is_fitted(self, "catalogue_")
        return dict(self.combos_.codes)

    def investor_features(self, investor: InvestorRecord) -> InvestorFeatures:
        """Lookup vectors of one mandate."""
        return self.investors_features([investor])[0]

    def investors_features(self, investors: Sequence[InvestorRecord]) -> list[InvestorFeatures]:
        """Lookup vectors of many mandates; theses are hashed and weighed in one pass (the
        arithmetic is row by row, so each mandate gets exactly what it gets alone)."""
        check_is_fitted(self, "catalogue_")
        return encode_mandates(
            investors,
            taxonomy=self.taxonomy_,
            ladder=self.ladder_,
            text=self.text_,
            cny_per_unit=self._rates,
            max_text_terms=self.max_text_terms,
            regions=self.regions_,
        )

    def segment_components(
        self,
        features: InvestorFeatures,
        segment: Segment,
        rows: IntArray | None = None,
        text: FloatArray | None = None,
    ) -> Components:
        """Components of one investor against the rows of a segment (all rows by default).

        ``text`` may carry the text similarity of those rows when it is already known.
        """
        return self.formula.segment_components(features, segment, rows, text)

    def segment_scores(
        self, features: InvestorFeatures, segment: Segment, rows: IntArray | None
    ) -> tuple[FloatArray, FloatArray]:
        """The combined score of each row, and its text similarity: the ranking's inner loop
        (``ScoreFormula.segment_scores``, equal to ``segment_components(...).score``)."""
        return self.formula.segment_scores(features, segment, rows)

    def score_rows(
        self,
        features: InvestorFeatures,
        segment: Segment,
        rows: IntArray | None = None,
        *,
        learned: LearnedRanker | None = None,
        history: InvestorHistory | None = None,
    ) -> tuple[FloatArray, FloatArray, BoolArray]:
        """The score of one mandate against rows of a segment (all by default), the text
        similarity of each, and whether each is a match (sector, ticket and stage all fit):
        the one scoring path of rankings and reports.

        With ``learned``, the learned ranker's probability over its features (the components
        and, if it uses them, the investor's deal ``history``) times the region factor, on
        the fit scale its training set (``LearnedRanker.on_fit_scale``), is the score.
        """
        if learned is None:
            return self.formula.segment_scores_and_fits(features, segment, rows)
        matrix, components = self.pair_features(
            features, segment, rows, names=learned.feature_names, history=history
        )
        return (
            learned.on_fit_scale(learned.predict_scores(matrix) * components.region),
            components.text,
            components.fits,
        )

    def investor_components(
        self,
        investors: Sequence[InvestorRecord],
        request: RequestRecord,
        mandates: MandateStack | None = None,
        request_segment: Segment | None = None,
    ) -> Components:
        """Components of many investors against one request; ``mandates`` are the investors'
        features stacked (``MandateStack.of(investors_features(...))``), when the caller keeps
        them, else encoded and stacked here in one pass; ``request_segment`` is the request's
        one-row segment (``segment([request])``), when the caller keeps it."""
        check_is_fitted(self, "catalogue_")
        if not investors:
            empty = np.zeros(0, dtype=np.float64)
            return Components(empty, empty, empty, empty, empty, empty, empty.astype(np.bool_))
        if mandates is None:
            mandates = MandateStack.of(self.investors_features(investors))
        if request_segment is None:
            request_segment = self.segment([request])
        return self.formula.investor_components(mandates, request_segment)

    def pair_features(
        self,
        features: InvestorFeatures,
        segment: Segment,
        rows: IntArray | None,
        *,
        names: Sequence[str],
        history: InvestorHistory | None = None,
    ) -> tuple[FloatArray, Components]:
        """The learned ranker's inputs for one investor and the rows of a segment.

        Returns one row per request with the named features (match components, then deal
        history from ``history``, empty when None), and the components themselves.
        """
        components = self.segment_components(features, segment, rows)
        matrix = pair_feature_matrix(
            components,
            segment,
            rows,
            names=names,
            history=history,
            combos=self.combos_,
            ladder=self.ladder_,
            regions=self.regions_,
        )
        return matrix, components

    def request_filter(
        self,
        *,
        sectors: Iterable[str] | None = None,
        stage: str | None = None,
        stages: Iterable[str] | None = None,
        region: str | None = None,
        event_id: str | None = None,
        excluded_ids: frozenset[str] = frozenset(),
    ) -> RequestFilter:
        """A filter in this scorer's fitted codes: requests in any of ``sectors`` (exact codes;
        the caller widens them to parents and children), at ``stage`` or any of ``stages``,
        in ``region``, at ``event_id``, and not in ``excluded_ids``. A value the catalogue has
        never seen matches nothing."""
        check_is_fitted(self, "catalogue_")
        index = self.taxonomy_.index
        return RequestFilter(
            sector_columns=None
            if sectors is None
            else frozenset(index[code] for code in sectors if code in index),
            stage_position=self.ladder_.index.get(stage, -1) if stage else None,
            stage_positions=None
            if not stages
            else frozenset(self.ladder_.index.get(code, -1) for code in stages),
            region_code=self.regions_.lookup(region) if region else None,
            event_code=self.events_.lookup(event_id) if event_id else None,
            excluded_ids=excluded_ids,
        )

    def filter_mask(self, segment: Segment, request_filter: RequestFilter) -> BoolArray:
        """True for each row of ``segment`` that ``request_filter`` lets through."""
        return filter_mask(segment, request_filter)

    def rank_segments(
        self,
        features: InvestorFeatures,
        segments: Sequence[tuple[Segment, BoolArray]],
        *,
        limit: int,
        offset: int = 0,
        min_score: float = 0.0,
        learned: LearnedRanker | None = None,
        history: InvestorHistory | None = None,
        include_near_misses: bool = False,
        prune: bool = True,
    ) -> tuple[list[RankedRequest], int]:
        """The best ``limit`` requests after ``offset``, best first, ties by id; and the total.

        With ``learned``, the learned ranker's probability over its features (the components
        and, if it uses them, the investor's deal ``history``) is the score.

        Without it, large segments are ranked with exact pruning (``scoring.pruning``): only
        the rows of (sector set, stage) groups whose best possible score can reach the page
        are scored; the page and the total are the ones scoring every row gives.

        Parameters
        ----------
        features : InvestorFeatures
        segments : sequence of (Segment, mask)
            Where to look; rows whose mask is False are skipped.
        limit, offset : int
        min_score : float
        include_near_misses : bool
            Also rank pairs that are no match (sector, ticket or stage without any fit).
        prune : bool
            Rank with exact pruning where it applies (False: score every row, the reference
            it is tested and benchmarked against).

        Returns
        -------
        page : list of RankedRequest
        total : int
            How many requests pass the masks and ``min_score`` (and are matches, unless
            ``include_near_misses``).
        """
        return top_requests(
            segments,
            score_rows=partial(self.score_rows, features, learned=learned, history=history),
            components_of=partial(self.formula.segment_components, features),
            limit=limit,
            offset=offset,
            min_score=min_score,
            include_near_misses=include_near_misses,
            # A learned ranker's score is not the formula the groups are bounded by.
            find_candidates=partial(pruned_candidates, self.formula, features)
            if prune and learned is None
            else None,
        )

    def explain(
        self,
        investor: InvestorRecord,
        request: RequestRecord,
        text_similarity: float,
        history: InvestorHistory | None = None,
    ) -> list[Reason]:
        """Reasons for one pair: sector, ticket and stage, text evidence when present, and
        the investor's track record when the ranker reads it (``history``)."""
        return self.explain_pairs([(investor, request, text_similarity, history)])[0]

    def explain_pairs(self, pairs: Iterable[ExplainedPair]) -> list[list[Reason]]:
        """``explain`` for many pairs (investor, request, text similarity, history)."""
        check_is_fitted(self, "catalogue_")
        return explain_pairs(
            pairs, taxonomy=self.taxonomy_, ladder=self.ladder_, cny_per_unit=self._rates
        )


def _as_columns(requests: Sequence[RequestRecord] | RequestColumns) -> RequestColumns:
    if isinstance(requests, RequestColumns):
        return requests
    return RequestColumns.from_records(requests)
