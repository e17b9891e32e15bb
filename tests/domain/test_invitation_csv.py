"""Invitee lists as organisers bring them: German Excel (``;``, byte order mark), ``,`` and tab
files, formulas, duplicates, invalid addresses and unknown languages, each reported by row."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.invitations import (
    DUPLICATE,
    EMPTY_FILE,
    FORMULA,
    NO_EMAIL_COLUMN,
    UNKNOWN_LANGUAGE,
    FileError,
    Invitee,
    RowError,
    delimiter_of,
    read_invitees,
    split_name,
)
from app.domain.model import Language
from app.domain.validation import INVALID_EMAIL, REQUIRED


def rows(text: str) -> list[Invitee | list[RowError]]:
    return list(read_invitees(text.splitlines(keepends=True)))


def test_german_excel_with_semicolons_and_a_byte_order_mark() -> None:
    text = (
        "\ufeffName;E-Mail;Organisation;Sprache\r\n"
        "Olena Koval;Olena.Koval@Misto.example;Stadt Lwiw, Rathaus;uk\r\n"
        "Jürgen Müller;j.mueller@kreis.example;Kreis Unna;\r\n"
    )
    olena, juergen = rows(text)
    assert olena == Invitee(
        name="Olena Koval",
        email="Olena.Koval@Misto.example",
        email_key="olena.koval@misto.example",
        organisation="Stadt Lwiw, Rathaus",
        language=Language.UK,
    )
    assert isinstance(juergen, Invitee)
    assert juergen.language is Language.DE


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_comma_and_tab_files_in_any_column_order(delimiter: str) -> None:
    header = delimiter.join(["email", "language", "name", "organization"])
    line = delimiter.join(["anna@example.org", "English", '"Anna Alpha"', "Town"])
    (anna,) = rows(f"{header}\n{line}\n\n")
    assert isinstance(anna, Invitee)
    assert (anna.name, anna.organisation, anna.language) == ("Anna Alpha", "Town", Language.EN)


@pytest.mark.parametrize("cell", ["=HYPERLINK(1)", "+49 30", "-2", "@SUM(A1)", " =1", "\t=1"])
def test_formula_cells_are_refused_in_every_column(cell: str) -> None:
    for column, line in [
        ("name", f'"{cell}",a@example.org,Org,de'),
        ("organisation", f'Anna,a@example.org,"{cell}",de'),
        ("language", f'Anna,a@example.org,Org,"{cell}"'),
    ]:
        (result,) = rows(f"name,email,organisation,language\n{line}\n")
        assert result == [RowError(2, column, FORMULA)], (column, result)


def test_each_row_reports_its_own_errors_by_line() -> None:
    text = (
        "name,email,organisation,language\n"
        "Anna,anna@example.org,,de\n"
        "Anna again,ANNA@example.org ,,en\n"
        "Bad,not-an-address,,de\n"
        "Nobody,,,de\n"
        "Lang,lang@example.org,,fr\n"
    )
    assert rows(text)[1:] == [
        [RowError(3, "email", DUPLICATE)],
        [RowError(4, "email", INVALID_EMAIL)],
        [RowError(5, "email", REQUIRED)],
        [RowError(6, "language", UNKNOWN_LANGUAGE)],
    ]


def test_a_file_without_an_email_column_or_lines_is_refused_whole() -> None:
    with pytest.raises(FileError) as error:
        rows("Name;Adresse\nAnna;anna@example.org\n")
    assert error.value.code == NO_EMAIL_COLUMN
    with pytest.raises(FileError) as error:
        rows("")
    assert error.value.code == EMPTY_FILE


def test_the_delimiter_is_the_one_the_header_uses_most() -> None:
    assert delimiter_of("Name;E-Mail;Organisation, Abteilung") == ";"
    assert delimiter_of("name,email") == ","
    assert delimiter_of("email") == ","


def test_names_split_at_the_last_word() -> None:
    assert split_name("Olena Koval") == ("Olena", "Koval")
    assert split_name("Anna Maria von Berg") == ("Anna Maria von", "Berg")
    assert split_name("Koval") == ("", "Koval")


@given(
    st.lists(
        st.tuples(st.text(max_size=30), st.sampled_from(["de", "en", "uk", "xx", ""])),
        max_size=20,
    )
)
def test_every_row_is_an_invitee_or_errors_and_no_address_twice(
    people: list[tuple[str, str]],
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Name", "E-Mail", "Organisation", "Sprache"])
    for number, (name, language) in enumerate(people):
        writer.writerow([name, f"p{number % 7}@example.org", "", language])
    invited = [row for row in rows(out.getvalue()) if isinstance(row, Invitee)]
    keys = [invitee.email_key for invitee in invited]
    assert len(keys) == len(set(keys))
    for invitee in invited:
        assert not invitee.name.startswith(("=", "+", "-", "@"))
