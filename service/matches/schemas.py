from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from service.financing_requests.schemas import FinancingRequestOut
from service.investors.schemas import InvestorOut

Fit = Annotated[float, Field(ge=0, le=1)]
ItemT = TypeVar("ItemT")
Miss = Literal["sector", "ticket", "stage"]
NEAR_MISS_DESCRIPTION = (
    "True when the pair is not a match: sector (taxonomy or text evidence), ticket or stage "
    "has no fit at all. Near misses are listed only with include_near_misses=true"
)
MISSES_DESCRIPTION = "The components with no fit at all, for a near miss (empty for a match)"


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
    near_miss: bool = Field(default=False, description=NEAR_MISS_DESCRIPTION)
    misses: list[Miss] = Field(default_factory=list, description=MISSES_DESCRIPTION)


class InvestorMatchOut(BaseModel):
    investor: InvestorOut
    score: Fit
    components: ComponentsOut
    reasons: list[str]
    near_miss: bool = Field(default=False, description=NEAR_MISS_DESCRIPTION)
    misses: list[Miss] = Field(default_factory=list, description=MISSES_DESCRIPTION)


class MatchPage(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None
    total: int = Field(
        description=(
            "How many matches pass the filters and min_score (near misses included with "
            "include_near_misses=true)"
        )
    )
    model: RankingModelOut
