from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class ModelStatus(enum.StrEnum):
    ACTIVE = "active"  # ranks the matches; at most one
    CANDIDATE = "candidate"  # trained, not (or no longer) serving
    RETIRED = "retired"  # served once, replaced by a better one


class RankingModel(IdMixin, Base):
    """A learned ranker version: its parameters as data, and how it did on held-out feedback."""

    __tablename__ = "ranking_models"

    version: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[ModelStatus] = mapped_column(
        Enum(
            ModelStatus,
            name="model_status",
            native_enum=False,
            length=20,
            values_callable=lambda members: [m.value for m in members],
        ),
        index=True,
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    trained_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
