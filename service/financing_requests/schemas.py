from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Protocol

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from models import FinancingRequest, RequestStatus
from service.financing_requests.credit_code import credit_code_problem
from service.http.auth import Principal
from service.http.fields import (
    CurrencyCode,
    LongText,
    Money,
    Name,
    PatchModel,
    RegionCode,
    SectorList,
    StageCode,
    with_examples,
)
from service.i18n.amounts import readable_amount
from service.i18n.languages import DISPLAY_DESCRIPTION, current_language
from service.reference_data.catalog import get_reference_data
from service.reference_data.code_links import codes_of

Title = Annotated[str, Field(min_length=1, max_length=300)]
EnglishTitle = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        description="The title for investors who read English (optional)",
    ),
]
EnglishSummary = Annotated[
    str,
    Field(
        min_length=1,
        max_length=10000,
        description="The summary for investors who read English (optional)",
    ),
]


def _checked_credit_code(value: str) -> str:
    problem = credit_code_problem(value)
    if problem is not None:
        raise PydanticCustomError("credit_code", problem)
    return value


ContactName = Annotated[
    str, Field(min_length=1, max_length=100, description="Whom the commission calls about it")
]


def _half_width(value: object) -> object:
    """（021）５５５５－０１００ as a Chinese keyboard types it is (021)5555-0100."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


# A landline with its area code has 10 to 12 digits, a mobile 11, an international number at
# most 15 (E.164); fewer than 7 is a typing slip, not a number anyone answers.
FEWEST_PHONE_DIGITS = 7
MOST_PHONE_DIGITS = 15


def _phone_digits(value: str) -> str:
    digits = sum(character.isdigit() for character in value)
    if not FEWEST_PHONE_DIGITS <= digits <= MOST_PHONE_DIGITS:
        raise PydanticCustomError(
            "phone_digits",
            "A phone number has {fewest} to {most} digits",
            {"fewest": FEWEST_PHONE_DIGITS, "most": MOST_PHONE_DIGITS},
        )
    return value


ContactPhone = Annotated[
    str,
    Field(
        min_length=5,
        max_length=40,
        # A number may open with its area code in brackets: (021) 5555 0100.
        pattern=r"^\+?[0-9(][0-9 ()-]{3,38}$",
        examples=["+86 21 5555 0100"],
    ),
    BeforeValidator(_half_width),
    AfterValidator(_phone_digits),
]
CreditCode = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    Field(
        min_length=1,
        max_length=18,
        description="The company's unified social credit code (统一社会信用代码), check character "
        "verified",
        examples=["91310000MA1FL0ER26"],
    ),
    AfterValidator(_checked_credit_code),
]
EventId = Annotated[
    str, Field(min_length=1, max_length=36, description="The event it is presented at")
]


class FinancingRequestCreate(BaseModel):
    """A startup's request for capital."""

    model_config = with_examples(
        {
            "company": "Stepfun",
            "title": "Inference cluster",
            "sectors": ["ai.infrastructure"],
            "amount": "800000000",
            "currency": "CNY",
            "stage": "growth",
            "region": "xuhui",
            "contact_name": "张敏",
            "contact_phone": "+86 21 5555 0100",
            "credit_code": "91310000MA1FL0ER26",
        },
        {
            "company": "Bose Quantum",
            "title": "相干光量子计算机A轮融资",
            "summary": "相干光量子计算机",
            "title_en": "Quantum computing Series A",
            "summary_en": "Coherent optical quantum computers",
            "sectors": ["quantum"],
            "amount": "300000000",
            "stage": "series_a",
            "status": "draft",
        },
        write=True,
    )

    company: Name
    title: Title
    summary: LongText = ""
    title_en: EnglishTitle | None = None
    summary_en: EnglishSummary | None = None
    sectors: SectorList
    amount: Money
    currency: CurrencyCode = "CNY"
    stage: StageCode
    region: RegionCode | None = None
    event_id: EventId | None = None
    contact_name: ContactName | None = None
    contact_phone: ContactPhone | None = None
    credit_code: CreditCode | None = None
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

    model_config = with_examples(
        {"amount": "900000000", "summary": "推理集群扩容; inference cluster expansion"},
        {"status": "submitted"},
    )

    nullable_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "title_en",
            "summary_en",
            "region",
            "event_id",
            "contact_name",
            "contact_phone",
            "credit_code",
        }
    )

    company: Name | None = None
    title: Title | None = None
    summary: LongText | None = None
    title_en: EnglishTitle | None = None
    summary_en: EnglishSummary | None = None
    sectors: SectorList | None = None
    amount: Money | None = None
    currency: CurrencyCode | None = None
    stage: StageCode | None = None
    region: RegionCode | None = None
    event_id: EventId | None = None
    contact_name: ContactName | None = None
    contact_phone: ContactPhone | None = None
    credit_code: CreditCode | None = None
    status: OwnerStatusChange | None = None


class ReviewDecision(BaseModel):
    model_config = with_examples(
        {"decision": "publish"},
        {"decision": "reject", "note": "Please add audited accounts for 2025"},
        write=True,
    )

    decision: Literal["publish", "reject"]
    note: LongText | None = Field(
        default=None, description="Required when rejecting: it goes back to the startup"
    )


REQUEST_DISPLAY_EXAMPLE = {
    "sectors": ["基础大模型"],
    "stage": "C轮",
    "region": "徐汇区",
    "currency": "人民币",
    "amount": "30亿元（3,000,000,000 CNY）",
}


class RequestDisplayOut(BaseModel):
    """What a person reads: each code's name and the amount in 亿/万 (or million/billion)
    beside the exact figure, in the caller's language (Accept-Language; Chinese by default)."""

    model_config = with_examples(REQUEST_DISPLAY_EXAMPLE)

    sectors: list[str] = Field(description="The sectors' names, in the order of the codes")
    stage: str
    region: str | None
    currency: str
    amount: str = Field(examples=["30亿元（3,000,000,000 CNY）"])

    @classmethod
    def of(cls, request: StoredRequestFields, sectors: list[str]) -> RequestDisplayOut:
        reference, language = get_reference_data(), current_language()
        return cls(
            sectors=[reference.name_of("sector", code, language) for code in sectors],
            stage=reference.name_of("stage", request.stage, language),
            region=None
            if request.region is None
            else reference.name_of("region", request.region, language),
            currency=reference.name_of("currency", request.currency, language),
            amount=readable_amount(request.amount, request.currency, language),
        )


def sees_private_fields(viewer: Principal, owner_account_id: str | None) -> bool:
    """Whether ``viewer`` reads a request's owner, review note and contact (the commission
    and the owner do; investors read null)."""
    return viewer.is_commission or viewer.owns(owner_account_id)


class FinancingRequestOut(BaseModel):
    model_config = with_examples(
        {
            "id": "7d4c2b19-5e3f-4a6b-8c1d-9f0e2a4b6c54",
            "owner_account_id": "8a2d4e61-3b5c-4f9a-a1d7-6c0e9b8f7a21",
            "display": REQUEST_DISPLAY_EXAMPLE,
            "company": "Stepfun",
            "title": "基础大模型C轮融资",
            "summary": "基础大模型研发与训练算力",
            "title_en": "Foundation model training round",
            "summary_en": "Research and training compute for a foundation model",
            "sectors": ["ai.foundation_models"],
            "amount": "3000000000.00",
            "currency": "CNY",
            "stage": "series_c",
            "region": "xuhui",
            "event_id": "2b8f6e3d-1a9c-4d7e-b5f2-4c3a1e0d9f65",
            "status": "published",
            "review_note": None,
            "reviewed_at": "2026-11-21T09:30:00Z",
            "published_at": "2026-11-21T09:30:00Z",
            "created_at": "2026-11-21T09:30:00Z",
            "updated_at": "2026-11-21T09:30:00Z",
            "revision": 3,
        }
    )

    id: str
    owner_account_id: str | None = Field(description="Hidden (null) from investors")
    display: RequestDisplayOut = Field(description=DISPLAY_DESCRIPTION)
    company: str
    title: str
    summary: str
    title_en: str | None = Field(description="The title for investors who read English")
    summary_en: str | None = Field(description="The summary for investors who read English")
    sectors: list[str]
    amount: Money
    currency: str
    stage: str
    region: str | None
    event_id: str | None
    status: RequestStatus
    review_note: str | None = Field(description="Hidden (null) from investors")
    contact_name: str | None = Field(default=None, description="Hidden (null) from investors")
    contact_phone: str | None = Field(default=None, description="Hidden (null) from investors")
    credit_code: str | None = Field(default=None, description="Hidden (null) from investors")
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
        private = sees_private_fields(viewer, request.owner_account_id)
        return cls(
            id=request.id,
            owner_account_id=request.owner_account_id if private else None,
            display=RequestDisplayOut.of(request, sectors),
            company=request.company,
            title=request.title,
            summary=request.summary,
            title_en=request.title_en,
            summary_en=request.summary_en,
            sectors=sectors,
            amount=request.amount,
            currency=request.currency,
            stage=request.stage,
            region=request.region,
            event_id=request.event_id,
            status=request.status,
            review_note=request.review_note if private else None,
            contact_name=request.contact_name if private else None,
            contact_phone=request.contact_phone if private else None,
            credit_code=request.credit_code if private else None,
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
    def title_en(self) -> str | None: ...
    @property
    def summary_en(self) -> str | None: ...
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
    def contact_name(self) -> str | None: ...
    @property
    def contact_phone(self) -> str | None: ...
    @property
    def credit_code(self) -> str | None: ...
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
