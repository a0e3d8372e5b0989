"""Exact pruning: the pruned ranking is the brute-force ranking, row for row.

``scoring.pruning`` scores only the (sector set, stage) groups whose bound can reach the
page and counts the rest without scores. On random catalogues and mandates (Hypothesis), with
ties, masks, minimum scores, near misses, empty segments and pages past the end, the page
(ids, order, scores, components) and the total must be the ones scoring every row gives.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import partial
from typing import Any

import hypothesis
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import strategies as st

import scoring.matcher
import scoring.pruning
from scoring import InvestorRecord, MatchScorer, RankedRequest
from scoring.catalogue import Segment
from scoring.formula import sector_fit_by_combo
from scoring.learned import LearnedRanker
from scoring.pruning import GroupIndex, group_index, pruned_candidates
from scoring.ranking import top_requests
from scoring.records import RequestColumns
from scoring.text_index import text_index

SECTORS = ("ai", "ai.models", "ai.apps", "bio", "bio.drugs", "energy", "fintech")
STAGES = ("seed", "series_a", "series_b", "growth")
RATES = {"CNY": Decimal(1), "USD": Decimal("7.1")}
WORDS = ("foundation model", "vaccine", "solar panel", "payments", "芯片设计", "储能电池")
REGIONS = ("pudong", "xuhui", "lingang")
# Few distinct amounts, so many rows tie on their ticket fit (and on the score).
AMOUNTS = (1e6, 5e6, 1e7, 3e7, 1e8, 1e9, 1e10)

PARAMETERS: list[dict[str, Any]] = [
    {},  # the defaults the service ranks with
    {"text_share": 0.0},
    {"text_share": 1.0, "region_outside_factor": 0.5},
    {"ticket_outside_cap": 0.0, "ticket_zero_ratio": 4.0},
    {"ticket_weight": 0.0, "stage_step_fits": (0.6, 0.3, 0.1)},
    {"sector_weight": 1.0, "ticket_weight": 2.0, "stage_weight": 0.5, "text_saturation": 0.2},
]

EXAMPLES = hypothesis.settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)

amounts = st.one_of(
    st.sampled_from(AMOUNTS),
    st.floats(min_value=1e4, max_value=1e12, allow_nan=False, allow_infinity=False),
)
texts = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)

# One request drawn field by field (shrinks well): the odd cases, on top of a random bulk.
requests = st.tuples(
    st.lists(st.sampled_from(SECTORS), max_size=2, unique=True),
    st.sampled_from((*STAGES, "pre_ipo")),  # now and then a stage the ladder does not know
    amounts,
    st.sampled_from(("CNY", "CNY", "USD", "GBP")),  # GBP has no rate: no ticket fit
    texts,
    st.sampled_from((*REGIONS[:2], None)),
)


def random_request(rng: np.random.Generator, tied: bool = True) -> tuple[Any, ...]:
    """A request of the bulk: amounts from a few values when ``tied`` (rows tie on the
    ticket fit, and on the score), else spread over six orders of magnitude."""
    return (
        list(rng.choice(SECTORS, size=int(rng.integers(0, 3)), replace=False)),
        str(rng.choice((*STAGES, "pre_ipo"))),
        float(rng.choice(AMOUNTS)) if tied else float(10 ** rng.uniform(5, 11)),
        str(rng.choice(("CNY", "CNY", "CNY", "USD", "GBP"))),
        " ".join(rng.choice(WORDS, size=int(rng.integers(0, 3)))),
        [*REGIONS[:2], None][int(rng.integers(0, 3))],
    )


@st.composite
def catalogues(draw: st.DrawFn, max_size: int = 300) -> list[tuple[Any, ...]]:
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**16)))
    size = draw(st.integers(min_value=0, max_value=max_size))
    tied = draw(st.booleans())
    bulk = [random_request(rng, tied) for _ in range(size)]
    return bulk + draw(st.lists(requests, max_size=4))


mandates = st.builds(
    lambda sectors, stages, low, factor, currency, thesis, regions: InvestorRecord(
        id="investor",
        sectors=tuple(sectors),
        stages=tuple(stages),
        ticket_min=Decimal(repr(low)),
        ticket_max=Decimal(repr(low)) * factor,
        currency=currency,
        thesis=thesis,
        regions=tuple(regions),
    ),
    # Mostly a sector and a stage (else nothing is a match), now and then none.
    st.one_of(st.lists(st.sampled_from(SECTORS), min_size=1, max_size=2, unique=True), st.just([])),
    st.one_of(st.lists(st.sampled_from(STAGES), min_size=1, max_size=2, unique=True), st.just([])),
    amounts,
    st.sampled_from((1, 2, 10, 100)),
    st.sampled_from(tuple(RATES)),
    texts,
    st.lists(st.sampled_from(REGIONS), max_size=2, unique=True),
)


def columns(rows: list[tuple[Any, ...]], prefix: str) -> RequestColumns:
    return RequestColumns(
        ids=[f"{prefix}-{number:05d}" for number in range(len(rows))],
        sectors=[tuple(r[0]) for r in rows],
        stages=[r[1] for r in rows],
        amounts=[float(r[2]) for r in rows],
        currencies=[r[3] for r in rows],
        regions=[r[5] for r in rows],
        event_ids=[None] * len(rows),
        texts=[r[4] for r in rows],
        text_counts=[None] * len(rows),
    )


def fitted(parameters: dict[str, Any], rows: list[tuple[Any, ...]]) -> MatchScorer:
    scorer = MatchScorer(sector_codes=SECTORS, stage_order=STAGES, cny_per_unit=RATES, **parameters)
    return scorer.fit(columns(rows, "request"))


def random_mask(segment: Segment, hidden: float, seed: int) -> npt.NDArray[np.bool_]:
    return np.random.default_rng(seed).random(len(segment)) >= hidden


def rank(
    scorer: MatchScorer,
    mandate: InvestorRecord,
    segments: list[tuple[Segment, npt.NDArray[np.bool_]]],
    *,
    pruned: bool,
    limit: int,
    offset: int,
    min_score: float,
    include_near_misses: bool,
) -> tuple[list[RankedRequest], int]:
    features = scorer.investor_features(mandate)
    return top_requests(
        segments,
        score_rows=partial(scorer.score_rows, features),
        components_of=partial(scorer.formula.segment_components, features),
        limit=limit,
        offset=offset,
        min_score=min_score,
        include_near_misses=include_near_misses,
        find_candidates=partial(pruned_candidates, scorer.formula, features, min_rows=0)
        if pruned
        else None,
    )


@EXAMPLES
@hypothesis.given(
    parameters=st.sampled_from(PARAMETERS),
    base=catalogues(),
    delta=catalogues(max_size=30),
    mandate=mandates,
    hidden=st.sampled_from((0.0, 0.0, 0.1, 0.45, 0.8)),
    seed=st.integers(min_value=0, max_value=2**16),
    limit=st.integers(min_value=1, max_value=30),
    offset=st.sampled_from((0, 0, 3, 40)),
    min_score=st.sampled_from((0.0, 0.0, 0.2, 0.5, 0.75, 0.95)),
    include_near_misses=st.booleans(),
)
def test_the_pruned_page_and_total_are_the_brute_force_ones(
    parameters: dict[str, Any],
    base: list[tuple[Any, ...]],
    delta: list[tuple[Any, ...]],
    mandate: InvestorRecord,
    hidden: float,
    seed: int,
    limit: int,
    offset: int,
    min_score: float,
    include_near_misses: bool,
) -> None:
    scorer = fitted(parameters, base)
    extra = scorer.segment(columns(delta, "delta"))
    segments = [
        (scorer.catalogue_, random_mask(scorer.catalogue_, hidden, seed)),
        (extra, random_mask(extra, hidden / 2, seed + 1)),
    ]
    window = partial(
        rank,
        scorer,
        mandate,
        segments,
        limit=limit,
        offset=offset,
        min_score=min_score,
        include_near_misses=include_near_misses,
    )
    assert window(pruned=True) == window(pruned=False)


@EXAMPLES
@hypothesis.given(
    parameters=st.sampled_from(PARAMETERS),
    base=catalogues(),
    mandate=mandates,
    wanted=st.integers(min_value=1, max_value=200),
    min_score=st.sampled_from((0.0, 0.0, 0.5, 0.9)),
    include_near_misses=st.booleans(),
)
def test_the_candidates_hold_every_row_at_or_above_the_cut(
    parameters: dict[str, Any],
    base: list[tuple[Any, ...]],
    mandate: InvestorRecord,
    wanted: int,
    min_score: float,
    include_near_misses: bool,
) -> None:
    """What the pruning hands on: every qualifying row scoring at least the ``wanted``-th best
    qualifying score (all of them when fewer qualify), each with its brute-force score and
    text similarity, and the count of all qualifying rows."""
    scorer = fitted(parameters, base)
    segment = scorer.catalogue_
    features = scorer.investor_features(mandate)
    found = pruned_candidates(
        scorer.formula,
        features,
        segment,
        np.ones(len(segment), dtype=np.bool_),
        wanted=wanted,
        min_score=min_score,
        include_near_misses=include_near_misses,
        min_rows=0,
    )
    scores, text, fits = scorer.score_rows(features, segment)
    qualifying = np.ones(len(segment), dtype=np.bool_) if include_near_misses else fits.copy()
    if min_score > 0:
        qualifying &= scores >= min_score
    if found is None:  # an empty catalogue, or a mandate the bounds do not hold for
        assert len(segment) == 0 or not scoring.pruning.can_prune(scorer.formula, features)
        return
    assert found.total == int(qualifying.sum())
    rows = np.flatnonzero(qualifying)
    if rows.size > wanted:
        cut = -np.partition(-scores[rows], wanted - 1)[wanted - 1]
        rows = rows[scores[rows] >= cut]
    order = np.argsort(found.rows)
    assert np.array_equal(found.rows[order], rows)
    assert np.array_equal(found.scores[order], scores[rows])
    assert np.array_equal(found.text[order], text[rows])


@pytest.mark.parametrize("parameters", PARAMETERS[:3])
def test_rank_segments_prunes_and_agrees_with_scoring_every_row(
    parameters: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the scorer's own entry point (what the matches endpoint calls), on a base and
    a delta segment: the same pages and totals, pruned or not."""
    monkeypatch.setattr(scoring.pruning, "PRUNE_MIN_ROWS", 0)
    rng = np.random.default_rng(7)
    rows = [random_request(rng) for _ in range(600)]
    scorer = fitted(parameters, rows[:500])
    extra = scorer.segment(columns(rows[500:], "delta"))
    segments = [
        (scorer.catalogue_, random_mask(scorer.catalogue_, 0.05, 1)),
        (extra, np.ones(len(extra), dtype=np.bool_)),
    ]
    for number in range(40):
        mandate = random_mandate(rng, number)
        features = scorer.investor_features(mandate)
        for window in ({"limit": 20}, {"limit": 5, "offset": 7}, {"limit": 10, "min_score": 0.6}):
            for near in (False, True):
                pruned = scorer.rank_segments(
                    features, segments, include_near_misses=near, **window
                )
                brute = scorer.rank_segments(
                    features, segments, include_near_misses=near, prune=False, **window
                )
                assert pruned == brute


def random_mandate(rng: np.random.Generator, number: int) -> InvestorRecord:
    low = Decimal(int(10 ** rng.uniform(5.5, 9.5)))
    return InvestorRecord(
        id=f"investor-{number}",
        sectors=tuple(rng.choice(SECTORS, size=int(rng.integers(1, 3)), replace=False)),
        stages=tuple(rng.choice(STAGES, size=int(rng.integers(1, 3)), replace=False)),
        ticket_min=low,
        ticket_max=low * int(rng.choice((1, 3, 20))),
        currency="CNY",
        thesis=" ".join(rng.choice(WORDS, size=int(rng.integers(0, 3)))),
        regions=("pudong",) if number % 3 == 0 else (),
    )


def test_pruning_skips_most_rows_of_a_structured_catalogue() -> None:
    """The speed-up is real: on 40,000 requests over (sector, stage) groups, a mandate's top
    20 is found scoring under a quarter of the rows, and is the brute-force top 20."""
    rng = np.random.default_rng(11)
    count = 40_000
    rows = [
        (
            [str(rng.choice(SECTORS))],
            str(rng.choice(STAGES)),
            float(10 ** rng.uniform(6, 10)),
            "CNY",
            str(rng.choice(WORDS)),
            None,
        )
        for _ in range(count)
    ]
    scorer = fitted({}, rows)
    segment = scorer.catalogue_
    assert isinstance(group_index(segment), GroupIndex)  # built with the catalogue
    assert group_index(segment) is segment.derived["pruning.groups"]
    everything = np.ones(count, dtype=np.bool_)
    for number in range(10):
        mandate = random_mandate(rng, number)
        features = scorer.investor_features(mandate)
        found = pruned_candidates(
            scorer.formula,
            features,
            segment,
            everything,
            wanted=20,
            min_score=0.0,
            include_near_misses=False,
        )
        assert found is not None
        assert found.scored < count / 4, (mandate, found.scored)
        pruned = scorer.rank_segments(features, [(segment, everything)], limit=20)
        brute = scorer.rank_segments(features, [(segment, everything)], limit=20, prune=False)
        assert pruned == brute
        assert pruned[1] == found.total


def test_a_learned_ranker_scores_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A learned ranker's score is not the formula the groups are bounded by: no pruning."""
    rng = np.random.default_rng(3)
    scorer = fitted({}, [random_request(rng) for _ in range(300)])
    features = scorer.investor_features(random_mandate(rng, 1))
    learned = LearnedRanker().fit(rng.random((200, 4)), np.array([0, 1] * 100))
    segments = [(scorer.catalogue_, np.ones(len(scorer.catalogue_), dtype=np.bool_))]
    called: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> None:
        called.append(kwargs["wanted"])

    monkeypatch.setattr(scoring.matcher, "pruned_candidates", spy)
    scorer.rank_segments(features, segments, limit=10, learned=learned)
    assert called == []
    scorer.rank_segments(features, segments, limit=10)
    assert called == [10]


@pytest.mark.parametrize("shift", [0, -1, 1])
def test_the_ticket_runs_are_checked_with_the_formula(
    shift: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each group's rows with a ticket fit above 0 are one run of its sorted amounts, found
    at thresholds computed in real numbers and checked with the formula on both sides of
    both ends. Amounts at the thresholds themselves (a tenth of the range's lower end, ten
    times its upper end) and a float step either side are counted as the formula counts
    them; and a guess of the ends that is off by a row (as rounding could make it) is caught
    by the check and counted row by row."""
    low, high = 1e8, 1e9
    edges = [low / 10, high * 10, low, high]
    amounts = [a for edge in edges for a in (np.nextafter(edge, 0), edge, np.nextafter(edge, 2e12))]
    rng = np.random.default_rng(5)
    rows = [
        ([str(rng.choice(SECTORS))], str(rng.choice(STAGES)), float(amount), "CNY", "", None)
        for amount in [*amounts * 20, *(10 ** rng.uniform(6, 11, 400))]
    ]
    scorer = fitted({}, rows)
    mandate = InvestorRecord(
        id="investor",
        sectors=("ai",),
        stages=("seed",),
        ticket_min=Decimal(int(low)),
        ticket_max=Decimal(int(high)),
        currency="CNY",
    )
    ranking = scoring.pruning._Ranking.of(
        scorer.formula, scorer.investor_features(mandate), scorer.catalogue_
    )
    index = ranking.index
    expected = [
        int(np.count_nonzero(ranking.ticket(index.order[start:stop]) > 0))
        for start, stop in zip(index.starts[:-1], index.starts[1:], strict=True)
    ]
    monkeypatch.setattr(GroupIndex, "positions", _positions_shifted_by(shift))
    runs = scoring.pruning._ticket_runs(ranking, np.arange(index.size))
    assert runs.tolist() == expected


def _positions_shifted_by(shift: int) -> Any:
    """``GroupIndex.positions`` with every found position moved by ``shift`` rows (kept
    inside its group): run ends off by a row, as a rounding error near a threshold gives."""
    real = GroupIndex.positions

    def shifted(
        self: GroupIndex, threshold: Any, side: Any, groups: Any = None
    ) -> npt.NDArray[np.intp]:
        chosen = np.arange(self.size) if groups is None else groups
        found = real(self, threshold, side, groups) + shift
        return np.clip(found, self.starts[chosen], self.starts[chosen + 1])

    return shifted


def test_rows_that_fit_by_their_text_alone_are_counted_without_the_hidden_ones() -> None:
    # Every request is outside the mandate's sectors; half share the thesis's words (a fit by
    # the text alone), half do not; some amounts are outside the ticket's reach; a third of
    # the rows are hidden. The random catalogues above rarely hold such rows in number.
    rng = np.random.default_rng(5)
    rows = [
        (
            ["energy"],
            str(rng.choice(STAGES)),
            float(rng.choice((5e6, 1e7, 3e7, 1e12))),
            "CNY",
            "foundation model" if number % 2 else "储能电池",
            None,
        )
        for number in range(600)
    ]
    scorer = fitted({}, rows)
    mandate = InvestorRecord(
        id="investor",
        sectors=("ai",),
        stages=("seed", "series_a"),
        ticket_min=Decimal(5_000_000),
        ticket_max=Decimal(30_000_000),
        currency="CNY",
        thesis="foundation model",
        regions=(),
    )
    segments = [(scorer.catalogue_, random_mask(scorer.catalogue_, 0.3, 9))]
    window = partial(
        rank,
        scorer,
        mandate,
        segments,
        limit=10,
        offset=0,
        min_score=0.0,
        include_near_misses=False,
    )
    pruned, brute = window(pruned=True), window(pruned=False)
    assert brute[1] > 0
    assert pruned == brute


@pytest.mark.parametrize("shift", [0, -1, 1])
@pytest.mark.parametrize("hidden", [0.0, 0.3])
def test_the_count_reads_text_fits_through_the_ticket_runs(
    shift: int, hidden: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows that fit by their text alone are counted through their groups' ticket runs
    (the similarity of the rows of each run): with amounts at the runs' ends and a float
    step either side, masked-out rows, and a guess of the ends off by a row (caught by the
    check, and such a group counted row by row), the total is the brute-force one."""
    low, high = 1e8, 1e9
    edges = [low / 10, high * 10, low, high]
    amounts = [a for edge in edges for a in (np.nextafter(edge, 0), edge, np.nextafter(edge, 2e12))]
    rng = np.random.default_rng(17)
    rows = [
        (
            [str(rng.choice(SECTORS))],
            str(rng.choice(STAGES[:2])),
            float(amount),
            "CNY",
            " ".join(rng.choice(WORDS, size=int(rng.integers(1, 3)))),
            None,
        )
        for amount in [*amounts * 30, *(10 ** rng.uniform(6, 11, 600))]
    ]
    scorer = fitted({}, rows)
    segment = scorer.catalogue_
    mask = random_mask(segment, hidden, 4)
    checked = 0
    for thesis in ("foundation model", "vaccine 储能电池", "payments solar panel"):
        mandate = InvestorRecord(
            id="investor",
            sectors=("ai",),
            stages=("seed",),
            ticket_min=Decimal(int(low)),
            ticket_max=Decimal(int(high)),
            currency="CNY",
            thesis=thesis,
        )
        features = scorer.investor_features(mandate)
        fits = scorer.score_rows(features, segment)[2]
        by_text_alone = (
            fits & mask & (sector_fit_by_combo(features, segment)[segment.sector_combo] == 0)
        )
        expected = int(np.count_nonzero(fits & mask))
        with monkeypatch.context() as patch:
            patch.setattr(GroupIndex, "positions", _positions_shifted_by(shift))
            found = pruned_candidates(
                scorer.formula,
                features,
                segment,
                mask,
                wanted=10,
                min_score=0.0,
                include_near_misses=False,
                min_rows=0,
            )
        assert found is not None
        assert found.total == expected
        checked += int(np.count_nonzero(by_text_alone))
    assert checked > 0


@pytest.mark.parametrize("parameters", [PARAMETERS[0], PARAMETERS[2], PARAMETERS[5]])
def test_rows_whose_text_cannot_reach_the_cut_are_skipped_exactly(
    parameters: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the cut is decided by the text (rows tie on structure and ticket fit, and many
    share a text, so the cut is a tie), the last pass skips the rows whose text term cannot
    reach it, unscored: fewer rows are scored than without that skip, and the candidates
    (every row at or above the cut, ties included) and the total are the brute-force ones."""
    rng = np.random.default_rng(23)
    rows = [
        (
            [str(rng.choice(("ai", "ai.models", "ai.apps")))],
            str(rng.choice(("seed", "series_a"))),
            float(rng.choice((2e7, 3e7, 4e7))),
            "CNY",
            " ".join(rng.choice(WORDS, size=int(rng.integers(0, 3)))),
            str(rng.choice(REGIONS)),
        )
        for _ in range(3_000)
    ]
    scorer = fitted(parameters, rows)
    segment = scorer.catalogue_
    everything = np.ones(len(segment), dtype=np.bool_)
    checked = 0
    for number, thesis in enumerate(
        ("foundation model", "vaccine payments", "芯片设计 solar panel")
    ):
        mandate = InvestorRecord(
            id="investor",
            sectors=("ai",),
            stages=("seed", "series_a"),
            ticket_min=Decimal(10_000_000),
            ticket_max=Decimal(50_000_000),
            currency="CNY",
            thesis=thesis,
            regions=("pudong",) if number == 2 else (),
        )
        features = scorer.investor_features(mandate)
        scores, _, fits = scorer.score_rows(features, segment)
        for wanted, min_score in ((10, 0.0), (200, 0.0), (10, 0.9)):
            find = partial(
                pruned_candidates,
                scorer.formula,
                features,
                segment,
                everything,
                wanted=wanted,
                min_score=min_score,
                include_near_misses=False,
                min_rows=0,
            )
            found = find()
            assert found is not None
            qualifying = fits & (scores >= min_score)
            assert found.total == int(qualifying.sum())
            expected = np.flatnonzero(qualifying)
            if expected.size > wanted:
                cut = -np.partition(-scores[expected], wanted - 1)[wanted - 1]
                expected = expected[scores[expected] >= cut]
            assert np.array_equal(np.sort(found.rows), expected)
            with monkeypatch.context() as patch:
                patch.setattr(scoring.pruning, "_text_needed", lambda *args: 0.0)
                unskipped = find()
            assert unskipped is not None
            assert np.array_equal(np.sort(unskipped.rows), expected)
            assert found.scored <= unskipped.scored
            checked += found.scored < unskipped.scored
    assert checked > 0


def test_the_group_index_refuses_a_text_laid_out_otherwise() -> None:
    """The count reads a group's similarities as one slice of the text's layout: a segment
    whose text rows are not in the group order (here: the id order) is refused, not
    counted wrongly."""
    rng = np.random.default_rng(41)
    segment = fitted({}, [random_request(rng) for _ in range(500)]).catalogue_
    GroupIndex.of(segment)  # as built: laid out by group
    by_id = dataclasses.replace(
        segment,
        text=text_index(segment.text_by_row(), np.arange(len(segment), dtype=np.int32)),
        text_positions=np.arange(len(segment), dtype=np.int32),
        derived={},
    )
    with pytest.raises(ValueError, match="not laid out by group"):
        GroupIndex.of(by_id)
