"""The report as CSV: one file, a section per part of the document, safe in spreadsheets.

UTF-8 with a BOM, so spreadsheet software shows Chinese names; every cell that starts with
a character a spreadsheet reads as a formula is neutralised with a leading apostrophe. Each
value is written as the JSON document writes it (amounts as decimal strings, the timestamp in
its JSON form).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from service.reports.document import ReportDocument

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TIMESTAMP: TypeAdapter[datetime] = TypeAdapter(datetime)


def neutralise(value: Any) -> str:
    """The cell text, with a leading ' when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _codes(codes: Iterable[str]) -> str:
    return "; ".join(codes)


def _sections(report: ReportDocument) -> Iterable[tuple[str, Sequence[str], list[list[Any]]]]:
    scope, totals, counts, model = report.scope, report.totals, report.counts, report.model
    yield (
        "Report",
        ("field", "value"),
        [
            ["title", report.title],
            ["id", report.id],
            ["created_at", _TIMESTAMP.dump_python(report.created_at, mode="json")],
            ["event", scope.event_name or ""],
            ["event_id", scope.event_id or ""],
            ["sectors", _codes(scope.sectors)],
            ["stages", _codes(scope.stages)],
            ["top_k", report.top_k],
            ["min_score", report.min_score],
            ["model_version", model.version],
            *[[f"weight_{name}", weight] for name, weight in model.weights.items()],
            ["published_requests", counts.published_requests],
            ["investors", counts.investors],
            ["requests_in_scope", totals.requests],
            ["investors_in_scope", totals.investors],
            [f"capital_asked_{totals.currency}", totals.capital_asked],
        ],
    )
    coverage = report.coverage
    yield (
        f"Coverage (covered: at least {coverage.min_investors} investors at or above "
        f"min_score; covered {coverage.covered}, uncovered {coverage.uncovered})",
        ("investors_above_min_score", "requests"),
        [[b.label, b.requests] for b in coverage.buckets],
    )
    yield (
        "Unmatched requests",
        (
            "financing_request_id",
            "company",
            "title",
            "sectors",
            "stage",
            "amount",
            "currency",
            "best_score",
        ),
        [
            [
                u.financing_request_id,
                u.company,
                u.title,
                _codes(u.sectors),
                u.stage,
                u.amount,
                u.currency,
                u.best_score,
            ]
            for u in report.unmatched
        ],
    )
    for capital, label in ((report.by_sector, "sector"), (report.by_stage, "stage")):
        yield (
            f"Capital by {label} ({totals.currency})",
            (label, "name", "requests", "capital_asked", "fitting_investors", "capital_available"),
            [
                [
                    r.code,
                    r.name,
                    r.requests,
                    r.capital_asked,
                    r.fitting_investors,
                    r.capital_available,
                ]
                for r in capital
            ],
        )
    yield (
        "Top investors per request",
        (
            "financing_request_id",
            "company",
            "title",
            "amount",
            "currency",
            "rank",
            "investor_profile_id",
            "investor",
            "score",
            "reasons",
        ),
        [
            [
                r.financing_request_id,
                r.company,
                r.title,
                r.amount,
                r.currency,
                rank,
                m.investor_profile_id,
                m.name,
                m.score,
                " | ".join(m.reasons),
            ]
            for r in report.requests
            for rank, m in enumerate(r.top_investors, start=1)
        ],
    )
    yield (
        "Top requests per investor",
        (
            "investor_profile_id",
            "investor",
            "rank",
            "financing_request_id",
            "company",
            "title",
            "score",
            "reasons",
        ),
        [
            [
                i.investor_profile_id,
                i.name,
                rank,
                m.financing_request_id,
                m.company,
                m.title,
                m.score,
                " | ".join(m.reasons),
            ]
            for i in report.investors
            for rank, m in enumerate(i.top_requests, start=1)
        ],
    )
    funnel = report.funnel
    if funnel is not None:
        yield (
            "Feedback funnel",
            ("step", "pairs"),
            [
                ["matched", funnel.matched],
                ["interested", funnel.interested],
                ["meeting", funnel.meeting],
                ["committed", funnel.committed],
                [f"committed_amount_{funnel.currency}", funnel.committed_amount],
            ],
        )


def render_report_csv(report: ReportDocument) -> str:
    """The whole report as CSV text, starting with the BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, (title, header, rows) in enumerate(_sections(report)):
        if number:
            writer.writerow([])
        writer.writerow([neutralise(f"# {title}")])
        writer.writerow(header)
        writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return BOM + buffer.getvalue()
