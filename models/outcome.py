"""After the handshake: what became of an investor and a financing request that met, step by
step from negotiating to producing (or abandoned), each step kept as it was recorded."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import ExactMoney, UTCDateTime, utc_now


class OutcomeStage(enum.StrEnum):
    """Where a deal stands. Stages only move forward, one at a time, except that a deal not
    yet producing can be abandoned."""

    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    # The company is registered (its unified social credit code is known).
    REGISTERED = "registered"
    # At least one tranche of the signed amount has arrived.
    FUNDS_IN_PLACE = "funds_in_place"
    PRODUCING = "producing"
    ABANDONED = "abandoned"


class OutcomeStepKind(enum.StrEnum):
    SIGN = "sign"
    REGISTER = "register"
    TRANCHE = "tranche"
    PRODUCE = "produce"
    # A new signed amount, stated with a reason: the only way for tranches to exceed the
    # amount first signed.
    AMEND = "amend"
    ABANDON = "abandon"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Outcome(IdMixin, Base):
    """A deal between an investor mandate and a financing request, from the first talks on."""

    __tablename__ = "outcomes"
    __table_args__ = (
        # One live deal per pair: the service checks first, this holds when two requests
        # race past the check (PostgreSQL does not serialise them as SQLite does).
        Index(
            "uq_outcomes_live_pair",
            "investor_profile_id",
            "financing_request_id",
            unique=True,
            postgresql_where=text("stage != 'abandoned'"),
            sqlite_where=text("stage != 'abandoned'"),
        ),
        Index("ix_outcomes_stage", "stage"),
    )

    investor_profile_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("investor_profiles.id", ondelete="CASCADE")
    )
    financing_request_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    # The event the request was presented at when the deal was opened (the commission's
    # figures are by event).
    event_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    stage: Mapped[OutcomeStage] = mapped_column(_enum(OutcomeStage, "outcome_stage"))
    # The request's currency: every amount of the deal is in it.
    currency: Mapped[str] = mapped_column(String(3))
    signed_amount: Mapped[Decimal | None] = mapped_column(ExactMoney())
    signed_on: Mapped[dt.date | None] = mapped_column(Date())
    credit_code: Mapped[str | None] = mapped_column(String(18))
    registered_on: Mapped[dt.date | None] = mapped_column(Date())
    funds_in_place: Mapped[Decimal] = mapped_column(ExactMoney(), default=Decimal(0))
    funds_in_place_on: Mapped[dt.date | None] = mapped_column(Date())
    producing_on: Mapped[dt.date | None] = mapped_column(Date())
    abandoned_on: Mapped[dt.date | None] = mapped_column(Date())
    abandoned_reason: Mapped[str | None] = mapped_column(Text)
    created_by_account_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}


class OutcomeStep(IdMixin, Base):
    """One step of a deal as it was recorded: what, on which day, by whom."""

    __tablename__ = "outcome_steps"

    outcome_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("outcomes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[OutcomeStepKind] = mapped_column(_enum(OutcomeStepKind, "outcome_step_kind"))
    # The day it happened (not when it was recorded).
    happened_on: Mapped[dt.date] = mapped_column(Date())
    amount: Mapped[Decimal | None] = mapped_column(ExactMoney())
    # A registration's credit code, or the reason for an amendment or for abandoning.
    detail: Mapped[str | None] = mapped_column(Text)
    recorded_by_account_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
