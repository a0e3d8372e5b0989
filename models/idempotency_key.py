from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class IdempotencyKey(IdMixin, Base):
    """A client's Idempotency-Key, the request it came with and the response it got.

    The row is inserted before the request's work and completed with the response in the
    same transaction as the objects that work created, so the key and the objects are
    committed (or lost) together. Committed rows therefore always hold a response.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("account_id", "key"),
        Index("ix_idempotency_keys_account_id_created_at", "account_id", "created_at"),
    )

    # The calling account (BOOTSTRAP_ACCOUNT for the bootstrap admin key). No foreign key:
    # keys expire on their own and must not block anything.
    account_id: Mapped[str] = mapped_column(String(36))
    key: Mapped[str] = mapped_column(String(128))
    request_method: Mapped[str] = mapped_column(String(10))
    request_path: Mapped[str] = mapped_column(String(2048))
    request_body_sha256: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
