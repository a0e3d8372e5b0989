from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class User(IdMixin, Base):
    """A person who acts for an account (an investor firm, a startup, the commission).

    A user acts with the account's role; an admin user may also invite colleagues and manage
    the account's API keys. Only the Argon2id hash of the password is kept.
    """

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_created_at_id", "created_at", "id"),)

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    # Lower case: one person cannot sign in as "Li.Wei" and "li.wei".
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Invitation(IdMixin, Base):
    """A one-time code that lets a person become a user of an account (72 hours).

    Only the code's SHA-256 is kept; the code is shown once, to whoever invited.
    """

    __tablename__ = "invitations"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    # Whom it is for, as the inviter put it; the person may give another name on accepting.
    name: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Who invited: a user, or (null) an account key, the admin key or the command line.
    invited_by_user_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # Withdrawn before use (a code sent to the wrong person, or made twice): it no longer works.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class UserSession(IdMixin, Base):
    """A signed-in browser: the SHA-256 of its cookie's token, its user and its clocks.

    It ends when idle too long (``last_seen_at``), at ``expires_at`` (absolute), or when
    revoked (sign-out); every worker reads the row on every request.
    """

    __tablename__ = "user_sessions"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # Moved forward at most once a minute, so reading does not become writing.
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
