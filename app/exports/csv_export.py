"""CSV that German Excel opens right: UTF-8 with BOM, semicolons, CRLF, no formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from app.domain.model import Event, Registration
from app.exports.columns import Cell, Wording, headers, row, wording

BOM = "\ufeff"

#: Excel (and LibreOffice) read a cell starting with one of these as a formula (OWASP CSV
#: injection); a leading apostrophe makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Rows per yielded chunk: small enough to keep memory flat, large enough to keep it fast.
ROWS_PER_CHUNK = 100


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _text(cell: Cell) -> str:
    if isinstance(cell, str):
        return neutralise(cell)
    if isinstance(cell, int):
        return str(cell)
    return cell.strftime("%d.%m.%Y %H:%M")


def csv_rows(event: Event, registrations: Iterable[Registration]) -> Iterator[str]:
    """The CSV of ``registrations`` as text chunks, the BOM first; encode each as UTF-8.

    A generator: it holds one chunk of rows at a time, so 10,000 registrations take no more
    memory than 100. Its words are in the language in use when it is made, not when it runs.
    """
    return _csv_rows(event, registrations, wording())


def _csv_rows(event: Event, registrations: Iterable[Registration], words: Wording) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    questions = event.questions
    writer.writerow([neutralise(h) for h in headers(event, words)])
    yield BOM + _drain(buffer)
    pending = 0
    for number, registration in enumerate(registrations, start=1):
        cells = row(number, event, registration, questions, words)
        writer.writerow([_text(cell) for cell in cells])
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield _drain(buffer)
            pending = 0
    if pending:
        yield _drain(buffer)


def csv_bytes(event: Event, registrations: Iterable[Registration]) -> Iterator[bytes]:
    """:func:`csv_rows` encoded as UTF-8, ready for a streamed response."""
    return (chunk.encode("utf-8") for chunk in csv_rows(event, registrations))


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
