"""Exports say who came and when (in the event's zone), and the organisation's kind and country."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from app.domain.model import Country, OrganisationType
from app.exports.columns import headers
from app.exports.csv_export import csv_rows
from app.exports.signature_list import write_signature_list
from app.exports.xlsx_export import write_xlsx
from app.i18n import use_language
from tests.exports.factories import conference, registration

#: 09:05 UTC on the day: 10:05 in Berlin (November), shown as local time.
CHECKED_IN = dt.datetime(2023, 11, 22, 9, 5, tzinfo=dt.UTC)


def _people() -> list[object]:
    return [
        registration(
            1,
            checked_in_at=CHECKED_IN,
            organisation_type=OrganisationType.MUNICIPALITY,
            country=Country.UKRAINE,
        ),
        registration(2),
    ]


def _csv() -> list[list[str]]:
    text = "".join(csv_rows(conference(), _people()))  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_csv_carries_check_in_state_and_local_time() -> None:
    rows = _csv()
    header = rows[0]
    at = {name: header.index(name) for name in header}
    assert rows[1][at["Eingecheckt"]] == "Ja"
    assert rows[1][at["Check-in-Zeit"]] == "2023-11-22 10:05"
    assert rows[1][at["Art der Organisation"]] == "Kommune"
    assert rows[1][at["Land"]] == "Ukraine"
    assert rows[2][at["Eingecheckt"]] == "Nein"
    assert rows[2][at["Check-in-Zeit"]] == ""
    assert rows[2][at["Art der Organisation"]] == ""
    assert rows[2][at["Land"]] == ""


def test_the_time_follows_the_events_zone() -> None:
    event = conference(timezone="Europe/Kyiv")
    text = "".join(csv_rows(event, _people()[:1]))  # type: ignore[arg-type]
    assert "2023-11-22 11:05" in text


def test_xlsx_carries_check_in_state_and_time() -> None:
    target = io.BytesIO()
    write_xlsx(conference(), _people(), target)  # type: ignore[arg-type]
    sheet = load_workbook(io.BytesIO(target.getvalue())).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    at = {name: index for index, name in enumerate(values[0])}
    assert values[1][at["Eingecheckt"]] == "Ja"
    assert values[1][at["Check-in-Zeit"]] == "2023-11-22 10:05"
    assert values[1][at["Art der Organisation"]] == "Kommune"
    assert values[2][at["Eingecheckt"]] == "Nein"


def test_new_headers_are_translated() -> None:
    with use_language("en"):
        names = headers(conference())
    assert {"Checked in", "Check-in time", "Organisation type", "Country"} <= set(names)
    with use_language("uk"):
        names = headers(conference())
    assert "Eingecheckt" not in names
    assert "Land" not in names


def test_signature_list_shows_the_check_in_time() -> None:
    target = io.BytesIO()
    write_signature_list(conference(), _people(), target)  # type: ignore[arg-type]
    text = PdfReader(io.BytesIO(target.getvalue())).pages[0].extract_text()
    assert "Check-in" in text
    assert "10:05" in text
