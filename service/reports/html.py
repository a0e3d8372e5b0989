"""The match report as one self-contained HTML document: inline CSS and SVG, no script.

`render_report_html` takes the report document (`document.ReportDocument`, what
`GET /v1/reports/{id}` returns as JSON) and returns the page a commission reads in a browser or
prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from service.reports import charts
from service.reports.document import CapitalRow, Coverage, Funnel, ReportDocument
from service.reports.formatting import (
    format_amount,
    format_chinese_amount,
    format_count,
    format_money,
    format_score,
    format_share,
    format_threshold,
    format_timestamp,
)

CAPITAL_SERIES = (
    charts.Series("Capital asked", "neutral"),
    charts.Series("Capital available from fitting investors", "secondary"),
)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("service.reports", "templates"),
        autoescape=True,  # every value is escaped unless it is Markup built from escaped parts
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        amount=format_amount,
        chinese_amount=format_chinese_amount,
        count=format_count,
        money=format_money,
        score=format_score,
        threshold=format_threshold,
        timestamp=format_timestamp,
    )
    # The font stack goes into <style>, where entities are not decoded: it is a constant, not input.
    environment.globals.update(share=format_share, font_stack=Markup(charts.FONT_STACK))  # noqa: S704
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


def coverage_chart(coverage: Coverage, min_score: float) -> Markup:
    bars = [
        charts.Bar(
            bucket.label,
            bucket.requests,
            format_count(bucket.requests),
            _bucket_tone(bucket.label, coverage.min_investors),
        )
        for bucket in coverage.buckets
    ]
    return charts.column_chart(
        "coverage-chart",
        "Requests by number of investors scoring at least " + format_threshold(min_score),
        bars,
        x_title=f"Investors scoring at least {format_threshold(min_score)}",
        y_title="Requests",
    )


def capital_chart(chart_id: str, title: str, rows: Sequence[CapitalRow]) -> Markup:
    groups = [
        charts.BarGroup(
            row.name,
            (row.capital_asked, row.capital_available),
            (format_amount(row.capital_asked), format_amount(row.capital_available)),
        )
        for row in rows
    ]
    return charts.grouped_bar_chart(chart_id, title, CAPITAL_SERIES, groups)


def _count_and_share(count: int, whole: int) -> str:
    return f"{format_count(count)} ({format_share(count, whole)})"


def funnel_chart(funnel: Funnel) -> Markup:
    stages = (
        ("Matched", funnel.matched, "neutral"),
        ("Interested", funnel.interested, "neutral"),
        ("Meeting", funnel.meeting, "neutral"),
        ("Committed", funnel.committed, "good"),
    )
    bars = [
        charts.Bar(label, count, _count_and_share(count, funnel.matched), tone)
        for label, count, tone in stages
    ]
    return charts.funnel_chart("funnel-chart", "Feedback funnel: matched to committed", bars)


def render_report_html(document: ReportDocument) -> str:
    """The report document rendered as a standalone HTML page (UTF-8, no external assets)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=document,
        coverage_svg=coverage_chart(document.coverage, document.min_score),
        sector_svg=capital_chart(
            "sector-capital-chart",
            f"Capital asked versus available by sector ({document.totals.currency})",
            document.by_sector,
        ),
        stage_svg=capital_chart(
            "stage-capital-chart",
            f"Capital asked versus available by stage ({document.totals.currency})",
            document.by_stage,
        ),
        funnel_svg=funnel_chart(document.funnel) if document.funnel else None,
    )
