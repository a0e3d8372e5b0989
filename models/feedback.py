from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import ExactMoney, UTCDateTime, utc_now


class FeedbackAction(enum.StrEnum):
    INTERESTED = "interested"
    PASS = "pass"  # noqa: S105 (an action, not a password)
    MEETING = "meeting"
    COMMITTED = "committed"


class PassReason(enum.StrEnum):
    SECTOR = "sector"
    TICKET = "ticket"
    STAGE = "stage"
    REGION = "region"
    TEAM = "team"
    VALUATION = "valuation"
    OTHER = "other"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Feedback(Base):
    """What an investor profile did with a match, latest action only."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_financing_request_id_action", "financing_request_id", "action"),
    )

    investor_profile_id: Mapped[str] = mapped_column(
        ForeignKey("investor_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    financing_request_id: Mapped[str] = mapped_column(
        ForeignKey("financing_requests.id", ondelete="CASCADE"), primary_key=True
    )
    action: Mapped[FeedbackAction] = mapped_column(_enum(FeedbackAction, "feedback_action"))
    reason: Mapped[PassReason | None] = mapped_column(_enum(PassReason, "pass_reason"))
    amount: Mapped[Decimal | None] = mapped_column(ExactMoney())
    currency: Mapped[str | None] = mapped_column(String(3))
    # A pass's own words (why "other", what would change the answer): read by the investor
    # and the commission, never by the startup.
    note: Mapped[str | None] = mapped_column(String(500))
    shown: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Whether the request had been shown to this mandate on a page of matches before the
    first answer; unsolicited answers count for less in training. Answers from before
    impressions were recorded count as shown."""
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}


class FeedbackEvent(IdMixin, Base):
    """Every feedback action ever given: the history behind ``Feedback``. Append-only."""

    __tablename__ = "feedback_events"
    __table_args__ = (
        Index(
            "ix_feedback_events_pair", "investor_profile_id", "financing_request_id", "occurred_at"
        ),
    )

    investor_profile_id: Mapped[str] = mapped_column(
        ForeignKey("investor_profiles.id", ondelete="CASCADE")
    )
    financing_request_id: Mapped[str] = mapped_column(
        ForeignKey("financing_requests.id", ondelete="CASCADE")
    )
    action: Mapped[FeedbackAction] = mapped_column(_enum(FeedbackAction, "feedback_action"))
    reason: Mapped[PassReason | None] = mapped_column(_enum(PassReason, "pass_reason"))
    amount: Mapped[Decimal | None] = mapped_column(ExactMoney())
    currency: Mapped[str | None] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(String(500))
    actor_account_id: Mapped[str | None] = mapped_column(String(36))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # An undo: the answer entry it took back (this entry repeats that answer's values). An
    # answer stands until an undo names it, so pressing undo again takes back the one before,
    # down to none, whatever order equal timestamps sort in.
    undoes_event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
