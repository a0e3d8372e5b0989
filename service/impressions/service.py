"""Reading what was shown: whether a mandate saw a request, each model version's outcomes
by position, and how many investors saw each request near the top."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from models import Feedback, FeedbackAction, FeedbackEvent, Impression, InvestorProfile
from service.impressions.log import ImpressionLog

EXPOSURE_TOP = 20
"""A request counts as seen by an investor that had it among its first this many."""
FUNNEL = {
    "interested": (FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED),
    "meeting": (FeedbackAction.MEETING, FeedbackAction.COMMITTED),
    "committed": (FeedbackAction.COMMITTED,),
}
"""A pair that reached a meeting was interested too: each count includes the later stages."""
ID_BATCH = 5000
"""Request ids per query (PostgreSQL takes at most 65,535 bind parameters)."""


def was_shown(
    *, session: Session, log: ImpressionLog, investor_profile_id: str, financing_request_id: str
) -> bool:
    """Whether a page of matches ever showed this request to this mandate (written, or
    still waiting in this worker's log). Where nothing is recorded (the deployment switched
    impressions off), every answer counts as shown, as answers from before recording did."""
    if not log.enabled or log.waiting(investor_profile_id, financing_request_id):
        return True
    found = session.scalar(
        select(Impression.id)
        .where(
            Impression.investor_profile_id == investor_profile_id,
            Impression.financing_request_id == financing_request_id,
        )
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True, slots=True)
class PositionCounts:
    position: int
    shown: int
    """Pairs first shown by this model at this position."""
    interested: int
    meeting: int
    committed: int


POSITION_BANDS: tuple[tuple[int, int | None], ...] = ((1, 3), (4, 10), (11, 20), (21, None))
"""How the web pages group positions: the first screen, the rest of the first ten, the rest
of a default page, and further pages (``None``: no upper end)."""
_RATE_PLACES = Decimal("0.0001")


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(_RATE_PLACES) if whole else None


@dataclass(frozen=True, slots=True)
class PositionBand:
    """The counts of the positions ``first`` to ``last`` (``None``: every later one)."""

    first: int
    last: int | None
    shown: int
    interested: int
    meeting: int
    committed: int

    @property
    def interest_rate(self) -> Decimal | None:
        """Interested pairs over shown pairs (four places); None where nothing was shown."""
        return _rate(self.interested, self.shown)


@dataclass(frozen=True, slots=True)
class OnlineMetrics:
    """What one model version showed investors, by position, and what they did next."""

    model_version: str
    positions: tuple[PositionCounts, ...]
    first_shown_at: dt.datetime | None
    last_shown_at: dt.datetime | None

    @property
    def shown(self) -> int:
        return sum(p.shown for p in self.positions)

    @property
    def interested(self) -> int:
        return sum(p.interested for p in self.positions)

    @property
    def meeting(self) -> int:
        return sum(p.meeting for p in self.positions)

    @property
    def committed(self) -> int:
        return sum(p.committed for p in self.positions)

    @property
    def interest_rate(self) -> Decimal | None:
        return _rate(self.interested, self.shown)

    def bands(self) -> list[PositionBand]:
        """The counts summed per ``POSITION_BANDS`` band, every band listed."""
        bands: list[PositionBand] = []
        for first, last in POSITION_BANDS:
            inside = [
                p
                for p in self.positions
                if p.position >= first and (last is None or p.position <= last)
            ]
            bands.append(
                PositionBand(
                    first=first,
                    last=last,
                    shown=sum(p.shown for p in inside),
                    interested=sum(p.interested for p in inside),
                    meeting=sum(p.meeting for p in inside),
                    committed=sum(p.committed for p in inside),
                )
            )
        return bands


def online_summary(*, session: Session, model_version: str) -> OnlineMetrics:
    """``online_metrics`` of ``model_version`` with its totals and the period it showed."""
    first, last = session.execute(
        select(func.min(Impression.shown_at), func.max(Impression.shown_at)).where(
            Impression.model_version == model_version
        )
    ).one()
    return OnlineMetrics(
        model_version=model_version,
        positions=tuple(online_metrics(session=session, model_version=model_version)),
        first_shown_at=first,
        last_shown_at=last,
    )


def online_metrics(*, session: Session, model_version: str) -> list[PositionCounts]:
    """Per position (where each pair was first shown by ``model_version``): how many pairs,
    and how many of them the investor then marked interested, met, committed to. An answer
    taken back (undone) no longer counts: the pair's standing answer must have reached the
    stage, or be a pass given after it (real progress, then a no)."""
    # Each pair's first impression by this version: where it was shown first, and when.
    ranked = (
        select(
            Impression.investor_profile_id.label("investor"),
            Impression.financing_request_id.label("request"),
            Impression.position.label("position"),
            Impression.shown_at.label("shown_at"),
            func.row_number()
            .over(
                partition_by=(Impression.investor_profile_id, Impression.financing_request_id),
                order_by=(Impression.shown_at, Impression.position),
            )
            .label("nth"),
        )
        .where(Impression.model_version == model_version)
        .subquery()
    )
    first = (
        select(ranked.c.investor, ranked.c.request, ranked.c.position, ranked.c.shown_at)
        .where(ranked.c.nth == 1)
        .subquery()
    )
    counts: dict[int, dict[str, int]] = {}
    for position, shown in session.execute(
        select(first.c.position, func.count()).group_by(first.c.position)
    ).tuples():
        counts[int(position)] = {"shown": int(shown)}
    # Answers taken back count nowhere, even where a pass came after them.
    undo = aliased(FeedbackEvent)
    taken_back = select(undo.undoes_event_id).where(undo.undoes_event_id.is_not(None))
    for stage, actions in FUNNEL.items():
        reached = (
            select(first.c.position, first.c.investor, first.c.request)
            .join(
                FeedbackEvent,
                and_(
                    FeedbackEvent.investor_profile_id == first.c.investor,
                    FeedbackEvent.financing_request_id == first.c.request,
                    FeedbackEvent.occurred_at >= first.c.shown_at,
                    FeedbackEvent.action.in_(actions),
                    FeedbackEvent.undoes_event_id.is_(None),
                    FeedbackEvent.id.not_in(taken_back),
                ),
            )
            .join(
                Feedback,
                and_(
                    Feedback.investor_profile_id == first.c.investor,
                    Feedback.financing_request_id == first.c.request,
                    or_(Feedback.action.in_(actions), Feedback.action == FeedbackAction.PASS),
                ),
            )
            .distinct()
            .subquery()
        )
        for position, pairs in session.execute(
            select(reached.c.position, func.count()).group_by(reached.c.position)
        ).tuples():
            counts.setdefault(int(position), {"shown": 0})[stage] = int(pairs)
    return [
        PositionCounts(
            position=position,
            shown=row.get("shown", 0),
            interested=row.get("interested", 0),
            meeting=row.get("meeting", 0),
            committed=row.get("committed", 0),
        )
        for position, row in sorted(counts.items())
    ]


def investors_who_saw(
    *,
    session: Session,
    request_ids: Sequence[str],
    top: int = EXPOSURE_TOP,
    shown_before: dt.datetime | None = None,
) -> dict[str, int]:
    """For each request, how many investors had it among their first ``top`` matches on some
    page (before ``shown_before``, when given); requests nobody saw are absent. An investor is
    a firm: its mandates' pages count once (a mandate without an account, as a firm of its
    own), as the report's matching investors do."""
    seen: dict[str, int] = {}
    ids = sorted(set(request_ids))
    firm = func.coalesce(InvestorProfile.owner_account_id, Impression.investor_profile_id)
    for start in range(0, len(ids), ID_BATCH):
        rows = session.execute(
            select(Impression.financing_request_id, func.count(func.distinct(firm)))
            .outerjoin(InvestorProfile, InvestorProfile.id == Impression.investor_profile_id)
            .where(
                Impression.financing_request_id.in_(ids[start : start + ID_BATCH]),
                Impression.position <= top,
                true() if shown_before is None else Impression.shown_at < shown_before,
            )
            .group_by(Impression.financing_request_id)
        ).tuples()
        seen.update((request_id, int(count)) for request_id, count in rows)
    return seen
