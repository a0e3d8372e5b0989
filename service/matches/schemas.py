from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from scoring.reasons import ReasonKind
from service.financing_requests.schemas import FinancingRequestOut
from service.http.fields import with_examples
from service.investors.schemas import InvestorOut

Fit = Annotated[float, Field(ge=0, le=1)]
ItemT = TypeVar("ItemT")
Miss = Literal["sector", "ticket", "stage"]
NEAR_MISS_DESCRIPTION = (
    "True when the pair is not a match: sector (taxonomy or text evidence), ticket or stage "
    "has no fit at all. Near misses are listed only with include_near_misses=true"
)
MISSES_DESCRIPTION = "The components with no fit at all, for a near miss (empty for a match)"


REASON_EXAMPLE = {
    "kind": "ticket",
    "outcome": "within",
    "text": "金额：30亿元（3,000,000,000 CNY）在您的单笔投资区间15亿元（1,500,000,000 CNY）至50亿元"
    "（5,000,000,000 CNY）之内",
    "values": {
        "amount": "3000000000.00",
        "low": "1500000000.00",
        "high": "5000000000.00",
        "currency": "CNY",
    },
}


class ReasonOut(BaseModel):
    """One finding about the pair: what it is about (kind), what was found (outcome), its
    values, and a sentence saying so in the caller's language, written for the caller (the
    investor reads "your"; the commission and the startup read the investor's name)."""

    model_config = with_examples(REASON_EXAMPLE)

    kind: ReasonKind
    outcome: str = Field(
        description=(
            "sector: same, within, broader, sibling, outside; ticket: within, above, below, "
            "no_rate; stage: same, after, before, unknown_stage, no_mandate_stage; region: "
            "inside, outside; text: shared_terms; track_record: follow_on, sector_deals; "
            "foreign_investment (a foreign investor and a request the negative list of its "
            "region restricts): restricted, prohibited (only where blocked pairs are shown)"
        )
    )
    text: str
    values: dict[str, str | list[str]] = Field(
        description=(
            "Codes (request_codes, mandate_codes), exact amounts in the request's currency "
            "(amount, low, high, currency, converted_from; with converted_from, the mandate's "
            "own range in that currency: own_low, own_high), ratio, steps, shared terms, "
            "deal counts (count, total) or company, as the kind has them; foreign_investment: "
            "the negative list (list) and its items (items), described by GET "
            "/v1/compliance/lists"
        )
    )


def _example_of(model: type[BaseModel]) -> dict[str, Any]:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    examples = extra["examples"]
    assert isinstance(examples, list)
    example = examples[0]
    assert isinstance(example, dict)
    return example


COMPONENTS_EXAMPLE = {"sector": 1.0, "ticket": 1.0, "stage": 1.0}
RANKING_MODEL_EXAMPLE = {"version": "default-v1", "weights": None}
REQUEST_MATCH_EXAMPLE = {
    "financing_request": _example_of(FinancingRequestOut),
    "score": 0.96,
    "components": COMPONENTS_EXAMPLE,
    "reasons": [REASON_EXAMPLE],
    "near_miss": False,
    "misses": [],
}
INVESTOR_MATCH_EXAMPLE = {
    "investor": _example_of(InvestorOut),
    "score": 0.96,
    "components": COMPONENTS_EXAMPLE,
    "reasons": [
        {
            **REASON_EXAMPLE,
            "text": "金额：30亿元（3,000,000,000 CNY）在Hillhouse Capital的单笔投资区间"
            "15亿元（1,500,000,000 CNY）至50亿元（5,000,000,000 CNY）之内",
        }
    ],
    "near_miss": False,
    "misses": [],
}


class ComponentsOut(BaseModel):
    model_config = with_examples(COMPONENTS_EXAMPLE)

    sector: Fit
    ticket: Fit
    stage: Fit


class RankingModelOut(BaseModel):
    """Which model ranked the list, so a result can be reproduced."""

    model_config = with_examples(RANKING_MODEL_EXAMPLE)

    version: str
    weights: dict[str, float] | None = Field(
        default=None,
        description=(
            "The model's weights, shown to the commission only (null for investors, who see "
            "their own pair's components)"
        ),
    )


class RequestMatchOut(BaseModel):
    model_config = with_examples(REQUEST_MATCH_EXAMPLE)

    financing_request: FinancingRequestOut
    score: Fit
    components: ComponentsOut
    reasons: list[ReasonOut]
    near_miss: bool = Field(default=False, description=NEAR_MISS_DESCRIPTION)
    misses: list[Miss] = Field(default_factory=list, description=MISSES_DESCRIPTION)


class InvestorMatchOut(BaseModel):
    model_config = with_examples(INVESTOR_MATCH_EXAMPLE)

    investor: InvestorOut
    score: Fit
    components: ComponentsOut
    reasons: list[ReasonOut]
    near_miss: bool = Field(default=False, description=NEAR_MISS_DESCRIPTION)
    misses: list[Miss] = Field(default_factory=list, description=MISSES_DESCRIPTION)


class MatchPage(BaseModel, Generic[ItemT]):
    model_config = with_examples(
        {
            "items": [REQUEST_MATCH_EXAMPLE],
            "next_cursor": None,
            "total": 1,
            "model": RANKING_MODEL_EXAMPLE,
        }
    )

    items: list[ItemT]
    next_cursor: str | None
    total: int = Field(
        description=(
            "How many matches pass the filters and min_score (near misses included with "
            "include_near_misses=true)"
        )
    )
    model: RankingModelOut
