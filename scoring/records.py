"""Plain records the scorer works on: no ORM, no HTTP."""

from __future__ import annotations

from collections.abc import Sequence
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
    event_id: str | None = None
    text_counts: bytes | None = None
    """Stored hashed n-gram counts of ``text`` (``scoring.text.encode_counts``), if any."""
    company: str = ""
    """The company raising: deal-history features look for it in an investor's portfolio."""


@dataclass(frozen=True, slots=True)
class RequestColumns:
    """Many requests column by column: what bulk loaders produce without per-row objects.

    ``amounts`` are floats in each request's own currency: the scorer only compares them,
    money itself stays exact in the records and the database.
    """

    ids: list[str]
    sectors: list[tuple[str, ...]]
    stages: list[str]
    amounts: list[float]
    currencies: list[str]
    regions: list[str | None]
    event_ids: list[str | None]
    texts: list[str]
    text_counts: list[bytes | None]
    companies: list[str] | None = None
    """Company names (None: unknown for every request)."""

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(cls, records: Sequence[RequestRecord]) -> RequestColumns:
        return cls(
            ids=[r.id for r in records],
            sectors=[r.sectors for r in records],
            stages=[r.stage for r in records],
            amounts=[float(r.amount) for r in records],
            currencies=[r.currency for r in records],
            regions=[r.region for r in records],
            event_ids=[r.event_id for r in records],
            texts=[r.text for r in records],
            text_counts=[r.text_counts for r in records],
            companies=[r.company for r in records],
        )

    def take(self, rows: Sequence[int]) -> RequestColumns:
        """The given rows, in that order."""
        return RequestColumns(
            ids=[self.ids[i] for i in rows],
            sectors=[self.sectors[i] for i in rows],
            stages=[self.stages[i] for i in rows],
            amounts=[self.amounts[i] for i in rows],
            currencies=[self.currencies[i] for i in rows],
            regions=[self.regions[i] for i in rows],
            event_ids=[self.event_ids[i] for i in rows],
            texts=[self.texts[i] for i in rows],
            text_counts=[self.text_counts[i] for i in rows],
            companies=None if self.companies is None else [self.companies[i] for i in rows],
        )

    def __add__(self, other: RequestColumns) -> RequestColumns:
        return RequestColumns(
            ids=self.ids + other.ids,
            sectors=self.sectors + other.sectors,
            stages=self.stages + other.stages,
            amounts=self.amounts + other.amounts,
            currencies=self.currencies + other.currencies,
            regions=self.regions + other.regions,
            event_ids=self.event_ids + other.event_ids,
            texts=self.texts + other.texts,
            text_counts=self.text_counts + other.text_counts,
            companies=self.company_names() + other.company_names(),
        )

    def company_names(self) -> list[str]:
        """The company of every request ("" where unknown)."""
        return [""] * len(self.ids) if self.companies is None else self.companies

    @classmethod
    def empty(cls) -> RequestColumns:
        return cls([], [], [], [], [], [], [], [], [])
