"""Investor/round rows of the Crunchbase 2013 export, as records and as columns.

The file itself stays outside the product (its licence is non-commercial); these readers take
its path.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scoring.history import DealColumns, Vocabulary

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DayArray = npt.NDArray[np.datetime64]

REQUIRED_COLUMNS = (
    "investor_name",
    "company_name",
    "company_permalink",
    "company_category_code",
    "company_region",
    "funding_round_type",
    "funded_at",
    "raised_amount_usd",
    "round_id",
)


@dataclass(frozen=True, slots=True)
class Deal:
    """One investor taking part in one funding round.

    ``amount_usd`` is the size of the whole round, not the investor's share; None when the
    source does not say.
    """

    investor: str
    company: str
    category: str
    round_type: str
    funded_at: dt.date
    amount_usd: Decimal | None
    round_id: int
    region: str = ""


def _parse_amount(text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {text!r}") from error
    return amount if amount.is_finite() and amount > 0 else None


def read_deals(path: Path) -> list[Deal]:
    """Every row of an ``investor_rounds.csv`` file as a Deal, in file order.

    Parameters
    ----------
    path : Path
        The CSV file (columns as described in the data set's README).

    Returns
    -------
    deals : list of Deal

    Raises
    ------
    ValueError
        When a required column is missing or a date or amount does not parse.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)}")
        return [
            Deal(
                investor=row["investor_name"],
                company=row["company_permalink"] or row["company_name"],
                category=row["company_category_code"] or "other",
                round_type=row["funding_round_type"] or "other",
                funded_at=dt.date.fromisoformat(row["funded_at"]),
                amount_usd=_parse_amount(row["raised_amount_usd"]),
                round_id=int(row["round_id"]),
                region=row["company_region"],
            )
            for row in reader
        ]


@dataclass(frozen=True, slots=True)
class Rounds:
    """Distinct funding rounds as columns; row ``j`` of every array is round ``j``."""

    round_ids: IntArray
    company: IntArray
    category: IntArray
    round_type: IntArray
    region: IntArray
    funded_at: DayArray
    amount_usd: FloatArray
    """NaN where the source gives no amount."""

    def __len__(self) -> int:
        return int(self.round_ids.shape[0])

    def take(self, rows: npt.NDArray[np.intp]) -> Rounds:
        """The given rows, in that order."""
        return Rounds(
            round_ids=self.round_ids[rows],
            company=self.company[rows],
            category=self.category[rows],
            round_type=self.round_type[rows],
            region=self.region[rows],
            funded_at=self.funded_at[rows],
            amount_usd=self.amount_usd[rows],
        )


@dataclass(frozen=True, slots=True)
class DealTable:
    """Deals as integer columns with the vocabularies that decode them.

    ``investor[i]`` took part in round ``round_row[i]`` (a row of ``rounds``).
    """

    investor: IntArray
    round_row: IntArray
    rounds: Rounds
    investors: Vocabulary
    companies: Vocabulary
    categories: Vocabulary
    round_types: Vocabulary
    regions: Vocabulary

    def __len__(self) -> int:
        return int(self.investor.shape[0])

    @property
    def funded_at(self) -> DayArray:
        """Date of each deal's round."""
        return self.rounds.funded_at[self.round_row]

    def columns(self) -> DealColumns:
        """The deals in the form ``scoring.history`` counts: round codes are rows of
        ``rounds``, categories and round types the Crunchbase ones."""
        rounds, row = self.rounds, self.round_row
        return DealColumns(
            investor=self.investor,
            round=row,
            day=rounds.funded_at[row],
            category=rounds.category[row],
            round_type=rounds.round_type[row],
            region=rounds.region[row],
            company=rounds.company[row],
            n_investors=len(self.investors),
            n_categories=len(self.categories),
            n_round_types=len(self.round_types),
            n_regions=len(self.regions),
            n_companies=len(self.companies),
        )

    @classmethod
    def from_deals(cls, deals: Sequence[Deal]) -> DealTable:
        """Columns of ``deals``; a round's attributes come from its first row.

        Parameters
        ----------
        deals : sequence of Deal

        Returns
        -------
        table : DealTable
        """
        investors, companies = Vocabulary(), Vocabulary()
        categories, round_types, regions = Vocabulary(), Vocabulary(), Vocabulary()
        round_rows: dict[int, int] = {}
        first_deals: list[Deal] = []
        for deal in deals:
            if deal.round_id not in round_rows:
                round_rows[deal.round_id] = len(first_deals)
                first_deals.append(deal)
        rounds = Rounds(
            round_ids=np.array([d.round_id for d in first_deals], dtype=np.int64),
            company=companies.encode(d.company for d in first_deals),
            category=categories.encode(d.category for d in first_deals),
            round_type=round_types.encode(d.round_type for d in first_deals),
            region=regions.encode(d.region for d in first_deals),
            funded_at=np.array([d.funded_at for d in first_deals], dtype="datetime64[D]"),
            amount_usd=np.array(
                [np.nan if d.amount_usd is None else float(d.amount_usd) for d in first_deals],
                dtype=np.float64,
            ),
        )
        return cls(
            investor=investors.encode(d.investor for d in deals),
            round_row=np.array([round_rows[d.round_id] for d in deals], dtype=np.int64),
            rounds=rounds,
            investors=investors,
            companies=companies,
            categories=categories,
            round_types=round_types,
            regions=regions,
        )

    def deals_of(self, investor: str) -> list[Deal]:
        """The deals of one investor, oldest first."""
        code = self.investors.codes.get(investor)
        if code is None:
            return []
        rows = np.flatnonzero(self.investor == code)
        deals = [self.deal_at(int(i)) for i in rows]
        deals.sort(key=lambda d: (d.funded_at, d.round_id))
        return deals

    def deal_at(self, row: int) -> Deal:
        """Row ``row`` as a Deal."""
        r = int(self.round_row[row])
        rounds = self.rounds
        amount = float(rounds.amount_usd[r])
        return Deal(
            investor=self.investors.values[int(self.investor[row])],
            company=self.companies.values[int(rounds.company[r])],
            category=self.categories.values[int(rounds.category[r])],
            round_type=self.round_types.values[int(rounds.round_type[r])],
            funded_at=rounds.funded_at[r].astype(dt.date),
            amount_usd=None if np.isnan(amount) else Decimal(str(amount)),
            round_id=int(rounds.round_ids[r]),
            region=self.regions.values[int(rounds.region[r])],
        )
