"""The signature list for funders, read back with a PDF text extractor."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.domain.model import EventFormat, RegistrationStatus
from app.exports.signature_list import attendees, write_signature_list
from tests.exports.factories import conference, many, registration

_ROW = re.compile(r"^(\d+) (Olena Koval\d{5}) Stadt Dortmund$", re.MULTILINE)


def _pages(event: object, registrations: object) -> list[str]:
    target = io.BytesIO()
    write_signature_list(event, registrations, target)  # type: ignore[arg-type]
    data = target.getvalue()
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def four_hundred() -> list[str]:
    return _pages(conference(), many(400))


def test_every_page_has_the_header_and_its_number(four_hundred: list[str]) -> None:
    total = len(four_hundred)
    assert total > 1
    for number, text in enumerate(four_hundred, start=1):
        assert f"Seite {number} von {total}" in text
        assert "Landkreise als internationale Akteure" in text
        assert "Mittwoch, 22. November 2023, 10:00–14:00 Uhr" in text
        assert "Museum Haus Opherdicke, Dorfstraße 29, 59439 Holzwickede" in text
        assert "Staatskanzlei Nordrhein-Westfalen" in text
        assert "Nr. Name Organisation Check-in Unterschrift" in text


def test_all_400_are_numbered_once_and_no_row_is_split(four_hundred: list[str]) -> None:
    numbers: list[int] = []
    names: list[str] = []
    for text in four_hundred:
        rows = _ROW.findall(text)
        assert rows, "a page without rows"
        page_numbers = [int(n) for n, _ in rows]
        # Consecutive on each page: nothing missing, nothing cut in half between pages.
        assert page_numbers == list(range(page_numbers[0], page_numbers[0] + len(rows)))
        numbers += page_numbers
        names += [name for _, name in rows]
    assert numbers == list(range(1, 401))
    assert names == [f"Olena Koval{n:05d}" for n in range(1, 401)]


def test_only_confirmed_sorted_by_last_then_first_name() -> None:
    registrations = [
        registration(1, first_name="Zoe", last_name="Özdemir"),
        registration(2, first_name="Anna", last_name="Schmidt"),
        registration(3, first_name="Bernd", last_name="Otto"),
        registration(4, first_name="Anna", last_name="Adler", status=RegistrationStatus.CANCELLED),
        registration(5, first_name="Max", last_name="Abel", status=RegistrationStatus.WAITLISTED),
        registration(6, first_name="Eva", last_name="Abel", status=RegistrationStatus.PENDING),
        registration(7, first_name="Carla", last_name="schmidt"),
        registration(8, first_name="Aaron", last_name="Schmidt"),
    ]
    assert [r.id for r in attendees(registrations)] == [3, 1, 8, 2, 7]
    text = "\n".join(_pages(conference(), registrations))
    assert "1 Bernd Otto" in text
    assert "5 Carla schmidt" in text
    assert "Adler" not in text
    assert "Abel" not in text


def test_unicode_names_and_an_online_event() -> None:
    registrations = [
        registration(1, first_name="Олена", last_name="Коваль", organisation="Місто Житомир"),
        registration(2, first_name="Jürgen", last_name="Größe", organisation="Kreis Unna"),
    ]
    event = conference(format=EventFormat.ONLINE, venue_name="", venue_address="")
    text = _pages(event, registrations)[0]
    assert "Online (Zoom)" in text
    assert "Jürgen Größe Kreis Unna" in text
    assert "Олена Коваль Місто Житомир" in text
    assert "Seite 1 von 1" in text


def test_an_empty_list_still_prints_the_header() -> None:
    pages = _pages(conference(funding_note=""), [])
    assert len(pages) == 1
    assert "Nr. Name Organisation Check-in Unterschrift" in pages[0]
    assert "Seite 1 von 1" in pages[0]


def test_arabic_and_hebrew_names_are_printed_not_dropped(caplog: pytest.LogCaptureFixture) -> None:
    # Roboto has no Arabic or Hebrew glyphs; without the Noto fallbacks fpdf2 logs them as
    # missing and leaves the names blank on the list a funder gets.
    people = [
        registration(1, first_name="مريم", last_name="الحسن", organisation="بلدية"),
        registration(2, first_name="Miriam", last_name="כהן\u200f-Ко\u0301валь"),
    ]
    buffer = io.BytesIO()
    with caplog.at_level("WARNING"):
        write_signature_list(conference(), people, buffer)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    text = "".join(page.extract_text() for page in PdfReader(buffer).pages)
    assert "כהן" in text
    assert "Ко\u0301валь" in text
    # Shaped Arabic comes back in visual order, with joining forms: its letters are there.
    for letter in "مريحسنبلد":
        assert letter in text, letter
