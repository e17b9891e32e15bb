"""The CSV export: what German Excel needs, and that every value survives."""

from __future__ import annotations

import csv
import io

import pytest

from app.domain.model import AttendanceMode, RegistrationStatus
from app.exports.csv_export import BOM, csv_bytes, csv_rows
from tests.exports.factories import conference, many, registration


def _read(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline=""), delimiter=";"))


def test_starts_with_bom_and_uses_semicolons_and_crlf() -> None:
    text = "".join(csv_rows(conference(), [registration(1)]))
    assert text.startswith(BOM + "Nr.;Vorname;Nachname;E-Mail;")
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert len(lines) == 3
    assert "\n" not in text.replace("\r\n", "")


def test_german_headers_and_one_column_per_question() -> None:
    rows = _read("".join(csv_rows(conference(), [registration(1)])))
    assert rows[0] == [
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
    assert rows[1] == [
        "1",
        "Olena",
        "Koval00001",
        "person1@example.org",
        "Stadt Dortmund",
        "Referentin",
        "vor Ort",
        "bestätigt",
        # 09:01 UTC is 10:01 in Berlin in November.
        "01.11.2023 10:01",
        "",
        "",
        "Nein",
        "",
        "Ja",
        "Partnerschaften",
        "B",
    ]


def test_every_status_is_exported_and_named() -> None:
    registrations = [
        registration(1, status=RegistrationStatus.CONFIRMED),
        registration(2, status=RegistrationStatus.WAITLISTED, mode=AttendanceMode.ONLINE),
        registration(3, status=RegistrationStatus.CANCELLED, answers={"lunch": "no"}),
        registration(4, status=RegistrationStatus.PENDING, answers={}),
    ]
    rows = _read("".join(csv_rows(conference(), registrations)))[1:]
    assert [r[7] for r in rows] == [
        "bestätigt",
        "Warteliste",
        "storniert",
        "E-Mail-Bestätigung ausstehend",
    ]
    assert rows[1][6] == "online"
    assert [r[13] for r in rows] == ["Ja", "Ja", "Nein", ""]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_formulas_are_neutralised(prefix: str) -> None:
    value = f'{prefix}HYPERLINK("http://evil.example";"x")'
    reg = registration(
        1,
        first_name=value,
        organisation=value,
        answers={"topic": value},
    )
    rows = _read("".join(csv_rows(conference(), [reg])))
    assert rows[1][1] == "'" + value
    assert rows[1][4] == "'" + value
    assert rows[1][14] == "'" + value


def test_harmless_values_are_left_alone() -> None:
    reg = registration(1, first_name="Anna-Lena", organisation="Kreis Unna (+ Partner)")
    rows = _read("".join(csv_rows(conference(), [reg])))
    assert rows[1][1] == "Anna-Lena"
    assert rows[1][4] == "Kreis Unna (+ Partner)"


def test_cyrillic_html_quotes_and_newlines_survive() -> None:
    reg = registration(
        1,
        first_name="Олена",
        last_name='Коваль; "die Ältere"',
        organisation="<b>Stadt</b> & <script>alert(1)</script>",
        job_title="Zeile 1\nZeile 2\r\nZeile 3",
        answers={"topic": 'Sie sagte: "ja"; dann ging sie'},
    )
    rows = _read("".join(csv_rows(conference(), [reg])))
    assert len(rows) == 2
    assert rows[1][1] == "Олена"
    assert rows[1][2] == 'Коваль; "die Ältere"'
    assert rows[1][4] == "<b>Stadt</b> & <script>alert(1)</script>"
    assert rows[1][5] == "Zeile 1\nZeile 2\r\nZeile 3"
    assert rows[1][14] == 'Sie sagte: "ja"; dann ging sie'


def test_streams_in_small_chunks() -> None:
    chunks = csv_rows(conference(), iter(many(1000)))
    header = next(chunks)
    assert header.startswith(BOM + "Nr.;")
    rest = list(chunks)
    assert len(rest) >= 10
    assert max(len(c) for c in rest) < 100_000
    assert sum(c.count("\r\n") for c in rest) == 1000


def test_bytes_are_utf8_with_bom() -> None:
    data = b"".join(csv_bytes(conference(), [registration(1, first_name="Ганна")]))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Ганна".encode() in data


def test_no_registrations_gives_the_header_only() -> None:
    rows = _read("".join(csv_rows(conference(), [])))
    assert len(rows) == 1
