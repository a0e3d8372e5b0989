from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from models import Deal
from service.http.fields import (
    CheckedTogether,
    CrossFieldProblem,
    CurrencyCode,
    Money,
    Name,
    RegionCode,
    SectorCode,
    StageCode,
    with_examples,
)
from service.i18n.amounts import readable_amount
from service.i18n.languages import DISPLAY_DESCRIPTION, current_language
from service.reference_data.catalog import get_reference_data


class DealWrite(CheckedTogether):
    """A financing the investor took part in, for its track record."""

    model_config = with_examples(
        {
            "company": "Moonshot AI",
            "sector": "ai.foundation_models",
            "stage": "series_b",
            "region": "xuhui",
            "amount": "7000000000",
            "currency": "CNY",
            "closed_on": "2025-08-15",
        },
        {
            "company": "Biren Technology",
            "sector": "semiconductors.design",
            "stage": "series_c",
            "closed_on": "2024-03-01",
        },
        write=True,
    )

    company: Name
    sector: SectorCode
    stage: StageCode
    region: RegionCode | None = None
    amount: Money | None = Field(default=None, description="The round's size, if known")
    currency: CurrencyCode | None = Field(default=None, description="Required with amount")
    closed_on: dt.date = Field(description="When the round closed; not in the future")

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        if "amount" in values and "currency" in values:
            amount, currency = values["amount"], values["currency"]
            if (amount is None) != (currency is None):
                missing = "currency" if currency is None else "amount"
                yield CrossFieldProblem(
                    (missing,), "missing", "amount and currency go together: give both or neither"
                )


DEAL_DISPLAY_EXAMPLE = {
    "sector": "基础大模型",
    "stage": "B轮",
    "region": "徐汇区",
    "currency": "人民币",
    "amount": "70亿元（7,000,000,000 CNY）",
}


class DealDisplayOut(BaseModel):
    """What a person reads of a deal: names for its codes, the amount in 亿/万 (or
    million/billion) beside the exact figure, in the caller's language."""

    model_config = with_examples(DEAL_DISPLAY_EXAMPLE)

    sector: str
    stage: str
    region: str | None
    currency: str | None
    amount: str | None

    @classmethod
    def of(cls, deal: Deal) -> DealDisplayOut:
        reference, language = get_reference_data(), current_language()
        return cls(
            sector=reference.name_of("sector", deal.sector, language),
            stage=reference.name_of("stage", deal.stage, language),
            region=None
            if deal.region is None
            else reference.name_of("region", deal.region, language),
            currency=None
            if deal.currency is None
            else reference.name_of("currency", deal.currency, language),
            amount=None
            if deal.amount is None or deal.currency is None
            else readable_amount(deal.amount, deal.currency, language),
        )


class DealOut(BaseModel):
    model_config = with_examples(
        {
            "id": "6f3b9a1e-8c4d-4b2f-a7e6-1d9c0b5a3e98",
            "investor_id": "3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
            "display": DEAL_DISPLAY_EXAMPLE,
            "company": "Moonshot AI",
            "sector": "ai.foundation_models",
            "stage": "series_b",
            "region": "xuhui",
            "amount": "7000000000.00",
            "currency": "CNY",
            "closed_on": "2025-08-15",
            "created_at": "2026-11-21T09:30:00Z",
        }
    )

    id: str
    investor_id: str
    display: DealDisplayOut = Field(description=DISPLAY_DESCRIPTION)
    company: str
    sector: str
    stage: str
    region: str | None
    amount: Money | None
    currency: str | None
    closed_on: dt.date
    created_at: dt.datetime

    @classmethod
    def from_model(cls, deal: Deal) -> DealOut:
        return cls(
            id=deal.id,
            investor_id=deal.investor_profile_id,
            display=DealDisplayOut.of(deal),
            company=deal.company,
            sector=deal.sector,
            stage=deal.stage,
            region=deal.region,
            amount=deal.amount,
            currency=deal.currency,
            closed_on=deal.closed_on,
            created_at=deal.created_at,
        )
