"""The report as CSV: one file, a section per part of the document, safe in spreadsheets.

UTF-8 with a BOM, so spreadsheet software shows Chinese names; every cell that starts with
a character a spreadsheet reads as a formula is neutralised with a leading apostrophe. Each
value is written as the JSON document writes it (amounts as decimal strings, the timestamp in
its JSON form), for programs. For people, readable columns are added after those, in the
reader's language: names for codes, amounts as ``readable_amount`` writes them, the time in
the display time zone. A program that reads columns by position or by name is not disturbed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from service.reference_data.catalog import CodeKind
from service.reports.document import (
    CapitalRow,
    Exposure,
    OutcomeFigure,
    OutcomeFigures,
    ReportDocument,
    UnmatchedRequest,
)
from service.reports.findings import UncoveredRequest, find, least_seen_first
from service.reports.outcome_wording import named_rows, rate_text
from service.reports.wording import Wording

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TIMESTAMP: TypeAdapter[datetime] = TypeAdapter(datetime)


def neutralise(value: Any) -> str:
    """The cell text, with a leading ' when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _codes(codes: Iterable[str]) -> str:
    return "; ".join(codes)


# The sections listing requests (unmatched, not covered, shown to no investor) share their
# columns: the request as stored, the section's own figures, then readable columns.
_REQUEST_COLUMNS = (
    "financing_request_id",
    "company",
    "title",
    "sectors",
    "stage",
    "amount",
    "currency",
)
_READABLE_REQUEST_COLUMNS = (
    "amount_readable",
    "sectors_readable",
    "stage_readable",
    "title_readable",
)


def _request_columns(*figures: str) -> tuple[str, ...]:
    return (*_REQUEST_COLUMNS, *figures, *_READABLE_REQUEST_COLUMNS)


def _request_row(
    request: UnmatchedRequest | UncoveredRequest, words: Wording, *figures: Any
) -> list[Any]:
    return [
        request.financing_request_id,
        request.company,
        request.title,
        _codes(request.sectors),
        request.stage,
        request.amount,
        request.currency,
        *figures,
        words.amount(request.amount, request.currency),
        words.names("sector", request.sectors),
        words.name("stage", request.stage) if request.stage else "",
        words.request_title(request),
    ]


def _sections(
    report: ReportDocument, words: Wording
) -> Iterable[tuple[str, Sequence[str], list[list[Any]]]]:
    scope, totals, counts, model = report.scope, report.totals, report.counts, report.model
    event: list[list[Any]] = []
    if scope.event_date is not None:
        event.append(["event_date", scope.event_date.isoformat(), words.day(scope.event_date)])
    if scope.event_place is not None:
        event.append(["event_place", scope.event_place, words.event_place(scope)])
    yield (
        "Report",
        ("field", "value", "readable"),
        [
            ["title", report.title, words.title(report)],
            ["id", report.id],
            [
                "created_at",
                _TIMESTAMP.dump_python(report.created_at, mode="json"),
                words.time(report.created_at),
            ],
            ["event", scope.event_name or "", words.event_name(scope) or ""],
            ["event_id", scope.event_id or ""],
            *event,
            [
                "sectors",
                _codes(scope.sectors),
                words.names("sector", scope.sectors)
                if scope.sectors
                else words.text("All sectors"),
            ],
            [
                "stages",
                _codes(scope.stages),
                words.names("stage", scope.stages) if scope.stages else words.text("All stages"),
            ],
            ["top_k", report.top_k],
            ["min_score", report.min_score],
            ["model_version", model.version],
            *[[f"weight_{name}", weight] for name, weight in model.weights.items()],
            ["published_requests", counts.published_requests],
            ["investors", counts.investors],
            ["requests_in_scope", totals.requests],
            ["investors_in_scope", totals.investors],
            [
                f"capital_asked_{totals.currency}",
                totals.capital_asked,
                words.amount(totals.capital_asked, totals.currency),
            ],
            *([] if totals.blocked_pairs is None else [["blocked_pairs", totals.blocked_pairs]]),
        ],
    )
    coverage = report.coverage
    yield (
        f"Coverage (covered: at least {coverage.min_investors} investors at or above "
        f"min_score{', a firm counted once' if coverage.by_firm else ''}; "
        f"covered {coverage.covered}, uncovered {coverage.uncovered})",
        ("investors_above_min_score", "requests"),
        [[b.label, b.requests] for b in coverage.buckets],
    )
    yield (
        "Unmatched requests",
        _request_columns("best_score"),
        [_request_row(u, words, u.best_score) for u in report.unmatched],
    )
    capitals: tuple[tuple[list[CapitalRow], CodeKind], ...] = (
        (report.by_sector, "sector"),
        (report.by_stage, "stage"),
    )
    for capital, label in capitals:
        yield (
            f"Capital by {label} ({totals.currency})",
            (
                label,
                "name",
                "requests",
                "capital_asked",
                "fitting_investors",
                "capital_available",
                "name_readable",
                "capital_asked_readable",
                "capital_available_readable",
            ),
            [
                [
                    r.code,
                    r.name,
                    r.requests,
                    r.capital_asked,
                    r.fitting_investors,
                    r.capital_available,
                    words.name(label, r.code, r.name),
                    words.amount(r.capital_asked, totals.currency),
                    words.amount(r.capital_available, totals.currency),
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
            "amount_readable",
            "title_readable",
            "firm",
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
                " | ".join(words.reasons(m.name, m.reasons)),
                words.amount(r.amount, r.currency),
                words.request_title(r),
                m.firm or "",
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
            "title_readable",
            "firm",
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
                " | ".join(words.reasons(i.name, m.reasons)),
                words.request_title(m),
                i.firm or "",
            ]
            for i in report.investors
            for rank, m in enumerate(i.top_requests, start=1)
        ],
    )
    funnel = report.funnel
    if funnel is not None:
        yield (
            "Feedback funnel",
            ("step", "pairs", "readable"),
            [
                ["matched", funnel.matched],
                ["interested", funnel.interested],
                ["meeting", funnel.meeting],
                ["committed", funnel.committed],
                [
                    f"committed_amount_{funnel.currency}",
                    funnel.committed_amount,
                    words.amount(funnel.committed_amount, funnel.currency),
                ],
            ],
        )
    findings = find(report)
    # Last, so the sections before stay where programs found them.
    yield (
        f"Requests not covered (fewer than {findings.min_investors} investors at or above "
        "min_score)",
        _request_columns("investors_above_min_score", "best_score"),
        [_request_row(u, words, u.matches, u.best_score) for u in findings.uncovered],
    )
    if report.outcomes is not None:
        yield from _outcome_sections(report.outcomes, words)
    if report.exposure is not None:
        yield from _exposure_sections(report.exposure, words)
        yield (
            f"Investors who saw each request in their first {report.exposure.top} matches "
            "(least seen first)",
            (
                "financing_request_id",
                "company",
                "title",
                "seen_by_investors",
                "investors_above_min_score",
                "title_readable",
            ),
            [
                [
                    r.financing_request_id,
                    r.company,
                    r.title,
                    r.seen_by_investors,
                    r.investors_above_min_score,
                    words.request_title(r),
                ]
                for r in least_seen_first(report.requests)
            ],
        )


def _exposure_sections(
    exposure: Exposure, words: Wording
) -> Iterable[tuple[str, Sequence[str], list[list[Any]]]]:
    """After every earlier section: how many requests some investor was shown in its first
    ``top`` matches, and those shown to none (for outreach, the largest ask first)."""
    yield (
        f"Exposure (shown in an investor's first {exposure.top} matches)",
        ("field", "value"),
        [["top", exposure.top], ["seen", exposure.seen], ["unseen", exposure.unseen]],
    )
    yield (
        "Requests shown to no investor",
        _request_columns("investors_above_min_score"),
        [_request_row(u, words, u.investors_above_min_score) for u in exposure.unseen_requests],
    )


OUTCOME_COLUMNS = (
    "key",
    "name",
    "meetings",
    "met_and_signed",
    "deals",
    "signed",
    "signing_rate",
    "signed_amount_cny",
    "funds_in_place_cny",
    "funds_in_place_ratio",
    "overdue_registration",
    "overdue_production",
    "abandoned",
    "name_readable",
    "signing_rate_readable",
    "signed_amount_readable",
    "funds_in_place_readable",
    "funds_in_place_ratio_readable",
)


def _outcome_row(words: Wording, by: str, figure: OutcomeFigure, name: str) -> list[Any]:
    return [
        figure.key,
        figure.name,
        figure.meetings,
        figure.met_and_signed,
        figure.deals,
        figure.signed,
        figure.signing_rate,
        figure.signed_amount_cny,
        figure.funds_in_place_cny,
        figure.funds_in_place_ratio,
        figure.overdue_registration,
        figure.overdue_production,
        figure.abandoned,
        name,
        rate_text(figure.signing_rate),
        words.amount(figure.signed_amount_cny, "CNY"),
        words.amount(figure.funds_in_place_cny, "CNY"),
        rate_text(figure.funds_in_place_ratio),
    ]


def _outcome_sections(
    outcomes: OutcomeFigures, words: Wording
) -> Iterable[tuple[str, Sequence[str], list[list[Any]]]]:
    """After every earlier section (programs find those where they were): the outcome
    figures by each dimension, each with the total as its last row (key "all")."""
    for breakdown in outcomes.breakdowns:
        yield (
            f"Outcomes by {breakdown.by} (as of {outcomes.as_of.isoformat()}; amounts in CNY)",
            OUTCOME_COLUMNS,
            [
                *(
                    _outcome_row(words, breakdown.by, g, name)
                    for name, g in named_rows(words, breakdown)
                ),
                _outcome_row(words, breakdown.by, outcomes.total, words.text("All")),
            ],
        )
    yield (
        "Companies claimed twice (one credit code in two regions or events)",
        ("credit_code", "outcome_ids", "regions", "event_ids", "regions_readable"),
        [
            [
                claim.credit_code,
                _codes(claim.outcome_ids),
                _codes(claim.regions),
                _codes(claim.event_ids),
                words.names("region", claim.regions),
            ]
            for claim in outcomes.double_claims
        ],
    )


def render_report_csv(report: ReportDocument, words: Wording | None = None) -> str:
    """The whole report as CSV text, starting with the BOM; readable columns in the current
    reader's language unless ``words`` says otherwise."""
    words = words or Wording.for_reader()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, (title, header, rows) in enumerate(_sections(report, words)):
        if number:
            writer.writerow([])
        writer.writerow([neutralise(f"# {title}")])
        writer.writerow(header)
        writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return BOM + buffer.getvalue()
