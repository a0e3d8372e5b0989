"""The baseline schedule: best-scored meetings first, each to its earliest free seat.

It is what a person with a spreadsheet would do, and it is what the solver must beat: the solver
never returns a plan worse than this one, so its coverage is never lower. Also here: a
coverage-first heuristic the solver may start from instead (:func:`coverage_first_slots`), the
rule-keeping :class:`SeatBook` both heuristics place meetings with, and the helpers that turn
seats into a :class:`Plan`, so every answer is counted alike.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from service.conference.problem import MeetingSpec, Placement, Plan, ScheduleProblem, Seat

INVESTOR = "investor"
STARTUP = "startup"


def slot_positions(problem: ScheduleProblem) -> dict[str, int]:
    return {slot.id: slot.position for slot in problem.slots}


def common_slots(meeting: MeetingSpec, positions: Mapping[str, int]) -> list[str]:
    """The meeting's slots that exist in the event, earliest first.

    Sorted explicitly: iterating a frozenset of strings follows the per-process hash seed, and
    the schedule must not depend on it.
    """
    known = (slot_id for slot_id in meeting.slots if slot_id in positions)
    return sorted(known, key=lambda slot_id: (positions[slot_id], slot_id))


def party_keys(meeting: MeetingSpec) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two people at the table; investors and startups are named in separate namespaces."""
    return (INVESTOR, meeting.investor_party), (STARTUP, meeting.startup_party)


def placed_per_request(
    meetings: Iterable[MeetingSpec], placed_ids: Iterable[str]
) -> dict[str, int]:
    """Placed meetings per request, every request present (with 0 when nothing is placed)."""
    meetings = list(meetings)
    placed = set(placed_ids)
    counts = {meeting.request_id: 0 for meeting in meetings}
    for meeting in meetings:
        if meeting.id in placed:
            counts[meeting.request_id] += 1
    return counts


def plan_from_seats(problem: ScheduleProblem, seats: Mapping[str, Seat]) -> Plan:
    """The plan with these seats: placements by (slot position, table), coverage, score sum."""
    positions = slot_positions(problem)
    placements = sorted(
        (Placement(meeting_id, seat) for meeting_id, seat in seats.items()),
        key=lambda placement: (
            positions[placement.seat.slot_id],
            placement.seat.slot_id,
            placement.seat.table,
        ),
    )
    counts = placed_per_request(problem.meetings, seats)
    coverage = sum(1 for count in counts.values() if count >= problem.coverage_k)
    # fsum is exact, so the figure does not depend on the order meetings are summed in.
    score_sum = math.fsum(meeting.score for meeting in problem.meetings if meeting.id in seats)
    return Plan(placements=tuple(placements), coverage=coverage, score_sum=score_sum)


class SeatBook:
    """Who sits in which slot so far, kept to the rules: one meeting per party per slot, no more
    meetings in a slot than tables, no investor party over the cap."""

    def __init__(self, problem: ScheduleProblem) -> None:
        self._problem = problem
        self._positions = slot_positions(problem)
        self._busy: set[tuple[tuple[str, str], str]] = set()
        self._seated: Counter[str] = Counter()
        self._investor_load: Counter[str] = Counter()
        self.slot_of: dict[str, str] = {}

    def seated(self, slot_id: str) -> int:
        return self._seated[slot_id]

    def place(self, meeting: MeetingSpec, only_slot: str | None = None) -> str | None:
        """Seat the meeting in its earliest free common slot (or only in ``only_slot``)."""
        cap = self._problem.investor_cap
        if cap is not None and self._investor_load[meeting.investor_party] >= cap:
            return None
        parties = party_keys(meeting)
        for slot_id in common_slots(meeting, self._positions):
            if only_slot is not None and slot_id != only_slot:
                continue
            if self._seated[slot_id] >= self._problem.tables:
                continue
            if any((party, slot_id) in self._busy for party in parties):
                continue
            self._seated[slot_id] += 1
            self._investor_load[meeting.investor_party] += 1
            self._busy.update((party, slot_id) for party in parties)
            self.slot_of[meeting.id] = slot_id
            return slot_id
        return None

    def remove(self, meeting: MeetingSpec) -> None:
        slot_id = self.slot_of.pop(meeting.id)
        self._seated[slot_id] -= 1
        self._investor_load[meeting.investor_party] -= 1
        for party in party_keys(meeting):
            self._busy.discard((party, slot_id))


def by_score(meetings: Iterable[MeetingSpec]) -> list[MeetingSpec]:
    return sorted(meetings, key=lambda meeting: (-meeting.score, meeting.id))


def greedy_plan(problem: ScheduleProblem) -> Plan:
    """Meetings by score (ties by id), each to its earliest slot with both parties and a table
    free and the investor under the cap; tables numbered from 1 per slot in order of assignment.
    """
    book = SeatBook(problem)
    seats: dict[str, Seat] = {}
    for meeting in by_score(problem.meetings):
        slot_id = book.place(meeting)
        if slot_id is not None:
            seats[meeting.id] = Seat(slot_id, book.seated(slot_id))
    return plan_from_seats(problem, seats)


def coverage_first_slots(problem: ScheduleProblem, *, keep_previous: bool) -> dict[str, str]:
    """A starting point for the solver that aims at coverage: each placed meeting's slot.

    Greedy by score spends the popular investors' seats on the best pairs and leaves many
    requests with one or two meetings. This seats whole requests instead: request by request,
    those asking the least-sought investors first, k meetings at a time (undone when fewer than k
    fit), then fills the seats left by score. With ``keep_previous`` the earlier schedule's
    meetings are first put back in their slots. Deterministic: every order ends on an id.
    """
    book = SeatBook(problem)
    meetings = sorted(problem.meetings, key=lambda meeting: meeting.id)
    if keep_previous:
        for meeting in meetings:
            earlier = problem.previous.get(meeting.id)
            if earlier is not None:
                book.place(meeting, only_slot=earlier.slot_id)

    k = problem.coverage_k
    demand = Counter(meeting.investor_party for meeting in meetings)
    by_request: dict[str, list[MeetingSpec]] = {}
    for meeting in meetings:
        by_request.setdefault(meeting.request_id, []).append(meeting)
    for options in by_request.values():
        options.sort(key=lambda m: (demand[m.investor_party], -m.score, m.id))

    def contention(request_id: str) -> tuple[int, str]:
        easiest = [demand[m.investor_party] for m in by_request[request_id][: max(k, 0)]]
        return sum(easiest), request_id

    for request_id in sorted(by_request, key=contention):
        options = by_request[request_id]
        missing = k - sum(1 for meeting in options if meeting.id in book.slot_of)
        trial: list[MeetingSpec] = []
        for meeting in options:
            if len(trial) >= missing:
                break
            if meeting.id not in book.slot_of and book.place(meeting) is not None:
                trial.append(meeting)
        if len(trial) < missing:
            for meeting in trial:
                book.remove(meeting)

    for meeting in by_score(meetings):
        if meeting.id not in book.slot_of:
            book.place(meeting)
    return book.slot_of
