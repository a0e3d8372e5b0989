"""The match report document (the JSON contract of `GET /v1/reports/{id}`): written and read.

`compute_report` builds a `ReportDocument`; the stored JSON is its `model_dump(mode="json")`,
and every reader (JSON, CSV and HTML responses, the CLI) validates the stored JSON back into
it. The order of the fields is the order of the keys in the JSON. Amounts are `Decimal`s with
two places, written as decimal strings; scores are floats in [0, 1].

Every part forbids unknown fields, so a misspelt one fails where the document is built or
read. The published schema (OpenAPI) is kept as it was before the writer used these models:
without ``additionalProperties: false``, and without the fields marked `SkipJsonSchema`, which
the document always carried but the schema never listed; listing them is an API change of its
own (the OpenAPI checksum of tests/http/test_openapi_contract.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

CENT = Decimal("0.01")


def _refuse_floats(value: object) -> object:
    # A float amount has already lost cents somewhere upstream: fail loudly, print nothing wrong.
    if isinstance(value, float):
        raise ValueError("amounts must be decimal strings, never floats")
    return value


ExactAmount = Annotated[Decimal, BeforeValidator(_refuse_floats)]


def cents(amount: Decimal) -> Decimal:
    """An amount as the document writes it: rounded to two places ("1200000000.50")."""
    return amount.quantize(CENT)


def _as_published(schema: dict[str, Any]) -> None:
    # extra="forbid" checks the document; the published schema stays as it was without it.
    if schema.get("additionalProperties") is False:
        del schema["additionalProperties"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_as_published)


def _absent(value: object) -> bool:
    return value is None


class Scope(_Part):
    event_id: str | None = None
    event_name: str | None = None
    sectors: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    # The event's date and place as they were when the report ran. Written only when known:
    # documents stored before they were recorded, and reports over every event, read back
    # byte for byte without them.
    event_date: date | None = Field(default=None, exclude_if=_absent)
    event_place: str | None = Field(default=None, exclude_if=_absent)
    # The event's English name and place, for readers in English; written only when the
    # event has them.
    event_name_en: str | None = Field(default=None, exclude_if=_absent)
    event_place_en: str | None = Field(default=None, exclude_if=_absent)


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
    blocked_pairs: int | None = Field(
        default=None,
        exclude_if=_absent,
        description=(
            "Pairs of a foreign investor and a request that the foreign-investment negative "
            "list of the request's region closes, which would otherwise have been matches at "
            "or above min_score: counted here, in no other figure. Absent when no foreign "
            "investor is in scope (and in reports made before the lists were read)"
        ),
    )


class CoverageBucket(_Part):
    label: str
    requests: int


class Coverage(_Part):
    """Requests by how many investors match them at or above min_score."""

    min_investors: int
    covered: int
    uncovered: int
    buckets: list[CoverageBucket] = Field(default_factory=list)
    counted_by: Literal["firm"] | None = Field(
        default=None,
        exclude_if=_absent,
        description=(
            "'firm': an investor is a firm, counted once however many of its mandates match "
            "(here, in each request's investors_above_min_score and in fitting_investors). "
            "Absent in reports made before, which counted each mandate"
        ),
    )

    @property
    def by_firm(self) -> bool:
        return self.counted_by == "firm"


class UnmatchedRequest(_Part):
    financing_request_id: str
    company: str
    title: str
    # The English title, for readers in English; written only when the request has one.
    title_en: str | None = Field(default=None, exclude_if=_absent)
    sectors: list[str] = Field(default_factory=list)
    stage: str | None = None
    amount: ExactAmount
    currency: str
    investors_above_min_score: int = Field(
        description="Investors with a mandate matching at or above min_score: firms, each "
        "once, where coverage.counted_by is 'firm'; mandates in older reports"
    )
    best_score: float | None = None


class CapitalRow(_Part):
    """Capital asked against capital available from fitting investors, for a sector or stage."""

    code: str
    name: str
    requests: int
    capital_asked: ExactAmount
    fitting_investors: int = Field(
        description="Investors with a mandate matching a request of this sector or stage at "
        "or above min_score: firms, each once, where coverage.counted_by is 'firm'; mandates "
        "in older reports"
    )
    capital_available: ExactAmount = Field(
        description="The sum of the ticket maximum of every such mandate: a firm's funds are "
        "separate pools, so each adds its own"
    )


class StoredReason(_Part):
    """A reason as the report keeps it: what it is about and its values, written as a
    sentence only when read, in the reader's language (see ``service.i18n.reasons``)."""

    kind: str
    outcome: str
    values: dict[str, str | list[str]] = Field(default_factory=dict)


class RankedInvestor(_Part):
    investor_profile_id: str
    name: str
    firm: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="The firm (account) whose mandate it is, where the firm keeps more than "
        "one mandate in the report's scope",
    )
    score: float
    reasons: list[StoredReason] = Field(default_factory=list)


class RequestMatches(_Part):
    financing_request_id: str
    company: str
    title: str
    # The English title, for readers in English; written only when the request has one.
    title_en: str | None = Field(default=None, exclude_if=_absent)
    sectors: SkipJsonSchema[list[str]]
    stage: SkipJsonSchema[str]
    amount: ExactAmount
    currency: str
    investors_above_min_score: SkipJsonSchema[int]
    seen_by_investors: int = Field(
        default=0,
        description="Investors whose pages of matches showed it in their top 20: firms, each "
        "once, where coverage.counted_by is 'firm'; mandates in older reports",
    )
    top_investors: list[RankedInvestor] = Field(default_factory=list)


class RankedRequest(_Part):
    financing_request_id: str
    company: str
    title: str
    # The English title, for readers in English; written only when the request has one.
    title_en: str | None = Field(default=None, exclude_if=_absent)
    score: float
    reasons: list[StoredReason] = Field(default_factory=list)


class InvestorMatches(_Part):
    investor_profile_id: str
    name: str
    firm: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="The firm (account) whose mandate it is, where the firm keeps more than "
        "one mandate in the report's scope",
    )
    top_requests: list[RankedRequest] = Field(default_factory=list)


class Funnel(_Part):
    matched: int
    interested: int
    meeting: int
    committed: int
    committed_amount: ExactAmount
    currency: str = "CNY"


class Exposure(_Part):
    """Who saw what: requests in scope that some investor's pages of matches showed in its
    first ``top``, and those nobody saw (largest ask first), for outreach."""

    top: int
    seen: int
    unseen: int
    unseen_requests: list[UnmatchedRequest] = Field(default_factory=list)


class Listed(_Part):
    """How many entries the document lists when it caps its long lists (`limit` each)."""

    limit: int | None = None
    requests: SkipJsonSchema[int]
    unmatched: SkipJsonSchema[int]
    investors: SkipJsonSchema[int]


class OutcomeFigure(_Part):
    """What the meetings became, for one row (or the total): as
    ``GET /v1/outcomes/figures`` gives it. Amounts in CNY; rates with four places."""

    key: str
    name: str
    # An event's English name, for readers in English; written only for an event with one.
    name_en: str | None = Field(default=None, exclude_if=_absent)
    meetings: int
    met_and_signed: int
    deals: int
    signed: int
    signing_rate: Decimal | None = None
    signed_amount_cny: ExactAmount
    funds_in_place_cny: ExactAmount
    funds_in_place_ratio: Decimal | None = None
    overdue_registration: int
    overdue_production: int
    abandoned: int


class OutcomeBreakdown(_Part):
    by: str = Field(description="event, sector, region or origin")
    groups: list[OutcomeFigure] = Field(default_factory=list)


class OutcomeDoubleClaim(_Part):
    credit_code: str
    outcome_ids: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    event_ids: list[str] = Field(default_factory=list)


class OutcomeFigures(_Part):
    """The commission's figures as they were when the report ran: of the report's event only
    when it has one (deadlines judged on ``as_of``)."""

    as_of: date
    total: OutcomeFigure
    breakdowns: list[OutcomeBreakdown] = Field(default_factory=list)
    double_claims: list[OutcomeDoubleClaim] = Field(default_factory=list)


class ReportDocument(_Part):
    id: str
    created_at: datetime
    created_by_account_id: str | None = None
    # Who ran it: the person (null for an account's key or the command line) and the name
    # the runner went by then.
    created_by_user_id: str | None = None
    created_by_name: str | None = None
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
    exposure: Exposure | None = None
    listed: Listed | None = None
    # Written by reports made since outcomes are tracked; older ones read back without it.
    outcomes: OutcomeFigures | None = Field(default=None, exclude_if=_absent)

    @property
    def unmatched_total(self) -> int:
        """Requests with no investor above min_score: the '0' coverage bucket counts them all,
        where the unmatched list may be capped."""
        for bucket in self.coverage.buckets:
            if bucket.label == "0":
                return bucket.requests
        return len(self.unmatched)
