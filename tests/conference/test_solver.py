"""The conference scheduler: every rule checked on every answer, coverage against the greedy
baseline, determinism, the reasons for leaving a meeting out, and stability when re-solving.

Pure computation: no database, small instances, short time limits.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from service.conference.greedy import greedy_plan
from service.conference.problem import (
    LeftOutReason,
    MeetingSpec,
    Placement,
    Plan,
    ScheduleProblem,
    ScheduleSolution,
    Seat,
    SlotSpec,
)
from service.conference.solver import (
    DETERMINISTIC_UNITS_PER_SECOND,
    RANDOM_SEED,
    _restore_earlier_slots,
    _solver_parameters,
    solve,
)

TIME_LIMIT = 2.0
REPOSITORY = Path(__file__).resolve().parents[2]


# The checker: every rule of a schedule, recomputed from the problem alone.


def check_plan(problem: ScheduleProblem, plan: Plan) -> None:
    meetings = {meeting.id: meeting for meeting in problem.meetings}
    positions = {slot.id: slot.position for slot in problem.slots}
    placed_ids = [placement.meeting_id for placement in plan.placements]
    assert len(placed_ids) == len(set(placed_ids)), "a meeting is placed twice"
    parties_in_slot: set[tuple[str, str, str]] = set()
    tables_in_slot: set[tuple[str, int]] = set()
    investor_load: Counter[str] = Counter()
    for placement in plan.placements:
        assert placement.meeting_id in meetings, f"unknown meeting {placement.meeting_id}"
        meeting = meetings[placement.meeting_id]
        slot_id, table = placement.seat.slot_id, placement.seat.table
        assert slot_id in positions, f"{meeting.id} in an unknown slot {slot_id}"
        assert slot_id in meeting.slots, f"{meeting.id} in {slot_id}, not a common slot"
        assert 1 <= table <= problem.tables, f"{meeting.id} at table {table}"
        assert (slot_id, table) not in tables_in_slot, f"table {table} twice in {slot_id}"
        tables_in_slot.add((slot_id, table))
        for party in (("investor", meeting.investor_party), ("startup", meeting.startup_party)):
            assert (*party, slot_id) not in parties_in_slot, f"{party} twice in {slot_id}"
            parties_in_slot.add((*party, slot_id))
        investor_load[meeting.investor_party] += 1
    if problem.investor_cap is not None:
        assert max(investor_load.values(), default=0) <= problem.investor_cap, investor_load
    order = [(positions[p.seat.slot_id], p.seat.table) for p in plan.placements]
    assert order == sorted(order), "placements are not sorted by (slot position, table)"

    placed = set(placed_ids)
    per_request = Counter(m.request_id for m in problem.meetings if m.id in placed)
    requests = {meeting.request_id for meeting in problem.meetings}
    coverage = sum(1 for request in requests if per_request[request] >= problem.coverage_k)
    assert plan.coverage == coverage
    assert math.isclose(
        plan.score_sum, sum(meetings[m_id].score for m_id in placed), abs_tol=1e-9
    ), plan.score_sum


def expected_reason(problem: ScheduleProblem, meeting: MeetingSpec, plan: Plan) -> LeftOutReason:
    meetings = {m.id: m for m in problem.meetings}
    slot_ids = {slot.id for slot in problem.slots}
    common = meeting.slots & slot_ids
    if not common:
        return LeftOutReason.NO_COMMON_SLOT
    investor_load = sum(
        1
        for p in plan.placements
        if meetings[p.meeting_id].investor_party == meeting.investor_party
    )
    if problem.investor_cap is not None and investor_load >= problem.investor_cap:
        return LeftOutReason.CAP_REACHED
    slot_load = Counter(p.seat.slot_id for p in plan.placements)
    if all(slot_load[slot_id] >= problem.tables for slot_id in common):
        return LeftOutReason.TABLES_FULL
    return LeftOutReason.PARTY_BUSY


def check_solution(problem: ScheduleProblem, solution: ScheduleSolution) -> None:
    check_plan(problem, solution.plan)
    check_plan(problem, solution.greedy)
    assert solution.greedy == greedy_plan(problem)
    if not problem.keep_seats:
        assert solution.plan.coverage >= solution.greedy.coverage
    assert solution.status in ("optimal", "feasible")
    assert solution.gap >= 0.0
    if solution.status == "optimal":
        assert solution.gap == 0.0

    placed = {p.meeting_id: p.seat for p in solution.plan.placements}
    unplaced = sorted(m.id for m in problem.meetings if m.id not in placed)
    assert [left.meeting_id for left in solution.left_out] == unplaced
    meetings = {m.id: m for m in problem.meetings}
    for left in solution.left_out:
        assert left.reason == expected_reason(problem, meetings[left.meeting_id], solution.plan)

    per_request = Counter(m.request_id for m in problem.meetings if m.id in placed)
    below = sorted(
        {m.request_id for m in problem.meetings if per_request[m.request_id] < problem.coverage_k}
    )
    assert list(solution.requests_below_k) == below

    earlier = {m_id: seat for m_id, seat in problem.previous.items() if m_id in meetings}
    kept = sum(1 for m_id, seat in earlier.items() if placed.get(m_id) == seat)
    assert (solution.kept, solution.moved) == (kept, len(earlier) - kept)
    assert solution.wall_seconds > 0.0


def same_schedule(first: ScheduleSolution, second: ScheduleSolution) -> bool:
    return (first.status, first.plan, first.left_out, first.gap, first.requests_below_k) == (
        second.status,
        second.plan,
        second.left_out,
        second.gap,
        second.requests_below_k,
    )


# Instances.


def slots(count: int) -> tuple[SlotSpec, ...]:
    return tuple(SlotSpec(id=f"s{n}", position=n) for n in range(count))


def meeting(
    meeting_id: str,
    investor: str,
    startup: str,
    score: float = 0.5,
    slot_ids: tuple[str, ...] = ("s0",),
    request: str | None = None,
) -> MeetingSpec:
    return MeetingSpec(
        id=meeting_id,
        request_id=request or f"request-of-{startup}",
        investor_party=investor,
        startup_party=startup,
        score=score,
        slots=frozenset(slot_ids),
    )


def random_problem(
    seed: int,
    *,
    meetings: int = 40,
    slot_count: int | None = None,
    tables: int | None = None,
    time_limit: float = TIME_LIMIT,
) -> ScheduleProblem:
    rng = random.Random(seed)
    event_slots = slots(slot_count or rng.randint(3, 8))
    investors = [f"inv{n}" for n in range(rng.randint(3, 10))]
    startups = [f"st{n}" for n in range(rng.randint(3, 12))]
    available = {
        party: frozenset(s.id for s in event_slots if rng.random() < 0.7)
        for party in investors + startups
    }
    # Some startups bring two requests; a request may not ask the same investor twice.
    requests = [(f"r{n}", rng.choice(startups)) for n in range(rng.randint(3, 15))]
    specs: list[MeetingSpec] = []
    pairs: set[tuple[str, str]] = set()
    for number in range(meetings):
        request, startup = rng.choice(requests)
        investor = rng.choice(investors)
        if (request, investor) in pairs:
            continue
        pairs.add((request, investor))
        specs.append(
            MeetingSpec(
                id=f"m{number:03d}",
                request_id=request,
                investor_party=investor,
                startup_party=startup,
                score=round(rng.random(), 3),
                slots=available[investor] & available[startup],
            )
        )
    return ScheduleProblem(
        slots=event_slots,
        meetings=tuple(specs),
        tables=tables or rng.randint(1, 4),
        investor_cap=rng.choice([None, 2, 3]),
        coverage_k=rng.randint(1, 3),
        time_limit_seconds=time_limit,
    )


def contested_problem(time_limit: float) -> ScheduleProblem:
    """Larger than the random ones, and short of seats: the time limit, not a proof, ends it."""
    return replace(
        random_problem(7, meetings=600, slot_count=12, tables=6, time_limit=time_limit),
        investor_cap=8,
        coverage_k=3,
    )


def reproducible_problem() -> ScheduleProblem:
    """The contested instance with the budget the 1 s limit gives (0.3 units) and a wall clock
    far beyond it: on a busy machine (CI ran these at 0.41 to 0.52 s against a 0.5 s wall
    clock) the deterministic budget, not the machine, ends the search."""
    return replace(contested_problem(time_limit=60.0), search_units=0.3)


def shuffled(problem: ScheduleProblem, seed: int) -> ScheduleProblem:
    rng = random.Random(seed)
    meetings = list(problem.meetings)
    rng.shuffle(meetings)
    event_slots = list(problem.slots)
    rng.shuffle(event_slots)
    return replace(problem, meetings=tuple(meetings), slots=tuple(event_slots))


# The checker itself must be able to fail.


def test_the_checker_rejects_a_party_in_two_places_at_once() -> None:
    problem = ScheduleProblem(
        slots=slots(1),
        meetings=(meeting("a", "inv", "st1"), meeting("b", "inv", "st2")),
        tables=2,
    )
    double_booked = Plan(
        placements=(Placement("a", Seat("s0", 1)), Placement("b", Seat("s0", 2))),
        coverage=0,
        score_sum=1.0,
    )
    with pytest.raises(AssertionError, match="twice in s0"):
        check_plan(problem, double_booked)


def test_the_checker_rejects_a_wrong_coverage_figure() -> None:
    problem = ScheduleProblem(slots=slots(1), meetings=(meeting("a", "inv", "st"),), tables=1)
    claimed = Plan(placements=(Placement("a", Seat("s0", 1)),), coverage=1, score_sum=0.5)
    with pytest.raises(AssertionError):
        check_plan(problem, claimed)  # k = 3: one meeting covers nothing


# Greedy.


def test_greedy_takes_meetings_by_score_to_their_earliest_free_slot() -> None:
    problem = ScheduleProblem(
        slots=slots(2),
        meetings=(
            meeting("d", "inv3", "st4", 0.6, ("s0", "s1")),
            meeting("c", "inv2", "st3", 0.7, ("s0",)),
            meeting("b", "inv1", "st2", 0.8, ("s0", "s1")),
            meeting("a", "inv1", "st1", 0.9, ("s1", "s0")),
        ),
        tables=2,
    )
    plan = greedy_plan(problem)
    check_plan(problem, plan)
    # a first (s0, table 1); b's investor is busy in s0, so s1; c fills s0; d finds s0 full.
    assert [(p.meeting_id, p.seat) for p in plan.placements] == [
        ("a", Seat("s0", 1)),
        ("c", Seat("s0", 2)),
        ("b", Seat("s1", 1)),
        ("d", Seat("s1", 2)),
    ]


def test_greedy_respects_the_investor_cap_and_breaks_ties_by_id() -> None:
    problem = ScheduleProblem(
        slots=slots(2),
        meetings=(
            meeting("y", "inv1", "st2", 0.8, ("s0", "s1")),
            meeting("x", "inv1", "st1", 0.8, ("s0", "s1")),
            meeting("z", "inv2", "st3", 0.5, ("s1",)),
        ),
        tables=1,
        investor_cap=1,
    )
    plan = greedy_plan(problem)
    check_plan(problem, plan)
    assert [(p.meeting_id, p.seat) for p in plan.placements] == [
        ("x", Seat("s0", 1)),
        ("z", Seat("s1", 1)),
    ]
    assert greedy_plan(shuffled(problem, 1)) == plan


# The solver on random instances, against greedy.


@pytest.mark.parametrize("seed", range(30))
def test_every_rule_holds_and_coverage_is_never_below_greedy(seed: int) -> None:
    problem = random_problem(seed)
    solution = solve(problem)
    check_solution(problem, solution)


@pytest.mark.parametrize("seed", range(30, 40))
def test_with_no_search_time_the_starting_plan_keeps_every_rule(seed: int) -> None:
    # No time: CP-SAT returns at most its hint, so this checks the starting plans themselves.
    problem = random_problem(seed, time_limit=0.0)
    check_solution(problem, solve(problem))


def test_the_solver_covers_a_request_greedy_by_score_misses() -> None:
    # Two seats. Greedy seats the best meeting (b1) first, then a1, and a2 finds no seat: no
    # request reaches k = 2. Giving both seats to request A covers it.
    problem = ScheduleProblem(
        slots=slots(2),
        meetings=(
            meeting("a1", "inv1", "stA", 0.9, ("s0", "s1"), request="A"),
            meeting("a2", "inv2", "stA", 0.8, ("s0", "s1"), request="A"),
            meeting("b1", "inv3", "stB", 0.95, ("s0", "s1"), request="B"),
            meeting("b2", "inv4", "stB", 0.3, (), request="B"),
        ),
        tables=1,
        coverage_k=2,
        time_limit_seconds=TIME_LIMIT,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert solution.greedy.coverage == 0
    assert solution.plan.coverage == 1 > solution.greedy.coverage
    assert solution.status == "optimal"
    assert {p.meeting_id for p in solution.plan.placements} == {"a1", "a2"}
    assert solution.requests_below_k == ("B",)
    assert [(left.meeting_id, left.reason) for left in solution.left_out] == [
        ("b1", LeftOutReason.TABLES_FULL),
        ("b2", LeftOutReason.NO_COMMON_SLOT),
    ]


def test_on_a_contested_instance_the_solver_beats_greedy_within_the_limit() -> None:
    problem = contested_problem(time_limit=1.0)
    solution = solve(problem)
    check_solution(problem, solution)
    assert solution.plan.coverage > solution.greedy.coverage, (
        solution.plan.coverage,
        solution.greedy.coverage,
    )


def test_with_no_time_at_all_the_answer_is_still_valid_and_at_least_greedy() -> None:
    problem = contested_problem(time_limit=0.0)
    solution = solve(problem)
    check_solution(problem, solution)
    assert solution.status == "feasible"
    assert solution.gap > 0.0


def test_an_event_with_nothing_to_place_gives_an_empty_schedule() -> None:
    no_meetings = ScheduleProblem(slots=slots(2), meetings=(), tables=2)
    solution = solve(no_meetings)
    check_solution(no_meetings, solution)
    assert solution.plan.placements == ()
    assert solution.status == "optimal"

    no_slots = ScheduleProblem(slots=(), meetings=(meeting("a", "inv", "st"),), tables=2)
    solution = solve(no_slots)
    check_solution(no_slots, solution)
    assert [left.reason for left in solution.left_out] == [LeftOutReason.NO_COMMON_SLOT]


# Determinism.


def test_the_same_input_gives_the_same_schedule() -> None:
    problem = reproducible_problem()
    first, second = solve(problem), solve(problem)
    assert same_schedule(first, second)


def test_input_order_does_not_change_the_schedule() -> None:
    problem = reproducible_problem()
    first = solve(problem)
    again = solve(shuffled(problem, seed=3))
    assert same_schedule(first, again)
    small = random_problem(11)
    assert same_schedule(solve(small), solve(shuffled(small, seed=4)))


def test_the_hash_seed_of_the_process_does_not_change_the_schedule() -> None:
    # Meeting slots are frozensets of strings, whose iteration order follows PYTHONHASHSEED.
    script = textwrap.dedent(
        """
        import hashlib
        from tests.conference.test_solver import reproducible_problem
        from service.conference.solver import solve
        solution = solve(reproducible_problem())
        print(hashlib.sha256(repr((solution.plan, solution.left_out)).encode()).hexdigest())
        """
    )
    digests = set()
    for hash_seed in ("1", "2"):
        completed = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=REPOSITORY,
        )
        assert completed.returncode == 0, completed.stderr
        digests.add(completed.stdout.strip())
    local = solve(reproducible_problem())
    digests.add(hashlib.sha256(repr((local.plan, local.left_out)).encode()).hexdigest())
    assert len(digests) == 1, digests


# Why a meeting is left out: each reason.


def reasons(solution: ScheduleSolution) -> dict[str, LeftOutReason]:
    return {left.meeting_id: left.reason for left in solution.left_out}


def test_left_out_no_common_slot() -> None:
    problem = ScheduleProblem(
        slots=slots(2),
        meetings=(
            meeting("a", "inv1", "st1", slot_ids=()),
            meeting("b", "inv2", "st2", slot_ids=("elsewhere",)),
            meeting("c", "inv3", "st3"),
        ),
        tables=3,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert reasons(solution) == {
        "a": LeftOutReason.NO_COMMON_SLOT,
        "b": LeftOutReason.NO_COMMON_SLOT,
    }


def test_left_out_cap_reached() -> None:
    problem = ScheduleProblem(
        slots=slots(2),
        meetings=(
            meeting("a", "inv1", "st1", 0.9, ("s0", "s1")),
            meeting("b", "inv1", "st2", 0.5, ("s0", "s1")),
        ),
        tables=2,
        investor_cap=1,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert reasons(solution) == {"b": LeftOutReason.CAP_REACHED}


def test_left_out_tables_full() -> None:
    problem = ScheduleProblem(
        slots=slots(1),
        meetings=(meeting("a", "inv1", "st1", 0.9), meeting("b", "inv2", "st2", 0.5)),
        tables=1,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert reasons(solution) == {"b": LeftOutReason.TABLES_FULL}


def test_left_out_party_busy() -> None:
    problem = ScheduleProblem(
        slots=slots(1),
        meetings=(meeting("a", "inv1", "st1", 0.9), meeting("b", "inv2", "st1", 0.5)),
        tables=2,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert reasons(solution) == {"b": LeftOutReason.PARTY_BUSY}


# Stability: re-solving after a change keeps people where they were.


def slack_problem() -> ScheduleProblem:
    """Every meeting fits, in many ways: nothing forces anyone to move.

    Eight investors and eight startups, each in three meetings, each free in five of six slots,
    with tables for all.
    """
    rng = random.Random(5)
    event_slots = slots(6)
    names = [f"inv{n}" for n in range(8)] + [f"st{n}" for n in range(8)]
    available = {name: frozenset(rng.sample([s.id for s in event_slots], 5)) for name in names}
    specs = tuple(
        meeting(
            f"m{investor}-{(investor + shift) % 8}",
            f"inv{investor}",
            f"st{(investor + shift) % 8}",
            score=round(rng.random(), 3),
            slot_ids=tuple(available[f"inv{investor}"] & available[f"st{(investor + shift) % 8}"]),
        )
        for investor in range(8)
        for shift in range(3)
    )
    return ScheduleProblem(
        slots=event_slots, meetings=specs, tables=6, coverage_k=2, time_limit_seconds=TIME_LIMIT
    )


def test_cancelling_one_meeting_moves_no_one_else() -> None:
    problem = slack_problem()
    first = solve(problem)
    check_solution(problem, first)
    assert len(first.plan.placements) == len(problem.meetings), "the instance is not slack"
    cancelled = first.plan.placements[len(first.plan.placements) // 2].meeting_id
    earlier = {p.meeting_id: p.seat for p in first.plan.placements}
    remaining = tuple(m for m in problem.meetings if m.id != cancelled)

    revised_problem = replace(problem, meetings=remaining, previous=earlier)
    revised = solve(revised_problem)
    check_solution(revised_problem, revised)
    fresh = solve(replace(problem, meetings=remaining))
    fresh_seats = {p.meeting_id: p.seat for p in fresh.plan.placements}
    moved_without_previous = sum(1 for m in remaining if fresh_seats.get(m.id) != earlier[m.id])
    message = (
        f"moved with previous: {revised.moved}, "
        f"moved when re-solved without previous: {moved_without_previous}"
    )
    assert revised.moved == 0, message
    assert revised.kept == len(remaining), message
    assert revised.moved <= moved_without_previous, message


def test_a_party_no_longer_free_in_a_slot_moves_only_its_meeting_there() -> None:
    """An investor says it is no longer free in the slot of one of its meetings: that meeting
    moves, every other meeting keeps its slot and table."""
    problem = slack_problem()
    first = solve(problem)
    check_solution(problem, first)
    assert len(first.plan.placements) == len(problem.meetings), "the instance is not slack"
    earlier = {p.meeting_id: p.seat for p in first.plan.placements}
    by_id = {m.id: m for m in problem.meetings}
    affected = first.plan.placements[0]
    party = by_id[affected.meeting_id].investor_party
    gone = affected.seat.slot_id
    changed = tuple(
        replace(m, slots=m.slots - {gone}) if m.investor_party == party else m
        for m in problem.meetings
    )
    revised_problem = replace(problem, meetings=changed, previous=earlier)
    revised = solve(revised_problem)
    check_solution(revised_problem, revised)
    seats = {p.meeting_id: p.seat for p in revised.plan.placements}
    moved = sorted(m for m in earlier if seats.get(m) != earlier[m])
    assert moved == [affected.meeting_id]
    assert seats[affected.meeting_id].slot_id != gone
    assert (revised.kept, revised.moved) == (len(problem.meetings) - 1, 1)


def test_keeping_a_seat_outranks_score() -> None:
    # "old" sat in s0; "new" scores higher but needs the only table in s0 (and old has no other
    # slot). k = 5 makes coverage impossible, so only stability and score are at stake.
    problem = ScheduleProblem(
        slots=slots(1),
        meetings=(meeting("old", "inv1", "st1", 0.1), meeting("new", "inv2", "st2", 0.9)),
        tables=1,
        coverage_k=5,
        previous={"old": Seat("s0", 1)},
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert [p.meeting_id for p in solution.plan.placements] == ["old"]
    assert (solution.kept, solution.moved) == (1, 0)


def test_coverage_outranks_keeping_a_seat() -> None:
    # "p" sat in s0; "q" can only meet in s0. Moving p to s1 lets both requests be covered.
    problem = ScheduleProblem(
        slots=slots(2),
        meetings=(
            meeting("p", "inv1", "st1", 0.5, ("s0", "s1"), request="R1"),
            meeting("q", "inv2", "st2", 0.5, ("s0",), request="R2"),
        ),
        tables=1,
        coverage_k=1,
        previous={"p": Seat("s0", 1)},
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert solution.plan.coverage == 2
    assert (solution.kept, solution.moved) == (0, 1)


def test_asked_to_keep_seats_a_revision_keeps_them_before_coverage() -> None:
    # The instance above, with the commission asking to keep seats: p stays in s0 and q, which
    # can only meet in s0, is left out (one request covered instead of two).
    problem = ScheduleProblem(
        slots=slots(2),
        meetings=(
            meeting("p", "inv1", "st1", 0.5, ("s0", "s1"), request="R1"),
            meeting("q", "inv2", "st2", 0.5, ("s0",), request="R2"),
        ),
        tables=1,
        coverage_k=1,
        previous={"p": Seat("s0", 1)},
        keep_seats=True,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert [(p.meeting_id, p.seat) for p in solution.plan.placements] == [("p", Seat("s0", 1))]
    assert (solution.kept, solution.moved) == (1, 0)
    assert solution.plan.coverage == 1
    assert [left.meeting_id for left in solution.left_out] == ["q"]


def test_keeping_seats_still_fills_the_freed_seats_for_coverage() -> None:
    # p kept in s0; r was called off, freeing s1, where q (R2) and s (R3, already covered by t)
    # could go: the freed seat goes to q, which covers another request.
    problem = ScheduleProblem(
        slots=slots(3),
        meetings=(
            meeting("p", "inv1", "st1", 0.5, ("s0",), request="R1"),
            meeting("q", "inv2", "st2", 0.1, ("s1",), request="R2"),
            meeting("s", "inv3", "st3", 0.9, ("s1",), request="R3"),
            meeting("t", "inv4", "st4", 0.5, ("s2",), request="R3"),
        ),
        tables=1,
        coverage_k=1,
        previous={"p": Seat("s0", 1), "r": Seat("s1", 1), "t": Seat("s2", 1)},
        keep_seats=True,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    seats = {p.meeting_id: p.seat.slot_id for p in solution.plan.placements}
    assert seats == {"p": "s0", "q": "s1", "t": "s2"}
    assert (solution.kept, solution.moved) == (2, 0)
    assert solution.plan.coverage == 3


def test_keeping_seats_on_random_revisions_moves_only_what_cannot_stay() -> None:
    """Random instances revised after a cancellation and a party's lost slot: asked to keep
    seats, a meeting moves only if its earlier slot is no longer common to its parties."""
    for seed in range(12):
        problem = random_problem(seed)
        first = solve(problem)
        earlier = {p.meeting_id: p.seat for p in first.plan.placements}
        if len(earlier) < 2:
            continue
        rng = random.Random(seed)
        cancelled = rng.choice(sorted(earlier))
        lost = first.plan.placements[-1]
        by_id = {m.id: m for m in problem.meetings}
        party = by_id[lost.meeting_id].startup_party
        meetings = tuple(
            replace(m, slots=m.slots - {lost.seat.slot_id}) if m.startup_party == party else m
            for m in problem.meetings
            if m.id != cancelled
        )
        revised_problem = replace(problem, meetings=meetings, previous=earlier, keep_seats=True)
        revised = solve(revised_problem)
        check_solution(revised_problem, revised)
        seats = {p.meeting_id: p.seat for p in revised.plan.placements}
        for meeting_spec in meetings:
            before = earlier.get(meeting_spec.id)
            if before is not None and before.slot_id in meeting_spec.slots:
                assert seats.get(meeting_spec.id) == before, (seed, meeting_spec.id)


def test_a_kept_meeting_keeps_its_table_and_a_cancelled_one_counts_nowhere() -> None:
    problem = ScheduleProblem(
        slots=slots(1),
        meetings=(meeting("a", "inv1", "st1"), meeting("b", "inv2", "st2")),
        tables=3,
        previous={"b": Seat("s0", 3), "gone": Seat("s0", 1)},
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert [(p.meeting_id, p.seat) for p in solution.plan.placements] == [
        ("a", Seat("s0", 1)),
        ("b", Seat("s0", 3)),
    ]
    assert (solution.kept, solution.moved) == (1, 0)


def test_the_solver_stops_on_work_done_within_the_time_limit() -> None:
    # A wall-clock stop would make the schedule depend on the machine's load; the tests above
    # cannot catch that reliably (a short run on an idle machine often stops at the same point),
    # so the configuration itself is pinned here: the work budget, at the slowest rate measured
    # on the benchmark (3 s of wall clock per unit), ends before the promised limit, and the
    # wall clock stops the search at the limit only on a machine slower than that.
    slowest_seconds_per_unit = 3.0
    solver = cp_model.CpSolver()
    _solver_parameters(solver, 60.0, slot_variables=100)
    parameters = solver.parameters
    assert parameters.max_deterministic_time == pytest.approx(60.0 * DETERMINISTIC_UNITS_PER_SECOND)
    assert parameters.max_time_in_seconds == pytest.approx(60.0)
    assert parameters.max_deterministic_time * slowest_seconds_per_unit <= 60.0
    assert parameters.num_workers == 1
    assert parameters.interleave_search
    assert parameters.random_seed == RANDOM_SEED


def test_meetings_moved_without_need_go_back_to_their_earlier_slot() -> None:
    # A search stopped by its budget may return a plan that moved meetings it need not have;
    # the pass after it moves each back where its earlier slot has a table and both parties
    # are free there, and leaves the others.
    every = ("s0", "s1", "s2", "s3")
    problem = ScheduleProblem(
        slots=slots(4),
        meetings=(
            meeting("a", "inv-a", "st-a", slot_ids=every),
            meeting("b", "inv-b", "st-b", slot_ids=every),
            meeting("c", "inv-c", "st-c", slot_ids=every),
            meeting("d", "inv-a", "st-d", slot_ids=every),
        ),
        tables=1,
        previous={"a": Seat("s0", 1), "b": Seat("s1", 1), "c": Seat("s1", 1), "d": Seat("s0", 1)},
    )
    restored = _restore_earlier_slots(
        problem,
        sorted(problem.meetings, key=lambda m: m.id),
        {m.id: sorted(m.slots) for m in problem.meetings},
        {"a": "s2", "b": "s1", "c": "s3"},
    )
    # a goes back to s0 (free); b never moved; c's earlier slot holds b's meeting now.
    assert restored == {"a": "s0", "b": "s1", "c": "s3"}
    # With a table free in s0 but inv-a busy there (d sits in it), a stays where it is.
    crowded = replace(problem, tables=2)
    assert _restore_earlier_slots(
        crowded,
        sorted(crowded.meetings, key=lambda m: m.id),
        {m.id: sorted(m.slots) for m in crowded.meetings},
        {"a": "s2", "d": "s0"},
    ) == {"a": "s2", "d": "s0"}


def test_an_investor_keeps_one_table_through_the_day() -> None:
    """Startups come to the investors' tables: each investor's meetings share a table, and
    two investors do not share one, while there are tables enough."""
    every_slot = ("s0", "s1", "s2")
    problem = ScheduleProblem(
        slots=slots(3),
        meetings=(
            *(meeting(f"inv2-{startup}", "inv2", startup, 0.5, every_slot) for startup in "abc"),
            # inv1 is free only in the last slot: the lowest table there is not inv2's.
            meeting("inv1-d", "inv1", "d", 0.5, ("s2",)),
        ),
        tables=3,
        time_limit_seconds=TIME_LIMIT,
    )
    solution = solve(problem)
    check_solution(problem, solution)
    assert len(solution.plan.placements) == 4
    tables: dict[str, set[int]] = {}
    for placement in solution.plan.placements:
        investor = placement.meeting_id.split("-")[0]
        tables.setdefault(investor, set()).add(placement.seat.table)
    assert tables == {"inv1": {1}, "inv2": {2}}
