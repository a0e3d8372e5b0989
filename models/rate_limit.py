"""Request counters shared by every worker process: one row per bucket and fixed window."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RateLimitWindow(Base):
    """How many requests one bucket (an API key's hash or a client address) made in a window.

    Rows are counters, not records: they are upserted on every request and deleted once
    their window is over.
    """

    __tablename__ = "rate_limits"

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The window's start in whole seconds since the Unix epoch.
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hits: Mapped[int] = mapped_column(Integer)
