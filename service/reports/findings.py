"""What the report's summary says, as facts read off the stored document: how many requests
have a match, which sectors lack the most capital, which requests to work on by hand.

Facts only, in no language (``wording`` writes them as sentences). Everything is derived from
the document as stored, so a report computed before the summary existed reads the same.

Requests to work on by hand are the requests that are not covered: fewer than
``coverage.min_investors`` matching investors at or above ``min_score``. The fewest matches
come first (none at all before one), and among equals the largest ask (the document's order).
Near misses (a sector, ticket or stage that does not fit) never count as matches in a report,
so a request whose only candidates are near misses has no match here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from service.reports.document import ReportDocument, RequestMatches

# The summary names this many sectors with the largest gap between capital asked and available.
GAP_SECTORS = 3


@dataclass(frozen=True, slots=True)
class SectorGap:
    """Capital asked against capital available in one top-level sector; ``gap`` is positive
    when the sector asks more than its matching investors can provide."""

    code: str
    stored_name: str
    capital_asked: Decimal
    capital_available: Decimal

    @property
    def gap(self) -> Decimal:
        return self.capital_asked - self.capital_available


@dataclass(frozen=True, slots=True)
class UncoveredRequest:
    """A request with fewer matching investors than covered takes."""

    financing_request_id: str
    company: str
    title: str
    title_en: str | None
    sectors: tuple[str, ...]
    stage: str | None
    amount: Decimal
    currency: str
    matches: int
    best_score: float | None


@dataclass(frozen=True, slots=True)
class Findings:
    requests: int
    with_a_match: int
    covered: int
    min_investors: int
    currency: str
    # Sectors short of capital, the largest gap first (at most GAP_SECTORS).
    short_sectors: tuple[SectorGap, ...]
    # When no sector is short: the one with the least room to spare (None without sectors).
    tightest_sector: SectorGap | None
    # Uncovered requests the document lists (it caps its lists), in the order to work on them.
    uncovered: tuple[UncoveredRequest, ...]
    uncovered_total: int
    without_a_match: int

    @property
    def with_some_matches(self) -> int:
        """Uncovered requests that have a match, just not enough of them."""
        return self.uncovered_total - self.without_a_match


def _uncovered(document: ReportDocument) -> list[UncoveredRequest]:
    minimum = document.coverage.min_investors
    unmatched = {u.financing_request_id: u for u in document.unmatched}
    found = [
        UncoveredRequest(
            financing_request_id=r.financing_request_id,
            company=r.company,
            title=r.title,
            title_en=r.title_en,
            sectors=tuple(r.sectors),
            stage=r.stage,
            amount=r.amount,
            currency=r.currency,
            matches=r.investors_above_min_score,
            best_score=(
                unmatched[r.financing_request_id].best_score
                if r.financing_request_id in unmatched
                else max((m.score for m in r.top_investors), default=None)
            ),
        )
        for r in document.requests
        if r.investors_above_min_score < minimum
    ]
    listed = {u.financing_request_id for u in found}
    # The unmatched list may reach past the capped list of requests.
    found += [
        UncoveredRequest(
            financing_request_id=u.financing_request_id,
            company=u.company,
            title=u.title,
            title_en=u.title_en,
            sectors=tuple(u.sectors),
            stage=u.stage,
            amount=u.amount,
            currency=u.currency,
            matches=u.investors_above_min_score,
            best_score=u.best_score,
        )
        for u in document.unmatched
        if u.financing_request_id not in listed
    ]
    # Stable: within each count of matches, the document's order (largest ask first) stays.
    return sorted(found, key=lambda request: request.matches)


def find(document: ReportDocument) -> Findings:
    gaps = [
        SectorGap(
            code=row.code,
            stored_name=row.name,
            capital_asked=row.capital_asked,
            capital_available=row.capital_available,
        )
        for row in document.by_sector
    ]
    by_gap = sorted(gaps, key=lambda sector: sector.gap, reverse=True)
    short = tuple(sector for sector in by_gap if sector.gap > 0)[:GAP_SECTORS]
    without_a_match = document.unmatched_total
    return Findings(
        requests=document.totals.requests,
        with_a_match=document.totals.requests - without_a_match,
        covered=document.coverage.covered,
        min_investors=document.coverage.min_investors,
        currency=document.totals.currency,
        short_sectors=short,
        tightest_sector=None if short or not by_gap else by_gap[0],
        uncovered=tuple(_uncovered(document)),
        uncovered_total=document.coverage.uncovered,
        without_a_match=without_a_match,
    )


def least_seen_first(requests: Sequence[RequestMatches]) -> list[RequestMatches]:
    """The requests by how many investors saw them in their first matches, fewest first (the
    outreach order); equal counts keep the report's order."""
    return sorted(requests, key=lambda request: request.seen_by_investors)
