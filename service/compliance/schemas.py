"""The compliance check and the negative lists as the API shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from service.http.fields import with_examples
from service.matches.schemas import ReasonOut

Outcome = Literal["prohibited", "restricted"]

BLOCKED_PAIR_EXAMPLE: dict[str, Any] = {
    "investor_profile_id": "9efd2746-5ad9-4049-a4d3-fbc238351962",
    "investor_name": "Blackstone",
    "financing_request_id": "2e23a11e-4774-4e4f-adef-a2d0aac63d74",
    "company": "Bilibili",
    "title": "New headquarters",
    "score": 0.94,
    "reason": {
        "kind": "foreign_investment",
        "outcome": "prohibited",
        "text": "外资准入：Blackstone为外资投资方，根据全国外资准入负面清单（2024年版），"
        "互联网新闻、出版、视听和文化经营禁止外商投资（示意性条目，请以官方文本为准）",
        "values": {"list": "national_2024", "items": ["national_2024.internet_content"]},
    },
}


class ListItemOut(BaseModel):
    id: str
    title: str
    measure: Outcome
    restriction: list[str] = Field(
        description="How it restricts: share_cap, chinese_control, joint_venture, chinese_led, "
        "ftz_pilot (empty for a prohibition)"
    )
    max_foreign_percent: int | None = None
    text: str = Field(description="The item's wording where quoted, else a paraphrase")
    quoted: str | None = Field(
        description="The item's official wording, only where it was checked against a source"
    )
    sectors: list[str] = Field(description="Taxonomy sectors the item is mapped to")
    illustrative: bool = Field(
        description="True: written from memory, not checked against a public source"
    )
    mapping_note: str
    checked_against: list[str]


class NegativeListOut(BaseModel):
    id: str
    name: str
    edition: str
    source: dict[str, Any] = Field(
        description="Issuing bodies, order number, dates, URL and what was checked"
    )
    regions: list[str] = Field(description="Region codes read under this list")
    default: bool = Field(description="Read for every region not mapped to another list")
    items: list[ListItemOut]


class NegativeListsOut(BaseModel):
    note: str
    regions_note: str
    lists: list[NegativeListOut]


class AffectedRequestOut(BaseModel):
    financing_request_id: str
    company: str
    title: str
    sectors: list[str]
    region: str | None
    list_id: str = Field(description="The negative list read for the request's region")
    outcome: Outcome
    items: list[str]
    blocked_pairs: int = Field(description="Foreign mandates that would match but may not")
    restricted_pairs: int = Field(description="Foreign mandates that match with a restriction")


class AffectedMandateOut(BaseModel):
    investor_profile_id: str
    name: str
    blocked_pairs: int
    restricted_pairs: int


class CheckedPairOut(BaseModel):
    model_config = with_examples(BLOCKED_PAIR_EXAMPLE)

    investor_profile_id: str
    investor_name: str
    financing_request_id: str
    company: str
    title: str
    score: float = Field(description="What the pair would score under the default weights")
    reason: ReasonOut


class ComplianceCheckOut(BaseModel):
    """Published requests the negative lists restrict or close, the foreign mandates that
    touches, and the pairs: blocked (would match, may not) and restricted (match, with a
    reason)."""

    published_requests: int
    foreign_mandates: int
    requests: list[AffectedRequestOut]
    mandates: list[AffectedMandateOut]
    blocked_pairs: list[CheckedPairOut]
    restricted_pairs: list[CheckedPairOut]
