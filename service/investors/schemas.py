from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from models import InvestorProfile
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
    with_examples,
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
    kind: InvestorKind
    origin: Origin
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
    kind: InvestorKind | None = None
    origin: Origin | None = None
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


class InvestorOut(BaseModel):
    model_config = with_examples(
        {
            "id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
            "owner_account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
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
