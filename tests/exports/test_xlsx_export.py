"""The Excel export, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from app.domain.model import RegistrationStatus
from app.exports.xlsx_export import sheet_title, write_xlsx
from tests.exports.factories import conference, many, registration


def _sheet(data: bytes) -> Worksheet:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    return sheet


def _export(*registrations: object, **event: object) -> Worksheet:
    target = io.BytesIO()
    write_xlsx(conference(**event), registrations, target)  # type: ignore[arg-type]
    return _sheet(target.getvalue())


def test_header_is_bold_with_one_column_per_question() -> None:
    sheet = _export(registration(1))
    header = [c.value for c in sheet[1]]
    assert header == [
        "Nr.",
        "Vorname",
        "Nachname",
        "E-Mail",
        "Organisation",
        "Funktion",
        "Teilnahme",
        "Status",
        "Angemeldet am",
        "Art der Organisation",
        "Land",
        "Eingecheckt",
        "Check-in-Zeit",
        "Mittagessen?",
        "Themenwunsch",
        "Workshop",
    ]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"


def test_values_dates_and_answers() -> None:
    sheet = _export(registration(1), registration(2, answers={"lunch": "no"}))
    first = [c.value for c in sheet[2]]
    assert first[:8] == [
        1,
        "Olena",
        "Koval00001",
        "person1@example.org",
        "Stadt Dortmund",
        "Referentin",
        "vor Ort",
        "bestätigt",
    ]
    # A real date, in Berlin time (UTC+1 in November), without a zone.
    assert first[8] == dt.datetime(2023, 11, 1, 10, 1)
    date_cell = sheet.cell(row=2, column=9)
    assert isinstance(date_cell, Cell)
    assert date_cell.is_date
    assert first[13:] == ["Ja", "Partnerschaften", "B"]
    assert [c.value for c in sheet[3]][13:] == ["Nein", None, None]


def test_formulas_are_stored_as_text_and_other_text_intact() -> None:
    reg = registration(
        1,
        first_name="=1+1",
        last_name="Коваль-Олійник",
        organisation="<b>Stadt</b> & <script>alert(1)</script>",
        job_title='"Leiterin"\nZeile 2',
        answers={"topic": '=HYPERLINK("http://evil.example")', "lunch": "yes"},
        status=RegistrationStatus.WAITLISTED,
    )
    sheet = _export(reg)
    cells = sheet[2]
    assert cells[1].value == "=1+1"
    assert cells[1].data_type == "s"
    assert cells[1].quotePrefix
    assert cells[2].value == "Коваль-Олійник"
    assert cells[4].value == "<b>Stadt</b> & <script>alert(1)</script>"
    assert cells[5].value == '"Leiterin"\nZeile 2'
    assert cells[7].value == "Warteliste"
    assert cells[14].value == '=HYPERLINK("http://evil.example")'
    assert cells[14].data_type == "s"


def test_control_characters_are_dropped_not_fatal() -> None:
    sheet = _export(registration(1, organisation="Stadt\x00 Dort\x1bmund"))
    assert sheet.cell(row=2, column=5).value == "Stadt Dortmund"


def test_all_registrations_are_written() -> None:
    target = io.BytesIO()
    write_xlsx(conference(), iter(many(500)), target)
    sheet = _sheet(target.getvalue())
    assert sheet.max_row == 501
    assert sheet.cell(row=501, column=1).value == 500


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Konferenz", "Konferenz"),
        ("Was? [Teil 1/2]: *Ukraine*\\NRW", "Was Teil 1 2 Ukraine NRW"),
        ("'Zitat'", "Zitat"),
        ("???", "Anmeldungen"),
        (
            "Landkreise als internationale Akteure vor dem Hintergrund",
            "Landkreise als internationale A",
        ),
    ],
)
def test_sheet_titles_are_safe(title: str, expected: str) -> None:
    assert sheet_title(title) == expected
    assert len(sheet_title(title)) <= 31


def test_the_sheet_is_named_after_the_event() -> None:
    sheet = _export(registration(1), title="Reallabor: Auftakt [NRW/Ukraine]?")
    assert sheet.title == "Reallabor Auftakt NRW Ukraine"
