"""Reasons written as sentences, for whoever reads them, in their language.

The investor reads "your sectors"; the commission and the startup read the investor's name.
Codes become names (人工智能, Series B), amounts are written in 亿/万 (or million/billion)
beside the exact figure, text evidence names the shared terms, never a similarity number.
The English sentences are the message ids of the catalogs (``make messages``); a translator
edits ``locales/zh/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from scoring.reasons import Reason
from service.i18n.amounts import compact_amount, readable_amount
from service.i18n.catalogs import translate, translate_plural
from service.i18n.languages import current_language, joined
from service.reference_data.catalog import CodeKind, Language, get_reference_data
from service.reference_data.foreign_investment import current_rules


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Marks ``message`` for the catalogs without translating it yet."""
    return message


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a pair's reasons: the investor itself, or someone else, who is told the
    investor's name."""

    investor_name: str | None = None

    @property
    def is_the_investor(self) -> bool:
        return self.investor_name is None


THE_INVESTOR = Reader()


def reader_for(investor_name: str, *, is_the_investor: bool) -> Reader:
    return THE_INVESTOR if is_the_investor else Reader(investor_name)


# (kind, outcome) -> (sentence for the investor, sentence for anyone else).
SENTENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("sector", "same"): (
        N_("Sector: {sector} is one of your sectors"),
        N_("Sector: {sector} is one of {investor}'s sectors"),
    ),
    ("sector", "within"): (
        N_("Sector: {sector} falls under your sector {mandate}"),
        N_("Sector: {sector} falls under {investor}'s sector {mandate}"),
    ),
    ("sector", "broader"): (
        N_("Sector: {sector} is broader than your sector {mandate} (partial fit)"),
        N_("Sector: {sector} is broader than {investor}'s sector {mandate} (partial fit)"),
    ),
    ("sector", "sibling"): (
        N_("Sector: {sector} sits next to your sector {mandate} (partial fit)"),
        N_("Sector: {sector} sits next to {investor}'s sector {mandate} (partial fit)"),
    ),
    ("sector", "outside"): (
        N_("Sector: {sector} is outside your sectors {mandate}"),
        N_("Sector: {sector} is outside {investor}'s sectors {mandate}"),
    ),
    ("ticket", "within"): (
        N_("Ticket: {amount} is within your range of {low} to {high}"),
        N_("Ticket: {amount} is within {investor}'s range of {low} to {high}"),
    ),
    ("ticket", "above"): (
        N_("Ticket: {amount} is {ratio} times your maximum of {high}"),
        N_("Ticket: {amount} is {ratio} times {investor}'s maximum of {high}"),
    ),
    ("ticket", "below"): (
        N_("Ticket: {amount} is under your minimum of {low}, which is {ratio} times as much"),
        N_(
            "Ticket: {amount} is under {investor}'s minimum of {low}, which is {ratio} times "
            "as much"
        ),
    ),
    ("ticket", "no_rate"): (
        N_("Ticket: {amount} cannot be compared with your range: no exchange rate for it"),
        N_("Ticket: {amount} cannot be compared with {investor}'s range: no exchange rate"),
    ),
    ("stage", "same"): (
        N_("Stage: {stage} is one of your stages"),
        N_("Stage: {stage} is one of {investor}'s stages"),
    ),
    ("stage", "after"): (
        N_("Stage: {stage} is {steps} after your nearest stage, {mandate}"),
        N_("Stage: {stage} is {steps} after {investor}'s nearest stage, {mandate}"),
    ),
    ("stage", "before"): (
        N_("Stage: {stage} is {steps} before your nearest stage, {mandate}"),
        N_("Stage: {stage} is {steps} before {investor}'s nearest stage, {mandate}"),
    ),
    ("stage", "unknown_stage"): (
        N_("Stage: {stage} is not a known stage"),
        N_("Stage: {stage} is not a known stage"),
    ),
    ("stage", "no_mandate_stage"): (
        N_("Stage: {stage}; your mandate names no known stage"),
        N_("Stage: {stage}; {investor}'s mandate names no known stage"),
    ),
    ("region", "inside"): (
        N_("Region: {region} is one of your regions"),
        N_("Region: {region} is one of {investor}'s regions"),
    ),
    ("region", "outside"): (
        N_("Region: {region} is outside your regions {mandate} (score lowered)"),
        N_("Region: {region} is outside {investor}'s regions {mandate} (score lowered)"),
    ),
    ("text", "shared_terms"): (
        N_("Text: your thesis and the request both speak of {terms}"),
        N_("Text: {investor}'s thesis and the request both speak of {terms}"),
    ),
    ("track_record", "follow_on"): (
        N_("Track record: you backed {company} before (a follow-on round)"),
        N_("Track record: {investor} backed {company} before (a follow-on round)"),
    ),
    ("track_record", "sector_deals"): (
        N_("Track record: {count} of your {total} deals were in {sector}"),
        N_("Track record: {count} of {investor}'s {total} deals were in {sector}"),
    ),
    ("foreign_investment", "restricted"): (
        N_(
            "Foreign investment: you are a foreign investor, and {item} is restricted under "
            "the {list}: {restriction}"
        ),
        N_(
            "Foreign investment: {investor} is a foreign investor, and {item} is restricted "
            "under the {list}: {restriction}"
        ),
    ),
    ("foreign_investment", "prohibited"): (
        N_(
            "Foreign investment: you are a foreign investor, and {item} is closed to foreign "
            "investors under the {list}"
        ),
        N_(
            "Foreign investment: {investor} is a foreign investor, and {item} is closed to "
            "foreign investors under the {list}"
        ),
    ),
}
# "1 of your 5 deals was", and an only deal, read in the singular (the table's sentence is for
# two or more of several).
ONE_OF_SEVERAL_DEALS = (
    N_("Track record: 1 of your {total} deals was in {sector}"),
    N_("Track record: 1 of {investor}'s {total} deals was in {sector}"),
)
ONLY_DEAL = (
    N_("Track record: your only deal was in {sector}"),
    N_("Track record: {investor}'s only deal was in {sector}"),
)
CONVERTED = N_("{range} (converted from {currency})")
# The mandate's own figure first, the request's currency after it: US$10 million (about CNY
# 71 million). The reader wrote the first; the second is what the ask is compared with.
CONVERTED_OWN = N_("{own} (about {range})")
ILLUSTRATIVE = N_("{sentence} (illustrative list item: check the official text)")
# How a negative-list item restricts foreign investment, by restriction kind.
RESTRICTIONS: dict[str, str] = {
    "share_cap": N_("foreign share at most {percent}%"),
    "chinese_control": N_("the Chinese party must hold control"),
    "joint_venture": N_("joint ventures only"),
    "chinese_led": N_("led by the Chinese party"),
    "ftz_pilot": N_("the free trade zones' pilot opening applies"),
}


def _names(kind: CodeKind, codes: Sequence[str], language: Language) -> str:
    reference = get_reference_data()
    return joined([reference.name_of(kind, code, language) for code in codes], language)


def _quoted_terms(terms: Sequence[str], language: Language) -> str:
    if language == "zh":
        return "、".join(f"“{term}”" for term in terms)
    return ", ".join(f'"{term}"' for term in terms)


def _amount(amount: Decimal | None, currency: str, language: Language) -> str:
    return "" if amount is None else readable_amount(amount, currency, language)


def _rule_values(reason: Reason, language: Language) -> tuple[dict[str, str], bool]:
    """The list, its items and their restrictions named for a foreign_investment reason, and
    whether any item is illustrative. Items the list in force no longer has keep their ids."""
    rules = current_rules()
    negative_list = rules.lists.get(reason.list_id)
    found = [(code, rules.item(code)) for code in reason.items]
    restrictions: list[str] = []
    for _, item in found:
        if item is None or item.restriction is None:
            continue
        for kind in item.restriction.kinds:
            phrase = translate(RESTRICTIONS[kind], language).format(
                percent=item.restriction.max_foreign_percent
            )
            if phrase not in restrictions:
                restrictions.append(phrase)
    values = {
        "list": reason.list_id if negative_list is None else negative_list.short_name_in(language),
        "item": joined(
            [code if item is None else item.title_in(language) for code, item in found], language
        ),
        "restriction": ("；" if language == "zh" else "; ").join(restrictions),
    }
    return values, any(item is None or item.illustrative for _, item in found)


def _values(reason: Reason, reader: Reader, language: Language) -> dict[str, str]:
    code_kind: CodeKind = {"stage": "stage", "region": "region"}.get(  # type: ignore[assignment]
        reason.kind, "sector"
    )
    values = {
        "investor": reader.investor_name or "",
        "sector": _names("sector", reason.request_codes, language),
        "stage": _names("stage", reason.request_codes, language),
        "region": _names("region", reason.request_codes, language),
        "mandate": _names(code_kind, reason.mandate_codes, language),
        "amount": _amount(reason.amount, reason.currency, language),
        "low": _amount(reason.low, reason.currency, language),
        "high": _amount(reason.high, reason.currency, language),
        "ratio": "" if reason.ratio is None else format(reason.ratio, "f"),
        "terms": _quoted_terms(reason.terms, language),
        "count": str(reason.count),
        "total": str(reason.total),
        "company": reason.company,
        "steps": translate_plural("{count} step", "{count} steps", reason.steps, language).format(
            count=reason.steps
        ),
    }
    if reason.converted_from is not None:
        currency = get_reference_data().name_of("currency", reason.converted_from, language)
        for bound, own in (("low", reason.own_low), ("high", reason.own_high)):
            if own is not None:
                # Compact, both: two exact figures in brackets each would bury the sentence.
                converted = getattr(reason, bound)
                values[bound] = translate(CONVERTED_OWN, language).format(
                    own=compact_amount(own, reason.converted_from, language),
                    range=""
                    if converted is None
                    # The sentence says "about" already: not "about about".
                    else compact_amount(converted, reason.currency, language)
                    .removeprefix("约")
                    .removeprefix("about "),
                )
            else:  # a reason stored before the mandate's own figures were kept
                values[bound] = translate(CONVERTED, language).format(
                    range=values[bound], currency=currency
                )
    return values


def render_reason(reason: Reason, reader: Reader, language: Language | None = None) -> str:
    """One reason as a sentence for ``reader`` in ``language`` (the current reader's)."""
    language = language or current_language()
    for_investor, for_others = SENTENCES[(reason.kind, reason.outcome)]
    if (reason.kind, reason.outcome) == ("track_record", "sector_deals") and reason.count == 1:
        for_investor, for_others = ONLY_DEAL if reason.total == 1 else ONE_OF_SEVERAL_DEALS
    template = for_investor if reader.is_the_investor else for_others
    values = _values(reason, reader, language)
    if reason.kind != "foreign_investment":
        return translate(template, language).format(**values)
    rule_values, illustrative = _rule_values(reason, language)
    sentence = translate(template, language).format(**values, **rule_values)
    return translate(ILLUSTRATIVE, language).format(sentence=sentence) if illustrative else sentence


def render_reasons(
    reasons: Sequence[Reason], reader: Reader, language: Language | None = None
) -> list[str]:
    return [render_reason(reason, reader, language) for reason in reasons]
