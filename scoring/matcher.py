"""The match scorer: sector, ticket and stage fit of investor/request pairs, vectorised."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from scoring.catalogue import (
    CodeBook,
    ComboBook,
    Segment,
    build_segment,
    keep_top_terms,
    merge_segments,
)
from scoring.history import HISTORY_FEATURES, InvestorHistory, history_columns
from scoring.learned import LearnedRanker
from scoring.reasons import (
    history_reason,
    sector_reason,
    stage_reason,
    text_reason,
    ticket_reason,
)
from scoring.records import InvestorRecord, RequestColumns, RequestRecord
from scoring.taxonomy import SectorTaxonomy, StageLadder
from scoring.text import TextEvidence

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


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
class InvestorFeatures:
    """One mandate turned into lookup vectors for scoring a whole segment."""

    sector_fit: FloatArray
    stage_fit: FloatArray
    ticket_min_cny: float
    ticket_max_cny: float
    thesis: sp.csr_matrix

    # Without an exchange rate (amount NaN) the range is empty: every ticket is infinitely
    # far outside it, so its fit is 0 with no NaN reaching the kernel.
    @property
    def log_ticket_min(self) -> float:
        return float(np.log(self.ticket_min_cny)) if self.ticket_min_cny > 0 else float("inf")

    @property
    def log_ticket_max(self) -> float:
        return float(np.log(self.ticket_max_cny)) if self.ticket_max_cny > 0 else float("-inf")


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """Which requests may appear: sector columns (any of), stage(s), region, event, exclusions."""

    sector_columns: frozenset[int] | None = None
    stage_position: int | None = None
    stage_positions: frozenset[int] | None = None  # any of these
    region_code: int | None = None
    event_code: int | None = None
    excluded_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RankedRequest:
    id: str
    score: float
    sector: float
    ticket: float
    stage: float
    text: float


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
        self.max_sectors = max_sectors
        self.max_text_terms = max_text_terms

    @property
    def weights(self) -> dict[str, float]:
        return {
            "sector": self.sector_weight,
            "ticket": self.ticket_weight,
            "stage": self.stage_weight,
        }

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
        return self

    def _segment(
        self, columns: RequestColumns, counts: sp.csr_matrix | None, *, column_text: bool = True
    ) -> Segment:
        if counts is None:
            counts = self.text_.counts_of(columns.texts, columns.text_counts)
        return build_segment(
            columns,
            ladder=self.ladder_,
            cny_per_unit=self.cny_per_unit or {"CNY": Decimal(1)},
            text=self.text_,
            text_counts=counts,
            combos=self.combos_,
            regions=self.regions_,
            events=self.events_,
            max_text_terms=self.max_text_terms,
            column_text=column_text,
        )

    def segment(self, requests: Sequence[RequestRecord] | RequestColumns) -> Segment:
        """Arrays for more requests, weighted with the IDF learned in ``fit``."""
        check_is_fitted(self, "catalogue_")
        return self._segment(_as_columns(requests), None)

    def _to_cny(self, amount: Decimal, currency: str) -> float:
        rates = self.cny_per_unit or {"CNY": Decimal(1)}
        rate = rates.get(currency)
        return float(amount * rate) if rate is not None else float("nan")

    def investor_features(self, investor: InvestorRecord) -> InvestorFeatures:
        """Lookup vectors of one mandate."""
        return self.investors_features([investor])[0]

    def investors_features(self, investors: Sequence[InvestorRecord]) -> list[InvestorFeatures]:
        """Lookup vectors of many mandates; theses are hashed and weighed in one pass (the
        arithmetic is row by row, so each mandate gets exactly what it gets alone)."""
        check_is_fitted(self, "catalogue_")
        if not investors:
            return []
        theses = keep_top_terms(
            self.text_.weigh(self.text_.counts([investor.thesis for investor in investors])),
            self.max_text_terms,
        )
        # Mandates share few distinct sector and stage sets; each vector is computed once.
        sector_fits: dict[tuple[str, ...], FloatArray] = {}
        stage_fits: dict[tuple[str, ...], FloatArray] = {}
        return [
            InvestorFeatures(
                sector_fit=_memo(sector_fits, investor.sectors, self.taxonomy_.fit_vector),
                stage_fit=_memo(stage_fits, investor.stages, self.ladder_.fit_vector),
                ticket_min_cny=self._to_cny(investor.ticket_min, investor.currency),
                ticket_max_cny=self._to_cny(investor.ticket_max, investor.currency),
                thesis=_row(theses, row),
            )
            for row, investor in enumerate(investors)
        ]

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

    def combine(
        self, sector_taxonomy: FloatArray, text: FloatArray, ticket: FloatArray, stage: FloatArray
    ) -> Components:
        text_evidence = np.minimum(text / self.text_saturation, 1.0)
        sector = (1.0 - self.text_share) * sector_taxonomy + self.text_share * text_evidence
        total = self.sector_weight + self.ticket_weight + self.stage_weight
        score = (
            self.sector_weight * sector + self.ticket_weight * ticket + self.stage_weight * stage
        ) / total
        return Components(sector=sector, ticket=ticket, stage=stage, text=text, score=score)

    def segment_components(
        self,
        features: InvestorFeatures,
        segment: Segment,
        rows: npt.NDArray[np.intp] | None = None,
        text: FloatArray | None = None,
    ) -> Components:
        """Components of one investor against the rows of a segment (all rows by default).

        ``text`` may carry the text similarity of those rows when it is already known.
        """
        combo_fit = features.sector_fit[segment.sector_combos].max(axis=1)
        sector_combo = segment.sector_combo if rows is None else segment.sector_combo[rows]
        stage_positions = segment.stage_positions if rows is None else segment.stage_positions[rows]
        log_amount = segment.log_amount_cny if rows is None else segment.log_amount_cny[rows]
        sector_taxonomy = combo_fit[sector_combo]
        stage = features.stage_fit[stage_positions]
        ticket = self.ticket_fit(log_amount, features.log_ticket_min, features.log_ticket_max)
        if text is None:
            text = self._text_similarity(features.thesis, segment.text, rows)
        return self.combine(sector_taxonomy, text, ticket, stage)

    @staticmethod
    def _text_similarity(
        thesis: sp.csr_matrix, texts: sp.csc_matrix, rows: npt.NDArray[np.intp] | None
    ) -> FloatArray:
        count = texts.shape[0] if rows is None else rows.shape[0]
        if thesis.nnz == 0 or count == 0:
            return np.zeros(count, dtype=np.float64)
        # Texts are stored by column (an inverted index): only the thesis's own n-gram
        # columns are read, in one sparse product.
        similarity = texts[:, thesis.indices] @ thesis.data.astype(np.float32)
        dense = np.asarray(similarity, dtype=np.float64).ravel()
        return dense if rows is None else dense[rows]

    def segment_scores(
        self, features: InvestorFeatures, segment: Segment, rows: npt.NDArray[np.intp] | None
    ) -> tuple[FloatArray, FloatArray]:
        """The combined score of each row, and its text similarity: the ranking's inner loop.

        The same formula as ``combine``, arranged for speed: sector and stage depend only on
        the row's (sector set, stage) pair, so their weighted sum is a small table looked up
        once per row.
        """
        total = self.sector_weight + self.ticket_weight + self.stage_weight
        combo_fit = features.sector_fit[segment.sector_combos].max(axis=1)
        structure = (
            (self.sector_weight * (1.0 - self.text_share) / total) * combo_fit[:, None]
            + (self.stage_weight / total) * features.stage_fit[None, : segment.stage_slots]
        ).ravel()
        keys = segment.structure_key if rows is None else segment.structure_key[rows]
        score: FloatArray = structure[keys]
        score += (self.ticket_weight / total) * self.ticket_fit(
            segment.log_amount_cny if rows is None else segment.log_amount_cny[rows],
            features.log_ticket_min,
            features.log_ticket_max,
        )
        text = self._text_similarity(features.thesis, segment.text, rows)
        score += (self.sector_weight * self.text_share / total) * np.minimum(
            text / self.text_saturation, 1.0
        )
        return score, text

    def score_rows(
        self,
        features: InvestorFeatures,
        segment: Segment,
        rows: npt.NDArray[np.intp] | None = None,
        *,
        learned: LearnedRanker | None = None,
        history: InvestorHistory | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """The score of one mandate against rows of a segment (all by default), and the text
        similarity of each: the one scoring path of rankings and reports.

        With ``learned``, the learned ranker's probability over its features (the components
        and, if it uses them, the investor's deal ``history``) is the score.
        """
        if learned is None:
            return self.segment_scores(features, segment, rows)
        matrix, components = self.pair_features(
            features, segment, rows, names=learned.feature_names, history=history
        )
        return learned.predict_scores(matrix), components.text

    def investor_components(
        self, investors: Sequence[InvestorRecord], request: RequestRecord
    ) -> Components:
        """Components of many investors against one request."""
        check_is_fitted(self, "catalogue_")
        count = len(investors)
        if count == 0:
            empty = np.zeros(0, dtype=np.float64)
            return Components(empty, empty, empty, empty, empty)
        features = [self.investor_features(investor) for investor in investors]
        request_segment = self.segment([request])
        columns = request_segment.sector_combos[request_segment.sector_combo[0]]
        sector_fit = np.vstack([f.sector_fit for f in features])
        sector_taxonomy = sector_fit[:, columns].max(axis=1)
        stage = np.array([f.stage_fit[request_segment.stage_positions[0]] for f in features])
        ticket = self.ticket_fit(
            np.full(count, request_segment.log_amount_cny[0]),
            np.array([f.log_ticket_min for f in features]),
            np.array([f.log_ticket_max for f in features]),
        )
        theses = sp.vstack([f.thesis for f in features], format="csr")
        text = np.asarray(theses @ request_segment.text.tocsr()[0].T.toarray()).ravel()
        return self.combine(sector_taxonomy, text.astype(np.float64), ticket, stage)

    def explain(
        self,
        investor: InvestorRecord,
        request: RequestRecord,
        text_similarity: float,
        history: InvestorHistory | None = None,
    ) -> list[str]:
        """Reasons for one pair: sector, ticket and stage, text evidence when present, and
        the investor's track record when the ranker reads it (``history``)."""
        return self.explain_pairs([(investor, request, text_similarity, history)])[0]

    def explain_pairs(
        self,
        pairs: Iterable[tuple[InvestorRecord, RequestRecord, float, InvestorHistory | None]],
    ) -> list[list[str]]:
        """``explain`` for many pairs (investor, request, text similarity, history)."""
        check_is_fitted(self, "catalogue_")
        rates = self.cny_per_unit or {"CNY": Decimal(1)}
        explained = []
        for investor, request, text_similarity, history in pairs:
            reasons = [
                sector_reason(self.taxonomy_, investor, request),
                ticket_reason(investor, request, rates),
                stage_reason(self.ladder_, investor, request),
            ]
            text = text_reason(text_similarity)
            if text is not None:
                reasons.append(text)
            track_record = None if history is None else history_reason(history, request)
            if track_record is not None:
                reasons.append(track_record)
            explained.append(reasons)
        return explained

    def filter_mask(self, segment: Segment, request_filter: RequestFilter) -> BoolArray:
        mask = np.ones(len(segment), dtype=np.bool_)
        if request_filter.sector_columns is not None:
            allowed = np.array(sorted(request_filter.sector_columns), dtype=np.int32)
            wanted_combos: BoolArray = np.asarray(
                np.isin(segment.sector_combos, allowed).any(axis=1), dtype=np.bool_
            )
            mask &= wanted_combos[segment.sector_combo]
        if request_filter.stage_position is not None:
            mask &= segment.stage_positions == request_filter.stage_position
        if request_filter.stage_positions is not None:
            allowed_stages = np.array(sorted(request_filter.stage_positions), dtype=np.int16)
            mask &= np.isin(segment.stage_positions, allowed_stages)
        if request_filter.region_code is not None:
            mask &= segment.region_codes == request_filter.region_code
        if request_filter.event_code is not None:
            mask &= segment.event_codes == request_filter.event_code
        if request_filter.excluded_ids:
            mask[segment.rows_of(sorted(request_filter.excluded_ids))] = False
        return mask

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

    def sector_combinations(self) -> dict[tuple[str, ...], int]:
        """Each sector set a fitted request was filed under, and its code in
        ``Segment.sector_combo``."""
        check_is_fitted(self, "catalogue_")
        return dict(self.combos_.codes)

    def pair_features(
        self,
        features: InvestorFeatures,
        segment: Segment,
        rows: npt.NDArray[np.intp] | None,
        *,
        names: Sequence[str],
        history: InvestorHistory | None = None,
    ) -> tuple[FloatArray, Components]:
        """The learned ranker's inputs for one investor and the rows of a segment.

        Returns one row per request with the named features (match components, then deal
        history from ``history``, empty when None), and the components themselves.
        """
        components = self.segment_components(features, segment, rows)
        wanted_history = [name for name in names if name in HISTORY_FEATURES]
        history_values = history_columns(
            history or InvestorHistory(),
            segment,
            rows,
            combos=self.combos_,
            ladder=self.ladder_,
            regions=self.regions_,
            names=wanted_history,
        )
        matrix = np.column_stack(
            [
                history_values[name] if name in history_values else getattr(components, name)
                for name in names
            ]
        )
        return matrix, components

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
    ) -> tuple[list[RankedRequest], int]:
        """The best ``limit`` requests after ``offset``, best first, ties by id; and the total.

        With ``learned``, the learned ranker's probability over its features (the components
        and, if it uses them, the investor's deal ``history``) is the score.

        Parameters
        ----------
        features : InvestorFeatures
        segments : sequence of (Segment, mask)
            Where to look; rows whose mask is False are skipped.
        limit, offset : int
        min_score : float

        Returns
        -------
        page : list of RankedRequest
        total : int
            How many requests pass the masks and ``min_score``.
        """
        parts: list[tuple[Segment, npt.NDArray[np.intp], FloatArray, FloatArray]] = []
        for segment, mask in segments:
            if len(segment) == 0:
                continue
            everything = bool(mask.all())
            rows = np.arange(len(segment)) if everything else np.flatnonzero(mask)
            if rows.size == 0:
                continue
            scores, text = self.score_rows(
                features, segment, None if everything else rows, learned=learned, history=history
            )
            if min_score > 0:
                keep = scores >= min_score
                rows, scores, text = rows[keep], scores[keep], text[keep]
            parts.append((segment, rows, scores, text))
        if not parts:
            return [], 0
        scores = np.concatenate([p[2] for p in parts]) if len(parts) > 1 else parts[0][2]
        offsets = np.cumsum([0] + [p[1].size for p in parts])
        total = int(scores.size)
        wanted = min(offset + limit, total)
        if wanted <= offset:
            return [], total
        if wanted < total:
            # Everything strictly above the cut plus every tie at it, then an exact sort.
            cut = -np.partition(-scores, wanted - 1)[wanted - 1]
            candidates = np.flatnonzero(scores >= cut)
        else:
            candidates = np.arange(total)
        part_of = np.searchsorted(offsets, candidates, side="right") - 1
        local = candidates - offsets[part_of]
        candidate_ids = np.empty(candidates.size, dtype="S36")
        for number, (segment, rows, _, _) in enumerate(parts):
            chosen = part_of == number
            candidate_ids[chosen] = segment.ids[rows[local[chosen]]]
        order = np.lexsort((candidate_ids, -scores[candidates]))[offset:wanted]
        entries: dict[int, RankedRequest] = {}
        for number, (segment, rows, part_scores, part_text) in enumerate(parts):
            on_page = order[part_of[order] == number]
            if on_page.size == 0:
                continue
            components = self.segment_components(
                features, segment, rows[local[on_page]], text=part_text[local[on_page]]
            )
            for i, position in enumerate(on_page):
                entries[int(position)] = RankedRequest(
                    id=candidate_ids[position].decode(),
                    score=float(part_scores[local[position]]),
                    sector=float(components.sector[i]),
                    ticket=float(components.ticket[i]),
                    stage=float(components.stage[i]),
                    text=float(components.text[i]),
                )
        return [entries[int(position)] for position in order], total


def _memo(
    cache: dict[tuple[str, ...], FloatArray],
    codes: tuple[str, ...],
    compute: Callable[[tuple[str, ...]], FloatArray],
) -> FloatArray:
    found = cache.get(codes)
    if found is None:
        found = cache[codes] = compute(codes)
    return found


def _row(matrix: sp.csr_matrix, row: int) -> sp.csr_matrix:
    """Row ``row`` as a 1 x n matrix (cheaper than indexing, which checks much more)."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return sp.csr_matrix(
        (matrix.data[start:end], matrix.indices[start:end], np.array([0, end - start])),
        shape=(1, matrix.shape[1]),
        dtype=matrix.dtype,
    )


def _as_columns(requests: Sequence[RequestRecord] | RequestColumns) -> RequestColumns:
    if isinstance(requests, RequestColumns):
        return requests
    return RequestColumns.from_records(requests)
