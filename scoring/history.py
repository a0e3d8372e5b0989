"""An investor's deal history as ranking features: what it actually funded, not what it says.

The evaluation on real deals (``docs/evaluation.md``) showed the declared-mandate components
alone rank below plain investor popularity; what an investor did before (how active it is, in
which sectors, stages and regions, and whether it already backed the company) is what
predicts its next deal.

One counting serves everyone: ``HistoryCounts.before`` counts the deals of many investors
before a cutoff over plain integer columns (``DealColumns``). The service's
``InvestorHistory`` (from its ``PastDeal`` records, ``histories_from_deals``) and the offline
evaluation's ``DealHistory`` (Crunchbase rounds, ``scoring.evaluation.history``) are both
read from it, so both rank and train on the same numbers for the same deals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

if TYPE_CHECKING:
    from scoring.catalogue import CodeBook, ComboBook, Segment
    from scoring.taxonomy import StageLadder

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DayArray = npt.NDArray[np.datetime64]
BoolArray = npt.NDArray[np.bool_]
Key = TypeVar("Key", bound=Hashable)

RECENT_DAYS = 365
"""Deals in the year before the ranking date count as recent."""

LOG_COUNT_SCALE = float(np.log(1001.0))
"""Counts enter as log(1 + count) / log(1001): 1,000 deals give 1."""

HISTORY_FEATURES = (
    "log_rounds",
    "log_recent_rounds",
    "log_category",
    "log_category_and_type",
    "log_round_type",
    "log_region",
    "log_recent_category",
    "category_share",
    "region_share",
    "portfolio_company",
    "log_amount",
    "log_co_investments",
    "log_recent_co_investments",
)
"""Each scaled to about [0, 1]: the logistic regression has no scaler and its pairwise
products need comparable ranges. "category" is the request's sector, "round type" its stage.
The co-investment features count the rounds the investor shared with the request's company's
earlier backers (``CompanyCounts``)."""


def company_key(name: str) -> int:
    """A stable 63-bit key of a company name (case, width and spacing ignored); 0 for none.

    Hashed rather than looked up so the catalogue needs no shared company table; a collision
    (about one in 10^18 per pair) would only mark a request as a follow-on.
    """
    normalised = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    if not normalised:
        return 0
    digest = hashlib.blake2b(normalised.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1 or 1


def as_day(date: dt.date) -> np.datetime64:
    """A date as a numpy day."""
    return np.datetime64(date.isoformat(), "D")


class Vocabulary:
    """Small integer codes for strings, in first-seen order."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.codes: dict[str, int] = {}
        self.values: list[str] = []
        for value in values:
            self.code(value)

    def __len__(self) -> int:
        return len(self.values)

    def code(self, value: str) -> int:
        """The code of ``value``, adding it when new."""
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def encode(self, values: Iterable[str]) -> IntArray:
        """Codes of many values, adding the new ones."""
        return np.fromiter((self.code(v) for v in values), dtype=np.int64)


@dataclass(frozen=True, slots=True)
class PastDeal:
    """One financing an investor took part in."""

    company: str
    sector: str
    stage: str
    region: str | None
    closed_on: dt.date
    request_id: str | None = None
    """The financing request committed to, when the deal is a commitment made through the
    service (None for a recorded deal)."""


@dataclass(frozen=True, slots=True)
class DealColumns:
    """Deals as integer codes of the caller's vocabularies, one row per listing of an investor
    in a round. Rows listing the same (investor, round) twice count once, with the first
    row's attributes.

    "Category" is the sector and "round type" the stage in the service's terms; a caller may
    use finer codes (the evaluation keeps Crunchbase's) and name them with ``CodeNames``.
    """

    investor: IntArray
    round: IntArray
    day: DayArray
    category: IntArray
    round_type: IntArray
    region: IntArray
    company: IntArray
    n_investors: int
    n_categories: int
    n_round_types: int
    n_regions: int
    n_companies: int

    def __len__(self) -> int:
        return int(self.investor.shape[0])


@dataclass(frozen=True, slots=True)
class CodeNames:
    """What the codes of some ``DealColumns`` are in the service's terms."""

    sectors: Sequence[str]
    """Sector code of each category code (several codes may share one)."""
    stages: Sequence[str]
    """Stage of each round-type code (several codes may share one)."""
    regions: Sequence[str]
    """Region of each region code; "" is unknown and not counted."""
    company_keys: IntArray
    """``company_key`` of each company code (0: unknown, never a portfolio company)."""


class DealCoder:
    """Codes ``PastDeal`` records of numbered investors into ``DealColumns``.

    A round is a company (``company_key``) on one day at one stage, whoever records it; a
    deal without a company is a round of its own.
    """

    def __init__(self) -> None:
        self.sectors, self.stages, self.regions = Vocabulary(), Vocabulary(), Vocabulary()
        self.regions.code("")
        self.companies: dict[int, int] = {}
        self._rounds: dict[tuple[int, dt.date, str], int] = {}
        self._round_count = 0
        self._investor: list[int] = []
        self._round: list[int] = []
        self._day: list[dt.date] = []
        self._category: list[int] = []
        self._round_type: list[int] = []
        self._region: list[int] = []
        self._company: list[int] = []

    def add(self, investor: int, deal: PastDeal) -> int:
        """Add one row; returns the code of its round."""
        company = company_key(deal.company)
        key = (company, deal.closed_on, deal.stage)
        round_code = self._rounds.get(key, -1) if company else -1
        if round_code < 0:
            round_code = self._round_count
            self._round_count += 1
            if company:
                self._rounds[key] = round_code
        self._investor.append(investor)
        self._round.append(round_code)
        self._day.append(deal.closed_on)
        self._category.append(self.sectors.code(deal.sector))
        self._round_type.append(self.stages.code(deal.stage))
        self._region.append(self.regions.code(deal.region or ""))
        self._company.append(self.companies.setdefault(company, len(self.companies)))
        return round_code

    def columns(self, n_investors: int) -> DealColumns:
        """The rows added so far (investor codes below ``n_investors``)."""

        def codes(values: list[int]) -> IntArray:
            return np.asarray(values, dtype=np.int64)

        return DealColumns(
            investor=codes(self._investor),
            round=codes(self._round),
            day=np.asarray(self._day, dtype="datetime64[D]").reshape(-1),
            category=codes(self._category),
            round_type=codes(self._round_type),
            region=codes(self._region),
            company=codes(self._company),
            n_investors=n_investors,
            n_categories=len(self.sectors),
            n_round_types=len(self.stages),
            n_regions=len(self.regions),
            n_companies=len(self.companies),
        )

    def names(self) -> CodeNames:
        """The codes as the sectors, stages, regions and company keys they stand for."""
        return CodeNames(
            sectors=list(self.sectors.values),
            stages=list(self.stages.values),
            regions=list(self.regions.values),
            company_keys=np.fromiter(self.companies, dtype=np.int64, count=len(self.companies)),
        )


def _counter() -> Mapping[str, float]:
    return {}


@dataclass(frozen=True, slots=True, eq=False)
class CompanyCounts:
    """A count per company: ``keys`` (``company_key``s, ascending, unique, never 0) and
    ``counts`` (positive), read per request with one ``searchsorted``."""

    keys: IntArray
    counts: FloatArray

    @classmethod
    def empty(cls) -> CompanyCounts:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))

    @classmethod
    def of(cls, keys: IntArray, counts: FloatArray) -> CompanyCounts:
        """Counts of possibly repeated keys, summed per key; key 0 (no company) and zero
        counts left out."""
        keep = (keys != 0) & (counts != 0)
        unique, at = np.unique(keys[keep], return_inverse=True)
        summed = np.bincount(at.reshape(-1), weights=counts[keep], minlength=unique.size)
        return cls(unique.astype(np.int64), summed.astype(np.float64))

    def __len__(self) -> int:
        return int(self.keys.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompanyCounts):
            return NotImplemented
        return bool(
            np.array_equal(self.keys, other.keys) and np.array_equal(self.counts, other.counts)
        )

    __hash__ = None  # type: ignore[assignment]

    def lookup(self, keys: IntArray) -> FloatArray:
        """The count of each key (0 for a company not counted and for key 0)."""
        if not self.keys.size:
            return np.zeros(keys.shape, dtype=np.float64)
        position = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        found = (self.keys[position] == keys) & (keys != 0)
        values: FloatArray = np.where(found, self.counts[position], 0.0)
        return values


@dataclass(frozen=True, slots=True)
class InvestorHistory:
    """Counts of an investor's deals before a date (each round once); read from
    ``HistoryCounts``."""

    rounds: float = 0.0
    recent_rounds: float = 0.0
    by_sector: Mapping[str, float] = field(default_factory=_counter)
    recent_by_sector: Mapping[str, float] = field(default_factory=_counter)
    by_stage: Mapping[str, float] = field(default_factory=_counter)
    by_sector_and_stage: Mapping[tuple[str, str], float] = field(default_factory=dict)
    by_region: Mapping[str, float] = field(default_factory=_counter)
    companies: frozenset[int] = frozenset()
    own_rounds: Mapping[int, frozenset[str]] = field(default_factory=dict)
    """Per company (``company_key``) in ``companies`` only through a commitment made to one of
    its financing requests: that request's id. A commitment to a request is no earlier deal in
    its company for that request, so it does not make the request a follow-on of itself."""
    co_investments: CompanyCounts = field(default_factory=CompanyCounts.empty)
    """Per company: the rounds this investor shared with each of the company's backers (other
    investors that funded it before the date), summed over the backers."""
    recent_co_investments: CompanyCounts = field(default_factory=CompanyCounts.empty)
    """The same, counting only shared rounds of the recent days."""

    @classmethod
    def from_deals(
        cls,
        deals: Iterable[PastDeal],
        *,
        as_of: dt.date,
        recent_days: int = RECENT_DAYS,
        market: Sequence[Iterable[PastDeal]] = (),
    ) -> InvestorHistory:
        """The history of the deals closed strictly before ``as_of`` (``market``: other
        investors' deals, which only the co-investment counts read)."""
        return histories_from_deals([deals], as_of=as_of, recent_days=recent_days, market=market)[0]


@dataclass(frozen=True, slots=True)
class HistoryCounts:
    """Every investor's deals before a cutoff, counted (row ``i``: investor code ``i``).

    The one counting of deal histories: what counts is each (investor, round) pair once,
    closed strictly before the cutoff; "recent" is the ``recent_days`` before it.
    """

    cutoff: np.datetime64
    rounds: FloatArray
    """Rounds per investor."""
    recent_rounds: FloatArray
    """Rounds per investor in the ``recent_days`` before the cutoff."""
    by_category: FloatArray
    by_round_type: FloatArray
    by_category_and_type: FloatArray
    """Column ``category * n_round_types + round_type``."""
    by_region: FloatArray
    recent_by_category: FloatArray
    portfolio: sp.csr_matrix
    """Rounds of each company the investor funded (investors x companies)."""
    took_part: sp.csr_matrix
    """1 for each round the investor took part in (investors x rounds)."""
    recent_took_part: sp.csr_matrix
    """The same for the rounds of the ``recent_days`` before the cutoff."""

    @classmethod
    def before(
        cls, deals: DealColumns, cutoff: dt.date, *, recent_days: int = RECENT_DAYS
    ) -> HistoryCounts:
        """Counts of the deals dated strictly before ``cutoff``.

        Parameters
        ----------
        deals : DealColumns
        cutoff : date
        recent_days : int

        Returns
        -------
        counts : HistoryCounts
        """
        day = as_day(cutoff)
        past = np.flatnonzero(deals.day < day)
        # Each (investor, round) pair once: the first row that lists it.
        width = int(deals.round.max(initial=0)) + 1
        _, first = np.unique(deals.investor[past] * width + deals.round[past], return_index=True)
        rows = past[np.sort(first)]
        investor = deals.investor[rows]
        n_investors, n_types = deals.n_investors, deals.n_round_types
        category, round_type = deals.category[rows], deals.round_type[rows]
        recent = deals.day[rows] >= day - np.timedelta64(recent_days, "D")

        def took_part(weights: BoolArray | None = None) -> sp.csr_matrix:
            ones = np.ones(investor.size, dtype=np.float64)
            matrix = sp.csr_matrix(
                (ones if weights is None else ones * weights, (investor, deals.round[rows])),
                shape=(n_investors, width),
            )
            matrix.eliminate_zeros()
            return matrix

        def counts(columns: IntArray, width: int, weights: BoolArray | None = None) -> FloatArray:
            matrix = np.zeros((n_investors, width), dtype=np.float64)
            np.add.at(matrix, (investor, columns), 1.0 if weights is None else weights)
            return matrix

        return cls(
            cutoff=day,
            rounds=np.bincount(investor, minlength=n_investors).astype(np.float64),
            recent_rounds=np.bincount(investor, weights=recent, minlength=n_investors).astype(
                np.float64
            ),
            by_category=counts(category, deals.n_categories),
            by_round_type=counts(round_type, n_types),
            by_category_and_type=counts(
                category * n_types + round_type, deals.n_categories * n_types
            ),
            by_region=counts(deals.region[rows], deals.n_regions),
            recent_by_category=counts(category, deals.n_categories, recent),
            portfolio=sp.csr_matrix(
                (np.ones(investor.size, dtype=np.float64), (investor, deals.company[rows])),
                shape=(n_investors, deals.n_companies),
            ),
            took_part=took_part(),
            recent_took_part=took_part(recent),
        )

    def co_investments(self, investors: IntArray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(investors x companies), for the given investor codes: the rounds each shared with
        the company's backers (the other investors that funded it before the cutoff, each
        backer's shared rounds counted), in all and in the recent days only.

        One sparse product each: the rounds shared with every other investor, times who
        backed which company. A follow-on's own rounds are shared with the company's other
        backers and count too; the ``portfolio_company`` feature tells them apart.
        """
        backers = self.portfolio.copy()
        backers.data[:] = 1.0
        everyone = self.took_part.T.tocsr()
        size = (investors.size, self.took_part.shape[0])
        results = []
        for mine in (self.took_part[investors], self.recent_took_part[investors]):
            shared = (mine @ everyone).tocsr()
            # Rounds shared with oneself are one's own rounds, not co-investments.
            own = sp.csr_matrix(
                (np.asarray(mine.sum(axis=1)).reshape(-1), (np.arange(investors.size), investors)),
                shape=size,
            )
            shared = (shared - own).tocsr()
            shared.eliminate_zeros()
            results.append((shared @ backers).tocsr())
        return results[0], results[1]

    def active_investors(self, min_rounds: int) -> IntArray:
        """Codes of the investors with at least ``min_rounds`` rounds, in code order."""
        active: IntArray = np.flatnonzero(self.rounds >= min_rounds).astype(np.int64)
        return active

    def investor_histories(
        self, investors: Sequence[int] | IntArray, names: CodeNames
    ) -> list[InvestorHistory]:
        """Some investors' counts in the service's terms, in the order given: codes named by
        ``names`` (codes sharing a name summed), unknown regions and companies left out."""
        rows = np.asarray(investors, dtype=np.int64).reshape(-1)
        n_types = self.by_round_type.shape[1]
        sector, stage = names.sectors.__getitem__, names.stages.__getitem__
        by_sector = _summed(self.by_category[rows], sector)
        recent_by_sector = _summed(self.recent_by_category[rows], sector)
        by_stage = _summed(self.by_round_type[rows], stage)
        by_sector_and_stage = _summed(
            self.by_category_and_type[rows], lambda c: (sector(c // n_types), stage(c % n_types))
        )
        by_region = _summed(self.by_region[rows], names.regions.__getitem__)
        portfolio = self.portfolio[rows]
        keys = names.company_keys[portfolio.indices].tolist()
        bounds = portfolio.indptr.tolist()
        co_investments, recent_co_investments = (
            _company_counts(matrix, names.company_keys) for matrix in self.co_investments(rows)
        )
        return [
            InvestorHistory(
                rounds=float(self.rounds[row]),
                recent_rounds=float(self.recent_rounds[row]),
                by_sector=by_sector[position],
                recent_by_sector=recent_by_sector[position],
                by_stage=by_stage[position],
                by_sector_and_stage=by_sector_and_stage[position],
                by_region={k: n for k, n in by_region[position].items() if k},
                companies=frozenset(k for k in keys[bounds[position] : bounds[position + 1]] if k),
                co_investments=co_investments[position],
                recent_co_investments=recent_co_investments[position],
            )
            for position, row in enumerate(rows.tolist())
        ]


def _company_counts(matrix: sp.csr_matrix, company_keys: IntArray) -> list[CompanyCounts]:
    """Each row of an (investors x company codes) matrix as counts by ``company_key``."""
    return [
        CompanyCounts.of(
            company_keys[matrix.indices[start:end]],
            np.asarray(matrix.data[start:end], dtype=np.float64),
        )
        for start, end in zip(matrix.indptr[:-1].tolist(), matrix.indptr[1:].tolist(), strict=True)
    ]


def _summed(matrix: FloatArray, key_of: Callable[[int], Key]) -> list[dict[Key, float]]:
    """Each row's non-zero columns as a dict, columns with the same key summed."""
    tables: list[dict[Key, float]] = [{} for _ in range(matrix.shape[0])]
    positions, columns = np.nonzero(matrix)
    for position, column, value in zip(
        positions.tolist(), columns.tolist(), matrix[positions, columns].tolist(), strict=True
    ):
        table = tables[position]
        key = key_of(column)
        table[key] = table.get(key, 0.0) + value
    return tables


def track_record_columns(
    track_records: Sequence[Iterable[PastDeal]],
) -> tuple[DealColumns, CodeNames]:
    """The deals of several investors (investor code ``i``: ``track_records[i]``) as columns,
    and what their codes stand for."""
    coder = DealCoder()
    for investor, deals in enumerate(track_records):
        for deal in deals:
            coder.add(investor, deal)
    return coder.columns(len(track_records)), coder.names()


def histories_from_deals(
    track_records: Sequence[Iterable[PastDeal]],
    *,
    as_of: dt.date,
    recent_days: int = RECENT_DAYS,
    market: Sequence[Iterable[PastDeal]] = (),
) -> list[InvestorHistory]:
    """The history of each investor's deals closed strictly before ``as_of``, in order: one
    ``HistoryCounts`` for all of them.

    ``market`` holds the track records of every other investor: they are not returned, but
    the co-investment counts read them (who shared a round with whom, who backed which
    company), so the counts are those of the whole market only when it is given.
    """
    columns, names = track_record_columns([*track_records, *market])
    counts = HistoryCounts.before(columns, as_of, recent_days=recent_days)
    return counts.investor_histories(range(len(track_records)), names)


def histories_as_of(
    deals: DealColumns, names: CodeNames, investors: Sequence[int], days: Sequence[dt.date]
) -> list[InvestorHistory]:
    """The history of investor ``investors[i]`` as of ``days[i]``, for every ``i``: one
    ``HistoryCounts`` per distinct day."""
    histories = [InvestorHistory()] * len(investors)
    by_day: dict[dt.date, list[int]] = {}
    for position, day in enumerate(days):
        by_day.setdefault(day, []).append(position)
    for day, positions in by_day.items():
        counts = HistoryCounts.before(deals, day)
        found = counts.investor_histories([investors[p] for p in positions], names)
        for position, history in zip(positions, found, strict=True):
            histories[position] = history
    return histories


def typical_amounts(
    amounts: FloatArray, kinds: IntArray, n_kinds: int, *, default: float
) -> FloatArray:
    """The median known (finite) amount of each kind of round; the median of all known
    amounts for a kind without one; ``default`` when no amount is known at all.

    What a round without an amount is given: neither a perfect nor an impossible ticket fit.
    """
    known = np.isfinite(amounts)
    overall = float(np.median(amounts[known])) if known.any() else default
    return np.array(
        [
            float(np.median(amounts[known & (kinds == kind)]))
            if (known & (kinds == kind)).any()
            else overall
            for kind in range(n_kinds)
        ],
        dtype=np.float64,
    )


def _log_count(counts: FloatArray) -> FloatArray:
    scaled: FloatArray = np.log1p(counts) / LOG_COUNT_SCALE
    return scaled


def _per_combo(counts: Mapping[str, float], combos: ComboBook) -> FloatArray:
    """For every sector set of the catalogue, the largest count among its sectors."""
    size = len(combos.codes)
    values = np.zeros(size, dtype=np.float64)
    for code, count in counts.items():
        holding = combos.holding(code)
        holding = holding[holding < size]  # a combo added meanwhile by another thread
        values[holding] = np.maximum(values[holding], count)
    return values


def history_columns(
    history: InvestorHistory,
    segment: Segment,
    rows: npt.NDArray[np.intp] | None,
    *,
    combos: ComboBook,
    ladder: StageLadder,
    regions: CodeBook,
    names: Sequence[str] = HISTORY_FEATURES,
) -> dict[str, FloatArray]:
    """The named history features of one investor for the rows of a segment (all by default).

    Works per distinct (sector set, stage) pair and gathers once per row, like the scorer.
    """
    unknown = set(names) - set(HISTORY_FEATURES)
    if unknown:
        raise ValueError(f"unknown history features: {sorted(unknown)}")

    def rows_of(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        return array if rows is None else array[rows]

    count = len(segment) if rows is None else int(rows.size)
    rounds = max(history.rounds, 1.0)
    columns: dict[str, FloatArray] = {}
    wanted = set(names)
    if {"log_category", "category_share"} & wanted:
        by_sector = _per_combo(history.by_sector, combos)[rows_of(segment.sector_combo)]
        columns["log_category"] = _log_count(by_sector)
        columns["category_share"] = by_sector / rounds
    if "log_recent_category" in wanted:
        recent = _per_combo(history.recent_by_sector, combos)[rows_of(segment.sector_combo)]
        columns["log_recent_category"] = _log_count(recent)
    if "log_round_type" in wanted:
        by_stage = np.zeros(segment.stage_slots, dtype=np.float64)
        for stage, n in history.by_stage.items():
            position = ladder.index.get(stage)
            if position is not None:
                by_stage[position] += n
        columns["log_round_type"] = _log_count(by_stage[rows_of(segment.stage_positions)])
    if "log_category_and_type" in wanted:
        size = len(combos.codes)
        structure = np.zeros((size, segment.stage_slots), dtype=np.float64)
        for (sector, stage), n in history.by_sector_and_stage.items():
            position = ladder.index.get(stage)
            if position is not None:
                holding = combos.holding(sector)
                holding = holding[holding < size]
                structure[holding, position] = np.maximum(structure[holding, position], n)
        columns["log_category_and_type"] = _log_count(
            structure.ravel()[rows_of(segment.structure_key)]
        )
    if {"log_region", "region_share"} & wanted:
        # Slot 0 holds unknown regions (code -1) and regions the catalogue never saw.
        by_region = np.zeros(len(regions.codes) + 1, dtype=np.float64)
        for region, n in history.by_region.items():
            code = regions.codes.get(region)
            if code is not None:
                by_region[code + 1] = n
        region_counts = by_region[np.maximum(rows_of(segment.region_codes), -1) + 1]
        columns["log_region"] = _log_count(region_counts)
        columns["region_share"] = region_counts / rounds
    if "portfolio_company" in wanted:
        keys = rows_of(segment.company_keys)
        known = np.fromiter(history.companies, dtype=np.int64, count=len(history.companies))
        backed = np.isin(keys, known) & (keys != 0)
        if history.own_rounds:
            ids = rows_of(segment.ids)
            for company, request_ids in history.own_rounds.items():
                rows_of_company = np.flatnonzero(keys == company)
                own = np.isin(ids[rows_of_company], [i.encode() for i in request_ids])
                backed[rows_of_company[own]] = False
        columns["portfolio_company"] = backed.astype(np.float64)
    for name, counted in (
        ("log_co_investments", history.co_investments),
        ("log_recent_co_investments", history.recent_co_investments),
    ):
        if name in wanted:
            request_companies: IntArray = np.asarray(rows_of(segment.company_keys), dtype=np.int64)
            columns[name] = _log_count(counted.lookup(request_companies))
    if "log_amount" in wanted:
        # log10 of the amount in CNY: 10 million at 0, 10 billion at 1.
        # Clipped: an amount without an exchange rate is stored as +inf.
        columns["log_amount"] = np.clip(
            (rows_of(segment.log_amount_cny) / np.log(10.0) - 7.0) / 3.0, -1.0, 2.0
        )
    for name, value in (
        ("log_rounds", _log_count(np.array(history.rounds))),
        ("log_recent_rounds", _log_count(np.array(history.recent_rounds))),
    ):
        if name in wanted:
            columns[name] = np.full(count, float(value), dtype=np.float64)
    return {name: columns[name] for name in names}


def is_follow_on(history: InvestorHistory, company: str, request_id: str) -> bool:
    """Whether the investor backed ``company`` before this request of it (see ``own_rounds``)."""
    key = company_key(company)
    return key in history.companies and request_id not in history.own_rounds.get(key, ())


def own_rounds(deals: Iterable[PastDeal], *, before: dt.date) -> dict[int, frozenset[str]]:
    """``InvestorHistory.own_rounds`` of a track record (deals closed before ``before``): per
    company, the requests committed to with no other deal in the company closed before the
    commitment (a recorded deal or a commitment to another of its requests). A recorded deal
    closed on or after a commitment's day is taken as that round recorded by hand, not an
    earlier one; of two requests committed to, the later is a follow-on of the earlier."""
    commitments: dict[int, dict[str, dt.date]] = {}
    first_recorded: dict[int, dt.date] = {}
    for deal in deals:
        key = company_key(deal.company)
        if not key or deal.closed_on >= before:
            continue
        if deal.request_id is None:
            first_recorded[key] = min(first_recorded.get(key, deal.closed_on), deal.closed_on)
        else:
            days = commitments.setdefault(key, {})
            days[deal.request_id] = min(days.get(deal.request_id, deal.closed_on), deal.closed_on)
    own: dict[int, frozenset[str]] = {}
    for key, days in commitments.items():
        # A request is its company's own round when nothing in the company came before it.
        first = min(first_recorded.get(key, dt.date.max), *days.values())
        alone = frozenset(request_id for request_id, day in days.items() if day == first)
        if alone:
            own[key] = alone
    return own
