from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class ApiKey(IdMixin, Base):
    """An API key of a user, or of the account itself (``user_id`` null: for machines).

    Only the SHA-256 of the key is kept (keys are 256-bit random, so a fast hash is enough),
    with its first characters (``prefix``) to tell keys apart. A revoked key stays on record.
    """

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_created_at_id", "created_at", "id"),)

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Null for the keys issued before keys had a prefix (migrated from accounts.key_hash).
    prefix: Mapped[str | None] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # Moved forward at most once a minute, so reading does not become writing.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
