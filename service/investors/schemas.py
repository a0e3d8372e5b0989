from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel

from models import InvestorProfile
from service.http.fields import (
    WRITE_MODEL_CONFIG,
    CurrencyCode,
    LongText,
    Money,
    Name,
    PatchModel,
    RegionList,
    SectorList,
    StageList,
)
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


class InvestorCreate(BaseModel):
    """An investor's mandate."""

    model_config = WRITE_MODEL_CONFIG

    name: Name
    kind: InvestorKind
    origin: Origin
    sectors: SectorList
    thesis: LongText = ""
    ticket_min: Money
    ticket_max: Money
    currency: CurrencyCode = "CNY"
    stages: StageList
    regions: RegionList = []
    owner_account_id: str | None = None


class InvestorUpdate(PatchModel):
    """Fields to change; absent fields stay as they are."""

    model_config = WRITE_MODEL_CONFIG

    name: Name | None = None
    kind: InvestorKind | None = None
    origin: Origin | None = None
    sectors: SectorList | None = None
    thesis: LongText | None = None
    ticket_min: Money | None = None
    ticket_max: Money | None = None
    currency: CurrencyCode | None = None
    stages: StageList | None = None
    regions: RegionList | None = None


class InvestorOut(BaseModel):
    id: str
    owner_account_id: str | None
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
    def from_model(cls, profile: InvestorProfile) -> InvestorOut:
        return cls(
            id=profile.id,
            owner_account_id=profile.owner_account_id,
            name=profile.name,
            kind=InvestorKind(profile.kind),
            origin=Origin(profile.origin),
            sectors=codes_of(profile.sector_links),
            thesis=profile.thesis,
            ticket_min=profile.ticket_min,
            ticket_max=profile.ticket_max,
            currency=profile.currency,
            stages=get_reference_data().in_stage_order(codes_of(profile.stage_links)),
            regions=codes_of(profile.region_links),
            created_at=profile.created_at,
            updated_at=profile.updated_at,
            revision=profile.revision,
        )
