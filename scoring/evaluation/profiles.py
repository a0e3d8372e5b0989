"""A proposed mandate (sectors, stages, ticket range) inferred from an investor's deal history."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from scoring.evaluation.crunchbase import CURRENCY, STAGE_ORDER, sector_of, stage_of
from scoring.evaluation.deals import Deal
from scoring.records import InvestorRecord


@dataclass(frozen=True, slots=True)
class InferenceSettings:
    """How a deal history becomes a mandate.

    Parameters
    ----------
    sector_coverage : float
        Sectors are taken most frequent first until they cover this share of the deals.
    max_sectors : int
        At most this many sectors.
    stage_coverage : float
        Stages likewise; the gaps between the chosen stages are filled, as mandates are ranges.
    ticket_quantiles : tuple of float
        Lower and upper quantile of the known round sizes that bound the ticket range.
    significant_digits : int
        The ticket bounds are rounded (down and up) to this many significant digits.
    """

    sector_coverage: float = 0.8
    max_sectors: int = 6
    stage_coverage: float = 0.8
    ticket_quantiles: tuple[float, float] = (0.1, 0.9)
    significant_digits: int = 2


@dataclass(frozen=True, slots=True)
class ProposedMandate:
    """A mandate proposed from a deal history, with the evidence behind it."""

    investor: str
    sectors: tuple[str, ...]
    stages: tuple[str, ...]
    ticket_min: Decimal
    ticket_max: Decimal
    currency: str
    deal_count: int
    sector_shares: Mapping[str, float] = field(default_factory=dict)
    stage_shares: Mapping[str, float] = field(default_factory=dict)
    ticket_from_history: bool = True
    """False when no deal had a known amount and the range is the fallback one."""

    def to_record(self) -> InvestorRecord:
        """The mandate as the scorer's investor record."""
        return InvestorRecord(
            id=self.investor,
            sectors=self.sectors,
            stages=self.stages,
            ticket_min=self.ticket_min,
            ticket_max=self.ticket_max,
            currency=self.currency,
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form: amounts as decimal strings, shares rounded to 3 places."""
        return {
            "investor": self.investor,
            "sectors": list(self.sectors),
            "stages": list(self.stages),
            "ticket_min": str(self.ticket_min),
            "ticket_max": str(self.ticket_max),
            "currency": self.currency,
            "deal_count": self.deal_count,
            "ticket_from_history": self.ticket_from_history,
            "evidence": {
                "sector_shares": {k: round(v, 3) for k, v in self.sector_shares.items()},
                "stage_shares": {k: round(v, 3) for k, v in self.stage_shares.items()},
            },
        }


def _most_frequent(counts: Mapping[str, int], coverage: float, limit: int) -> list[str]:
    """Codes by descending count (ties by code) until they cover ``coverage`` of the total."""
    total = sum(counts.values())
    chosen: list[str] = []
    covered = 0
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count <= 0 or len(chosen) >= limit or (chosen and covered >= coverage * total):
            break
        chosen.append(code)
        covered += count
    return chosen


def _round_to(value: float, digits: int, rounding: str) -> Decimal:
    """``value`` rounded to ``digits`` significant digits (``rounding``: a decimal mode)."""
    exact = Decimal(repr(value))
    if exact <= 0:
        return Decimal(0)
    unit = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    rounded = (exact / unit).to_integral_value(rounding=rounding) * unit
    return rounded.quantize(Decimal(1)) if rounded >= 1 else rounded.normalize()


def mandate_from_counts(
    investor: str,
    sector_counts: Mapping[str, int],
    stage_counts: Mapping[str, int],
    amounts: Sequence[float],
    *,
    fallback_ticket: tuple[float, float],
    settings: InferenceSettings = InferenceSettings(),
) -> ProposedMandate:
    """A mandate from how many deals fell in each sector and stage and the round sizes.

    Parameters
    ----------
    investor : str
        The investor's name (becomes the record id).
    sector_counts, stage_counts : mapping of str to int
        Deals per sector code and per stage code (codes of ``scoring.evaluation.crunchbase``).
    amounts : sequence of float
        Known round sizes in USD.
    fallback_ticket : tuple of float
        The ticket range when no amount is known.
    settings : InferenceSettings

    Returns
    -------
    mandate : ProposedMandate
    """
    deal_count = sum(sector_counts.values())
    if deal_count == 0:
        raise ValueError(f"{investor!r} has no deals to infer a mandate from")
    sectors = _most_frequent(sector_counts, settings.sector_coverage, settings.max_sectors)
    stage_positions = [
        STAGE_ORDER.index(s)
        for s in _most_frequent(stage_counts, settings.stage_coverage, len(STAGE_ORDER))
    ]
    stages = STAGE_ORDER[min(stage_positions) : max(stage_positions) + 1]
    known = np.asarray([a for a in amounts if np.isfinite(a) and a > 0], dtype=np.float64)
    if known.size:
        low, high = np.quantile(known, settings.ticket_quantiles)
    else:
        low, high = fallback_ticket
    digits = settings.significant_digits
    return ProposedMandate(
        investor=investor,
        sectors=tuple(sorted(sectors)),
        stages=stages,
        ticket_min=_round_to(float(low), digits, "ROUND_FLOOR"),
        ticket_max=_round_to(float(high), digits, "ROUND_CEILING"),
        currency=CURRENCY,
        deal_count=deal_count,
        sector_shares=_shares(sector_counts, sectors),
        stage_shares=_shares(stage_counts, list(stages)),
        ticket_from_history=bool(known.size),
    )


def _shares(counts: Mapping[str, int], codes: Sequence[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {code: counts.get(code, 0) / total for code in codes}


def infer_mandate(
    deals: Sequence[Deal],
    *,
    before: dt.date | None = None,
    fallback_ticket: tuple[float, float] | None = None,
    settings: InferenceSettings = InferenceSettings(),
) -> ProposedMandate:
    """Propose a mandate from one investor's deals (only those before ``before``).

    Parameters
    ----------
    deals : sequence of Deal
        The investor's deals (all with the same ``investor``).
    before : date, optional
        Ignore deals on or after this date.
    fallback_ticket : tuple of float, optional
        The ticket range (USD) when no deal has a known amount; without it such a history
        is refused.
    settings : InferenceSettings

    Returns
    -------
    mandate : ProposedMandate

    Raises
    ------
    ValueError
        When no deal is left, deals of several investors are mixed, or no amount is known
        and no fallback is given.
    """
    kept = [d for d in deals if before is None or d.funded_at < before]
    if not kept:
        raise ValueError("no deals before the given date")
    names = {d.investor for d in kept}
    if len(names) > 1:
        raise ValueError(f"deals of several investors: {sorted(names)[:3]}")
    # One round counts once even if listed twice.
    rounds = {d.round_id: d for d in kept}.values()
    amounts = [float(d.amount_usd) for d in rounds if d.amount_usd is not None]
    if not amounts and fallback_ticket is None:
        raise ValueError("no deal has a known amount; pass fallback_ticket")
    return mandate_from_counts(
        kept[0].investor,
        Counter(sector_of(d.category) for d in rounds),
        Counter(stage_of(d.round_type) for d in rounds),
        amounts,
        fallback_ticket=fallback_ticket or (0.0, 0.0),
        settings=settings,
    )
