from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class Impression(IdMixin, Base):
    """A request shown to an investor's mandate on a page of matches: where, with what
    score, by which model. Append-only; written in batches off the request path."""

    __tablename__ = "impressions"
    __table_args__ = (
        Index("ix_impressions_pair", "investor_profile_id", "financing_request_id"),
        Index("ix_impressions_request_position", "financing_request_id", "position"),
        Index("ix_impressions_model_version", "model_version"),
    )

    investor_profile_id: Mapped[str] = mapped_column(
        ForeignKey("investor_profiles.id", ondelete="CASCADE")
    )
    financing_request_id: Mapped[str] = mapped_column(
        ForeignKey("financing_requests.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    """1 for the first match of the ranking (a later page continues the count)."""
    score: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(40))
    shown_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
