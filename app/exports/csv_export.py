"""CSV that German Excel opens right: UTF-8 with BOM, semicolons, CRLF, no formulas."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

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


class _CsvWriter:
    """Turns registrations into CSV text, numbering them on across calls."""

    def __init__(self, event: Event, words: Wording) -> None:
        self._event = event
        self._words = words
        self._buffer = io.StringIO()
        self._writer = csv.writer(
            self._buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
        )
        self._number = 0

    def header(self) -> str:
        """The BOM and the header line."""
        self._writer.writerow([neutralise(h) for h in headers(self._event, self._words)])
        return BOM + self._drain()

    def rows(self, registrations: Iterable[Registration]) -> str:
        """The lines of ``registrations``, numbered on from the last call."""
        questions = self._event.questions
        for registration in registrations:
            self._number += 1
            cells = row(self._number, self._event, registration, questions, self._words)
            self._writer.writerow([_text(cell) for cell in cells])
        return self._drain()

    def _drain(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_rows(event: Event, registrations: Iterable[Registration]) -> Iterator[str]:
    """The CSV of ``registrations`` as text chunks, the BOM first; encode each as UTF-8.

    A generator: it holds one chunk of rows at a time, so 10,000 registrations take no more
    memory than 100. Its words are in the language in use when it is made, not when it runs.
    """
    return _csv_rows(_CsvWriter(event, wording()), registrations)


def _csv_rows(writer: _CsvWriter, registrations: Iterable[Registration]) -> Iterator[str]:
    yield writer.header()
    remaining = iter(registrations)
    while chunk := list(itertools.islice(remaining, ROWS_PER_CHUNK)):
        yield writer.rows(chunk)


def csv_bytes(event: Event, registrations: Iterable[Registration]) -> Iterator[bytes]:
    """:func:`csv_rows` encoded as UTF-8, ready for a streamed response."""
    return (chunk.encode("utf-8") for chunk in csv_rows(event, registrations))


def csv_stream(
    event: Event, batches: AsyncIterable[Iterable[Registration]]
) -> AsyncIterator[bytes]:
    """The CSV of the registrations in ``batches``, one UTF-8 chunk per batch, the BOM first.

    For registrations read from the database batch by batch while the response is sent: only
    one batch is held at a time. Its words are in the language in use when it is made.
    """
    return _csv_stream(_CsvWriter(event, wording()), batches)


async def _csv_stream(
    writer: _CsvWriter, batches: AsyncIterable[Iterable[Registration]]
) -> AsyncIterator[bytes]:
    yield writer.header().encode("utf-8")
    async for batch in batches:
        yield writer.rows(batch).encode("utf-8")
