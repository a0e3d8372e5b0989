from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class Event(IdMixin, Base):
    """A conference or campaign at which financing requests are presented."""

    __tablename__ = "events"

    # Unique, so the command line and people can name an event unambiguously.
    name: Mapped[str] = mapped_column(String(200), unique=True)
    date: Mapped[dt.date] = mapped_column(Date)
    # A campaign may run in no single place.
    place: Mapped[str | None] = mapped_column(String(200))
    # The name and place as English readers read them (foreign investors), where the
    # commission gave them; else they read the name above, as written.
    name_en: Mapped[str | None] = mapped_column(String(200))
    place_en: Mapped[str | None] = mapped_column(String(200))
    # Conference day: slot times are shown in this zone (an IANA name), meetings sit at this
    # many tables per slot, and an investor account has at most this many meetings (None: no
    # cap). No tables: the event has no meeting programme yet.
    time_zone: Mapped[str] = mapped_column(
        String(64), default="Asia/Shanghai", server_default="Asia/Shanghai"
    )
    tables: Mapped[int | None] = mapped_column(Integer)
    investor_meeting_cap: Mapped[int | None] = mapped_column(Integer)
    # Deals of the event's requests are due registered this many months after signing, and
    # producing this many months after signing; past that they are flagged overdue.
    registration_due_months: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    production_due_months: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}
