"""Proposals for coverage serve the requests furthest below the aim first, within each
investor's free meetings, and prefer higher scores only among choices that cover equally."""

from __future__ import annotations

import itertools

from service.conference.allocation import Candidate, allocate


def _pair(request: str, investor: str, score: float) -> Candidate:
    return Candidate(request_id=request, profile_id=investor, party=investor, score=score)


def test_an_investors_last_meeting_goes_to_the_request_with_none() -> None:
    # The walk's case: the first request (by id) already has a meeting and scores 0.57 with the
    # investor; the second has none and scores 0.94. Request by request gave the meeting to
    # the first.
    candidates = [_pair("a-stepfun", "sequoia", 0.57), _pair("b-qboson", "sequoia", 0.94)]
    chosen = allocate(
        candidates=candidates, held={"a-stepfun": 1}, coverage_k=3, free={"sequoia": 1}
    )
    assert chosen == [candidates[1]]
    # Also when the request with none scores lower: coverage comes before score.
    low = [_pair("a-stepfun", "sequoia", 0.95), _pair("b-qboson", "sequoia", 0.61)]
    assert allocate(candidates=low, held={"a-stepfun": 1}, coverage_k=3, free={"sequoia": 1}) == [
        low[1]
    ]


def test_caps_are_kept_and_a_request_at_the_aim_gets_nothing() -> None:
    candidates = [
        _pair(request, investor, 0.7 + 0.01 * i)
        for i, (request, investor) in enumerate(
            itertools.product(["r1", "r2", "r3"], ["i1", "i2", "i3"])
        )
    ]
    chosen = allocate(
        candidates=candidates,
        held={"r3": 2},
        coverage_k=2,
        free={"i1": 1, "i2": 1, "i3": None},
    )
    assert all(c.request_id != "r3" for c in chosen)
    per_investor = {i: sum(c.party == i for c in chosen) for i in ("i1", "i2", "i3")}
    assert per_investor["i1"] <= 1
    assert per_investor["i2"] <= 1
    per_request = {r: sum(c.request_id == r for c in chosen) for r in ("r1", "r2")}
    assert per_request == {"r1": 2, "r2": 2}  # i3 has no cap: both reach the aim


def test_among_equal_coverage_the_higher_scores_win_and_the_answer_is_the_same_each_time() -> None:
    candidates = [
        _pair("r1", "i1", 0.9),
        _pair("r1", "i2", 0.8),
        _pair("r2", "i1", 0.85),
        _pair("r2", "i2", 0.6),
    ]
    # One meeting each: r1-i1 + r2-i2 (1.5) or r1-i2 + r2-i1 (1.65); the second.
    free: dict[str, int | None] = {"i1": 1, "i2": 1}
    chosen = allocate(candidates=candidates, held={}, coverage_k=1, free=free)
    assert chosen == [candidates[1], candidates[2]]
    assert all(
        allocate(candidates=candidates, held={}, coverage_k=1, free=free) == chosen
        for _ in range(5)
    )


def test_nothing_to_give() -> None:
    assert allocate(candidates=[], held={}, coverage_k=3, free={}) == []
    full = [_pair("r1", "i1", 0.9)]
    assert allocate(candidates=full, held={}, coverage_k=3, free={"i1": 0}) == []
