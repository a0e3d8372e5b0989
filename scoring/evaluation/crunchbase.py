"""Crunchbase categories and round types mapped onto the scorer's sectors and stages.

The 42 Crunchbase categories become child codes under six parents, so the scorer's parent
and sibling rules apply (a web company is a sibling of an e-commerce one); the round types
become a stage ladder ordered by typical round size (median USD over the file: angel 0.4 M,
series A 4 M, unlabelled venture 6 M, series B 10 M, series C+ 15 M, private equity 14 M,
post-IPO 35 M).
"""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

from scoring.matcher import MatchScorer

SECTOR_PARENTS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "software": ("software", "enterprise", "analytics", "security", "network_hosting"),
        "internet": (
            "web",
            "ecommerce",
            "social",
            "search",
            "messaging",
            "mobile",
            "advertising",
            "public_relations",
        ),
        "media": ("games_video", "music", "photo_video", "news", "sports", "fashion", "design"),
        "life_science": ("biotech", "medical", "health"),
        "hardware": (
            "hardware",
            "semiconductor",
            "nanotech",
            "cleantech",
            "manufacturing",
            "automotive",
        ),
        "services": (
            "finance",
            "education",
            "consulting",
            "legal",
            "real_estate",
            "travel",
            "hospitality",
            "transportation",
            "local",
            "government",
            "nonprofit",
            "pets",
            "other",
        ),
    }
)
"""Parent sector of each Crunchbase category code."""

FALLBACK_SECTOR = "services.other"

STAGE_ORDER: tuple[str, ...] = (
    "crowdfunding",
    "angel",
    "series_a",
    "venture",
    "series_b",
    "series_c_plus",
    "private_equity",
    "post_ipo",
)
"""The stage ladder, earliest first."""

ROUND_TYPE_STAGES: MappingProxyType[str, str] = MappingProxyType(
    {
        "crowdfunding": "crowdfunding",
        "angel": "angel",
        "series-a": "series_a",
        "venture": "venture",
        # "other" rounds (debt, grants, unlabelled) are as large as an early venture round.
        "other": "venture",
        "series-b": "series_b",
        "series-c+": "series_c_plus",
        "private-equity": "private_equity",
        "post-ipo": "post_ipo",
    }
)
"""Stage of each Crunchbase funding round type."""

CURRENCY = "USD"
CNY_PER_USD = Decimal("6.2")
"""Average 2012-2013 rate; both sides are in USD, so only ratios of amounts matter."""

_SECTOR_OF = {
    category: f"{parent}.{category}"
    for parent, categories in SECTOR_PARENTS.items()
    for category in categories
}


def sector_of(category: str) -> str:
    """The sector code of a Crunchbase category (``web`` -> ``internet.web``)."""
    return _SECTOR_OF.get(category, FALLBACK_SECTOR)


def stage_of(round_type: str) -> str:
    """The stage code of a Crunchbase round type (``series-c+`` -> ``series_c_plus``)."""
    return ROUND_TYPE_STAGES.get(round_type, "venture")


def sector_codes() -> tuple[str, ...]:
    """Every sector code: each parent followed by its children."""
    codes: list[str] = []
    for parent, categories in SECTOR_PARENTS.items():
        codes.append(parent)
        codes.extend(f"{parent}.{category}" for category in categories)
    return tuple(codes)


def make_scorer() -> MatchScorer:
    """A MatchScorer with default weights over the Crunchbase sectors and stages."""
    return MatchScorer(
        sector_codes=sector_codes(),
        stage_order=STAGE_ORDER,
        cny_per_unit={"CNY": Decimal(1), CURRENCY: CNY_PER_USD},
    )
