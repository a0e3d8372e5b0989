"""The report in its reader's language: names of codes, readable amounts, local times, the title
and the written summary.

Every renderer (HTML and PDF, the workbook, the CSV's readable columns) writes through one
``Wording``, so a code is never shown where a name belongs and every amount a person reads is
``readable_amount``'s (30亿元（3,000,000,000 CNY）). The English text is the message id
(``service.i18n.catalogs``); the Chinese is in ``service/i18n/locales/zh/LC_MESSAGES/
messages.po``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.lists import format_list

from scoring.reasons import reason_from_values
from service.core.settings import get_settings
from service.http.auth import COMMAND_LINE_NAME
from service.i18n.amounts import compact_amount, readable_amount

# `_` and `ngettext` are the names `make messages` (pybabel extract) looks for.
from service.i18n.catalogs import translate as _
from service.i18n.catalogs import translate_plural as ngettext
from service.i18n.languages import current_language, joined
from service.i18n.model_names import is_learned, model_name
from service.i18n.reasons import Reader, render_reason
from service.reference_data.catalog import CodeKind, Language, get_reference_data
from service.reports.compute import default_title
from service.reports.document import ReportDocument, Scope, StoredReason
from service.reports.findings import Findings, SectorGap, UncoveredRequest
from service.reports.formatting import (
    BABEL_LOCALES,
    format_event_date,
    format_local_time,
    format_money,
    format_share,
    format_threshold,
)

# The summary names this many of the requests to work on by hand; the table names them all.
SUMMARY_REQUESTS = 5
# Clauses of a generated title: 2025 CIIE; sectors AI, quantum.
_CLAUSE_SEPARATORS: dict[Language, str] = {"zh": "；", "en": "; "}


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of the written summary, with the points it lists (if any)."""

    text: str
    points: tuple[str, ...] = ()


def display_time_zone() -> ZoneInfo:
    """The zone every printed time is in (``MATCHMAKER_DISPLAY_TIME_ZONE``, checked at start)."""
    return ZoneInfo(get_settings().display_time_zone)


class TitledRequest(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def title_en(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Wording:
    """How one reader gets the report: in ``language``, with times on the clocks of ``zone``."""

    language: Language
    zone: ZoneInfo

    @classmethod
    def for_reader(cls, language: Language | None = None, zone: ZoneInfo | None = None) -> Wording:
        """The current reader's language (Accept-Language, or the command line's --lang) and
        the deployment's display time zone, unless given."""
        return cls(language or current_language(), zone or display_time_zone())

    # Messages, names and numbers.

    def text(self, message: str) -> str:
        """``message`` (its English text, a msgid) in the reader's language."""
        return _(message, self.language)

    def parameters(self, document: ReportDocument) -> str:
        """The report's parameters in a sentence: what is listed and what covered means."""
        values = {
            "top_k": document.top_k,
            "min_score": format_threshold(document.min_score),
            "min_investors": document.coverage.min_investors,
        }
        if document.coverage.by_firm:
            return (
                _(
                    "top %(top_k)s matches per request and per investor profile; a good match "
                    "scores at least %(min_score)s; covered means at least %(min_investors)s such "
                    "investors, a firm counted once however many of its profiles match",
                    self.language,
                )
                % values
            )
        return (
            _(
                "top %(top_k)s matches per request and per investor; a good match scores at "
                "least %(min_score)s; covered means at least %(min_investors)s such investors",
                self.language,
            )
            % values
        )

    def runner(self, name: str) -> str:
        """Who ran the report, as the reader says it: the command line in their language."""
        return _("the command line", self.language) if name == COMMAND_LINE_NAME else name

    def reasons(self, investor_name: str, stored: Sequence[StoredReason]) -> list[str]:
        """A pair's reasons as sentences for the commission, the investor named."""
        reader = Reader(investor_name)
        return [
            render_reason(
                reason_from_values(reason.kind, reason.outcome, reason.values),
                reader,
                self.language,
            )
            for reason in stored
        ]

    def name(self, kind: CodeKind, code: str, stored_name: str | None = None) -> str:
        """The code's name; a code the reference data no longer knows keeps the name the
        document stored, or is shown as it is."""
        name = get_reference_data().name_of(kind, code, self.language)
        return stored_name if name == code and stored_name else name

    def names(self, kind: CodeKind, codes: Iterable[str]) -> str:
        return self.listing(self.name(kind, code) for code in codes)

    def listing(self, items: Iterable[str]) -> str:
        """Items as the language lists them: 人工智能、量子科技和集成电路; AI, quantum and chips."""
        shown = list(items)
        return format_list(shown, locale=BABEL_LOCALES[self.language]) if shown else "—"

    def amount(self, amount: Decimal, currency: str) -> str:
        """The amount for reading, the exact figure beside it: 30亿元（3,000,000,000 CNY）."""
        return readable_amount(amount, currency, self.language)

    def gap(self, asked_minus_available: Decimal, currency: str) -> str:
        """Asked minus available as a person reads it: a shortfall or a surplus of a readable
        amount (缺口30亿元（…）, 富余约47.65亿元（…）), never a minus sign before 约."""
        if asked_minus_available == 0:
            return _("balanced", self.language)
        amount = self.amount(abs(asked_minus_available), currency)
        if asked_minus_available > 0:
            return _("short by %(amount)s", self.language) % {"amount": amount}
        return _("surplus of %(amount)s", self.language) % {"amount": amount}

    def exact(self, amount: Decimal, currency: str) -> str:
        """The exact figure alone, under a compact one shown large: 4,912,345,678.91 CNY."""
        return format_money(amount, currency, whole_without_cents=True)

    def compact(self, amount: Decimal, currency: str) -> str:
        """The short form, for chart labels where the table beside has the exact one: 30亿元."""
        return compact_amount(amount, currency, self.language)

    def time(self, moment: datetime) -> str:
        return format_local_time(moment, self.zone, self.language)

    def day(self, day: date) -> str:
        return format_event_date(day, self.language)

    # The report's own words.

    def title(self, document: ReportDocument) -> str:
        """A title somebody typed, as typed; the one the service gave, in the reader's language
        and with names for codes."""
        return self.title_of(document.title, document.scope)

    def title_of(self, title: str, scope: Scope) -> str:
        """``title`` as ``title`` words it, for a report of ``scope`` (a list of reports has
        their stored scopes, not their documents)."""
        if title != default_title(scope):
            return title
        parts = []
        event_name = self.event_name(scope)
        if event_name is not None:
            parts.append(event_name)
        if scope.sectors:
            sectors = self.names("sector", scope.sectors)
            parts.append(_("sectors %(names)s", self.language) % {"names": sectors})
        if scope.stages:
            stages = self.names("stage", scope.stages)
            parts.append(_("stages %(names)s", self.language) % {"names": stages})
        described = (
            _CLAUSE_SEPARATORS[self.language].join(parts)
            if parts
            else _("all published requests", self.language)
        )
        return _("Match report: %(scope)s", self.language) % {"scope": described}

    # What the commission and the startups wrote, in English for English readers when they
    # wrote it in English too.

    def event_name(self, scope: Scope) -> str | None:
        english = self.language == "en" and scope.event_name_en
        return scope.event_name_en if english else scope.event_name

    def event_place(self, scope: Scope) -> str | None:
        english = self.language == "en" and scope.event_place_en
        return scope.event_place_en if english else scope.event_place

    def request_title(self, request: TitledRequest) -> str:
        return request.title_en if self.language == "en" and request.title_en else request.title

    def model(self, document: ReportDocument) -> str:
        """Which model ranked, as the pages name it, with the default weights by name
        (默认权重：行业匹配 0.4、…); a learned version's many weights are listed apart
        (``model_weights``)."""
        model = document.model
        name = model_name(model.version, self.language)
        if not model.weights or is_learned(model.version):
            return name
        weights = self.model_weights(document)
        if name == model.version:  # a version the pages have no name for
            return _("version %(version)s; weights %(weights)s", self.language) % {
                "version": model.version,
                "weights": weights,
            }
        return _("%(model)s: %(weights)s", self.language) % {
            "model": name,
            "weights": weights,
        }

    def model_label(self, document: ReportDocument) -> str:
        """The model's name alone: 学习版本 1, 默认权重."""
        return model_name(document.model.version, self.language)

    def learned_weights(self, document: ReportDocument) -> str | None:
        """A learned version's weights, kept for the record apart from its name (``model``
        names it alone); None for a model ``model`` words with its weights."""
        model = document.model
        return self.model_weights(document) if model.weights and is_learned(model.version) else None

    def model_weights(self, document: ReportDocument) -> str:
        """The model's weights by name: 行业匹配 0.4、投资额度匹配 0.3、阶段匹配 0.3 (figures
        in a row, not a sentence's "and": "0.3和阶段" read as one word)."""
        return joined(
            (
                f"{feature_name(name, self.language)} {format_threshold(weight)}"
                for name, weight in document.model.weights.items()
            ),
            self.language,
        )

    def summary(self, findings: Findings, min_score: float) -> list[Paragraph]:
        """The written summary the report opens with: coverage, the sectors with the largest
        gap between capital asked and available, and the requests to work on by hand."""
        if findings.requests == 0:
            return [Paragraph(_("No published request is in scope.", self.language))]
        return [
            self._coverage(findings, min_score),
            *self._capital(findings),
            self._by_hand(findings),
        ]

    def _coverage(self, findings: Findings, min_score: float) -> Paragraph:
        matched = ngettext(
            "%(with_a_match)s of %(requests)s published request in scope has at least one "
            "matching investor scoring %(min_score)s or more.",
            "%(with_a_match)s of %(requests)s published requests in scope have at least one "
            "matching investor scoring %(min_score)s or more.",
            findings.requests,
            self.language,
        ) % {
            "with_a_match": findings.with_a_match,
            "requests": findings.requests,
            "min_score": format_threshold(min_score),
        }
        covered = ngettext(
            "%(covered)s of them (%(share)s) has at least %(min_investors)s such investors "
            "and counts as covered.",
            "%(covered)s of them (%(share)s) have at least %(min_investors)s such investors "
            "and count as covered.",
            findings.covered,
            self.language,
        ) % {
            "covered": findings.covered,
            "share": format_share(findings.covered, findings.requests),
            "min_investors": findings.min_investors,
        }
        return Paragraph(f"{matched}{self._space}{covered}")

    def _gap_amounts(self, sector: SectorGap, currency: str) -> dict[str, str]:
        return {
            "sector": self.name("sector", sector.code, sector.stored_name),
            "asked": self.amount(sector.capital_asked, currency),
            "available": self.amount(sector.capital_available, currency),
            "gap": self.amount(sector.gap, currency),
        }

    def _capital(self, findings: Findings) -> list[Paragraph]:
        if findings.short_sectors:
            lead = ngettext(
                "The sector with the largest gap between capital asked and capital available "
                "from matching investors:",
                "The %(count)s sectors with the largest gap between capital asked and capital "
                "available from matching investors:",
                len(findings.short_sectors),
                self.language,
            ) % {"count": len(findings.short_sectors)}
            point = _(
                "%(sector)s asks %(asked)s; its matching investors can provide %(available)s, "
                "a gap of %(gap)s.",
                self.language,
            )
            return [
                Paragraph(
                    lead,
                    tuple(
                        point % self._gap_amounts(sector, findings.currency)
                        for sector in findings.short_sectors
                    ),
                )
            ]
        if findings.tightest_sector is None:
            return []
        return [
            Paragraph(
                _(
                    "No sector asks more capital than its matching investors can provide. "
                    "The least room to spare is in %(sector)s: it asks %(asked)s against "
                    "%(available)s available.",
                    self.language,
                )
                % self._gap_amounts(findings.tightest_sector, findings.currency)
            )
        ]

    def _by_hand(self, findings: Findings) -> Paragraph:
        if findings.uncovered_total == 0:
            return Paragraph(
                _(
                    "Every request in scope has at least %(min_investors)s matching investors: "
                    "none needs to be worked on by hand.",
                    self.language,
                )
                % {"min_investors": findings.min_investors}
            )
        if findings.without_a_match:
            counted = _(
                "Requests to work on by hand (fewer than %(min_investors)s matching investors): "
                "%(count)s, %(without)s of them without any match.",
                self.language,
            )
        else:
            counted = _(
                "Requests to work on by hand (fewer than %(min_investors)s matching investors): "
                "%(count)s, each with at least one match.",
                self.language,
            )
        text = counted % {
            "min_investors": findings.min_investors,
            "count": findings.uncovered_total,
            "without": findings.without_a_match,
        }
        first = findings.uncovered[:SUMMARY_REQUESTS]
        if findings.uncovered_total > len(first):
            start = _(
                "Start with these (the fewest matches first, then the largest ask); the "
                "report's table of requests not covered lists the others.",
                self.language,
            )
        else:
            start = _("In order (the fewest matches first, then the largest ask):", self.language)
        points = tuple(self._request_point(request) for request in first)
        return Paragraph(f"{text}{self._space}{start}", points)

    def _request_point(self, request: UncoveredRequest) -> str:
        return _(
            "%(company)s, “%(title)s”: %(amount)s, matching investors: %(matches)s.",
            self.language,
        ) % {
            "company": request.company,
            "title": self.request_title(request),
            "amount": self.amount(request.amount, request.currency),
            "matches": request.matches,
        }

    @property
    def _space(self) -> str:
        # Chinese runs sentences together; English puts a space between them.
        return "" if self.language == "zh" else " "


def feature_name(code: str, language: Language) -> str:
    """The name of a ranking model's weight (scoring's feature names); an unknown one as it is."""
    names = {
        "sector": _("sector fit", language),
        "ticket": _("ticket fit", language),
        "stage": _("stage fit", language),
        "text": _("text similarity", language),
        "log_rounds": _("rounds invested", language),
        "log_recent_rounds": _("recent rounds invested", language),
        "log_category": _("rounds in the request's sector", language),
        "log_category_and_type": _("rounds in the request's sector and stage", language),
        "log_round_type": _("rounds at the request's stage", language),
        "log_region": _("rounds in the request's region", language),
        "log_recent_category": _("recent rounds in the request's sector", language),
        "category_share": _("share of rounds in the request's sector", language),
        "region_share": _("share of rounds in the request's region", language),
        "portfolio_company": _("the company is already in the portfolio", language),
        "log_amount": _("amounts invested", language),
        "log_co_investments": _("rounds shared with the company's earlier backers", language),
        "log_recent_co_investments": _(
            "recent rounds shared with the company's earlier backers", language
        ),
    }
    return names.get(code, code)
