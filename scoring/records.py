"""Plain records the scorer works on: no ORM, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InvestorRecord:
    """An investor's mandate."""

    id: str
    sectors: tuple[str, ...]
    stages: tuple[str, ...]
    ticket_min: Decimal
    ticket_max: Decimal
    currency: str
    thesis: str = ""
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """A financing request as the scorer sees it."""

    id: str
    sectors: tuple[str, ...]
    stage: str
    amount: Decimal
    currency: str
    text: str = ""
    region: str | None = None
    event: str | None = None
    text_counts: bytes | None = None
    """Stored hashed n-gram counts of ``text`` (``scoring.text.encode_counts``), if any."""
