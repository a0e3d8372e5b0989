from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import ExactMoney, UTCDateTime, utc_now


class Deal(IdMixin, Base):
    """A financing an investor profile took part in: its track record, which the learned
    ranker reads (what it funded, in which sectors, stages and regions, which companies)."""

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_investor_profile_id_closed_on", "investor_profile_id", "closed_on"),
    )

    investor_profile_id: Mapped[str] = mapped_column(
        ForeignKey("investor_profiles.id", ondelete="CASCADE")
    )
    company: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal | None] = mapped_column(ExactMoney())
    currency: Mapped[str | None] = mapped_column(String(3))
    closed_on: Mapped[dt.date] = mapped_column(Date())
    recorded_by_account_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
