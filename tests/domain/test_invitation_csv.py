"""Invitee lists as organisers bring them: German Excel (``;``, byte order mark), ``,`` and tab
files, formulas, duplicates, invalid addresses and unknown languages, each reported by row."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.invitations import (
    ALREADY_INVITED,
    DUPLICATE,
    EMPTY_FILE,
    FORMULA,
    NO_EMAIL_COLUMN,
    UNKNOWN_LANGUAGE,
    WRONG_DELIMITER,
    FileError,
    Invitee,
    RowError,
    delimiter_of,
    email_digest,
    read_invitees,
    split_name,
)
from app.domain.model import Language
from app.domain.validation import INVALID_EMAIL, REQUIRED


def rows(text: str, invited: frozenset[bytes] = frozenset()) -> list[Invitee | list[RowError]]:
    return list(read_invitees(text.splitlines(keepends=True), invited))


def test_german_excel_with_semicolons_and_a_byte_order_mark() -> None:
    text = (
        "\ufeffName;E-Mail;Organisation;Sprache\r\n"
        "Olena Koval;Olena.Koval@Misto.example;Stadt Lwiw, Rathaus;uk\r\n"
        "Jürgen Müller;j.mueller@kreis.example;Kreis Unna;\r\n"
    )
    olena, juergen = rows(text)
    assert olena == Invitee(
        first_name="Olena",
        last_name="Koval",
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
    assert (anna.first_name, anna.last_name) == ("Anna", "Alpha")
    assert (anna.organisation, anna.language) == ("Town", Language.EN)


def test_first_and_last_name_columns_named_in_english_or_german() -> None:
    (german,) = rows("Vorname;Nachname;E-Mail-Adresse\nAnna Maria;von Berg;am@example.org\n")
    (english,) = rows("First name,Last name,Email address\nAnna Maria,von Berg,am@example.org\n")
    for invitee in (german, english):
        assert isinstance(invitee, Invitee)
        assert (invitee.first_name, invitee.last_name) == ("Anna Maria", "von Berg")


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
        [RowError(3, "email", DUPLICATE, first_line=2)],
        [RowError(4, "email", INVALID_EMAIL)],
        [RowError(5, "email", REQUIRED)],
        [RowError(6, "language", UNKNOWN_LANGUAGE)],
    ]


def test_an_address_the_event_invited_already_is_an_error_of_its_row() -> None:
    invited = frozenset({email_digest("olena@misto.example")})
    text = "Name;E-Mail\nOlena;Olena@Misto.example \nAnna;anna@example.org\n"
    olena, anna = rows(text, invited)
    assert olena == [RowError(2, "email", ALREADY_INVITED)]
    assert isinstance(anna, Invitee)


def test_a_row_with_another_delimiter_than_the_header_is_told_so() -> None:
    text = "Name;E-Mail;Sprache\nAnna,anna@example.org,de\nOlena;olena@example.org;uk\n"
    wrong, olena = rows(text)
    assert wrong == [RowError(2, "email", WRONG_DELIMITER)]
    assert isinstance(olena, Invitee)


def test_a_file_without_an_email_column_or_lines_is_refused_whole() -> None:
    with pytest.raises(FileError) as error:
        rows("Name;Adresse\nAnna;anna@example.org\n")
    assert error.value.code == NO_EMAIL_COLUMN
    with pytest.raises(FileError) as error:
        rows("")
    assert error.value.code == EMPTY_FILE
    with pytest.raises(FileError) as error:
        rows("\ufeff\r\n")
    assert error.value.code == EMPTY_FILE
    # A file of another delimiter than ; , or tab: no header cell names an email column.
    with pytest.raises(FileError) as error:
        rows("Name|E-Mail|Sprache\nAnna|anna@example.org|de\n")
    assert error.value.code == NO_EMAIL_COLUMN


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
        assert not invitee.first_name.startswith(("=", "+", "-", "@"))
