"""The conference scheduler on a synthetic event: python -m bench.schedule [--time-limit 60].

A seeded instance the size of a large investment-promotion conference: 500 requests from about
400 startups (some bring several requests), 300 investor parties, 2 days × 16 slots, 40 tables,
about 6,000 accepted meetings, an investor cap of 24 meetings and coverage at k = 3. Investors'
popularity is skewed (a few are asked by very many requests), so the seats the popular investors
can give are contested and coverage is the point: 40 tables × 32 slots is 1,280 seats for 6,000
meetings, so most meetings cannot be placed whatever the schedule.

Prints the instance, then the solver against the greedy baseline (and against the coverage-first
heuristic it starts from): meetings placed, requests covered, score sums, the solver's status,
gap and wall seconds. ``--revise N`` then cancels N placed meetings and re-solves with the first
schedule as ``previous`` (how many meetings keep their seats), with coverage first and asked to
keep seats. ``--check-determinism`` solves a
second time (with the input shuffled) and says whether the schedule is identical. Writes nothing.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from service.conference.greedy import coverage_first_slots, plan_from_seats
from service.conference.problem import (
    MeetingSpec,
    Plan,
    ScheduleProblem,
    ScheduleSolution,
    Seat,
    SlotSpec,
)
from service.conference.solver import solve

SEED = 20_241_120
DAYS = 2
SLOTS_PER_DAY = 16
TABLES = 40
STARTUPS = 400
REQUESTS = 500
INVESTORS = 300
MEETINGS = 6_000
INVESTOR_CAP = 24
COVERAGE_K = 3
# Investor i (0-based) is asked in proportion to 1 / (i + 1) ** POPULARITY_SKEW.
POPULARITY_SKEW = 0.8
AVAILABILITY = (0.6, 0.9)


def synthetic_problem(time_limit_seconds: float, seed: int = SEED) -> ScheduleProblem:
    rng = random.Random(seed)
    slots = tuple(
        SlotSpec(id=f"d{day + 1}-s{slot + 1:02d}", position=day * SLOTS_PER_DAY + slot)
        for day in range(DAYS)
        for slot in range(SLOTS_PER_DAY)
    )
    slot_ids = [slot.id for slot in slots]

    def availability() -> frozenset[str]:
        share = rng.uniform(*AVAILABILITY)
        return frozenset(rng.sample(slot_ids, round(share * len(slot_ids))))

    investors = [f"investor-{n:03d}" for n in range(INVESTORS)]
    startups = [f"startup-{n:03d}" for n in range(STARTUPS)]
    investor_slots = {investor: availability() for investor in investors}
    startup_slots = {startup: availability() for startup in startups}
    popularity = [1 / (rank + 1) ** POPULARITY_SKEW for rank in range(INVESTORS)]

    # Every startup has one request; the other 100 go to startups drawn at random, so some
    # startups bring two or three.
    owners = startups + [rng.choice(startups) for _ in range(REQUESTS - STARTUPS)]
    # Meetings per request vary (a long tail of well-connected requests) and sum to MEETINGS.
    wanted = [rng.lognormvariate(0, 0.5) for _ in range(REQUESTS)]
    scale = MEETINGS / sum(wanted)
    counts = [max(1, min(INVESTORS // 4, round(w * scale))) for w in wanted]

    meetings: list[MeetingSpec] = []
    for number, (owner, count) in enumerate(zip(owners, counts, strict=True)):
        request_id = f"request-{number:03d}"
        chosen: set[str] = set()
        while len(chosen) < count:
            chosen.add(rng.choices(investors, weights=popularity)[0])
        for investor in sorted(chosen):
            # Popular investors tend to be the better matches, which is why they are asked.
            rank = investors.index(investor)
            score = min(1.0, max(0.0, 0.5 * popularity[rank] + 0.5 * rng.random()))
            meetings.append(
                MeetingSpec(
                    id=f"meeting-{len(meetings):05d}",
                    request_id=request_id,
                    investor_party=investor,
                    startup_party=owner,
                    score=round(score, 4),
                    slots=investor_slots[investor] & startup_slots[owner],
                )
            )
    return ScheduleProblem(
        slots=slots,
        meetings=tuple(meetings),
        tables=TABLES,
        investor_cap=INVESTOR_CAP,
        coverage_k=COVERAGE_K,
        time_limit_seconds=time_limit_seconds,
    )


def start_plan(problem: ScheduleProblem) -> Plan:
    """The coverage-first heuristic the solver starts from (when it beats greedy), on its own."""
    seated: Counter[str] = Counter()
    seats: dict[str, Seat] = {}
    for meeting_id, slot_id in sorted(coverage_first_slots(problem, keep_previous=False).items()):
        seated[slot_id] += 1
        seats[meeting_id] = Seat(slot_id, seated[slot_id])
    return plan_from_seats(problem, seats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (deterministic)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check-determinism", action="store_true")
    parser.add_argument(
        "--revise",
        type=int,
        default=0,
        metavar="N",
        help="then cancel N placed meetings and re-solve with the first schedule as previous",
    )
    args = parser.parse_args()

    built = time.perf_counter()
    problem = synthetic_problem(args.time_limit, args.seed)
    built_seconds = time.perf_counter() - built
    requests = {meeting.request_id for meeting in problem.meetings}
    startups = {meeting.startup_party for meeting in problem.meetings}
    investors = {meeting.investor_party for meeting in problem.meetings}
    mean_common = sum(len(m.slots) for m in problem.meetings) / len(problem.meetings)
    print(
        f"instance: {len(problem.meetings):,} meetings, {len(requests)} requests from "
        f"{len(startups)} startups, {len(investors)} investor parties, {len(problem.slots)} slots "
        f"× {problem.tables} tables = {len(problem.slots) * problem.tables:,} seats, cap "
        f"{problem.investor_cap}, k = {problem.coverage_k}, {mean_common:.1f} common slots per "
        f"meeting on average (built in {built_seconds:.2f} s)"
    )

    solution = solve(problem)
    plans = {
        "solver": solution.plan,
        "greedy": solution.greedy,
        "cov.-first": start_plan(problem),
    }
    print(f"{'':26}" + "".join(f"{name:>12}" for name in plans))
    rows: dict[str, Callable[[Plan], str]] = {
        "meetings placed": lambda plan: f"{len(plan.placements):,}",
        f"requests covered (k = {problem.coverage_k})": lambda plan: f"{plan.coverage}",
        "score sum": lambda plan: f"{plan.score_sum:.2f}",
    }
    for label, figure in rows.items():
        print(f"{label:26}" + "".join(f"{figure(plan):>12}" for plan in plans.values()))
    reasons: dict[str, int] = {}
    for left in solution.left_out:
        reasons[left.reason.value] = reasons.get(left.reason.value, 0) + 1
    print(
        f"status {solution.status}, gap {solution.gap:.2e}, wall {solution.wall_seconds:.1f} s; "
        f"requests below k: {len(solution.requests_below_k)}; left out by reason: {reasons}"
    )

    if args.check_determinism:
        shuffled = list(problem.meetings)
        random.Random(args.seed + 1).shuffle(shuffled)
        again = solve(replace(problem, meetings=tuple(shuffled), slots=problem.slots[::-1]))
        identical = again.plan == solution.plan and again.left_out == solution.left_out
        print(
            f"second solve (input shuffled): identical schedule: {identical}, "
            f"wall {again.wall_seconds:.1f} s"
        )

    if args.revise:
        revise(problem, solution, args.revise, args.seed)


def revise(problem: ScheduleProblem, first: ScheduleSolution, cancel: int, seed: int) -> None:
    """Cancel some placed meetings and re-solve with the first schedule as ``previous``: once
    with coverage first (the default), once asked to keep seats."""
    placed = [placement.meeting_id for placement in first.plan.placements]
    cancelled = set(random.Random(seed + 2).sample(placed, cancel))
    remaining = tuple(m for m in problem.meetings if m.id not in cancelled)
    earlier = {placement.meeting_id: placement.seat for placement in first.plan.placements}
    for keep_seats in (False, True):
        revised = solve(
            replace(problem, meetings=remaining, previous=earlier, keep_seats=keep_seats)
        )
        print(
            f"revised after cancelling {cancel} meetings"
            f"{', keeping seats' if keep_seats else ''}: kept {revised.kept}, moved "
            f"{revised.moved} (of {len(placed) - cancel} still-placed meetings), coverage "
            f"{revised.plan.coverage}, placed {len(revised.plan.placements):,}, status "
            f"{revised.status}, wall {revised.wall_seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
