from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ChangeCounter(Base):
    """How many writes a table has had: bumped by database triggers (migration
    ``change_counters``) on every insert, update and delete, whatever wrote them, so a
    process can tell in one indexed read whether anything changed since it last looked."""

    __tablename__ = "change_counters"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
