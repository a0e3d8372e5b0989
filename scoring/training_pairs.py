"""Labelled (investor, round) pairs to train a learned ranker on: one construction for the
service (``matchmaker train``) and the offline evaluation (``matchmaker evaluate``).

From recorded deals (``sample_deal_pairs``): the deals of a training window are the outcomes
and every pair's history counts only the deals closed before the window starts, so a pair
never sees its own outcome (no follow-on flag for the very round being predicted).

- **Candidates**: investors with at least ``min_rounds`` rounds before the window (the
  evaluation: 5, its candidate rule; the service: 0, every investor with a recorded deal).
- **Positives**: every (candidate, round) pair of the window with a deal, once, however many
  rows list it. A round is the caller's: a Crunchbase round id, or a company on one day at
  one stage for the service (``scoring.history.DealCoder``).
- **Negatives**: per positive, ``negatives_per_positive // 2`` candidates drawn for its
  round and as many window rounds drawn for its investor, uniformly with a generator seeded
  by ``seed``. A drawn pair is labelled by whether the deal exists (so it may be positive),
  and a pair drawn twice counts twice.

From feedback (``labelled_feedback_pairs``, the service only): one pair per feedback, with
the investor's history as of the day of the feedback.

Features come from ``MatchScorer.pair_features`` (``pair_feature_rows``), the code both the
service and the evaluation rank with. Nothing here reads a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from scoring import InvestorFeatures, InvestorRecord, MatchScorer, RequestRecord, Segment
from scoring.history import (
    BoolArray,
    DealCoder,
    DealColumns,
    FloatArray,
    HistoryCounts,
    IntArray,
    InvestorHistory,
    PastDeal,
    as_day,
    histories_as_of,
    own_rounds,
    track_record_columns,
    typical_amounts,
)
from scoring.learned import NEGATIVES_PER_POSITIVE, RANKING_FEATURES, TRAINING_WINDOW_DAYS

DEFAULT_AMOUNT_CNY = 100_000_000.0
"""A service round's size when no recorded round before the window has one."""
UNSOLICITED_WEIGHT = 0.5
"""An answer about a request the investor was never shown (it found it some other way)
says less about what the ranking should show: it counts half."""

OUTCOME_TARGETS: Mapping[str, float] = MappingProxyType(
    {
        "passed": 0.0,
        "shown": 0.05,
        "interested": 0.25,
        "meeting": 0.4,
        "committed": 0.55,
        "signed": 0.7,
        "funds_in_place": 1.0,
    }
)
"""How far a pair went, weakest to strongest, as the learned ranker's target for it (the
probability it is trained towards). Money that arrived is the strongest signal: an investor
who delivers counts for more than one who signs and stops there; a pair shown and left alone
says a little more than an explicit pass. Partly funded deals lie between signed and funds in
place by the share that arrived (``funded_target``)."""
SHOWN_ONLY_WEIGHT = 0.25
"""A pair shown on a page of matches and neither answered nor dealt on is the weakest
evidence, and every page makes twenty of them: each counts a quarter."""
POSITIVE_TARGET = OUTCOME_TARGETS["interested"]
"""From here on a pair counts as positive where an outcome must be yes or no (held-out AUC,
the split by account)."""


def funded_target(in_place_share: float) -> float:
    """The target of a signed deal of which ``in_place_share`` of the amount has arrived."""
    share = min(max(in_place_share, 0.0), 1.0)
    signed, funded = OUTCOME_TARGETS["signed"], OUTCOME_TARGETS["funds_in_place"]
    return signed + (funded - signed) * share


@dataclass(frozen=True, slots=True)
class DealWindow:
    """The rounds of a date window (``rounds``: their codes, ascending), the candidate
    investors (``investors``: codes, ascending), and ``relevant`` (investors x rounds): True
    where the investor took part in the round."""

    investors: IntArray
    rounds: IntArray
    relevant: BoolArray


def deal_window(
    deals: DealColumns, history: HistoryCounts, *, end: dt.date, min_rounds: int
) -> DealWindow:
    """The rounds dated from the history's cutoff to ``end`` inclusive, and the investors with
    at least ``min_rounds`` rounds in ``history``.

    Parameters
    ----------
    deals : DealColumns
        Where the window's rounds and who took part in them come from.
    history : HistoryCounts
        The deals before the window (same investor codes as ``deals``).
    end : date
        Last day of the window.
    min_rounds : int

    Returns
    -------
    window : DealWindow
    """
    in_window = (deals.day >= history.cutoff) & (deals.day <= as_day(end))
    rounds: IntArray = np.unique(deals.round[in_window])
    investors = history.active_investors(min_rounds)
    investor_position = np.full(deals.n_investors, -1, dtype=np.int64)
    investor_position[investors] = np.arange(investors.size)
    round_position = np.full(int(deals.round.max(initial=0)) + 1, -1, dtype=np.int64)
    round_position[rounds] = np.arange(rounds.size)
    rows, columns = investor_position[deals.investor], round_position[deals.round]
    inside = (rows >= 0) & (columns >= 0)
    relevant = np.zeros((investors.size, rounds.size), dtype=np.bool_)
    relevant[rows[inside], columns[inside]] = True
    return DealWindow(investors=investors, rounds=rounds, relevant=relevant)


@dataclass(frozen=True, slots=True)
class DealPairs:
    """Sampled pairs of a training window: positives first, then the negatives drawn for
    them (other investors, then other rounds)."""

    window: DealWindow
    investor: IntArray
    """Each pair's investor, a position in ``window.investors``."""
    round: IntArray
    """Each pair's round, a position in ``window.rounds``."""
    outcome: IntArray
    """1 where the investor took part in the round."""
    history_as_of: dt.date
    """Every pair's history counts the deals closed before this day (the window's first)."""


def sample_deal_pairs(
    deals: DealColumns,
    history: HistoryCounts,
    *,
    end: dt.date,
    min_rounds: int,
    negatives_per_positive: int = NEGATIVES_PER_POSITIVE,
    seed: int = 0,
) -> DealPairs:
    """Positives and sampled negatives of the window from ``history.cutoff`` to ``end``.

    See the module's description. Raises ValueError when no candidate has a deal in it.
    """
    window = deal_window(deals, history, end=end, min_rounds=min_rounds)
    start = history.cutoff.astype(dt.date)
    n_investors, n_rounds = window.relevant.shape
    positive_investor, positive_round = np.nonzero(window.relevant)
    if positive_investor.size == 0:
        raise ValueError(f"no deals of candidate investors in the training window {start}-{end}")
    rng = np.random.default_rng(seed)
    half = max(negatives_per_positive // 2, 1)
    other_investors = rng.integers(0, n_investors, size=(positive_investor.size, half))
    other_rounds = rng.integers(0, n_rounds, size=(positive_investor.size, half))
    investor = np.concatenate(
        [positive_investor, other_investors.ravel(), np.repeat(positive_investor, half)]
    )
    round_ = np.concatenate([positive_round, np.repeat(positive_round, half), other_rounds.ravel()])
    return DealPairs(
        window=window,
        investor=investor,
        round=round_,
        outcome=window.relevant[investor, round_].astype(np.int64),
        history_as_of=start,
    )


def pair_feature_rows(
    scorer: MatchScorer,
    investors: Sequence[InvestorFeatures],
    histories: Sequence[InvestorHistory],
    segment: Segment,
    segment_rows: npt.NDArray[np.intp],
    pair_investor: IntArray,
    pair_round: IntArray,
    names: Sequence[str],
) -> tuple[FloatArray, FloatArray]:
    """The named features and the default score of every pair, in pair order.

    Pair ``i`` is investor ``investors[pair_investor[i]]`` with its history
    ``histories[pair_investor[i]]`` against the request in row
    ``segment_rows[pair_round[i]]`` of ``segment``; computed by ``MatchScorer.pair_features``
    once per investor for the requests it is paired with.
    """
    features = np.zeros((pair_investor.size, len(names)), dtype=np.float64)
    scores = np.zeros(pair_investor.size, dtype=np.float64)
    order = np.argsort(pair_investor, kind="stable")
    starts = np.flatnonzero(np.diff(pair_investor[order])) + 1
    for pairs in np.split(order, starts) if order.size else []:
        position = int(pair_investor[pairs[0]])
        needed, at = np.unique(pair_round[pairs], return_inverse=True)
        matrix, components = scorer.pair_features(
            investors[position],
            segment,
            segment_rows[needed],
            names=names,
            history=histories[position],
        )
        features[pairs] = matrix[at]
        scores[pairs] = components.score[at]
    return features, scores


@dataclass(frozen=True, slots=True)
class LabelledPairs:
    """Pairs oldest first: features (``RANKING_FEATURES``), default score, outcome, date."""

    features: FloatArray
    default_scores: FloatArray
    outcomes: IntArray
    days: IntArray
    """Date of each pair as a proleptic ordinal."""
    investors: tuple[str, ...] = ()
    """Each pair's investor (the caller's id for it)."""
    weights: FloatArray | None = None
    """Each pair's weight before any bound per account (None: 1 each)."""
    targets: FloatArray | None = None
    """How far each pair went (``OUTCOME_TARGETS``), in [0, 1] (None: its outcome)."""

    @classmethod
    def empty(cls) -> LabelledPairs:
        return cls(
            features=np.zeros((0, len(RANKING_FEATURES)), dtype=np.float64),
            default_scores=np.zeros(0, dtype=np.float64),
            outcomes=np.zeros(0, dtype=np.int64),
            days=np.zeros(0, dtype=np.int64),
            weights=np.zeros(0, dtype=np.float64),
            targets=np.zeros(0, dtype=np.float64),
        )

    @property
    def base_weights(self) -> FloatArray:
        if self.weights is None:
            return np.ones(len(self.outcomes), dtype=np.float64)
        return self.weights

    @property
    def graded_targets(self) -> FloatArray:
        """Each pair's target: its grade where known, else 1 for a positive and 0."""
        if self.targets is None:
            return self.outcomes.astype(np.float64)
        return self.targets

    def __add__(self, other: LabelledPairs) -> LabelledPairs:
        """Both sets, oldest first (a stable sort keeps each set's own order within a day)."""
        days = np.concatenate([self.days, other.days])
        order = np.argsort(days, kind="stable")
        return LabelledPairs(
            features=np.vstack([self.features, other.features])[order],
            default_scores=np.concatenate([self.default_scores, other.default_scores])[order],
            outcomes=np.concatenate([self.outcomes, other.outcomes])[order],
            days=days[order],
            investors=tuple((*self.investors, *other.investors)[i] for i in order.tolist()),
            weights=np.concatenate([self.base_weights, other.base_weights])[order],
            targets=np.concatenate([self.graded_targets, other.graded_targets])[order],
        )


@dataclass(frozen=True, slots=True)
class RecordedDeal:
    """A deal as the service records it: the investor, the financing, its size if known."""

    investor: str
    deal: PastDeal
    amount: Decimal | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    """What became of an investor and a request, as of which day: positive or not, and how
    far it went (``target``, see ``OUTCOME_TARGETS``)."""

    investor: str
    request: RequestRecord
    day: dt.date
    positive: bool
    shown: bool = True
    """Whether the investor had been shown the request first; an unsolicited answer weighs
    ``UNSOLICITED_WEIGHT``."""
    target: float | None = None
    """The pair's grade in [0, 1]; None: 1 if positive, else 0."""
    weight: float = 1.0
    """How much the pair counts before the unsolicited discount (``SHOWN_ONLY_WEIGHT``)."""

    @property
    def graded_target(self) -> float:
        if self.target is None:
            return 1.0 if self.positive else 0.0
        return self.target


def labelled_feedback_pairs(
    scorer: MatchScorer,
    feedback: Sequence[FeedbackOutcome],
    track_records: Mapping[str, Sequence[PastDeal]],
    mandates: Mapping[str, InvestorRecord],
    market: Sequence[Iterable[PastDeal]] = (),
) -> LabelledPairs:
    """One pair per feedback, in the order given, with the investor's history as of its day
    (``track_records``: each investor's deals) and its mandate (``mandates``); ``scorer``
    is fitted. ``market``: every other investor's deals, which the co-investment counts read
    (as at ranking time, ``scoring.history.histories_from_deals``), each as of the day."""
    if not feedback:
        return LabelledPairs.empty()
    investors = sorted({f.investor for f in feedback})
    code = {investor: number for number, investor in enumerate(investors)}
    # The market's investors take the codes after the feedback investors'.
    columns, names = track_record_columns([*(track_records.get(i, ()) for i in investors), *market])
    # As at ranking time: a commitment to a pair's own request is no earlier deal in its
    # company for that pair (``InvestorHistory.own_rounds``), so a committed pair dated at a
    # later outcome does not read its own label as "backed the company before".
    own: dict[tuple[str, dt.date], dict[int, frozenset[str]]] = {}
    for f in feedback:
        if (f.investor, f.day) not in own:
            own[(f.investor, f.day)] = own_rounds(track_records.get(f.investor, ()), before=f.day)
    histories = [
        replace(history, own_rounds=own[(f.investor, f.day)])
        for f, history in zip(
            feedback,
            histories_as_of(
                columns, names, [code[f.investor] for f in feedback], [f.day for f in feedback]
            ),
            strict=True,
        )
    ]
    requests = list({f.request.id: f.request for f in feedback}.values())
    request_position = {request.id: number for number, request in enumerate(requests)}
    segment = scorer.segment(requests)
    mandate_features = {i: scorer.investor_features(mandates[i]) for i in investors}
    features, scores = pair_feature_rows(
        scorer,
        [mandate_features[f.investor] for f in feedback],
        histories,
        segment,
        _segment_rows(segment, requests),
        np.arange(len(feedback), dtype=np.int64),
        np.array([request_position[f.request.id] for f in feedback], dtype=np.int64),
        RANKING_FEATURES,
    )
    return LabelledPairs(
        features=features,
        default_scores=scores,
        outcomes=np.array([int(f.positive) for f in feedback], dtype=np.int64),
        days=np.array([f.day.toordinal() for f in feedback], dtype=np.int64),
        investors=tuple(f.investor for f in feedback),
        weights=np.array(
            [f.weight * (1.0 if f.shown else UNSOLICITED_WEIGHT) for f in feedback],
            dtype=np.float64,
        ),
        targets=np.array([f.graded_target for f in feedback], dtype=np.float64),
    )


def labelled_deal_pairs(
    scorer: MatchScorer,
    recorded: Sequence[RecordedDeal],
    track_records: Mapping[str, Sequence[PastDeal]],
    mandates: Mapping[str, InvestorRecord],
    *,
    window_days: int = TRAINING_WINDOW_DAYS,
    negatives_per_positive: int = NEGATIVES_PER_POSITIVE,
    seed: int = 0,
) -> LabelledPairs:
    """Pairs from recorded deals (``sample_deal_pairs``), oldest first: the window is the
    ``window_days`` up to the newest deal, every investor with a recorded deal a candidate.

    A window round is a request with the attributes of its first recorded deal; one without
    an amount gets the median size of its stage among the recorded rounds before the window
    (``typical_amounts`` in CNY, the same rule as the evaluation's).

    Parameters
    ----------
    scorer : MatchScorer
        Fitted; its exchange rates convert the typical amounts.
    recorded : sequence of RecordedDeal
        The deals that can be outcomes, oldest first.
    track_records : mapping of str to sequence of PastDeal
        Each investor's history (its recorded deals, and whatever else counts as one).
    mandates : mapping of str to InvestorRecord
        The mandate of every investor in ``recorded``.
    window_days, negatives_per_positive, seed : int

    Returns
    -------
    pairs : LabelledPairs
    """
    if not recorded:
        return LabelledPairs.empty()
    investors = sorted({r.investor for r in recorded})
    code = {investor: number for number, investor in enumerate(investors)}
    coder = DealCoder()
    first_deal: dict[int, RecordedDeal] = {}
    for deal in recorded:
        first_deal.setdefault(coder.add(code[deal.investor], deal.deal), deal)
    end = max(r.deal.closed_on for r in recorded)
    start = end - dt.timedelta(days=window_days - 1)
    history_columns, names = track_record_columns([track_records.get(i, ()) for i in investors])
    history = HistoryCounts.before(history_columns, start)
    pairs = sample_deal_pairs(
        coder.columns(len(investors)),
        history,
        end=end,
        min_rounds=0,
        negatives_per_positive=negatives_per_positive,
        seed=seed,
    )
    window = pairs.window
    requests = _round_requests(scorer, coder, first_deal, window.rounds, start)
    mandate_features = [
        scorer.investor_features(mandates[investors[i]]) for i in window.investors.tolist()
    ]
    segment = scorer.segment(requests)
    features, scores = pair_feature_rows(
        scorer,
        mandate_features,
        history.investor_histories(window.investors, names),
        segment,
        _segment_rows(segment, requests),
        pairs.investor,
        pairs.round,
        RANKING_FEATURES,
    )
    round_days = np.array([first_deal[r].deal.closed_on.toordinal() for r in window.rounds])
    return LabelledPairs.empty() + LabelledPairs(
        features=features,
        default_scores=scores,
        outcomes=pairs.outcome,
        days=round_days[pairs.round].astype(np.int64),
        investors=tuple(investors[window.investors[i]] for i in pairs.investor.tolist()),
    )


def _round_requests(
    scorer: MatchScorer,
    coder: DealCoder,
    first_deal: Mapping[int, RecordedDeal],
    rounds: IntArray,
    start: dt.date,
) -> list[RequestRecord]:
    """The window's rounds as requests (``deal-round-<position>``), unknown sizes filled."""
    rates = scorer.cny_per_unit or {"CNY": Decimal(1)}

    def cny(deal: RecordedDeal) -> float:
        rate = rates.get(deal.currency or "")
        return float(deal.amount * rate) if deal.amount is not None and rate else float("nan")

    earlier = [d for d in first_deal.values() if d.deal.closed_on < start]
    typical = typical_amounts(
        np.array([cny(d) for d in earlier], dtype=np.float64),
        np.array([coder.stages.codes[d.deal.stage] for d in earlier], dtype=np.int64),
        len(coder.stages),
        default=DEFAULT_AMOUNT_CNY,
    )
    requests = []
    for position, round_code in enumerate(rounds.tolist()):
        recorded = first_deal[round_code]
        deal = recorded.deal
        amount, currency = recorded.amount, recorded.currency or "CNY"
        if amount is None:
            amount = Decimal(repr(float(typical[coder.stages.codes[deal.stage]])))
            currency = "CNY"
        requests.append(
            RequestRecord(
                id=f"deal-round-{position:09d}",
                sectors=(deal.sector,),
                stage=deal.stage,
                amount=amount,
                currency=currency,
                region=deal.region,
                company=deal.company,
            )
        )
    return requests


def _segment_rows(segment: Segment, requests: Sequence[RequestRecord]) -> npt.NDArray[np.intp]:
    """The row of each request in ``segment`` (which is sorted by id)."""
    ids = np.array([r.id.encode() for r in requests], dtype="S36")
    rows: npt.NDArray[np.intp] = np.searchsorted(segment.ids, ids)
    return rows
