"""The match report as one self-contained HTML document: inline CSS and SVG, no script.

`render_report_html` takes the report document (`document.ReportDocument`, what
`GET /v1/reports/{id}` returns as JSON) and returns the page a commission reads in a browser or
prints, in the reader's language (Chinese unless English is asked for) with times in the
deployment's display time zone. The same page, printed by WeasyPrint, is the PDF (`pdf`).

The template's text goes through Jinja's i18n extension (`_()`), so `make messages` finds it;
names, amounts and times come from `wording.Wording`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from service.i18n.catalogs import translate as _
from service.i18n.catalogs import translate_plural
from service.reference_data.catalog import CodeKind, Language
from service.reports import charts
from service.reports.document import CapitalRow, Coverage, Funnel, ReportDocument
from service.reports.findings import find
from service.reports.formatting import (
    format_count,
    format_score,
    format_share,
    format_threshold,
)
from service.reports.outcome_wording import cny, heading, named_rows, rate_text, row_name
from service.reports.wording import Wording

TEMPLATE = "report.html"
# The `lang` of the page: Chromium and WeasyPrint pick Simplified Chinese glyphs for zh-CN.
PAGE_LANGUAGES: dict[Language, str] = {"zh": "zh-CN", "en": "en"}


@lru_cache(maxsize=2)
def _environment(language: Language) -> Environment:
    """One environment per language, its gettext bound to it (never switched per render)."""
    environment = Environment(
        loader=PackageLoader("service.reports", "templates"),
        autoescape=True,  # every value is escaped unless it is Markup built from escaped parts
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )

    def gettext(message: str) -> str:
        return _(message, language)

    def ngettext(singular: str, plural: str, count: int) -> str:
        return translate_plural(singular, plural, count, language)

    # Added by the i18n extension; newstyle: `_()` formats and escapes its own variables.
    environment.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(
        count=format_count,
        score=format_score,
        threshold=format_threshold,
    )
    # The font stack goes into <style>, where entities are not decoded: it is a constant, not input.
    environment.globals.update(
        share=format_share,
        font_stack=Markup(charts.FONT_STACK),  # noqa: S704
        cjk_font_stack=Markup(charts.CJK_FIRST_FONT_STACK),  # noqa: S704
    )
    environment.globals.update(
        rate=rate_text,
        outcome_name=row_name,
        outcome_rows=named_rows,
        outcome_heading=heading,
        cny=cny,
    )
    return environment


def _bucket_tone(label: str, min_investors: int) -> str:
    """Buckets are labelled by investor count ('0', '1', '3+'): none is bad, enough is good."""
    digits = label.rstrip("+").strip()
    if not digits.isdigit():
        return "neutral"
    investors = int(digits)
    if investors == 0:
        return "bad"
    return "good" if investors >= min_investors else "warning"


def coverage_chart(coverage: Coverage, min_score: float, language: Language) -> Markup:
    bars = [
        charts.Bar(
            bucket.label,
            bucket.requests,
            format_count(bucket.requests),
            _bucket_tone(bucket.label, coverage.min_investors),
        )
        for bucket in coverage.buckets
    ]
    threshold = {"min_score": format_threshold(min_score)}
    return charts.column_chart(
        "coverage-chart",
        _("Requests by number of investors scoring at least %(min_score)s", language) % threshold,
        bars,
        x_title=_("Investors scoring at least %(min_score)s", language) % threshold,
        y_title=_("Requests", language),
        empty=_("No data", language),
    )


def capital_chart(
    chart_id: str,
    title: str,
    kind: CodeKind,
    rows: Sequence[CapitalRow],
    currency: str,
    words: Wording,
) -> Markup:
    """Asked against available per sector or stage; each bar labelled with its short amount
    (the table under the chart has the exact ones)."""
    groups = [
        charts.BarGroup(
            words.name(kind, row.code, row.name),
            (row.capital_asked, row.capital_available),
            (
                words.compact(row.capital_asked, currency),
                words.compact(row.capital_available, currency),
            ),
        )
        for row in rows
    ]
    series = (
        charts.Series(_("Capital asked", words.language), "neutral"),
        charts.Series(_("Capital available from matching investors", words.language), "secondary"),
    )
    return charts.grouped_bar_chart(
        chart_id, title, series, groups, empty=_("No data", words.language)
    )


def _count_and_share(count: int, whole: int) -> str:
    return f"{format_count(count)} ({format_share(count, whole)})"


def funnel_chart(funnel: Funnel, language: Language) -> Markup:
    steps = (
        (_("Matched", language), funnel.matched, "neutral"),
        (_("Interested", language), funnel.interested, "neutral"),
        (_("Met", language), funnel.meeting, "neutral"),
        (_("Committed", language), funnel.committed, "good"),
    )
    bars = [
        charts.Bar(label, count, _count_and_share(count, funnel.matched), tone)
        for label, count, tone in steps
    ]
    return charts.funnel_chart(
        "funnel-chart",
        _("Feedback funnel: matched to committed", language),
        bars,
        empty=_("No data", language),
    )


def render_report_html(document: ReportDocument, words: Wording | None = None) -> str:
    """The report document rendered as a standalone HTML page (UTF-8, no external assets), in
    the current reader's language and the display time zone unless ``words`` says otherwise."""
    words = words or Wording.for_reader()
    language = words.language
    findings = find(document)
    currency = document.totals.currency
    template = _environment(language).get_template(TEMPLATE)
    return template.render(
        report=document,
        words=words,
        page_language=PAGE_LANGUAGES[language],
        title=words.title(document),
        findings=findings,
        summary=words.summary(findings, document.min_score),
        coverage_svg=coverage_chart(document.coverage, document.min_score, language),
        sector_svg=capital_chart(
            "sector-capital-chart",
            _("Capital asked versus available by sector (%(currency)s)", language)
            % {"currency": words.name("currency", currency)},
            "sector",
            document.by_sector,
            currency,
            words,
        ),
        stage_svg=capital_chart(
            "stage-capital-chart",
            _("Capital asked versus available by stage (%(currency)s)", language)
            % {"currency": words.name("currency", currency)},
            "stage",
            document.by_stage,
            currency,
            words,
        ),
        funnel_svg=funnel_chart(document.funnel, language) if document.funnel else None,
    )
