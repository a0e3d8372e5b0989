"""The report's documents for people, in every format the API and the command line offer.

JSON (the contract itself) is written by its callers; this renders the rest from the stored
document, each in the reader's language with times in the display time zone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from service.reports.csv_export import render_report_csv
from service.reports.document import ReportDocument
from service.reports.html import render_report_html
from service.reports.pdf import MEDIA_TYPE as PDF_MEDIA_TYPE
from service.reports.pdf import render_report_pdf
from service.reports.wording import Wording
from service.reports.xlsx_export import MEDIA_TYPE as XLSX_MEDIA_TYPE
from service.reports.xlsx_export import render_report_xlsx


class ReportFormat(enum.StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"
    PDF = "pdf"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class Rendered:
    content: bytes
    media_type: str
    # Opened where it arrives (a page, a PDF) or saved as a file (CSV, a workbook).
    inline: bool

    def filename(self, report_id: str, output_format: ReportFormat) -> str:
        return f"report-{report_id}.{output_format.value}"


def render(document: ReportDocument, output_format: ReportFormat, words: Wording) -> Rendered:
    """The document in ``output_format`` (anything but JSON). A PDF raises
    ``pdf.PdfUnavailable`` on a machine without Pango or a Chinese font."""
    if output_format is ReportFormat.CSV:
        return Rendered(
            render_report_csv(document, words).encode("utf-8"), "text/csv; charset=utf-8", False
        )
    if output_format is ReportFormat.HTML:
        return Rendered(
            render_report_html(document, words).encode("utf-8"), "text/html; charset=utf-8", True
        )
    if output_format is ReportFormat.PDF:
        return Rendered(render_report_pdf(document, words), PDF_MEDIA_TYPE, True)
    if output_format is ReportFormat.XLSX:
        return Rendered(render_report_xlsx(document, words), XLSX_MEDIA_TYPE, False)
    raise ValueError(f"{output_format} is written by the caller, not rendered")
