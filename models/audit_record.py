from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class AuditRecord(IdMixin, Base):
    """One write: who did what to which object, and when. Append-only."""

    __tablename__ = "audit_records"
    __table_args__ = (
        Index("ix_audit_records_object", "object_type", "object_id"),
        Index("ix_audit_records_occurred_at_id", "occurred_at", "id"),
    )

    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # No foreign key: the trail must outlive the account it names.
    actor_account_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # The person who acted (null for an account key, the admin key or the command line)
    # and the name the actor went by then: the user's, else the account's.
    actor_user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(36))
    # Always the service's own id; the client's X-Request-ID, if it sent one, beside it.
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_request_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
