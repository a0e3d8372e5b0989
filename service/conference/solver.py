"""The meeting schedule solved with CP-SAT: coverage first, then stability, then score (or, on
a revision that asks to keep seats, stability first, then coverage, then score).

One Boolean per (meeting, common slot), and one per meeting for "placed at all" (their sum),
which carries everything that does not depend on the slot. The objective is a single weighted
sum whose weights make it lexicographic: one more covered request is worth more than any amount
of stability and score together, and one more meeting kept in its earlier slot is worth more
than any score total. Tables are not in the model (every table in a slot is alike); they are
numbered after solving.

Determinism: the same problem gives the same schedule, in any input order and on a loaded
machine. See :func:`_solver_parameters` for how CP-SAT is configured for that.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from service.conference.greedy import (
    common_slots,
    coverage_first_slots,
    greedy_plan,
    party_keys,
    placed_per_request,
    plan_from_seats,
    slot_positions,
)
from service.conference.problem import (
    LeftOut,
    LeftOutReason,
    MeetingSpec,
    ScheduleProblem,
    ScheduleSolution,
    Seat,
    SolveStatus,
)

logger = logging.getLogger("matchmaker.conference")

# Scores in [0, 1] become integers in [0, 1000]: three decimals is finer than any score means.
SCORE_SCALE = 1000
# Any fixed value; changing it may change which of several equally good schedules comes back.
RANDOM_SEED = 20_240_917
# The search is limited in CP-SAT's deterministic time (a count of work; see _solver_parameters).
# On the benchmark instance (docs/performance.md) one unit took 2.3 to 3 s of wall clock on this
# 2-core VM: the neighbourhood search does work its deterministic clock does not count. So a
# limit of 60 s buys 18 units, which ends at 41 to 54 s here, inside the limit.
DETERMINISTIC_UNITS_PER_SECOND = 0.3
# The time limit is a promise to the commission: the wall clock stops the search at the limit
# whatever the deterministic budget. On a machine busy enough for that to fire first, the
# schedule may differ from run to run (a warning is logged); otherwise it does not.
WALL_CLOCK_BACKSTOP_FACTOR = 1.0
WALL_CLOCK_BACKSTOP_SECONDS = 0.0
# Models with more (meeting, slot) variables than this run without CP-SAT's LP-based full
# subsolvers; see _solver_parameters.
LARGE_MODEL_VARIABLES = 10_000
# What the wall clock leaves the search: the limit less what building the model took and a
# margin for numbering tables and explaining what was left out afterwards (under a second on
# the benchmark), but never less than this.
FINISHING_SECONDS = 1.0
MIN_SEARCH_SECONDS = 0.5
LARGE_MODEL_SUBSOLVERS = ("core", "no_lp")
# CP-SAT computes in int64; stay well clear of it.
MAX_OBJECTIVE = 2**62


@dataclass(frozen=True, slots=True)
class _Weights:
    coverage: int
    stability: int


@dataclass(frozen=True, slots=True)
class _Objective:
    """The three objective terms of a plan, compared lexicographically as a tuple."""

    coverage: int
    stable: int
    score_units: int

    def as_tuple(self, *, keep_seats: bool = False) -> tuple[int, int, int]:
        """The terms in the order they count: coverage first, or kept seats first when the
        commission asked to keep them."""
        if keep_seats:
            return (self.stable, self.coverage, self.score_units)
        return (self.coverage, self.stable, self.score_units)

    def weighted(self, weights: _Weights) -> int:
        return weights.coverage * self.coverage + weights.stability * self.stable + self.score_units


def score_units(meeting: MeetingSpec) -> int:
    return round(meeting.score * SCORE_SCALE)


def solve(problem: ScheduleProblem) -> ScheduleSolution:
    started = time.perf_counter()
    greedy = greedy_plan(problem)
    positions = slot_positions(problem)
    # Sorted inputs make the model, and so CP-SAT's search, independent of the input order.
    meetings = sorted(problem.meetings, key=lambda meeting: meeting.id)
    slots_of = {meeting.id: common_slots(meeting, positions) for meeting in meetings}
    greedy_slots = {p.meeting_id: p.seat.slot_id for p in greedy.placements}
    if any(slots_of.values()):
        outcome = _solve_model(problem, meetings, slots_of, greedy_slots, started)
    else:
        # Nothing can be placed: the empty schedule is the only one.
        outcome = _Outcome(slot_of={}, status="optimal", gap=0.0)

    slot_of = _restore_earlier_slots(problem, meetings, slots_of, outcome.slot_of)
    seats = _assign_tables(problem, slot_of)
    counts = placed_per_request(problem.meetings, seats)
    # A previous meeting no longer in the problem (cancelled) counts in neither figure.
    still_there = [m.id for m in meetings if m.id in problem.previous]
    kept = sum(1 for m_id in still_there if seats.get(m_id) == problem.previous[m_id])
    return ScheduleSolution(
        status=outcome.status,
        plan=plan_from_seats(problem, seats),
        left_out=_left_out(problem, meetings, slots_of, seats),
        gap=outcome.gap,
        greedy=greedy,
        kept=kept,
        moved=len(still_there) - kept,
        requests_below_k=tuple(
            sorted(request for request, count in counts.items() if count < problem.coverage_k)
        ),
        wall_seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True, slots=True)
class _Outcome:
    slot_of: dict[str, str]
    status: SolveStatus
    gap: float


def _solve_model(
    problem: ScheduleProblem,
    meetings: Sequence[MeetingSpec],
    slots_of: Mapping[str, Sequence[str]],
    greedy_slots: dict[str, str],
    started: float,
) -> _Outcome:
    """Each placed meeting's slot, from CP-SAT or, when it does no better, its starting plan.
    ``started`` is when the solve began: building the model counts against the time limit."""
    stable_slot = _stable_slots(problem, slots_of)
    weights = _weights(meetings, slots_of, stable_slot, keep_seats=problem.keep_seats)
    keep_seats = problem.keep_seats and bool(stable_slot)

    def objective_of(slot_of: Mapping[str, str]) -> _Objective:
        return _objective(problem, meetings, slot_of, stable_slot)

    # The search starts from the best of three feasible plans: greedy by score, a coverage-first
    # heuristic, and (when revising) that heuristic after putting everyone back in their
    # earlier slots. On the benchmark the coverage-first start covers about twice as many
    # requests as greedy; CP-SAT's neighbourhood search then improves on it.
    starts = [greedy_slots, coverage_first_slots(problem, keep_previous=False)]
    if problem.previous:
        starts.append(coverage_first_slots(problem, keep_previous=True))
    start_slots = max(
        starts, key=lambda slot_of: objective_of(slot_of).as_tuple(keep_seats=keep_seats)
    )
    start_objective = objective_of(start_slots)

    built = _build_model(problem, meetings, slots_of, stable_slot, weights)
    _add_hint(problem, built, start_slots)

    solver = cp_model.CpSolver()
    slot_variables = sum(len(options) for options in built.choices.values())
    elapsed = time.perf_counter() - started
    _solver_parameters(
        solver,
        problem.time_limit_seconds,
        slot_variables,
        search_units=problem.search_units,
        wall_seconds=max(
            MIN_SEARCH_SECONDS,
            problem.time_limit_seconds - elapsed - FINISHING_SECONDS,
        ),
    )
    result = solver.solve(built.model)
    if result in (cp_model.MODEL_INVALID, cp_model.INFEASIBLE):
        # Placing nothing is always feasible, so either means the model was built wrong.
        raise RuntimeError(f"CP-SAT rejected the schedule model: {solver.status_name(result)}")
    _warn_if_wall_clock_stopped(solver)

    if result in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solver_slots = {
            meeting_id: slot_id
            for meeting_id, options in built.choices.items()
            for slot_id, variable in options
            if solver.boolean_value(variable)
        }
        solver_objective = objective_of(solver_slots)
        # The starting plan (greedy's or better) stays unless the solver's is at least as good
        # on the whole objective: coverage, then stability, then score. Comparing on coverage and
        # score alone would throw away a re-solve that keeps everyone's seats at a small cost in
        # score. Either way coverage never falls below greedy's.
        if solver_objective.as_tuple(keep_seats=keep_seats) >= start_objective.as_tuple(
            keep_seats=keep_seats
        ):
            status: SolveStatus = "optimal" if result == cp_model.OPTIMAL else "feasible"
            gap = 0.0 if status == "optimal" else _gap(solver, solver_objective, weights, built)
            return _Outcome(solver_slots, status, gap)
    return _Outcome(start_slots, "feasible", _gap(solver, start_objective, weights, built))


def _gap(
    solver: cp_model.CpSolver, chosen: _Objective, weights: _Weights, built: _ScheduleModel
) -> float:
    """(bound - objective) / max(1, |objective|) of the returned plan against CP-SAT's bound."""
    objective = chosen.weighted(weights)
    bound = solver.best_objective_bound
    if not math.isfinite(bound) or bound < objective:
        # CP-SAT stopped before it had any bound (it reports a meaningless 0 then).
        bound = float(_upper_bound(weights, built))
    return max(0.0, bound - objective) / max(1, abs(objective))


def _solver_parameters(
    solver: cp_model.CpSolver,
    time_limit_seconds: float,
    slot_variables: int,
    wall_seconds: float | None = None,
    search_units: float | None = None,
) -> None:
    """Configure CP-SAT so that the same model always gives the same schedule.

    Sources: ``ortools/sat/sat_parameters.proto`` (9.15; the ``sat_parameters_pb2.pyi`` in the
    wheel carries the same comments), ``cp_model_solver.cc`` (which loop runs the subsolvers),
    google/or-tools issue #4195 (the maintainer on time limits) and the closed determinism bugs
    #3948 (one worker) and #4458 (interleaved); and runs of the benchmark, twice each.

    * Stopping point. A wall-clock limit stops the search wherever the machine has got to, so a
      busy machine returns a different schedule ("with time limit, you can never be truly
      deterministic", the maintainer in #4195). ``max_deterministic_time`` counts work instead,
      so the search stops at the same point every run. ``time_limit_seconds`` becomes
      ``DETERMINISTIC_UNITS_PER_SECOND`` units of it per second (measured on the benchmark, see
      the constant) unless the problem sets ``search_units``; the wall clock stops the search
      at ``wall_seconds`` (what is left of the limit once the model is built; the limit itself
      by default), and if it ever fires a warning says the result may vary.
    * Threads. With ``num_workers > 1`` and no ``interleave_search`` the subsolvers share
      solutions and bounds as they find them, so the result depends on thread timing.
      ``interleave_search`` ("the search is deterministic", marked experimental) runs them in
      batches synchronised in a fixed order. It is deterministic for a given worker count, but
      the schedule measured with 2 workers differed from the one with 1, so the count is fixed
      here: one worker, which leaves the second of this machine's two shared cores to the web
      workers. Interleaved with one worker, CP-SAT still runs its portfolio (full search, large
      neighbourhood search from the hint, feasibility jump) one task at a time; without
      ``interleave_search`` one worker runs a single full search, which on the benchmark never
      got past following the hint.
    * Randomness: a fixed ``random_seed``.
    * Portfolio. Above ``LARGE_MODEL_VARIABLES`` the LP-based full subsolvers spend their first
      task (following the hint, with an LP at every step) on most of the budget (13 to 22 units
      measured) and find nothing; there only ``core`` and ``no_lp`` run beside the neighbourhood
      search, which is what improves large schedules. Below it, CP-SAT's full portfolio proves small
      schedules optimal in a fraction of a second. The choice depends on the problem only, so it
      is as deterministic as the rest.
    """
    parameters = solver.parameters
    parameters.num_workers = 1
    parameters.interleave_search = True
    parameters.random_seed = RANDOM_SEED
    parameters.max_deterministic_time = (
        max(0.0, time_limit_seconds) * DETERMINISTIC_UNITS_PER_SECOND
        if search_units is None
        else max(0.0, search_units)
    )
    parameters.max_time_in_seconds = (
        wall_seconds
        if wall_seconds is not None
        else WALL_CLOCK_BACKSTOP_FACTOR * max(0.0, time_limit_seconds) + WALL_CLOCK_BACKSTOP_SECONDS
    )
    if slot_variables > LARGE_MODEL_VARIABLES:
        parameters.subsolvers.extend(LARGE_MODEL_SUBSOLVERS)


def _warn_if_wall_clock_stopped(solver: cp_model.CpSolver) -> None:
    parameters = solver.parameters
    if solver.wall_time >= parameters.max_time_in_seconds * 0.99 and (
        solver.deterministic_time < parameters.max_deterministic_time * 0.99
    ):
        logger.warning(
            "The schedule solve hit its wall-clock backstop (%.1f s) after %.1f of %.1f units of "
            "deterministic time: the machine is slow or busy, and the result may differ from run "
            "to run.",
            parameters.max_time_in_seconds,
            solver.deterministic_time,
            parameters.max_deterministic_time,
        )


def _stable_slots(
    problem: ScheduleProblem, slots_of: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """For each meeting whose earlier seat is still possible, that seat's slot."""
    return {
        meeting_id: seat.slot_id
        for meeting_id, seat in problem.previous.items()
        if meeting_id in slots_of and seat.slot_id in slots_of[meeting_id]
    }


def _weights(
    meetings: Sequence[MeetingSpec],
    slots_of: Mapping[str, Sequence[str]],
    stable_slot: Mapping[str, str],
    *,
    keep_seats: bool = False,
) -> _Weights:
    """Weights that make the single weighted objective lexicographic.

    One kept meeting outweighs the largest possible score total; one covered request outweighs
    the largest possible stability and score totals together. With ``keep_seats`` the first
    two swap: one kept meeting outweighs every covered request and the score together.
    """
    max_score_total = sum(abs(score_units(m)) for m in meetings if slots_of[m.id])
    requests = len({meeting.request_id for meeting in meetings})
    if keep_seats and stable_slot:
        coverage = max_score_total + 1
        stability = coverage * requests + max_score_total + 1
    else:
        stability = max_score_total + 1
        coverage = stability * len(stable_slot) + max_score_total + 1
    weights = _Weights(coverage=coverage, stability=stability)
    if coverage * requests + stability * len(stable_slot) + max_score_total >= MAX_OBJECTIVE:
        raise ValueError("The schedule problem is too large for an int64 objective.")
    return weights


def _objective(
    problem: ScheduleProblem,
    meetings: Sequence[MeetingSpec],
    slot_of: Mapping[str, str],
    stable_slot: Mapping[str, str],
) -> _Objective:
    counts = placed_per_request(meetings, slot_of)
    return _Objective(
        coverage=sum(1 for count in counts.values() if count >= problem.coverage_k),
        stable=sum(1 for m_id, slot_id in stable_slot.items() if slot_of.get(m_id) == slot_id),
        score_units=sum(score_units(m) for m in meetings if m.id in slot_of),
    )


@dataclass(frozen=True, slots=True)
class _ScheduleModel:
    model: cp_model.CpModel
    # Per meeting with at least one common slot: (slot id, "meets in this slot") by slot order.
    choices: dict[str, list[tuple[str, cp_model.IntVar]]]
    # Per such meeting: "is placed at all", the sum of its choices.
    placed: dict[str, cp_model.IntVar]
    # Per request that can be covered: "has at least k placed meetings".
    covered: dict[str, cp_model.IntVar]
    # Per meeting that can keep its earlier slot: "meets in that slot again".
    stable: dict[str, cp_model.IntVar]


def _build_model(
    problem: ScheduleProblem,
    meetings: Sequence[MeetingSpec],
    slots_of: Mapping[str, Sequence[str]],
    stable_slot: Mapping[str, str],
    weights: _Weights,
) -> _ScheduleModel:
    """The schedule's rules and objective.

    ``placed[m]`` (with x[m, s] summing to it, one exactly-one constraint per meeting) carries
    everything that does not depend on the slot: score, coverage, the investor cap. It keeps
    those constraints and the objective at one term per meeting instead of one per common slot,
    which is what makes each propagation of the search cheap on thousands of meetings.
    """
    model = cp_model.CpModel()
    choices: dict[str, list[tuple[str, cp_model.IntVar]]] = {}
    placed: dict[str, cp_model.IntVar] = {}
    per_party_slot: defaultdict[tuple[tuple[str, str], str], list[cp_model.IntVar]] = defaultdict(
        list
    )
    per_slot: defaultdict[str, list[cp_model.IntVar]] = defaultdict(list)
    per_investor: defaultdict[str, list[cp_model.IntVar]] = defaultdict(list)
    per_request: defaultdict[str, list[cp_model.IntVar]] = defaultdict(list)
    for meeting in meetings:
        if not slots_of[meeting.id]:
            continue
        options = [(slot_id, model.new_bool_var("")) for slot_id in slots_of[meeting.id]]
        is_placed = model.new_bool_var("")
        # At most one slot, and placed exactly when one slot is chosen.
        model.add_exactly_one([variable for _, variable in options] + [~is_placed])
        choices[meeting.id] = options
        placed[meeting.id] = is_placed
        for slot_id, variable in options:
            for party in party_keys(meeting):
                per_party_slot[(party, slot_id)].append(variable)
            per_slot[slot_id].append(variable)
        per_investor[meeting.investor_party].append(is_placed)
        per_request[meeting.request_id].append(is_placed)

    for variables in per_party_slot.values():
        if len(variables) > 1:
            model.add_at_most_one(variables)
    for variables in per_slot.values():
        if len(variables) > problem.tables:
            model.add(cp_model.LinearExpr.sum(variables) <= problem.tables)
    cap = problem.investor_cap
    if cap is not None:
        for variables in per_investor.values():
            if len(variables) > cap:
                model.add(cp_model.LinearExpr.sum(variables) <= cap)

    covered: dict[str, cp_model.IntVar] = {}
    k = problem.coverage_k
    for request_id, variables in per_request.items():
        # A request with fewer than k placeable meetings can never be covered; with k <= 0 every
        # request is covered whatever happens. Neither needs a variable.
        if k >= 1 and len(variables) >= k:
            is_covered = model.new_bool_var("")
            model.add(cp_model.LinearExpr.sum(variables) >= k * is_covered)
            covered[request_id] = is_covered
    # Implied by the rules above, stated so that CP-SAT's bound sees them: no more meetings than
    # seats, and k placed meetings for each covered request.
    all_placed = cp_model.LinearExpr.sum(list(placed.values()))
    model.add(all_placed <= problem.tables * len(per_slot))
    if covered:
        model.add(k * cp_model.LinearExpr.sum(list(covered.values())) <= all_placed)

    terms: list[cp_model.IntVar] = []
    coefficients: list[int] = []
    stable: dict[str, cp_model.IntVar] = {}
    for meeting in meetings:
        if meeting.id not in placed:
            continue
        if units := score_units(meeting):
            terms.append(placed[meeting.id])
            coefficients.append(units)
        for slot_id, variable in choices[meeting.id]:
            if stable_slot.get(meeting.id) == slot_id:
                stable[meeting.id] = variable
                terms.append(variable)
                coefficients.append(weights.stability)
    for is_covered in covered.values():
        terms.append(is_covered)
        coefficients.append(weights.coverage)
    model.maximize(cp_model.LinearExpr.weighted_sum(terms, coefficients))
    return _ScheduleModel(
        model=model, choices=choices, placed=placed, covered=covered, stable=stable
    )


def _add_hint(
    problem: ScheduleProblem, built: _ScheduleModel, start_slots: Mapping[str, str]
) -> None:
    """A feasible plan as a complete hint: CP-SAT starts from a feasible schedule."""
    for meeting_id, options in built.choices.items():
        for slot_id, variable in options:
            built.model.add_hint(variable, start_slots.get(meeting_id) == slot_id)
        built.model.add_hint(built.placed[meeting_id], meeting_id in start_slots)
    counts = placed_per_request(problem.meetings, start_slots)
    for request_id, is_covered in built.covered.items():
        built.model.add_hint(is_covered, counts[request_id] >= problem.coverage_k)


def _upper_bound(weights: _Weights, built: _ScheduleModel) -> int:
    """A trivial bound on the objective, for when CP-SAT reports none."""
    return (
        weights.coverage * len(built.covered)
        + weights.stability * len(built.stable)
        # The score total is below the smaller of the two units.
        + min(weights.stability, weights.coverage)
    )


def _restore_earlier_slots(
    problem: ScheduleProblem,
    meetings: Sequence[MeetingSpec],
    slots_of: Mapping[str, Sequence[str]],
    slot_of: Mapping[str, str],
) -> dict[str, str]:
    """Move placed meetings back to their earlier slot wherever that slot has a free table and
    both parties are free in it: the same meetings stay placed (coverage, score and caps do not
    change), only fewer of them move. A search stopped by its budget may leave meetings moved
    that need not be; this pass, in meeting-id order until nothing moves, is deterministic."""
    restored = dict(slot_of)
    if not problem.previous:
        return restored
    by_id = {meeting.id: meeting for meeting in meetings}
    in_slot: Counter[str] = Counter(restored.values())
    busy: set[tuple[str, tuple[str, str]]] = {
        (slot_id, party) for m_id, slot_id in restored.items() for party in party_keys(by_id[m_id])
    }
    moved_back = True
    while moved_back:
        moved_back = False
        for meeting_id in sorted(restored):
            earlier = problem.previous.get(meeting_id)
            current = restored[meeting_id]
            if earlier is None or earlier.slot_id == current:
                continue
            target = earlier.slot_id
            parties = party_keys(by_id[meeting_id])
            if (
                target not in slots_of[meeting_id]
                or in_slot[target] >= problem.tables
                or any((target, party) in busy for party in parties)
            ):
                continue
            for party in parties:
                busy.discard((current, party))
                busy.add((target, party))
            in_slot[current] -= 1
            in_slot[target] += 1
            restored[meeting_id] = target
            moved_back = True
    return restored


def _assign_tables(problem: ScheduleProblem, slot_of: Mapping[str, str]) -> dict[str, Seat]:
    """Number the tables. A meeting still in its earlier slot keeps its table if free. The
    rest go investor by investor, in time order: an investor keeps one table through the day
    where it is free (the startups come to it, as at a conference's investor tables), and a
    new investor takes the lowest free table no other investor sits at, else the lowest
    free one."""
    taken: defaultdict[str, set[int]] = defaultdict(set)
    seats: dict[str, Seat] = {}
    for meeting_id in sorted(slot_of):
        earlier = problem.previous.get(meeting_id)
        slot_id = slot_of[meeting_id]
        if (
            earlier is not None
            and earlier.slot_id == slot_id
            and 1 <= earlier.table <= problem.tables
            and earlier.table not in taken[slot_id]
        ):
            taken[slot_id].add(earlier.table)
            seats[meeting_id] = earlier
    investor_of = {m.id: m.investor_party for m in problem.meetings}
    position = {slot.id: slot.position for slot in problem.slots}
    homes: dict[str, int] = {}
    for meeting_id in sorted(seats, key=lambda m: (position[seats[m].slot_id], m)):
        homes.setdefault(investor_of[meeting_id], seats[meeting_id].table)
    unseated = sorted(
        (m for m in slot_of if m not in seats),
        key=lambda m: (investor_of[m], position[slot_of[m]], m),
    )
    for meeting_id in unseated:
        slot_id = slot_of[meeting_id]
        free = [t for t in range(1, problem.tables + 1) if t not in taken[slot_id]]
        home = homes.get(investor_of[meeting_id])
        if home in free:
            table = home
        else:
            others = set(homes.values())
            table = next((t for t in free if t not in others), free[0])
            homes.setdefault(investor_of[meeting_id], table)
        taken[slot_id].add(table)
        seats[meeting_id] = Seat(slot_id, table)
    return seats


def _left_out(
    problem: ScheduleProblem,
    meetings: Sequence[MeetingSpec],
    slots_of: Mapping[str, Sequence[str]],
    seats: Mapping[str, Seat],
) -> tuple[LeftOut, ...]:
    """Why each unplaced meeting has no seat, in the order the reasons are checked."""
    investor_load = Counter(m.investor_party for m in meetings if m.id in seats)
    slot_load = Counter(seat.slot_id for seat in seats.values())
    left_out: list[LeftOut] = []
    for meeting in meetings:
        if meeting.id in seats:
            continue
        slots = slots_of[meeting.id]
        if not slots:
            reason = LeftOutReason.NO_COMMON_SLOT
        elif (
            problem.investor_cap is not None
            and investor_load[meeting.investor_party] >= problem.investor_cap
        ):
            reason = LeftOutReason.CAP_REACHED
        elif all(slot_load[slot_id] >= problem.tables for slot_id in slots):
            reason = LeftOutReason.TABLES_FULL
        else:
            reason = LeftOutReason.PARTY_BUSY
        left_out.append(LeftOut(meeting.id, reason))
    return tuple(left_out)
