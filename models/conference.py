"""Conference day: the event's time slots, meetings between investors and startups, who is
available when, and the schedules solved for them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class EventSlot(IdMixin, Base):
    """One time slot of an event in which meetings can sit at the event's tables."""

    __tablename__ = "event_slots"
    __table_args__ = (UniqueConstraint("event_id", "starts_at", name="uq_event_slots_start"),)

    event_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    # Order in time, from 0: the schedule and agendas sort by it.
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class MeetingSide(enum.StrEnum):
    """Who asked for a meeting."""

    INVESTOR = "investor"
    STARTUP = "startup"
    COMMISSION = "commission"


class MeetingAnswer(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class MeetingStatus(enum.StrEnum):
    """Pending until both sides accept; declined when either declines; cancelled by a party
    (or the commission) after it was accepted."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Meeting(IdMixin, Base):
    """A request to meet between an investor mandate and a financing request, at an event."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "financing_request_id", "investor_profile_id", name="uq_meetings_pair"
        ),
        Index("ix_meetings_event_status", "event_id", "status"),
    )

    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("events.id", ondelete="CASCADE"))
    financing_request_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    investor_profile_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("investor_profiles.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[MeetingSide] = mapped_column(_enum(MeetingSide, "meeting_side"))
    investor_answer: Mapped[MeetingAnswer] = mapped_column(_enum(MeetingAnswer, "meeting_answer"))
    startup_answer: Mapped[MeetingAnswer] = mapped_column(_enum(MeetingAnswer, "meeting_answer"))
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus, "meeting_status"))
    # Why a side declined or cancelled, in its own words.
    reason: Mapped[str | None] = mapped_column(Text)
    # The pair's match score when the meeting was asked for: the schedule's second objective.
    score: Mapped[float] = mapped_column(Float)
    # Whether the pair was a match when asked for (the request within the mandate's sectors,
    # ticket and stages, and open to it under the negative list): a pair outside it may score
    # 0.6 on ticket and stage alone, which reads as a good fit unless said. None: asked before
    # this was kept.
    within_mandate: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}


class Availability(Base):
    """The slots in which an account's people can meet at an event. An account that has not
    said is available in every slot."""

    __tablename__ = "availability"

    event_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    slot_ids: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}


class Schedule(IdMixin, Base):
    """One solve of an event's meetings; the newest is the event's schedule."""

    __tablename__ = "schedules"

    event_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    created_by_account_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))
    coverage_k: Mapped[int] = mapped_column(Integer)
    coverage: Mapped[int] = mapped_column(Integer)
    greedy_coverage: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[float] = mapped_column(Float)
    greedy_score_sum: Mapped[float] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    kept: Mapped[int] = mapped_column(Integer)
    moved: Mapped[int] = mapped_column(Integer)
    time_limit_seconds: Mapped[float] = mapped_column(Float)
    wall_seconds: Mapped[float] = mapped_column(Float)
    # [{"meeting_id": ..., "reason": ...}] and the ids of requests with fewer than k meetings.
    left_out: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    requests_below_k: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ScheduledMeeting(Base):
    """A meeting's seat (slot and table) in one schedule."""

    __tablename__ = "scheduled_meetings"

    schedule_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("event_slots.id", ondelete="CASCADE")
    )
    table: Mapped[int] = mapped_column("table_number", Integer)
