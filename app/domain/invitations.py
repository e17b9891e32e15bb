"""Invitees from a CSV file: the columns, the delimiter, and what is wrong with each row.

Pure rules over text lines: the service streams the uploaded file through :func:`read_invitees`
twice (check everything, then store everything), so a file of any length is held one row at a
time, and a file with any error stores nothing. German Excel writes ``;`` and, as "CSV UTF-8",
a byte order mark; others write ``,``. Cells that a spreadsheet would run as a formula
(``= + - @``, and tab or carriage return in front of one) are refused, not stored: the
invitees end up in exports that organisers open in Excel again.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.domain.model import Language
from app.domain.validation import (
    INVALID_EMAIL,
    INVALID_TEXT,
    MAX_TEXT,
    REQUIRED,
    TOO_LONG,
    clean_text,
    is_valid_email,
    normalise_email,
)

#: Error codes of a row (besides the registration form's own).
DUPLICATE = "duplicate"
UNKNOWN_LANGUAGE = "unknown_language"
FORMULA = "formula"
#: Error codes of the file as a whole.
NO_EMAIL_COLUMN = "no_email_column"
NOT_UTF8 = "not_utf8"
EMPTY_FILE = "empty_file"

#: The header names each column is known by (compared lower-case, without spaces around).
COLUMNS = {
    "name": ("name", "vollständiger name", "ім'я", "імʼя"),
    "email": ("email", "e-mail", "e-mail-adresse", "mail", "e-mail address", "електронна пошта"),
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
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = (";", ",", "\t")
#: Control characters (Unicode category Cc): C0, DEL and C1.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Invitee:
    """One person to invite, checked."""

    name: str
    email: str
    email_key: str
    organisation: str
    language: Language


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one cell: the file's line, the column, an error code."""

    line: int
    column: str
    code: str


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
    known = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = known.get(cell.strip().lstrip("\ufeff").lower())
        if name is not None and name not in found:
            found[name] = index
    if "email" not in found:
        raise FileError(NO_EMAIL_COLUMN)
    return found


def _digest(email_key: str) -> bytes:
    # 16 bytes per address seen, whatever its length: the duplicate check stays small.
    return hashlib.blake2b(email_key.encode(), digest_size=16).digest()


def read_invitees(lines: Iterable[str]) -> Iterator[Invitee | list[RowError]]:
    """Each data row of a CSV file as an :class:`Invitee` or the list of its errors.

    ``lines`` are the file's lines, decoded (a byte order mark is skipped). Blank rows are
    skipped. Raises :class:`FileError` for a file without lines or without an email column.
    """
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        raise FileError(EMPTY_FILE)
    first = first.lstrip("\ufeff")
    reader = csv.reader(_chain(first, iterator), delimiter=delimiter_of(first))
    header = next(reader, None)
    if header is None:
        raise FileError(EMPTY_FILE)
    columns = _columns(header)
    seen: set[bytes] = set()
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        yield _row(reader.line_num, cells, columns, seen)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _row(
    line: int, cells: list[str], columns: dict[str, int], seen: set[bytes]
) -> Invitee | list[RowError]:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    errors: list[RowError] = []
    values: dict[str, str] = {}
    for name in COLUMNS:
        raw = cell(name)
        if raw.lstrip(" ").startswith(_FORMULA_STARTS):
            errors.append(RowError(line, name, FORMULA))
            continue
        value = clean_text(raw)
        if len(value) > MAX_TEXT:
            errors.append(RowError(line, name, TOO_LONG))
        elif _CONTROL.search(value):
            errors.append(RowError(line, name, INVALID_TEXT))
        values[name] = value
    email = values.get("email", "")
    if "email" in values:
        if not email:
            errors.append(RowError(line, "email", REQUIRED))
        elif not is_valid_email(email):
            errors.append(RowError(line, "email", INVALID_EMAIL))
    language_text = values.get("language", "").lower()
    language = _LANGUAGE_BY_NAME.get(language_text or "de")
    if language is None and "language" in values:
        errors.append(RowError(line, "language", UNKNOWN_LANGUAGE))
    email_key = normalise_email(email)
    if email and not any(error.column == "email" for error in errors):
        digest = _digest(email_key)
        if digest in seen:
            errors.append(RowError(line, "email", DUPLICATE))
        seen.add(digest)
    if errors or language is None:
        return errors
    return Invitee(
        name=values.get("name", ""),
        email=email,
        email_key=email_key,
        organisation=values.get("organisation", ""),
        language=language,
    )


def split_name(name: str) -> tuple[str, str]:
    """First and last name for the registration form: the last word is the last name."""
    first, _, last = name.strip().rpartition(" ")
    return first.strip(), last.strip()
