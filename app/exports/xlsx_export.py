"""The attendee list as an Excel workbook, written row by row (openpyxl's write-only mode)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.domain.model import Event, Registration
from app.exports.columns import FIXED_HEADERS, Cell, headers, row, wording
from app.i18n import N_, _

DATE_FORMAT = "DD.MM.YYYY HH:MM"
DEFAULT_SHEET = N_("Anmeldungen")

#: Excel refuses sheet names with these characters, or longer than 31 characters.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31

#: Column widths by the German header (the headers themselves may be translated).
_WIDTHS = {
    "Nr.": 6,
    "E-Mail": 32,
    "Organisation": 32,
    "Status": 18,
    "Angemeldet am": 17,
    "Eingecheckt": 12,
    "Check-in-Zeit": 17,
}
_BOLD = Font(bold=True)


def sheet_title(title: str) -> str:
    """``title`` as a name Excel accepts for a sheet."""
    # Apostrophes may not start or end a sheet name either.
    name = _SHEET_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title))
    name = " ".join(name.split())[:_SHEET_MAX].strip().strip("'").strip()
    return name or _(DEFAULT_SHEET)


def write_xlsx(event: Event, registrations: Iterable[Registration], target: BinaryIO) -> None:
    """Write all ``registrations`` of ``event`` as an xlsx workbook to ``target``.

    One row per registration (the caller filters), one column per question, the header bold
    and frozen, dates as real Excel dates in the event's local time.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(event.title))
    words = wording()
    names = headers(event, words)
    for index in range(1, len(names) + 1):
        fixed = index <= len(FIXED_HEADERS)
        width = _WIDTHS.get(FIXED_HEADERS[index - 1], 20) if fixed else 24
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, name) for name in names])
    questions = event.questions
    for number, registration in enumerate(registrations, start=1):
        cells = row(number, event, registration, questions, words)
        sheet.append([_cell(sheet, value) for value in cells])
    workbook.save(target)


def _header_cell(sheet: WriteOnlyWorksheet, name: str) -> XlCell:
    cell = WriteOnlyCell(sheet, value=_text(name))
    if cell.data_type == "f":
        cell.data_type = "s"
    cell.font = _BOLD
    return cell


def _text(value: str) -> str:
    # XML cannot carry most control characters; openpyxl refuses them.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _cell(sheet: WriteOnlyWorksheet, value: Cell) -> XlCell | Cell:
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if not isinstance(value, str):
        return value
    text = _text(value)
    if text.startswith("="):
        # openpyxl writes a string starting with "=" as a formula. Typed as text it is stored
        # as written; the quote prefix keeps it text when someone edits the cell in Excel.
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return text
