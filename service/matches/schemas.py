from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field

from service.financing_requests.schemas import FinancingRequestOut
from service.investors.schemas import InvestorOut

Fit = Annotated[float, Field(ge=0, le=1)]
ItemT = TypeVar("ItemT")


class ComponentsOut(BaseModel):
    sector: Fit
    ticket: Fit
    stage: Fit


class RankingModelOut(BaseModel):
    """Which model ranked the list, so a result can be reproduced."""

    version: str
    weights: dict[str, float] | None = Field(
        default=None,
        description=(
            "The model's weights, shown to the commission only (null for investors, who see "
            "their own pair's components)"
        ),
    )


class RequestMatchOut(BaseModel):
    financing_request: FinancingRequestOut
    score: Fit
    components: ComponentsOut
    reasons: list[str]


class InvestorMatchOut(BaseModel):
    investor: InvestorOut
    score: Fit
    components: ComponentsOut
    reasons: list[str]


class MatchPage(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None
    total: int = Field(description="How many matches pass the filters and min_score")
    model: RankingModelOut
