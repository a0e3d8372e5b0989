from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin
from models.types import ExactMoney, UTCDateTime, utc_now


class InvestorProfile(IdMixin, Base):
    """An investor's mandate: what it invests in, how much, at which stages."""

    __tablename__ = "investor_profiles"
    __table_args__ = (
        CheckConstraint("ticket_min <= ticket_max", name="ticket_range"),
        CheckConstraint("ticket_min > 0", name="ticket_min_positive"),
        Index("ix_investor_profiles_created_at_id", "created_at", "id"),
        # The roster's freshness probe reads the latest write (service.ranking.records).
        Index("ix_investor_profiles_updated_at", "updated_at"),
    )

    owner_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(10))
    thesis: Mapped[str] = mapped_column(Text, default="")
    ticket_min: Mapped[Decimal] = mapped_column(ExactMoney())
    ticket_max: Mapped[Decimal] = mapped_column(ExactMoney())
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)

    sector_links: Mapped[list[InvestorProfileSector]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InvestorProfileSector.code",
    )
    stage_links: Mapped[list[InvestorProfileStage]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InvestorProfileStage.code",
    )
    region_links: Mapped[list[InvestorProfileRegion]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InvestorProfileRegion.code",
    )

    __mapper_args__ = {"version_id_col": revision}


class InvestorProfileSector(Base):
    __tablename__ = "investor_profile_sectors"

    investor_profile_id: Mapped[str] = mapped_column(
        ForeignKey("investor_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class InvestorProfileStage(Base):
    __tablename__ = "investor_profile_stages"

    investor_profile_id: Mapped[str] = mapped_column(
        ForeignKey("investor_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class InvestorProfileRegion(Base):
    __tablename__ = "investor_profile_regions"

    investor_profile_id: Mapped[str] = mapped_column(
        ForeignKey("investor_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
