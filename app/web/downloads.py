"""An event's registrations as files to download: CSV, xlsx, the PDF signature list.

One place for the organisers' pages and the organisers' API, so both hand out the same files
under the same names. Every file is made from the registrations read batch by batch
(``app.services.registrations.batches_for_event``), never all at once: the CSV is written as
it is sent, the xlsx and the PDF to a temporary file that is then sent in chunks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import IO, BinaryIO

from litestar.response import Stream

from app.domain.funder_report import FunderReport
from app.domain.model import Event, Registration, RegistrationStatus
from app.exports.certificate import Issuer, write_certificates
from app.exports.csv_export import csv_stream
from app.exports.funder_report import write_report_pdf, write_report_xlsx
from app.exports.signature_list import write_signature_list
from app.exports.xlsx_export import write_xlsx
from app.services.registrations import batches_for_event

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Bytes per chunk when a finished file is sent.
FILE_CHUNK = 64 * 1024

Writer = Callable[[Event, Iterable[Registration], BinaryIO], None]


def _filename(event: Event, name: str) -> str:
    """A download name safe in any header and file system: the slug, ASCII only."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", event.slug).strip("-")[:80] or f"event-{event.id}"
    return f"{stem}-{name}"


def _attachment(event: Event, name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{_filename(event, name)}"'}


async def _next_batch(batches: AsyncIterator[list[Registration]]) -> list[Registration]:
    return await anext(batches, [])


def _in_thread(
    batches: AsyncIterator[list[Registration]], loop: asyncio.AbstractEventLoop
) -> Iterator[Registration]:
    """The registrations of ``batches`` for a writer in a worker thread, each batch read on
    ``loop``: the database connections belong to the event loop."""
    while batch := asyncio.run_coroutine_threadsafe(_next_batch(batches), loop).result():
        yield from batch


async def make_file(
    write: Writer, event: Event, status: RegistrationStatus | None = None
) -> tuple[IO[bytes], int]:
    """The file ``write`` makes of the event's registrations, and its size in bytes."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _chunks once sent
    batches = batches_for_event(event.id, status=status)
    try:
        rows = _in_thread(batches, asyncio.get_running_loop())
        # Building a workbook or PDF is CPU work: off the event loop.
        await asyncio.to_thread(write, event, rows, target)
    except BaseException:
        target.close()
        raise
    finally:
        await batches.aclose()
    size = target.tell()
    target.seek(0)
    return target, size


async def _chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    with file:
        while chunk := await asyncio.to_thread(file.read, FILE_CHUNK):
            yield chunk


async def _file_download(
    write: Writer,
    event: Event,
    *,
    media_type: str,
    name: str,
    status: RegistrationStatus | None = None,
) -> Stream:
    file, size = await make_file(write, event, status)
    return Stream(
        _chunks(file),
        media_type=media_type,
        headers={**_attachment(event, name), "Content-Length": str(size)},
    )


async def csv_download(event: Event) -> Stream:
    """Every registration as CSV for German Excel, streamed in chunks."""
    # Each batch of registrations is read from the database as the response is sent.
    return Stream(
        csv_stream(event, batches_for_event(event.id)),
        # Litestar adds "; charset=utf-8" to text types.
        media_type="text/csv",
        headers=_attachment(event, "anmeldungen.csv"),
    )


async def xlsx_download(event: Event) -> Stream:
    """Every registration as an Excel workbook."""
    return await _file_download(write_xlsx, event, media_type=XLSX, name="anmeldungen.xlsx")


async def funder_report_download(report: FunderReport, *, pdf: bool = False) -> Stream:
    """The funder report as an Excel workbook or a PDF (small: made in memory)."""
    target = io.BytesIO()
    write = write_report_pdf if pdf else write_report_xlsx
    await asyncio.to_thread(write, report, target)
    data = target.getvalue()
    name = "bericht.pdf" if pdf else "bericht.xlsx"
    return Stream(
        iter((data,)),
        media_type="application/pdf" if pdf else XLSX,
        headers={**_attachment(report.event, name), "Content-Length": str(len(data))},
    )


async def certificates_download(event: Event, issuer: Issuer, issued: dt.datetime) -> Stream:
    """A certificate of attendance per person who attended, one PDF, a page each."""

    def write(event: Event, registrations: Iterable[Registration], target: BinaryIO) -> None:
        write_certificates(event, registrations, target, issuer=issuer, issued=issued)

    # Check-ins and online attendance are only ever set on confirmed registrations.
    return await _file_download(
        write,
        event,
        media_type="application/pdf",
        name="teilnahmebescheinigungen.pdf",
        status=RegistrationStatus.CONFIRMED,
    )


async def signature_list_download(event: Event) -> Stream:
    """The signature list of the confirmed registrations as a PDF."""
    # Only the confirmed are read: the list shows no one else.
    return await _file_download(
        write_signature_list,
        event,
        media_type="application/pdf",
        name="unterschriftenliste.pdf",
        status=RegistrationStatus.CONFIRMED,
    )
