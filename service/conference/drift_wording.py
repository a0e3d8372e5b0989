"""What a schedule that the event has moved away from says, on pages and printed plans.

Only the parts that hold are named ("1 meeting ... and 0 ..." reads as a fault of its own).
"""

from __future__ import annotations

from collections.abc import Callable

from service.conference.scheduling import ScheduleDrift


def out_of_date(
    drift: ScheduleDrift, words: Callable[[str], str], advice: str, *, seats_only: bool = False
) -> str | None:
    """The schedule is out of date: what has moved and ``advice`` (a message, what to do),
    in the reader's words; None when current. ``words`` translates into the reader's
    language. ``seats_only``: for a table plan, which already leaves a called-off meeting's
    seat empty, so only meetings seated when a side is no longer free make it wrong."""
    parts = []
    if drift.no_longer_free:
        parts.append(
            words("meetings at a time one side is no longer free: %(num)s")
            % {"num": drift.no_longer_free}
        )
    if drift.called_off and not seats_only:
        parts.append(
            words("seated meetings no longer confirmed: %(num)s") % {"num": drift.called_off}
        )
    if not parts:
        return None
    return words("The current schedule is out of date (%(what)s). %(advice)s") % {
        "what": words("; ").join(parts),
        "advice": words(advice),
    }
