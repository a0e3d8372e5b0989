"""Sentences a person can read, naming the evidence behind each component."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from scoring.amounts import format_money
from scoring.history import InvestorHistory, company_key
from scoring.records import InvestorRecord, RequestRecord
from scoring.taxonomy import SectorTaxonomy, StageLadder

TEXT_EVIDENCE_THRESHOLD = 0.1

ExplainedPair = tuple[InvestorRecord, RequestRecord, float, InvestorHistory | None]
"""An investor, a request, their text similarity and the investor's deal history (if read)."""


def explain_pairs(
    pairs: Iterable[ExplainedPair],
    *,
    taxonomy: SectorTaxonomy,
    ladder: StageLadder,
    cny_per_unit: Mapping[str, Decimal],
) -> list[list[str]]:
    """Reasons for each pair: sector, ticket and stage, region when the mandate names
    regions and the request one, text evidence when present, and the investor's track record
    when its history is given and says something."""
    explained = []
    for investor, request, text_similarity, history in pairs:
        reasons = [
            sector_reason(taxonomy, investor, request),
            ticket_reason(investor, request, cny_per_unit),
            stage_reason(ladder, investor, request),
        ]
        region = region_reason(investor, request)
        if region is not None:
            reasons.append(region)
        text = text_reason(text_similarity)
        if text is not None:
            reasons.append(text)
        track_record = None if history is None else history_reason(history, request)
        if track_record is not None:
            reasons.append(track_record)
        explained.append(reasons)
    return explained


def _shown(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, whole_without_cents=True)


def _convert(
    amount: Decimal, source: str, target: str, cny_per_unit: Mapping[str, Decimal]
) -> Decimal | None:
    if source == target:
        return amount
    if source not in cny_per_unit or target not in cny_per_unit:
        return None
    return (amount * cny_per_unit[source] / cny_per_unit[target]).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )


def sector_reason(
    taxonomy: SectorTaxonomy, investor: InvestorRecord, request: RequestRecord
) -> str:
    ranked = {"covered": 0, "broader": 1, "sibling": 2, "none": 3}
    relations = sorted(
        ((taxonomy.relation(investor.sectors, code), code) for code in request.sectors),
        key=lambda item: (ranked[item[0][0]], item[1]),
    )
    (kind, mandate_code), code = relations[0]
    if kind == "covered":
        if code == mandate_code:
            return f"Sector: {code} is one of your sectors"
        return f"Sector: {code} falls under your sector {mandate_code}"
    if kind == "broader":
        return f"Sector: {code} is broader than your sector {mandate_code} (partial fit)"
    if kind == "sibling":
        return f"Sector: {code} is a sibling of your sector {mandate_code} (partial fit)"
    return (
        f"Sector: {', '.join(request.sectors)} is outside your sectors "
        f"{', '.join(sorted(investor.sectors))}"
    )


def ticket_reason(
    investor: InvestorRecord, request: RequestRecord, cny_per_unit: Mapping[str, Decimal]
) -> str:
    asked = _shown(request.amount, request.currency)
    low = _convert(investor.ticket_min, investor.currency, request.currency, cny_per_unit)
    high = _convert(investor.ticket_max, investor.currency, request.currency, cny_per_unit)
    if low is None or high is None:
        return f"Ticket: {asked} cannot be compared: no exchange rate for {request.currency}"
    shown_low = _shown(low, request.currency)
    shown_high = _shown(high, request.currency)
    converted = (
        "" if investor.currency == request.currency else (f" (converted from {investor.currency})")
    )
    if request.amount > high:
        ratio = request.amount / high
        return f"Ticket: {asked} is {ratio:.1f}× above your maximum of {shown_high}{converted}"
    if request.amount < low:
        ratio = low / request.amount
        return f"Ticket: {asked} is {ratio:.1f}× below your minimum of {shown_low}{converted}"
    return f"Ticket: {asked} is within your range of {shown_low} to {shown_high}{converted}"


def stage_reason(ladder: StageLadder, investor: InvestorRecord, request: RequestRecord) -> str:
    if request.stage not in ladder.index:
        return f"Stage: {request.stage} is not a known stage"
    steps, nearest = ladder.distance(investor.stages, request.stage)
    if not nearest:
        return f"Stage: {request.stage}; your mandate lists no known stage"
    if steps == 0:
        return f"Stage: {request.stage} is one of your stages"
    count = abs(steps)
    unit = "step" if count == 1 else "steps"
    number = "one" if count == 1 else str(count)
    positions = [ladder.index[s] for s in investor.stages if s in ladder.index]
    if steps > 0:
        which = "latest stage" if ladder.index[nearest] == max(positions) else "stage"
        return f"Stage: {request.stage} is {number} {unit} after your {which} {nearest}"
    which = "earliest stage" if ladder.index[nearest] == min(positions) else "stage"
    return f"Stage: {request.stage} is {number} {unit} before your {which} {nearest}"


def region_reason(investor: InvestorRecord, request: RequestRecord) -> str | None:
    """Whether the request lies in the mandate's regions; None when the mandate names none
    (it takes requests anywhere) or the request names no region."""
    if not investor.regions or request.region is None:
        return None
    if request.region in investor.regions:
        return f"Region: {request.region} is one of your regions"
    return f"Region: {request.region} is outside your regions {', '.join(sorted(investor.regions))}"


def text_reason(text_similarity: float) -> str | None:
    if text_similarity < TEXT_EVIDENCE_THRESHOLD:
        return None
    return f"Text: your thesis and the summary share wording (similarity {text_similarity:.2f})"


def history_reason(history: InvestorHistory, request: RequestRecord) -> str | None:
    """What the investor's own track record says about the request, when it says anything."""
    if company_key(request.company) in history.companies:
        return f"Track record: you backed {request.company} before (a follow-on round)"
    counts = sorted(
        ((history.by_sector.get(code, 0.0), code) for code in request.sectors), reverse=True
    )
    if counts and counts[0][0] > 0:
        count, code = counts[0]
        return (
            f"Track record: {count:.0f} of your {history.rounds:.0f} recorded deals were in {code}"
        )
    return None
