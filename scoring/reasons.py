"""What explains a pair: structured reasons (which component, what outcome, which values).

The scorer says *what* it found; the service writes it as a sentence for whoever reads it,
in their language (``service.i18n.reasons``). A reason carries codes and exact amounts,
never prose, so the same finding reads "your mandate" to the investor and the investor's
name to the commission, in Chinese or in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from scoring.formula import TEXT_FIT_MIN_SIMILARITY
from scoring.history import InvestorHistory, is_follow_on
from scoring.records import InvestorRecord, RequestRecord
from scoring.taxonomy import SectorTaxonomy, StageLadder
from scoring.text import comparable_text

MAX_SHARED_TERMS = 5

ReasonKind = Literal[
    "sector", "ticket", "stage", "region", "text", "track_record", "foreign_investment"
]

ExplainedPair = tuple[InvestorRecord, RequestRecord, float, InvestorHistory | None]
"""An investor, a request, their text similarity and the investor's deal history (if read)."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One finding about a pair.

    ``outcome`` by kind:
    sector: same, within (under a mandate sector), broader, sibling, outside;
    ticket: within, above, below, no_rate;
    stage: same, after, before, unknown_stage, no_mandate_stage;
    region: inside, outside;
    text: shared_terms;
    track_record: follow_on, sector_deals;
    foreign_investment: restricted, prohibited (a foreign investor and a request the
    negative list of the request's region restricts or closes; added by the service).
    """

    kind: ReasonKind
    outcome: str
    request_codes: tuple[str, ...] = ()
    """The request's codes the finding is about (sectors, its stage, its region)."""
    mandate_codes: tuple[str, ...] = ()
    """The mandate's codes it is compared with (the nearest one, or all of them)."""
    amount: Decimal | None = None
    currency: str = ""
    """The request's currency: ``amount``, ``low`` and ``high`` are all in it."""
    low: Decimal | None = None
    high: Decimal | None = None
    converted_from: str | None = None
    """The mandate's own currency, when its range was converted into the request's."""
    own_low: Decimal | None = None
    own_high: Decimal | None = None
    """The mandate's range as it wrote it, in ``converted_from``: what its reader knows."""
    ratio: Decimal | None = None
    steps: int = 0
    terms: tuple[str, ...] = ()
    count: int = 0
    total: int = 0
    company: str = ""
    list_id: str = ""
    """The negative list read (foreign_investment)."""
    items: tuple[str, ...] = ()
    """The list's items that apply (foreign_investment)."""

    def values(self) -> dict[str, str | list[str]]:
        """The reason's values as JSON-ready strings (amounts exact), only those it has."""
        values: dict[str, str | list[str]] = {}
        if self.request_codes:
            values["request_codes"] = list(self.request_codes)
        if self.mandate_codes:
            values["mandate_codes"] = list(self.mandate_codes)
        for name, amount in (
            ("amount", self.amount),
            ("low", self.low),
            ("high", self.high),
            ("own_low", self.own_low),
            ("own_high", self.own_high),
        ):
            if amount is not None:
                values[name] = format(amount, "f")
        if self.currency:
            values["currency"] = self.currency
        if self.converted_from:
            values["converted_from"] = self.converted_from
        if self.ratio is not None:
            values["ratio"] = format(self.ratio, "f")
        if self.steps:
            values["steps"] = str(self.steps)
        if self.terms:
            values["terms"] = list(self.terms)
        if self.total:
            values["count"] = str(self.count)
            values["total"] = str(self.total)
        if self.company:
            values["company"] = self.company
        if self.list_id:
            values["list"] = self.list_id
        if self.items:
            values["items"] = list(self.items)
        return values


def reason_from_values(kind: str, outcome: str, values: Mapping[str, str | list[str]]) -> Reason:
    """The reason ``Reason.values`` described (a stored report's reasons read back)."""

    def codes(name: str) -> tuple[str, ...]:
        found = values.get(name, [])
        return tuple(found) if isinstance(found, list) else (found,)

    def text(name: str) -> str:
        found = values.get(name, "")
        return found if isinstance(found, str) else ""

    def amount(name: str) -> Decimal | None:
        found = text(name)
        return Decimal(found) if found else None

    return Reason(
        kind=kind,  # type: ignore[arg-type]
        outcome=outcome,
        request_codes=codes("request_codes"),
        mandate_codes=codes("mandate_codes"),
        amount=amount("amount"),
        currency=text("currency"),
        low=amount("low"),
        high=amount("high"),
        converted_from=text("converted_from") or None,
        own_low=amount("own_low"),
        own_high=amount("own_high"),
        ratio=amount("ratio"),
        steps=int(text("steps") or 0),
        terms=codes("terms"),
        count=int(text("count") or 0),
        total=int(text("total") or 0),
        company=text("company"),
        list_id=text("list"),
        items=codes("items"),
    )


def explain_pairs(
    pairs: Iterable[ExplainedPair],
    *,
    taxonomy: SectorTaxonomy,
    ladder: StageLadder,
    cny_per_unit: Mapping[str, Decimal],
) -> list[list[Reason]]:
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
        optional = (
            region_reason(investor, request),
            text_reason(investor, request, text_similarity),
            None if history is None else history_reason(history, request),
        )
        reasons.extend(reason for reason in optional if reason is not None)
        explained.append(reasons)
    return explained


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


_SECTOR_OUTCOMES = {"covered": "within", "broader": "broader", "sibling": "sibling"}
_SECTOR_ORDER = {"covered": 0, "broader": 1, "sibling": 2, "none": 3}


def sector_reason(
    taxonomy: SectorTaxonomy, investor: InvestorRecord, request: RequestRecord
) -> Reason:
    """The request sector that fits the mandate best, and how."""
    relations = sorted(
        ((taxonomy.relation(investor.sectors, code), code) for code in request.sectors),
        key=lambda item: (_SECTOR_ORDER[item[0][0]], item[1]),
    )
    if not relations or relations[0][0][0] == "none":
        return Reason(
            "sector",
            "outside",
            request_codes=tuple(request.sectors),
            mandate_codes=tuple(sorted(investor.sectors)),
        )
    (relation, mandate_code), code = relations[0]
    outcome = "same" if code == mandate_code else _SECTOR_OUTCOMES[relation]
    return Reason("sector", outcome, request_codes=(code,), mandate_codes=(mandate_code,))


def ticket_reason(
    investor: InvestorRecord, request: RequestRecord, cny_per_unit: Mapping[str, Decimal]
) -> Reason:
    """The amount asked against the mandate's range, in the request's currency."""
    low = _convert(investor.ticket_min, investor.currency, request.currency, cny_per_unit)
    high = _convert(investor.ticket_max, investor.currency, request.currency, cny_per_unit)
    if low is None or high is None:
        return Reason("ticket", "no_rate", amount=request.amount, currency=request.currency)
    outcome, ratio = "within", None
    tenth = Decimal("0.1")
    if request.amount > high:
        outcome, ratio = "above", (request.amount / high).quantize(tenth, ROUND_HALF_UP)
    elif request.amount < low:
        outcome, ratio = "below", (low / request.amount).quantize(tenth, ROUND_HALF_UP)
    converted = investor.currency != request.currency
    return Reason(
        "ticket",
        outcome,
        amount=request.amount,
        currency=request.currency,
        low=low,
        high=high,
        converted_from=investor.currency if converted else None,
        own_low=investor.ticket_min if converted else None,
        own_high=investor.ticket_max if converted else None,
        ratio=ratio,
    )


def stage_reason(ladder: StageLadder, investor: InvestorRecord, request: RequestRecord) -> Reason:
    """The request's stage against the nearest stage of the mandate."""
    stage = (request.stage,)
    if request.stage not in ladder.index:
        return Reason("stage", "unknown_stage", request_codes=stage)
    steps, nearest = ladder.distance(investor.stages, request.stage)
    if not nearest:
        return Reason("stage", "no_mandate_stage", request_codes=stage)
    if steps == 0:
        return Reason("stage", "same", request_codes=stage, mandate_codes=(nearest,))
    outcome = "after" if steps > 0 else "before"
    return Reason("stage", outcome, request_codes=stage, mandate_codes=(nearest,), steps=abs(steps))


def region_reason(investor: InvestorRecord, request: RequestRecord) -> Reason | None:
    """Whether the request lies in the mandate's regions; None when the mandate names none
    (it takes requests anywhere) or the request names no region."""
    if not investor.regions or request.region is None:
        return None
    if request.region in investor.regions:
        return Reason("region", "inside", request_codes=(request.region,))
    return Reason(
        "region",
        "outside",
        request_codes=(request.region,),
        mandate_codes=tuple(sorted(investor.regions)),
    )


def text_reason(
    investor: InvestorRecord, request: RequestRecord, text_similarity: float
) -> Reason | None:
    """The terms the thesis and the request share, when their texts are similar enough and
    the shared terms can be named."""
    # Named as evidence from the similarity at which text counts as a sector fit.
    if text_similarity < TEXT_FIT_MIN_SIMILARITY:
        return None
    terms = shared_terms(investor.thesis, request.text)
    if not terms:
        return None
    return Reason("text", "shared_terms", terms=terms)


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z][a-z0-9+\-]{2,}")
# Words too common to be evidence of anything.
_STOP_WORDS = frozenset(
    [
        "and",
        "the",
        "for",
        "with",
        "from",
        "into",
        "that",
        "this",
        "are",
        "our",
        "its",
        "their",
        "them",
        "they",
        "has",
        "have",
        "was",
        "were",
        "will",
        "can",
        "not",
        "all",
        "any",
        "per",
        "via",
        "who",
        "which",
        "what",
        "also",
        "more",
        "most",
        "than",
        "such",
        "other",
        "over",
        "under",
        "about",
        "company",
        "companies",
        "startup",
        "startups",
        "round",
        "rounds",
        "invest",
        "invests",
        "investing",
        "investment",
        "investments",
        "investor",
        "investors",
        "fund",
        "funds",
        "stage",
        "stages",
        "early",
        "late",
    ]
)
# Chinese words too common to be evidence of anything.
_CJK_STOP_TERMS = frozenset({"公司", "企业", "投资", "项目", "我们", "以及", "进行", "相关"})
_MIN_CJK_TERM = 2


def _common_cjk_terms(thesis: str, text: str) -> list[str]:
    """The longest Chinese substrings (two characters or more) the request's text shares
    with the thesis, longest first, none inside another."""
    found: list[str] = []
    for run in _CJK_RUN.findall(text):
        start = 0
        while start < len(run) - 1:
            length = next(
                (
                    n
                    for n in range(len(run) - start, _MIN_CJK_TERM - 1, -1)
                    if run[start : start + n] in thesis
                ),
                0,
            )
            if length:
                term = run[start : start + length]
                if term not in _CJK_STOP_TERMS and not any(term in f for f in found):
                    found.append(term)
                start += length
            else:
                start += 1
    return found


def shared_terms(thesis: str, text: str) -> tuple[str, ...]:
    """Words and Chinese terms in both texts, in the request's order, at most
    ``MAX_SHARED_TERMS``, longest first among Chinese ones."""
    thesis, text = comparable_text(thesis), comparable_text(text)
    thesis_words = set(_WORD.findall(thesis))
    words = []
    for word in _WORD.findall(text):
        if word in thesis_words and word not in _STOP_WORDS and word not in words:
            words.append(word)
    cjk = sorted(_common_cjk_terms(thesis, text), key=len, reverse=True)
    return tuple((cjk + words)[:MAX_SHARED_TERMS])


def history_reason(history: InvestorHistory, request: RequestRecord) -> Reason | None:
    """What the investor's own track record says about the request, when it says anything."""
    if is_follow_on(history, request.company, request.id):
        return Reason("track_record", "follow_on", company=request.company)
    counts = sorted(
        ((history.by_sector.get(code, 0.0), code) for code in request.sectors), reverse=True
    )
    if counts and counts[0][0] > 0:
        count, code = counts[0]
        return Reason(
            "track_record",
            "sector_deals",
            request_codes=(code,),
            count=round(count),
            total=round(history.rounds),
        )
    return None
