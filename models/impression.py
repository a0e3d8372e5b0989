from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime, utc_now

# SQLite makes a column declared exactly INTEGER PRIMARY KEY the table's rowid; PostgreSQL
# gets a BIGSERIAL (a BIGINT taking its default from a sequence).
LOG_KEY = BigInteger().with_variant(Integer(), "sqlite")


class Impression(Base):
    """A request shown to an investor's mandate on a page of matches: where, with what
    score, by which model. Append-only; written in batches off the request path.

    Written about twenty rows a page, so each index costs every page: the key is a rising
    integer (appended, where a random UUID key lands on a random page of its own index), and
    one index on (request, investor) answers both questions asked of the log by pair or by
    request (``service.impressions.service``: was this pair shown; who saw this request).
    The investor's index serves the cascade when a mandate is deleted; it and the model
    version's index grow at the end of each key's entries (a page's twenty rows share one
    investor and one model), so they cost a page a batch, not a page a row. No row is ever
    named from outside, so nothing needs an opaque id."""

    __tablename__ = "impressions"
    __table_args__ = (
        Index("ix_impressions_request_investor", "financing_request_id", "investor_profile_id"),
        Index("ix_impressions_investor_profile_id", "investor_profile_id"),
        Index("ix_impressions_model_version", "model_version"),
    )

    id: Mapped[int] = mapped_column(LOG_KEY, primary_key=True, autoincrement=True)
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
