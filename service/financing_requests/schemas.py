from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Protocol

from pydantic import BaseModel, Field

from models import FinancingRequest, RequestStatus
from service.http.auth import Principal
from service.http.fields import (
    WRITE_MODEL_CONFIG,
    CurrencyCode,
    LongText,
    Money,
    Name,
    PatchModel,
    RegionCode,
    SectorList,
    StageCode,
)
from service.reference_data.code_links import codes_of

Title = Annotated[str, Field(min_length=1, max_length=300)]
EventId = Annotated[
    str, Field(min_length=1, max_length=36, description="The event it is presented at")
]


class FinancingRequestCreate(BaseModel):
    """A startup's request for capital."""

    model_config = WRITE_MODEL_CONFIG

    company: Name
    title: Title
    summary: LongText = ""
    sectors: SectorList
    amount: Money
    currency: CurrencyCode = "CNY"
    stage: StageCode
    region: RegionCode | None = None
    event_id: EventId | None = None
    status: Literal["draft", "submitted"] = Field(
        default="submitted", description="Create as a draft to keep editing before review"
    )
    owner_account_id: str | None = Field(
        default=None, description="Commission only: the startup account that owns the request"
    )


class OwnerStatusChange(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class FinancingRequestUpdate(PatchModel):
    """Fields to change; ``status`` moves the request along its life cycle."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"region", "event_id"})

    company: Name | None = None
    title: Title | None = None
    summary: LongText | None = None
    sectors: SectorList | None = None
    amount: Money | None = None
    currency: CurrencyCode | None = None
    stage: StageCode | None = None
    region: RegionCode | None = None
    event_id: EventId | None = None
    status: OwnerStatusChange | None = None


class ReviewDecision(BaseModel):
    model_config = WRITE_MODEL_CONFIG

    decision: Literal["publish", "reject"]
    note: LongText | None = Field(
        default=None, description="Required when rejecting: it goes back to the startup"
    )


class FinancingRequestOut(BaseModel):
    id: str
    owner_account_id: str | None = Field(description="Hidden (null) from investors")
    company: str
    title: str
    summary: str
    sectors: list[str]
    amount: Money
    currency: str
    stage: str
    region: str | None
    event_id: str | None
    status: RequestStatus
    review_note: str | None = Field(description="Hidden (null) from investors")
    reviewed_at: dt.datetime | None
    published_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int

    @classmethod
    def from_model(cls, request: FinancingRequest, *, viewer: Principal) -> FinancingRequestOut:
        return cls.from_fields(request, sectors=codes_of(request.sector_links), viewer=viewer)

    @classmethod
    def from_fields(
        cls, request: StoredRequestFields, *, sectors: list[str], viewer: Principal
    ) -> FinancingRequestOut:
        """From an ORM object or a Core row with the same column names."""
        private = viewer.is_commission or viewer.owns(request.owner_account_id)
        return cls(
            id=request.id,
            owner_account_id=request.owner_account_id if private else None,
            company=request.company,
            title=request.title,
            summary=request.summary,
            sectors=sectors,
            amount=request.amount,
            currency=request.currency,
            stage=request.stage,
            region=request.region,
            event_id=request.event_id,
            status=request.status,
            review_note=request.review_note if private else None,
            reviewed_at=request.reviewed_at,
            published_at=request.published_at,
            created_at=request.created_at,
            updated_at=request.updated_at,
            revision=request.revision,
        )


class StoredRequestFields(Protocol):
    """The stored columns of a financing request, as an ORM object or a Core row has them."""

    @property
    def id(self) -> str: ...
    @property
    def owner_account_id(self) -> str | None: ...
    @property
    def company(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def region(self) -> str | None: ...
    @property
    def event_id(self) -> str | None: ...
    @property
    def status(self) -> RequestStatus: ...
    @property
    def review_note(self) -> str | None: ...
    @property
    def reviewed_at(self) -> dt.datetime | None: ...
    @property
    def published_at(self) -> dt.datetime | None: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def updated_at(self) -> dt.datetime: ...
    @property
    def revision(self) -> int: ...
