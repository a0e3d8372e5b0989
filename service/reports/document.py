"""The match report document (the JSON contract of `GET /v1/reports/{id}`), read for rendering.

Amounts arrive as decimal strings and stay `Decimal`; scores are floats in [0, 1]. Unknown keys
are ignored so the desk may add fields without breaking the renderer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _refuse_floats(value: object) -> object:
    # A float amount has already lost cents somewhere upstream: fail loudly, print nothing wrong.
    if isinstance(value, float):
        raise ValueError("amounts must be decimal strings, never floats")
    return value


ExactAmount = Annotated[Decimal, BeforeValidator(_refuse_floats)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Scope(_Part):
    event_id: str | None = None
    event_name: str | None = None
    sectors: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)


class RankingModel(_Part):
    version: str
    weights: dict[str, float] = Field(default_factory=dict)


class Counts(_Part):
    published_requests: int
    investors: int


class Totals(_Part):
    requests: int
    investors: int
    capital_asked: ExactAmount
    currency: str = "CNY"


class CoverageBucket(_Part):
    label: str
    requests: int


class Coverage(_Part):
    min_investors: int
    covered: int
    uncovered: int
    buckets: list[CoverageBucket] = Field(default_factory=list)


class UnmatchedRequest(_Part):
    financing_request_id: str
    company: str
    title: str
    sectors: list[str] = Field(default_factory=list)
    stage: str | None = None
    amount: ExactAmount
    currency: str
    investors_above_min_score: int
    best_score: float | None = None


class CapitalRow(_Part):
    """Capital asked against capital available from fitting investors, for a sector or stage."""

    code: str
    name: str
    requests: int
    capital_asked: ExactAmount
    fitting_investors: int
    capital_available: ExactAmount


class RankedInvestor(_Part):
    investor_profile_id: str
    name: str
    score: float
    reasons: list[str] = Field(default_factory=list)


class RequestMatches(_Part):
    financing_request_id: str
    company: str
    title: str
    amount: ExactAmount
    currency: str
    top_investors: list[RankedInvestor] = Field(default_factory=list)


class RankedRequest(_Part):
    financing_request_id: str
    company: str
    title: str
    score: float
    reasons: list[str] = Field(default_factory=list)


class InvestorMatches(_Part):
    investor_profile_id: str
    name: str
    top_requests: list[RankedRequest] = Field(default_factory=list)


class Funnel(_Part):
    matched: int
    interested: int
    meeting: int
    committed: int
    committed_amount: ExactAmount
    currency: str = "CNY"


class Listed(_Part):
    """How many entries the document lists when it caps its long lists (`limit` each)."""

    limit: int | None = None


class ReportDocument(_Part):
    id: str
    created_at: datetime
    created_by_account_id: str | None = None
    title: str
    scope: Scope
    top_k: int
    min_score: float
    model: RankingModel
    counts: Counts
    totals: Totals
    coverage: Coverage
    unmatched: list[UnmatchedRequest] = Field(default_factory=list)
    by_sector: list[CapitalRow] = Field(default_factory=list)
    by_stage: list[CapitalRow] = Field(default_factory=list)
    requests: list[RequestMatches] = Field(default_factory=list)
    investors: list[InvestorMatches] = Field(default_factory=list)
    funnel: Funnel | None = None
    listed: Listed | None = None

    @property
    def unmatched_total(self) -> int:
        """Requests with no investor above min_score: the '0' coverage bucket counts them all,
        where the unmatched list may be capped."""
        for bucket in self.coverage.buckets:
            if bucket.label == "0":
                return bucket.requests
        return len(self.unmatched)
