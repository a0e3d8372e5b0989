from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class Report(IdMixin, Base):
    """A frozen match report: the document as it was computed, never recomputed."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_created_at_id", "created_at", "id"),)

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # No foreign key: a report outlives the account that ran it, like the audit trail.
    created_by_account_id: Mapped[str | None] = mapped_column(String(36))
    created_by_user_id: Mapped[str | None] = mapped_column(String(36))
    # Who ran it, by name, as it was then (a user's name, else the account's).
    created_by_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="RESTRICT"), index=True
    )
    # The small part of the document that lists show; the whole document loads on demand.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
