"""What the scheduler is given and what it returns: plain data, no database, no solver.

The service layer (``service.conference.scheduling``) builds a :class:`ScheduleProblem` from the
event's accepted meetings and everyone's stated availability; the solver
(``service.conference.solver``) and the greedy baseline (``service.conference.greedy``) answer it
with a :class:`ScheduleSolution`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_COVERAGE_K = 3
DEFAULT_TIME_LIMIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """One time slot of the event; ``position`` orders the slots in time (0 is the first)."""

    id: str
    position: int


@dataclass(frozen=True, slots=True)
class MeetingSpec:
    """One accepted meeting to place.

    ``investor_party`` and ``startup_party`` name the people who must sit at the table (an
    account, so one investor with two mandates is still one party and cannot be in two places
    at once). ``slots`` are the slots in which both parties said they are available. Coverage is
    counted per ``request_id``; ``score`` is the pair's match score in [0, 1].
    """

    id: str
    request_id: str
    investor_party: str
    startup_party: str
    score: float
    slots: frozenset[str]


@dataclass(frozen=True, slots=True)
class Seat:
    """Where a meeting sits: a slot and a table (tables are numbered from 1)."""

    slot_id: str
    table: int


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    slots: tuple[SlotSpec, ...]
    meetings: tuple[MeetingSpec, ...]
    tables: int
    # At most this many meetings per investor party; None is no cap.
    investor_cap: int | None = None
    # A request is covered when at least ``coverage_k`` of its meetings are placed.
    coverage_k: int = DEFAULT_COVERAGE_K
    # The schedule being revised: keeping a meeting in its earlier seat is worth more than any
    # gain in score (but never more than coverage, unless ``keep_seats``).
    previous: Mapping[str, Seat] = field(default_factory=dict)
    # On a revision, keeping seats comes before coverage: a meeting moves only when it cannot
    # stay (it was called off, or a party is no longer free then), and the seats freed go to
    # the meetings that cover the most requests. Coverage can then stay below greedy's.
    keep_seats: bool = False
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS
    # The search's budget in CP-SAT's deterministic units of work; None derives it from the time
    # limit. The wall clock still stops the search at the time limit, and when it fires first
    # (a busy machine) the schedule may differ from run to run. Whoever must reproduce a
    # schedule exactly on a busy machine (the determinism tests) sets a budget well inside it.
    search_units: float | None = None


class LeftOutReason(enum.StrEnum):
    """Why an accepted meeting got no seat."""

    # The two parties share no slot in which both are available.
    NO_COMMON_SLOT = "no_common_slot"
    # The investor party already has as many meetings as the event's cap allows.
    CAP_REACHED = "cap_reached"
    # Every common slot's tables are all taken.
    TABLES_FULL = "tables_full"
    # In every common slot with a free table, one of the two parties is in another meeting.
    PARTY_BUSY = "party_busy"


@dataclass(frozen=True, slots=True)
class LeftOut:
    meeting_id: str
    reason: LeftOutReason


@dataclass(frozen=True, slots=True)
class Placement:
    meeting_id: str
    seat: Seat


@dataclass(frozen=True, slots=True)
class Plan:
    """A feasible assignment and its two objective figures."""

    placements: tuple[Placement, ...]
    # Requests with at least k placed meetings.
    coverage: int
    score_sum: float


SolveStatus = Literal["optimal", "feasible"]


@dataclass(frozen=True, slots=True)
class ScheduleSolution:
    status: SolveStatus
    plan: Plan
    left_out: tuple[LeftOut, ...]
    # Relative gap between the best solution's objective and the solver's bound (0 if optimal).
    gap: float
    # The greedy baseline (by score) on the same problem, computed beside the solve.
    greedy: Plan
    # Against ``ScheduleProblem.previous``: meetings still placed in the same seat, and meetings
    # placed before that now sit elsewhere or not at all.
    kept: int
    moved: int
    # Requests that have fewer than k placed meetings: the commission's outreach targets.
    requests_below_k: tuple[str, ...]
    wall_seconds: float
