"""The commission's table plan for people: a page to read or print (HTML), the same page on A4
(PDF, drawn by WeasyPrint as the match report is) and an Excel workbook, in Chinese or English.

Every time is the event's local time (the plan's slots carry it). The HTML is self-contained:
inline CSS, no script, nothing fetched, so the PDF needs no network either. The workbook has
one row per placed meeting (with real date and time cells a spreadsheet sorts and filters),
the same plan as a grid of slots by tables, and a sheet saying which event and schedule it is.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from unicodedata import east_asian_width

from babel.dates import format_date
from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.conference import drift_wording
from service.conference.agendas import AgendaEntry, TablePlan, TablePlanSlot
from service.conference.programme import local
from service.i18n.catalogs import translate
from service.i18n.event_names import event_name, event_place
from service.i18n.languages import joined
from service.i18n.reasons import N_
from service.i18n.zones import zone_name
from service.reference_data.catalog import Language
from service.reports.charts import CJK_FIRST_FONT_STACK, FONT_STACK
from service.reports.formatting import BABEL_LOCALES
from service.reports.pdf import MEDIA_TYPE as PDF_MEDIA_TYPE
from service.reports.pdf import PdfUnavailable, pdf_unavailable
from service.reports.xlsx_export import MEDIA_TYPE as XLSX_MEDIA_TYPE
from service.reports.xlsx_export import sheet_name

TablePlanFormat = Literal["html", "pdf", "xlsx"]
HTML_MEDIA_TYPE = "text/html; charset=utf-8"
# The `lang` of the page: Chromium and WeasyPrint pick Simplified Chinese glyphs for zh-CN.
PAGE_LANGUAGES: dict[Language, str] = {"zh": "zh-CN", "en": "en"}
TIME_FORMAT = "hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
_MAX_COLUMN_WIDTH = 50

__all__ = [
    "HTML_MEDIA_TYPE",
    "PDF_MEDIA_TYPE",
    "XLSX_MEDIA_TYPE",
    "PdfUnavailable",
    "TablePlanFormat",
    "render_table_plan",
]


def _words(language: Language) -> Callable[[str], str]:
    """The translating function for ``language``; bound to `_` so `make messages` finds it."""

    def in_language(message: str) -> str:
        return translate(message, language)

    return in_language


def day_heading(day: dt.date, language: Language) -> str:
    """A conference day as its reader writes it: 2026年11月5日星期四; Thursday, 5 November 2026."""
    return format_date(day, "full", locale=BABEL_LOCALES[language])


def clock(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


def table_ranges(tables: Iterable[int], language: Language) -> str:
    """Table numbers as runs: 2、4–6、9 (a free-table list of forty reads in one line)."""
    runs = []
    numbers = sorted(tables)
    for _, run in itertools.groupby(enumerate(numbers), key=lambda pair: pair[1] - pair[0]):
        members = [number for _, number in run]
        runs.append(str(members[0]) if len(members) == 1 else f"{members[0]}–{members[-1]}")
    return joined(runs, language)


@dataclass(frozen=True, slots=True)
class SlotView:
    """One slot as the page prints it: its seated meetings and its free tables."""

    start: str
    end: str
    seated: list[AgendaEntry]
    free: str


@dataclass(frozen=True, slots=True)
class DayView:
    heading: str
    slots: list[SlotView]


def days_of(plan: TablePlan, language: Language) -> list[DayView]:
    """The plan's slots grouped by their local day, in time order."""
    days = []
    for day, slots in itertools.groupby(plan.slots, key=lambda slot: slot.starts_at.date()):
        views = []
        for slot in slots:
            seated = [entry for entry in slot.tables if entry is not None]
            free = [number for number, entry in enumerate(slot.tables, start=1) if entry is None]
            start, end = clock(slot.starts_at), clock(slot.ends_at)
            views.append(SlotView(start, end, seated, table_ranges(free, language)))
        days.append(DayView(day_heading(day, language), views))
    return days


_PAGE = """<!DOCTYPE html>
<html lang="{{ page_language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="matchmaker">
<title>{{ title }}</title>
<style>
body { font-family: {{ font_stack }}; color: #1d2733; margin: 0 auto; max-width: 1000px;
  padding: 24px; line-height: 1.5; }
h1 { font-size: 1.5rem; margin: 0 0 8px; }
h2 { font-size: 1.2rem; margin: 28px 0 8px; border-bottom: 2px solid #0b5cad; padding-bottom: 2px; }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
dl.meta dt { color: #5b6675; }
dl.meta dd { margin: 0; }
table { width: 100%; border-collapse: collapse; margin: 0 0 4px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #d5dbe3;
  vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
td.table-number, th.table-number { width: 4.5em; text-align: right; font-weight: 700; }
.muted { color: #5b6675; margin: 2px 0 0; }
.warning { border-left: 4px solid #b3261e; background: #fdecea; padding: 6px 10px;
  margin: 10px 0 0; }
section.slot { margin-bottom: 10px; }
@page {
  size: A4;
  margin: 14mm 12mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-before: page; break-after: avoid; }
  h2.first { break-before: avoid; }
  h3 { break-after: avoid; }
  section.slot { break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
</style>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <dl class="meta">
    {% if place %}<dt>{{ labels.place }}</dt><dd>{{ place }}</dd>{% endif %}
    <dt>{{ labels.times }}</dt><dd>{{ time_zone_note }}</dd>
    <dt>{{ labels.meetings }}</dt><dd>{{ meetings }}</dd>
    <dt>{{ labels.tables }}</dt><dd>{{ tables }}</dd>
    <dt>{{ labels.solved }}</dt><dd>{{ solved_at }}</dd>
  </dl>
  {% if warning %}<p class="warning" role="alert">{{ warning }}</p>{% endif %}
  {% if unplaced %}<p class="muted">{{ unplaced }}</p>{% endif %}
</header>
{% for day in days %}
<h2{% if loop.first %} class="first"{% endif %}>{{ day.heading }}</h2>
{% for slot in day.slots %}
<section class="slot">
  <h3>{{ slot.start }}–{{ slot.end }}</h3>
  {% if slot.seated %}
  <table>
    <thead><tr>
      <th scope="col" class="table-number">{{ labels.table }}</th>
      <th scope="col">{{ labels.company }}</th>
      <th scope="col">{{ labels.request }}</th>
      <th scope="col">{{ labels.investor }}</th>
    </tr></thead>
    <tbody>
    {% for entry in slot.seated %}
      <tr>
        <td class="table-number">{{ entry.table }}</td>
        <td>{{ entry.company }}</td>
        <td>{{ entry.request_title }}</td>
        <td>{{ entry.investor_name }}</td>
      </tr>
    {% endfor %}
    </tbody>
  </table>
  {% else %}
  <p class="muted">{{ labels.no_meetings }}</p>
  {% endif %}
  {% if slot.free %}<p class="muted">{{ free_tables % {"tables": slot.free} }}</p>{% endif %}
</section>
{% endfor %}
{% endfor %}
</body>
</html>
"""


@lru_cache(maxsize=1)
def _template() -> Template:
    environment = Environment(
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return environment.from_string(_PAGE)


def _title(plan: TablePlan, language: Language) -> str:
    _ = _words(language)
    return _("Table plan: %(event)s") % {"event": event_name(plan.event, language)}


def _stale_warning(plan: TablePlan, language: Language) -> str | None:
    """Printed on a plan whose schedule the event has moved away from, so nobody hands out a
    plan that seats people when they said they cannot come."""
    if plan.over:
        return None
    return drift_wording.out_of_date(
        plan.drift,
        _words(language),
        N_(
            "Solve the schedule again, keeping everyone's seat so that only those meetings "
            "move, before handing this plan out."
        ),
        seats_only=True,
    )


def _unplaced_note(plan: TablePlan, language: Language) -> str | None:
    _ = _words(language)
    if not plan.drift.unplaced:
        return None
    return _("Confirmed meetings not in this plan: %(num)s") % {"num": plan.drift.unplaced}


def render_table_plan_html(plan: TablePlan, language: Language) -> str:
    _ = _words(language)
    template = _template()
    solved = local(plan.schedule.created_at, plan.event.time_zone)
    return template.render(
        page_language=PAGE_LANGUAGES[language],
        # The reader's face first (charts.CJK_FIRST_FONT_STACK says why).
        font_stack=Markup(FONT_STACK if language == "en" else CJK_FIRST_FONT_STACK),  # noqa: S704
        title=_title(plan, language),
        place=event_place(plan.event, language),
        time_zone_note=_("Local time of the event (%(zone)s)")
        % {"zone": zone_name(plan.event.time_zone, language)},
        meetings=plan.meetings,
        tables=plan.event.tables or 0,
        solved_at=solved.strftime("%Y-%m-%d %H:%M"),
        days=days_of(plan, language),
        warning=_stale_warning(plan, language),
        unplaced=_unplaced_note(plan, language),
        labels={
            "place": _("Place"),
            "times": _("Times"),
            "meetings": _("Meetings placed"),
            "tables": _("Tables"),
            "solved": _("Schedule solved at"),
            "table": _("Table"),
            "company": _("Company"),
            "request": _("Financing request"),
            "investor": _("Investor"),
            "no_meetings": _("No meetings in this slot."),
        },
        free_tables=_("Free tables: %(tables)s"),
    )


def render_table_plan_pdf(plan: TablePlan, language: Language) -> bytes:
    """The page on A4 sheets (a day per sheet, a slot never split); ``PdfUnavailable`` on a
    machine without Pango or a Chinese font, as for the match report."""
    problem = pdf_unavailable()
    if problem is not None:
        raise PdfUnavailable(problem)
    # Imported here: Pango loads with it, and the other formats work without Pango.
    from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]

    page = HTML(
        string=render_table_plan_html(plan, language),
        url_fetcher=URLFetcher(allowed_protocols=()),  # self-contained: fetch nothing
        media_type="print",
    )
    pdf: bytes = page.write_pdf()
    return pdf


Value = str | int | dt.date | dt.time | None


def _width(value: Value) -> int:
    """A column wide enough for its text: a CJK character takes two."""
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, dt.time):
        return 5
    text = "" if value is None else str(value)
    return max(
        (sum(2 if east_asian_width(c) in "WF" else 1 for c in line) for line in text.split("\n")),
        default=0,
    )


def _write_sheet(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Value]]) -> None:
    """A header in bold, frozen, with filters; text always as text (a company named "=1+1"
    is not a formula); dates and times as real cells in the event's local time."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [_width(name) for name in header]
    for values in rows:
        row = sheet.max_row + 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            assert isinstance(cell, Cell)  # nothing here is merged
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, dt.time):
                cell.number_format = TIME_FORMAT
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            if column > len(widths):
                widths.append(0)
            widths[column - 1] = max(widths[column - 1], _width(value))
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_COLUMN_WIDTH)


def _meeting_rows(plan: TablePlan) -> list[list[Value]]:
    return [
        [
            slot.starts_at.date(),
            slot.starts_at.time(),  # naive: the event's wall clock
            slot.ends_at.time(),
            entry.table,
            entry.company,
            entry.request_title,
            entry.investor_name,
        ]
        for slot in plan.slots
        for entry in slot.tables
        if entry is not None
    ]


def _grid_rows(slots: Sequence[TablePlanSlot]) -> list[list[Value]]:
    return [
        [
            slot.starts_at.date(),
            f"{clock(slot.starts_at)}–{clock(slot.ends_at)}",
            *(
                f"{entry.company}\n{entry.investor_name}" if entry is not None else None
                for entry in slot.tables
            ),
        ]
        for slot in slots
    ]


def render_table_plan_xlsx(plan: TablePlan, language: Language) -> bytes:
    _ = _words(language)
    warning, unplaced = _stale_warning(plan, language), _unplaced_note(plan, language)
    workbook = Workbook()
    listing = workbook.active
    assert listing is not None  # every new workbook starts with a sheet
    listing.title = sheet_name(_("Table plan"))
    _write_sheet(
        listing,
        (
            _("Date"),
            _("Start"),
            _("End"),
            _("Table"),
            _("Company"),
            _("Financing request"),
            _("Investor"),
        ),
        _meeting_rows(plan),
    )
    tables = plan.event.tables or 0
    _write_sheet(
        workbook.create_sheet(sheet_name(_("Slots by table"))),
        (
            _("Date"),
            _("Slot"),
            *(_("Table %(number)s") % {"number": n} for n in range(1, tables + 1)),
        ),
        _grid_rows(plan.slots),
    )
    solved = local(plan.schedule.created_at, plan.event.time_zone)
    _write_sheet(
        workbook.create_sheet(sheet_name(_("About"))),
        (_("Item"), _("Value")),
        [
            [_("Event"), event_name(plan.event, language)],
            [_("Date"), plan.event.date],
            [_("Place"), event_place(plan.event, language) or "—"],
            [
                _("Times"),
                _("Local time of the event (%(zone)s)")
                % {"zone": zone_name(plan.event.time_zone, language)},
            ],
            [_("Meetings placed"), plan.meetings],
            [_("Tables"), tables],
            [_("Slots"), len(plan.slots)],
            [_("Schedule solved at"), solved.strftime("%Y-%m-%d %H:%M")],
            *([[_("Warning"), warning]] if warning else []),
            *([[_("Note"), unplaced]] if unplaced else []),
        ],
    )
    if warning is not None:
        # On every printed page of the sheets people print, and their tabs red: the About
        # sheet that also says it is seldom printed.
        for sheet in workbook.worksheets[:2]:
            header = sheet.oddHeader
            assert header is not None  # every new sheet has one
            header.center.text = warning
            sheet.sheet_properties.tabColor = "C0392B"
    workbook.properties.title = _title(plan, language)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_table_plan(
    plan: TablePlan, output_format: TablePlanFormat, language: Language
) -> tuple[bytes, str, str]:
    """The plan as ``output_format``: its bytes, media type and file name. A PDF raises
    ``PdfUnavailable`` where this machine cannot draw one."""
    # The conference's day first, for a downloads folder, then enough of its id to tell two
    # events of one day apart (ASCII: every browser keeps the name as it is).
    filename = f"table-plan-{plan.event.date.isoformat()}-{plan.event.id[:8]}.{output_format}"
    if output_format == "html":
        return render_table_plan_html(plan, language).encode("utf-8"), HTML_MEDIA_TYPE, filename
    if output_format == "pdf":
        return render_table_plan_pdf(plan, language), PDF_MEDIA_TYPE, filename
    return render_table_plan_xlsx(plan, language), XLSX_MEDIA_TYPE, filename
