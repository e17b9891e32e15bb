"""Invitees from a CSV file: the columns, the delimiter, and what is wrong with each row.

Pure rules over text lines, read one row at a time, so a file of any length is never held
whole. German Excel writes ``;`` and, as "CSV UTF-8", a byte order mark; others write ``,``.
The header names the columns, in German or English (Ukrainian too): a full name, or first and
last name; the email address; organisation; language (de, en, uk; empty: de). Cells that a
spreadsheet would run as a formula (``= + - @``, and tab or carriage return in front of one)
are refused, not stored: invitees end up in exports that organisers open in Excel again.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass

from app.domain.model import Language
from app.domain.validation import (
    INVALID_EMAIL,
    INVALID_TEXT,
    MAX_TEXT,
    REQUIRED,
    TOO_LONG,
    clean_text,
    has_control_characters,
    is_valid_email,
    normalise_email,
)

#: Error codes of a row (besides the registration form's own).
DUPLICATE = "duplicate"
ALREADY_INVITED = "already_invited"
UNKNOWN_LANGUAGE = "unknown_language"
FORMULA = "formula"
#: The row has one cell where the header has several: another delimiter than the header's.
WRONG_DELIMITER = "wrong_delimiter"
#: Error codes of the file as a whole.
NO_EMAIL_COLUMN = "no_email_column"
NOT_UTF8 = "not_utf8"
EMPTY_FILE = "empty_file"
TOO_LARGE = "too_large"

#: The header names each column is known by (compared case-folded, without spaces around).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "vollständiger name", "full name", "ім'я", "імʼя"),
    "first_name": ("vorname", "first name", "first_name", "given name", "ім'я (перше)"),
    "last_name": ("nachname", "last name", "last_name", "surname", "family name", "прізвище"),
    "email": (
        "email",
        "e-mail",
        "e-mail-adresse",
        "email address",
        "e-mail address",
        "mail",
        "електронна пошта",
    ),
    "organisation": ("organisation", "organization", "institution", "організація"),
    "language": ("language", "sprache", "мова"),
}
#: What a language cell may say, by language.
_LANGUAGES = {
    Language.DE: ("de", "deutsch", "german", "німецька"),
    Language.EN: ("en", "englisch", "english", "англійська"),
    Language.UK: ("uk", "ua", "ukrainisch", "ukrainian", "українська"),
}
_LANGUAGE_BY_NAME = {name: language for language, names in _LANGUAGES.items() for name in names}
_KNOWN = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True, slots=True)
class Invitee:
    """One person to invite, checked."""

    first_name: str
    last_name: str
    email: str
    email_key: str
    organisation: str
    language: Language


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one cell: the file's line, the column, an error code.

    ``first_line``: for a duplicate, the line the address was first seen on.
    """

    line: int
    column: str
    code: str
    first_line: int = 0


class FileError(Exception):
    """The file cannot be read as a list of invitees at all (the code says why)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def delimiter_of(header: str) -> str:
    """The delimiter of a file whose first line is ``header``: the one it uses most."""
    counts = {delimiter: header.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _KNOWN.get(" ".join(cell.lstrip("\ufeff").split()).casefold())
        if name is not None and name not in found:
            found[name] = index
    if "email" not in found:
        raise FileError(NO_EMAIL_COLUMN)
    return found


def email_digest(email_key: str) -> bytes:
    """16 bytes per normalised address, whatever its length: the duplicate check stays small."""
    return hashlib.blake2b(email_key.encode(), digest_size=16).digest()


def read_invitees(
    lines: Iterable[str], invited: Container[bytes] = frozenset()
) -> Iterator[Invitee | list[RowError]]:
    """Each data row of a CSV file as an :class:`Invitee` or the list of its errors.

    ``lines`` are the file's lines, decoded (a byte order mark is skipped); ``invited`` holds
    the :func:`email_digest` of the addresses the event has invited already. Blank rows are
    skipped. Raises :class:`FileError` for a file without lines or without an email column.
    """
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None or not first.strip("\ufeff \r\n"):
        raise FileError(EMPTY_FILE)
    first = first.lstrip("\ufeff")
    reader = csv.reader(_chain(first, iterator), delimiter=delimiter_of(first))
    header = next(reader)
    columns = _columns(header)
    seen: dict[bytes, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        yield _row(reader.line_num, cells, columns, len(header), seen, invited)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _row(
    line: int,
    cells: list[str],
    columns: dict[str, int],
    width: int,
    seen: dict[bytes, int],
    invited: Container[bytes],
) -> Invitee | list[RowError]:
    if len(cells) == 1 and width > 1:
        return [RowError(line, "email", WRONG_DELIMITER)]

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    errors: list[RowError] = []
    values: dict[str, str] = {}
    for name in columns:
        raw = cell(name)
        if raw.lstrip(" ").startswith(_FORMULA_STARTS):
            errors.append(RowError(line, name, FORMULA))
            continue
        value = clean_text(raw)
        if len(value) > MAX_TEXT:
            errors.append(RowError(line, name, TOO_LONG))
        elif has_control_characters(value):
            errors.append(RowError(line, name, INVALID_TEXT))
        values[name] = value
    email = values.get("email", "")
    if "email" in values:
        if not email:
            errors.append(RowError(line, "email", REQUIRED))
        elif not is_valid_email(email):
            errors.append(RowError(line, "email", INVALID_EMAIL))
    language = _LANGUAGE_BY_NAME.get(values.get("language", "").casefold() or "de")
    if language is None and "language" in values:
        errors.append(RowError(line, "language", UNKNOWN_LANGUAGE))
    email_key = normalise_email(email)
    if email and not any(error.column == "email" for error in errors):
        digest = email_digest(email_key)
        if digest in invited:
            errors.append(RowError(line, "email", ALREADY_INVITED))
        elif digest in seen:
            errors.append(RowError(line, "email", DUPLICATE, first_line=seen[digest]))
        else:
            seen[digest] = line
    if errors or language is None:
        return errors
    first_name, last_name = values.get("first_name", ""), values.get("last_name", "")
    if not (first_name or last_name):
        first_name, last_name = split_name(values.get("name", ""))
    return Invitee(
        first_name=first_name,
        last_name=last_name,
        email=email,
        email_key=email_key,
        organisation=values.get("organisation", ""),
        language=language,
    )


def split_name(name: str) -> tuple[str, str]:
    """First and last name from a full name: the last word is the last name."""
    first, _, last = name.strip().rpartition(" ")
    return first.strip(), last.strip()
