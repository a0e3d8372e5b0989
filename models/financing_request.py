from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin
from models.types import ExactMoney, UTCDateTime, utc_now


class RequestStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class FinancingRequest(IdMixin, Base):
    """A startup's ask for capital; only published requests are matched."""

    __tablename__ = "financing_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_financing_requests_created_at_id", "created_at", "id"),
    )

    owner_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    company: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The title and summary for investors who read English, both optional: the startup
    # writes them; a request without them reads as written in every language.
    title_en: Mapped[str | None] = mapped_column(String(300))
    summary_en: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(ExactMoney())
    currency: Mapped[str] = mapped_column(String(3))
    stage: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str | None] = mapped_column(String(32))
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[RequestStatus] = mapped_column(
        Enum(
            RequestStatus,
            name="request_status",
            native_enum=False,
            length=20,
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        index=True,
    )
    review_note: Mapped[str | None] = mapped_column(Text)
    # Who the commission calls about the request, and the company's unified social credit
    # code: shown to the startup and the commission only.
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Set at the first publication: a request investors have seen stays on record.
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Hashed character n-gram counts of title and summary, kept so the match index loads
    # without re-reading the text (see scoring.text.stored_text_counts).
    text_features: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now, index=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)

    sector_links: Mapped[list[FinancingRequestSector]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FinancingRequestSector.code",
    )

    __mapper_args__ = {"version_id_col": revision}


class FinancingRequestSector(Base):
    __tablename__ = "financing_request_sectors"

    financing_request_id: Mapped[str] = mapped_column(
        ForeignKey("financing_requests.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
