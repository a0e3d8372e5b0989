from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator

from models import Deal
from service.http.fields import (
    WRITE_MODEL_CONFIG,
    CurrencyCode,
    Money,
    Name,
    RegionCode,
    SectorCode,
    StageCode,
)


class DealWrite(BaseModel):
    """A financing the investor took part in, for its track record."""

    model_config = WRITE_MODEL_CONFIG

    company: Name
    sector: SectorCode
    stage: StageCode
    region: RegionCode | None = None
    amount: Money | None = Field(default=None, description="The round's size, if known")
    currency: CurrencyCode | None = Field(default=None, description="Required with amount")
    closed_on: dt.date = Field(description="When the round closed; not in the future")

    @model_validator(mode="after")
    def _amount_has_currency(self) -> DealWrite:
        if (self.amount is None) != (self.currency is None):
            raise ValueError("amount and currency go together")
        return self


class DealOut(BaseModel):
    id: str
    investor_id: str
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
            company=deal.company,
            sector=deal.sector,
            stage=deal.stage,
            region=deal.region,
            amount=deal.amount,
            currency=deal.currency,
            closed_on=deal.closed_on,
            created_at=deal.created_at,
        )
