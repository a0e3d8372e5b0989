from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from models import InvestorProfile
from scoring import InvestorRecord
from service.http.fields import (
    CheckedTogether,
    CrossFieldProblem,
    CurrencyCode,
    LongText,
    Money,
    Name,
    PatchModel,
    RegionList,
    SectorList,
    StageList,
    code_from_name,
    with_examples,
)
from service.i18n.amounts import readable_amount
from service.i18n.languages import DISPLAY_DESCRIPTION, current_language
from service.investors.cards import ProfileCard
from service.reference_data.catalog import get_reference_data
from service.reference_data.code_links import codes_of


class InvestorKind(StrEnum):
    VC = "vc"
    PE = "pe"
    CVC = "cvc"
    ANGEL = "angel"
    GOVERNMENT_FUND = "government_fund"
    BANK = "bank"
    FAMILY_OFFICE = "family_office"
    OTHER = "other"


class Origin(StrEnum):
    DOMESTIC = "domestic"
    FOREIGN = "foreign"


KindInput = Annotated[
    InvestorKind,
    BeforeValidator(code_from_name("investor_kind")),
    Field(description="A kind code, or its Chinese or English name (私募股权, Private equity)"),
]
OriginInput = Annotated[
    Origin,
    BeforeValidator(code_from_name("origin")),
    Field(description="domestic or foreign, or its Chinese or English name (境内, 境外)"),
]


def ticket_range_problem(ticket_min: Decimal, ticket_max: Decimal) -> CrossFieldProblem | None:
    """ticket_min above ticket_max: a problem naming both."""
    if ticket_min <= ticket_max:
        return None
    message = f"ticket_min {ticket_min} is above ticket_max {ticket_max}"
    return CrossFieldProblem(("ticket_min", "ticket_max"), "ticket_range", message)


def _ticket_problems(values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
    ticket_min, ticket_max = values.get("ticket_min"), values.get("ticket_max")
    if ticket_min is not None and ticket_max is not None:
        problem = ticket_range_problem(ticket_min, ticket_max)
        if problem:
            yield problem


class InvestorCreate(CheckedTogether):
    """An investor's mandate."""

    model_config = with_examples(
        {
            "name": "Hillhouse Capital",
            "kind": "pe",
            "origin": "domestic",
            "sectors": ["ai", "semiconductors.design"],
            "thesis": "基础大模型与芯片设计; foundation models and chips",
            "ticket_min": "1500000000",
            "ticket_max": "5000000000",
            "currency": "CNY",
            "stages": ["series_b", "series_c", "growth"],
            "regions": ["pudong", "xuhui"],
        },
        write=True,
    )

    name: Name
    kind: KindInput
    origin: OriginInput
    sectors: SectorList
    thesis: LongText = ""
    ticket_min: Money
    ticket_max: Money
    currency: CurrencyCode = "CNY"
    stages: StageList
    regions: RegionList = Field(default=[])
    owner_account_id: str | None = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        return _ticket_problems(values)


class InvestorUpdate(CheckedTogether, PatchModel):
    """Fields to change; absent fields stay as they are.

    Both tickets given: checked with the fields; one: against the stored other (the service).
    """

    model_config = with_examples(
        {"ticket_max": "6000000000"},
        {"sectors": ["ai", "semiconductors"], "stages": ["series_c", "growth"]},
    )

    name: Name | None = None
    kind: KindInput | None = None
    origin: OriginInput | None = None
    sectors: SectorList | None = None
    thesis: LongText | None = None
    ticket_min: Money | None = None
    ticket_max: Money | None = None
    currency: CurrencyCode | None = None
    stages: StageList | None = None
    regions: RegionList | None = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        return _ticket_problems(values)


INVESTOR_DISPLAY_EXAMPLE = {
    "kind": "私募股权",
    "origin": "境内",
    "sectors": ["人工智能", "芯片设计"],
    "stages": ["B轮", "C轮", "成长期"],
    "regions": ["浦东新区", "徐汇区"],
    "currency": "人民币",
    "ticket_min": "15亿元（1,500,000,000 CNY）",
    "ticket_max": "50亿元（5,000,000,000 CNY）",
}


class InvestorDisplayOut(BaseModel):
    """What a person reads of a mandate: names for its codes, its ticket range in 亿/万 (or
    million/billion) beside the exact figures, in the caller's language."""

    model_config = with_examples(INVESTOR_DISPLAY_EXAMPLE)

    kind: str
    origin: str
    sectors: list[str] = Field(description="The sectors' names, in the order of the codes")
    stages: list[str]
    regions: list[str]
    currency: str
    ticket_min: str = Field(examples=["15亿元（1,500,000,000 CNY）"])
    ticket_max: str

    @classmethod
    def of(
        cls,
        profile: InvestorProfile | ProfileCard,
        *,
        sectors: list[str],
        stages: list[str],
        regions: list[str],
    ) -> InvestorDisplayOut:
        reference, language = get_reference_data(), current_language()
        return cls(
            kind=reference.name_of("investor_kind", profile.kind, language),
            origin=reference.name_of("origin", profile.origin, language),
            sectors=[reference.name_of("sector", code, language) for code in sectors],
            stages=[reference.name_of("stage", code, language) for code in stages],
            regions=[reference.name_of("region", code, language) for code in regions],
            currency=reference.name_of("currency", profile.currency, language),
            ticket_min=readable_amount(profile.ticket_min, profile.currency, language),
            ticket_max=readable_amount(profile.ticket_max, profile.currency, language),
        )


class InvestorOut(BaseModel):
    model_config = with_examples(
        {
            "id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
            "owner_account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "display": INVESTOR_DISPLAY_EXAMPLE,
            "name": "Hillhouse Capital",
            "kind": "pe",
            "origin": "domestic",
            "sectors": ["ai", "semiconductors.design"],
            "thesis": "基础大模型与芯片设计; foundation models and chips",
            "ticket_min": "1500000000.00",
            "ticket_max": "5000000000.00",
            "currency": "CNY",
            "stages": ["series_b", "series_c", "growth"],
            "regions": ["pudong", "xuhui"],
            "created_at": "2026-11-21T09:30:00Z",
            "updated_at": "2026-11-21T09:30:00Z",
            "revision": 1,
        }
    )

    id: str
    owner_account_id: str | None
    display: InvestorDisplayOut = Field(description=DISPLAY_DESCRIPTION)
    name: str
    kind: InvestorKind
    origin: Origin
    sectors: list[str]
    thesis: str
    ticket_min: Money
    ticket_max: Money
    currency: str
    stages: list[str]
    regions: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int

    @classmethod
    def from_model(
        cls, profile: InvestorProfile | ProfileCard, codes: InvestorRecord | None = None
    ) -> InvestorOut:
        """The profile (or a ranking's card of it); its sectors, stages and regions from
        ``codes`` when given (a ranking's record of it, so its code rows need not be loaded),
        else from its code rows."""
        if codes is not None:
            sectors, stage_codes, regions = (
                list(codes.sectors),
                list(codes.stages),
                list(codes.regions),
            )
        elif isinstance(profile, InvestorProfile):
            sectors = codes_of(profile.sector_links)
            stage_codes = codes_of(profile.stage_links)
            regions = codes_of(profile.region_links)
        else:
            raise TypeError("a profile card carries no codes: pass the ranking's record of it")
        stages = get_reference_data().in_stage_order(stage_codes)
        return cls(
            id=profile.id,
            owner_account_id=profile.owner_account_id,
            display=InvestorDisplayOut.of(profile, sectors=sectors, stages=stages, regions=regions),
            name=profile.name,
            kind=InvestorKind(profile.kind),
            origin=Origin(profile.origin),
            sectors=sectors,
            thesis=profile.thesis,
            ticket_min=profile.ticket_min,
            ticket_max=profile.ticket_max,
            currency=profile.currency,
            stages=stages,
            regions=regions,
            created_at=profile.created_at,
            updated_at=profile.updated_at,
            revision=profile.revision,
        )
