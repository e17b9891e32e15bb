"""The funder report as words and as an Excel workbook: one table per grouping.

The words are German source texts, translated into the language in use when the report is made
(the organiser's page language), like the attendee lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from app.domain.funder_report import FunderReport, Tally
from app.exports.columns import COUNTRY_LABELS, MODE_LABELS, ORGANISATION_TYPE_LABELS
from app.exports.signature_list import FONT, add_fonts, font_files, has_right_to_left, place
from app.exports.xlsx_export import sheet_title
from app.formatting import format_event_time
from app.i18n import N_, _, current_language

TITLE = N_("Bericht für Fördergeber")
COUNT_HEADERS = (N_("angemeldet"), N_("bestätigt"), N_("teilgenommen"), N_("storniert"))
NOT_SAID = N_("keine Angabe")
TOTAL = N_("Gesamt")
BY_MODE = N_("Nach Teilnahmeart")
BY_TYPE = N_("Nach Art der Organisation")
BY_COUNTRY = N_("Nach Land")
FUNDING_NOTE = N_("Förderhinweis")
_BOLD = Font(bold=True)


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One grouping: its heading and a labelled row of counts per group."""

    heading: str
    rows: list[tuple[str, Tally]]


def tables(report: FunderReport) -> list[ReportTable]:
    """The report's tables in the language in use: total, per mode, type and country."""
    not_said = _(NOT_SAID)
    return [
        ReportTable(_(TOTAL), [(_(TOTAL), report.total)]),
        ReportTable(
            _(BY_MODE), [(_(MODE_LABELS[mode]), tally) for mode, tally in report.by_mode.items()]
        ),
        ReportTable(
            _(BY_TYPE),
            [
                (_(ORGANISATION_TYPE_LABELS[kind]) if kind else not_said, tally)
                for kind, tally in report.by_organisation_type.items()
            ],
        ),
        ReportTable(
            _(BY_COUNTRY),
            [
                (_(COUNTRY_LABELS[country]) if country else not_said, tally)
                for country, tally in report.by_country.items()
            ],
        ),
    ]


def count_headers() -> list[str]:
    """The counts' column headers in the language in use."""
    return [_(header) for header in COUNT_HEADERS]


def _counts(tally: Tally) -> list[int]:
    return [tally.registered, tally.confirmed, tally.attended, tally.cancelled]


def _clean(text: str) -> str:
    # XML cannot carry most control characters; openpyxl refuses them.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def write_report_xlsx(report: FunderReport, target: BinaryIO) -> None:
    """Write ``report`` as a one-sheet workbook: the event, its funding note, then the tables."""
    event = report.event
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = sheet_title(event.title)
    sheet.column_dimensions["A"].width = 36
    for column in "BCDE":
        sheet.column_dimensions[column].width = 14
    # Text cells are typed as text: a title starting with "=" is no formula.
    heading = sheet.cell(row=1, column=1, value=_(TITLE))
    heading.font = _BOLD
    sheet.cell(row=2, column=1, value=_clean(event.title)).data_type = "s"
    when = format_event_time(event.starts_at, event.ends_at, event.timezone, current_language())
    sheet.cell(row=3, column=1, value=when).data_type = "s"
    line = 5
    if event.funding_note.strip():
        sheet.cell(row=line, column=1, value=_(FUNDING_NOTE)).font = _BOLD
        sheet.cell(row=line + 1, column=1, value=_clean(event.funding_note.strip())).data_type = "s"
        line += 3
    headers = count_headers()
    for table in tables(report):
        sheet.cell(row=line, column=1, value=table.heading).font = _BOLD
        for offset, header in enumerate(headers, start=2):
            sheet.cell(row=line, column=offset, value=header).font = _BOLD
        line += 1
        for label, tally in table.rows:
            sheet.cell(row=line, column=1, value=label).data_type = "s"
            for offset, count in enumerate(_counts(tally), start=2):
                sheet.cell(row=line, column=offset, value=count)
            line += 1
        line += 1
    workbook.save(target)


def write_report_pdf(report: FunderReport, target: BinaryIO) -> None:
    """Write ``report`` as a one-page A4 PDF: event, place, funding note, then the tables."""
    event = report.event
    language = current_language()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 12, 15)
    pdf.set_title(f"{_(TITLE)}: {event.title}")
    pdf.set_creator("Treffpunkt")
    texts = [event.title, event.funding_note, event.venue_name, event.venue_address]
    with font_files() as (regular, bold):
        add_fonts(pdf, regular, bold, right_to_left=has_right_to_left(texts))
        pdf.add_page()
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, _(TITLE), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "B", 13)
        pdf.multi_cell(0, 6, event.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        when = format_event_time(event.starts_at, event.ends_at, event.timezone, language)
        pdf.multi_cell(0, 5, when, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if where := place(event):
            pdf.multi_cell(0, 5, where, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if event.funding_note.strip():
            pdf.ln(2)
            pdf.set_font(FONT, "", 8)
            pdf.multi_cell(
                0, 4, event.funding_note.strip(), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        headers = count_headers()
        for table in tables(report):
            pdf.ln(4)
            pdf.set_font(FONT, "", 10)
            with pdf.table(
                col_widths=(60, 30, 30, 30, 30),
                text_align=(Align.L, Align.R, Align.R, Align.R, Align.R),
                headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                width=180,
            ) as grid:
                heading = grid.row()
                heading.cell(table.heading)
                for header in headers:
                    heading.cell(header)
                for label, tally in table.rows:
                    cells = grid.row()
                    cells.cell(label)
                    for count in _counts(tally):
                        cells.cell(str(count))
        target.write(bytes(pdf.output()))
