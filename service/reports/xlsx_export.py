"""The report as an Excel workbook: one sheet per table of the report, in the reader's language.

Sheets: the summary (the report's facts and its written summary), coverage, capital by sector,
capital by stage, the requests not covered, the top investors per request, the top requests per
investor, the feedback funnel and the outcomes. Names stand where the document has codes;
amounts are numbers (a spreadsheet sums and sorts them; Excel keeps 15 significant digits) with
a readable column beside each, which also carries the exact figure. Text is always written as
text: a name that starts with ``=`` is never run as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from unicodedata import east_asian_width

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.reference_data.catalog import CodeKind
from service.reports.document import CapitalRow, ReportDocument, UnmatchedRequest
from service.reports.findings import UncoveredRequest, find, least_seen_first
from service.reports.formatting import format_share, format_threshold
from service.reports.outcome_wording import heading, named_rows, rate_text
from service.reports.wording import Wording

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.000"
# Excel refuses these in a sheet name, and names longer than 31 characters.
_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
_SHEET_NAME_LENGTH = 31
_MAX_COLUMN_WIDTH = 60

Value = str | int | float | Decimal | None


@dataclass
class Table:
    """One sheet: its name, header and rows; columns of amounts and scores get number formats."""

    name: str
    header: Sequence[str]
    rows: list[list[Value]] = field(default_factory=list)
    amount_columns: frozenset[int] = frozenset()
    score_columns: frozenset[int] = frozenset()


def sheet_name(name: str) -> str:
    return name.translate(_SHEET_NAME_FORBIDDEN).strip()[:_SHEET_NAME_LENGTH]


def _summary(document: ReportDocument, words: Wording) -> Table:
    _ = words.text  # `_`: the name `make messages` extracts
    scope, totals, coverage = document.scope, document.totals, document.coverage
    findings = find(document)
    currency = totals.currency
    rows: list[list[Value]] = [
        [_("Title"), words.title(document)],
        [_("Report"), document.id],
        [_("Event"), words.event_name(scope) or _("All events")],
    ]
    if scope.event_date is not None:
        rows.append([_("Date"), words.day(scope.event_date)])
    if scope.event_place is not None:
        rows.append([_("Place"), words.event_place(scope)])
    rows += [
        [_("Sectors"), words.names("sector", scope.sectors) if scope.sectors else _("All sectors")],
        [_("Stages"), words.names("stage", scope.stages) if scope.stages else _("All stages")],
        [_("Ran at"), words.time(document.created_at)],
    ]
    if document.created_by_name:
        rows.append([_("Ran by"), words.runner(document.created_by_name)])
    rows += [
        [_("Requests"), totals.requests],
        [_("Investor profiles"), totals.investors],
        [_("Capital asked"), totals.capital_asked, words.amount(totals.capital_asked, currency)],
        [
            _("Covered (at least %(count)s investors)") % {"count": coverage.min_investors},
            coverage.covered,
            format_share(coverage.covered, totals.requests),
        ],
        [_("Not covered"), coverage.uncovered],
        [_("Model"), words.model(document)],
        [_("Parameters"), words.parameters(document)],
    ]
    if coverage.by_firm:
        rows.append(
            [
                _("Investors"),
                _(
                    "Counted as firms, each once however many of its profiles match; capital "
                    "available adds the maximum ticket of each matching profile (a firm's "
                    "funds are separate pools)"
                ),
            ]
        )
    learned_weights = words.learned_weights(document)
    if learned_weights is not None:
        rows.append([_("The ranking model's weights"), learned_weights])
    if totals.blocked_pairs is not None:
        rows.append(
            [
                _(
                    "Pairs scoring at least %(min_score)s blocked by the foreign-investment "
                    "negative list"
                )
                % {"min_score": format_threshold(document.min_score)},
                totals.blocked_pairs,
            ]
        )
    exposure = document.exposure
    if exposure is not None:
        rows += [
            [
                _("Shown in an investor's first %(top)s matches") % {"top": exposure.top},
                exposure.seen,
                format_share(exposure.seen, totals.requests),
            ],
            [_("Shown to no investor"), exposure.unseen],
        ]
    for number, paragraph in enumerate(words.summary(findings, document.min_score)):
        rows.append([_("Summary") if number == 0 else None, paragraph.text])
        rows += [[None, f"• {point}"] for point in paragraph.points]
    return Table(_("Summary"), (_("Item"), _("Value"), _("Readable")), rows)


def _coverage(document: ReportDocument, words: Wording) -> Table:
    _ = words.text  # `_`: the name `make messages` extracts
    threshold = {"min_score": format_threshold(document.min_score)}
    return Table(
        _("Coverage"),
        (_("Investors scoring at least %(min_score)s") % threshold, _("Requests")),
        [[bucket.label, bucket.requests] for bucket in document.coverage.buckets],
    )


def _capital(
    name: str,
    heading: str,
    kind: CodeKind,
    rows: Sequence[CapitalRow],
    currency: str,
    words: Wording,
) -> Table:
    _ = words.text  # `_`: the name `make messages` extracts
    return Table(
        name,
        (
            heading,
            _("Requests"),
            _("Capital asked"),
            _("Capital asked (readable)"),
            _("Matching investors"),
            _("Capital available"),
            _("Capital available (readable)"),
            _("Gap (asked minus available)"),
            _("Gap (readable)"),
        ),
        [
            [
                words.name(kind, row.code, row.name),
                row.requests,
                row.capital_asked,
                words.amount(row.capital_asked, currency),
                row.fitting_investors,
                row.capital_available,
                words.amount(row.capital_available, currency),
                row.capital_asked - row.capital_available,
                words.gap(row.capital_asked - row.capital_available, currency),
            ]
            for row in rows
        ],
        amount_columns=frozenset({2, 5, 7}),
    )


def _request_columns(words: Wording, *figures: str) -> tuple[str, ...]:
    """The columns of a sheet listing requests: the request, the sheet's own figures
    (``figures``, headings already in the reader's language), its id last."""
    _ = words.text  # `_`: the name `make messages` extracts
    return (
        _("Company"),
        _("Request"),
        _("Sectors"),
        _("Stage"),
        _("Amount"),
        _("Currency"),
        _("Amount (readable)"),
        *figures,
        _("Request ID"),
    )


def _request_row(
    request: UnmatchedRequest | UncoveredRequest, words: Wording, *figures: Value
) -> list[Value]:
    return [
        request.company,
        words.request_title(request),
        words.names("sector", request.sectors),
        words.name("stage", request.stage) if request.stage else None,
        request.amount,
        words.name("currency", request.currency),
        words.amount(request.amount, request.currency),
        *figures,
        request.financing_request_id,
    ]


def _uncovered(document: ReportDocument, words: Wording) -> Table:
    _ = words.text  # `_`: the name `make messages` extracts
    return Table(
        _("Requests not covered"),
        _request_columns(words, _("Matching investors"), _("Best score")),
        [
            _request_row(request, words, request.matches, request.best_score)
            for request in find(document).uncovered
        ],
        amount_columns=frozenset({4}),
        score_columns=frozenset({8}),
    )


def _exposure(document: ReportDocument, words: Wording) -> Table:
    """The requests no investor was shown in its first matches, for outreach (largest ask
    first); the counts stand in the summary."""
    _ = words.text  # `_`: the name `make messages` extracts
    exposure = document.exposure
    return Table(
        _("Exposure"),
        _request_columns(words, _("Matching investors")),
        [
            _request_row(request, words, request.investors_above_min_score)
            for request in (exposure.unseen_requests if exposure is not None else [])
        ],
        amount_columns=frozenset({4}),
    )


def _seen_by(document: ReportDocument, words: Wording) -> Table:
    """How many investors saw each listed request in their first matches, the fewest first
    (the ones to present again)."""
    _ = words.text  # `_`: the name `make messages` extracts
    return Table(
        _("Seen by investors"),
        (_("Company"), _("Title"), _("Investors who saw it"), _("Matching investors")),
        [
            [r.company, words.request_title(r), r.seen_by_investors, r.investors_above_min_score]
            for r in least_seen_first(document.requests)
        ],
    )


def _top_investors(document: ReportDocument, words: Wording) -> Table:
    _ = words.text  # `_`: the name `make messages` extracts
    return Table(
        _("Top investors per request"),
        (
            _("Company"),
            _("Request"),
            _("Amount"),
            _("Currency"),
            _("Amount (readable)"),
            _("Rank"),
            _("Investor"),
            _("Score"),
            _("Reasons"),
            _("Request ID"),
            _("Investor ID"),
            _("Firm"),
        ),
        [
            [
                request.company,
                words.request_title(request),
                request.amount,
                words.name("currency", request.currency),
                words.amount(request.amount, request.currency),
                rank,
                match.name,
                match.score,
                "\n".join(words.reasons(match.name, match.reasons)),
                request.financing_request_id,
                match.investor_profile_id,
                match.firm,
            ]
            for request in document.requests
            for rank, match in enumerate(request.top_investors, start=1)
        ],
        amount_columns=frozenset({2}),
        score_columns=frozenset({7}),
    )


def _top_requests(document: ReportDocument, words: Wording) -> Table:
    _ = words.text  # `_`: the name `make messages` extracts
    return Table(
        _("Top requests per investor"),
        (
            _("Investor"),
            _("Rank"),
            _("Company"),
            _("Request"),
            _("Score"),
            _("Reasons"),
            _("Investor ID"),
            _("Request ID"),
            _("Firm"),
        ),
        [
            [
                investor.name,
                rank,
                match.company,
                words.request_title(match),
                match.score,
                "\n".join(words.reasons(investor.name, match.reasons)),
                investor.investor_profile_id,
                match.financing_request_id,
                investor.firm,
            ]
            for investor in document.investors
            for rank, match in enumerate(investor.top_requests, start=1)
        ],
        score_columns=frozenset({4}),
    )


def _funnel(document: ReportDocument, words: Wording) -> Table:
    _ = words.text  # `_`: the name `make messages` extracts
    table = Table(_("Feedback funnel"), (_("Step"), _("Pairs"), _("Share of matched")))
    funnel = document.funnel
    if funnel is None:
        table.rows.append([_("No feedback recorded in scope yet.")])
        return table
    for label, count in (
        (_("Matched"), funnel.matched),
        (_("Interested"), funnel.interested),
        (_("Met"), funnel.meeting),
        (_("Committed"), funnel.committed),
    ):
        table.rows.append([label, count, format_share(count, funnel.matched)])
    table.rows.append(
        [
            _("Committed amount"),
            funnel.committed_amount,
            words.amount(funnel.committed_amount, funnel.currency),
        ]
    )
    return table


def _outcomes(document: ReportDocument, words: Wording) -> Table:
    """Every breakdown of the outcome figures on one sheet, each closed by the total."""
    _ = words.text  # `_`: the name `make messages` extracts
    table = Table(
        _("Outcomes"),
        (
            _("Breakdown"),
            _("Row"),
            _("Accepted meetings"),
            _("Met and signed"),
            _("Signing rate"),
            _("Deals"),
            _("Signed"),
            _("Signed amount (CNY)"),
            _("Signed amount (readable)"),
            _("Funds in place (CNY)"),
            _("Funds in place (readable)"),
            _("Funds-in-place ratio"),
            _("Registration overdue"),
            _("Production overdue"),
            _("Abandoned"),
        ),
        amount_columns=frozenset({7, 9}),
    )
    outcomes = document.outcomes
    if outcomes is None:
        table.rows.append([_("This report was made before outcomes were tracked.")])
        return table
    for breakdown in outcomes.breakdowns:
        rows = named_rows(words, breakdown)
        for name, figure in [*rows, (_("All"), outcomes.total)]:
            table.rows.append(
                [
                    heading(words, breakdown.by),
                    name,
                    figure.meetings,
                    figure.met_and_signed,
                    rate_text(figure.signing_rate),
                    figure.deals,
                    figure.signed,
                    figure.signed_amount_cny,
                    words.amount(figure.signed_amount_cny, "CNY"),
                    figure.funds_in_place_cny,
                    words.amount(figure.funds_in_place_cny, "CNY"),
                    rate_text(figure.funds_in_place_ratio),
                    figure.overdue_registration,
                    figure.overdue_production,
                    figure.abandoned,
                ]
            )
    for claim in outcomes.double_claims:
        table.rows.append(
            [
                _("Companies claimed twice"),
                claim.credit_code,
                None,
                None,
                None,
                len(claim.outcome_ids),
                None,
                None,
                words.names("region", claim.regions),
            ]
        )
    return table


def report_tables(document: ReportDocument, words: Wording) -> list[Table]:
    """Every table of the report, in the order the HTML report shows them."""
    _ = words.text  # `_`: the name `make messages` extracts
    currency = document.totals.currency
    return [
        _summary(document, words),
        _coverage(document, words),
        _capital(_("By sector"), _("Sector"), "sector", document.by_sector, currency, words),
        _capital(_("By stage"), _("Stage"), "stage", document.by_stage, currency, words),
        _uncovered(document, words),
        _top_investors(document, words),
        _top_requests(document, words),
        _funnel(document, words),
        _exposure(document, words),
        *([_seen_by(document, words)] if document.exposure is not None else []),
        _outcomes(document, words),
    ]


def _width(value: Value) -> int:
    """Columns wide enough for their longest line: a CJK character takes two."""
    text = "" if value is None else str(value)
    return max(
        (sum(2 if east_asian_width(c) in "WF" else 1 for c in line) for line in text.split("\n")),
        default=0,
    )


def _write_cell(cell: Cell, value: Value) -> None:
    cell.value = value
    if isinstance(value, str):
        # openpyxl reads a leading "=" as a formula; names and titles are user input.
        cell.data_type = "s"


def _write(sheet: Worksheet, table: Table) -> None:
    sheet.append(list(table.header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in table.rows:
        row = sheet.max_row + 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            assert isinstance(cell, Cell)  # nothing in a report's sheet is merged
            _write_cell(cell, value)
            if column - 1 in table.amount_columns or isinstance(value, Decimal):
                # Amounts are Decimals wherever they stand (the summary's capital asked too).
                cell.number_format = AMOUNT_FORMAT
            elif column - 1 in table.score_columns:
                cell.number_format = SCORE_FORMAT
            if isinstance(value, str) and ("\n" in value or _width(value) > _MAX_COLUMN_WIDTH):
                # Longer than its column may grow (the summary's sentences, reasons): wrapped.
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    widths = _column_widths([list(table.header), *table.rows])
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_COLUMN_WIDTH)


def _column_widths(rows: Iterable[Sequence[Value]]) -> list[int]:
    widths: list[int] = []
    for row in rows:
        for column, value in enumerate(row):
            if column == len(widths):
                widths.append(0)
            widths[column] = max(widths[column], _width(value))
    return widths


def render_report_xlsx(document: ReportDocument, words: Wording | None = None) -> bytes:
    """The workbook as bytes (.xlsx), in the current reader's language unless ``words`` says."""
    words = words or Wording.for_reader()
    workbook = Workbook()
    blank = workbook.active  # the sheet every new workbook starts with
    for table in report_tables(document, words):
        _write(workbook.create_sheet(sheet_name(table.name)), table)
    if blank is not None:
        workbook.remove(blank)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
