"""An event's registrations as files to download: CSV, xlsx, the PDF signature list.

One place for the organisers' pages and the organisers' API, so both hand out the same files
under the same names.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable, Iterable
from typing import BinaryIO

from litestar.response import Response, Stream

from app.domain.model import Event, Registration
from app.exports.csv_export import csv_bytes
from app.exports.signature_list import write_signature_list
from app.exports.xlsx_export import write_xlsx
from app.services.registrations import list_for_event

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(event: Event, name: str) -> str:
    """A download name safe in any header and file system: the slug, ASCII only."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", event.slug).strip("-")[:80] or f"event-{event.id}"
    return f"{stem}-{name}"


def _attachment(event: Event, name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{_filename(event, name)}"'}


async def _file(
    write: Callable[[Event, Iterable[Registration], BinaryIO], None], event: Event
) -> bytes:
    registrations = await list_for_event(event.id)
    buffer = io.BytesIO()
    # Building a workbook or PDF is CPU work: off the event loop.
    await asyncio.to_thread(write, event, registrations, buffer)
    return buffer.getvalue()


async def csv_download(event: Event) -> Stream:
    """Every registration as CSV for German Excel, streamed in chunks."""
    # The registrations are read first, the CSV text is made as it is sent.
    registrations = await list_for_event(event.id)
    return Stream(
        csv_bytes(event, registrations),
        # Litestar adds "; charset=utf-8" to text types.
        media_type="text/csv",
        headers=_attachment(event, "anmeldungen.csv"),
    )


async def xlsx_download(event: Event) -> Response[bytes]:
    """Every registration as an Excel workbook."""
    return Response(
        await _file(write_xlsx, event),
        media_type=XLSX,
        headers=_attachment(event, "anmeldungen.xlsx"),
    )


async def signature_list_download(event: Event) -> Response[bytes]:
    """The signature list of the confirmed registrations as a PDF."""
    return Response(
        await _file(write_signature_list, event),
        media_type="application/pdf",
        headers=_attachment(event, "unterschriftenliste.pdf"),
    )
