from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class Role(enum.StrEnum):
    INVESTOR = "investor"
    STARTUP = "startup"
    COMMISSION = "commission"


class Account(IdMixin, Base):
    """Someone who calls the API: an investor, a startup or the commission.

    People act for it as its users (``models.user``); scripts with its API keys
    (``models.api_key``).
    """

    __tablename__ = "accounts"

    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="account_role",
            native_enum=False,
            length=20,
            values_callable=lambda roles: [r.value for r in roles],
        ),
    )
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
