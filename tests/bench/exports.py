"""The export benchmark: ``python -m tests.bench.exports [--counts 1000 10000 100000]``.

A fresh SQLite file with one event (the Holzwickede conference, with its questions) that grows
to each size in turn; the exports are made as the downloads make them, reading the
registrations from the database batch by batch. For each size: the time of an untraced run and
the tracemalloc peak of a second, traced one, for the CSV (streamed, chunks thrown away as a
response would send them), the xlsx (openpyxl write-only, to a temporary file) and, at the
smallest size, the signature list PDF of the confirmed registrations. Memory should stay flat
from the smallest size to the largest.

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from app.db.database import Database
from app.domain.model import Event, RegistrationStatus, Seats
from app.exports.csv_export import csv_stream
from app.exports.signature_list import write_signature_list
from app.exports.xlsx_export import write_xlsx
from app.services import events
from app.services.registrations import batches_for_event
from app.web.downloads import Writer, make_file
from tests.bench.filling import insert_registrations
from tests.exports.factories import conference


async def _measure(work: Callable[[], Awaitable[int]]) -> tuple[float, float, int]:
    # Timed untraced (tracemalloc slows allocation-heavy code several times), then run again
    # under tracemalloc for the peak.
    started = time.perf_counter()
    size = await work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    await work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1024 / 1024, size


async def _csv(event: Event) -> int:
    size = 0
    async for chunk in csv_stream(event, batches_for_event(event.id)):
        size += len(chunk)
    return size


async def _file(write: Writer, event: Event, status: RegistrationStatus | None = None) -> int:
    file, size = await make_file(write, event, status)
    file.close()
    return size


async def _run(database_url: str, counts: Sequence[int]) -> None:
    now = dt.datetime.now(dt.UTC)
    db = Database.from_url(database_url)
    await db.connect()
    try:
        await db.migrate()
        event = await events.create_event(db, conference(in_person_seats=Seats(None, 0)))
        print(f"{'export':<10} {'rows':>7} {'seconds':>9} {'peak MiB':>9} {'output KiB':>11}")
        written = 0
        for count in sorted(counts):
            await insert_registrations(event.id, count - written, now, first=written + 1)
            written = count
            runs: list[tuple[str, Callable[[], Awaitable[int]]]] = [
                ("csv", lambda: _csv(event)),
                ("xlsx", lambda: _file(write_xlsx, event)),
            ]
            if count == min(counts):
                runs.append(
                    (
                        "pdf",
                        lambda: _file(write_signature_list, event, RegistrationStatus.CONFIRMED),
                    )
                )
            for name, work in runs:
                elapsed, peak, size = await _measure(work)
                print(f"{name:<10} {count:>7} {elapsed:>9.3f} {peak:>9.2f} {size / 1024:>11.0f}")
    finally:
        await db.close()


def main() -> None:
    """Run the benchmark and print one line per export and size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="treffpunkt-exports-") as folder:
        asyncio.run(_run(f"sqlite:///{Path(folder) / 'exports.sqlite3'}", args.counts))


if __name__ == "__main__":
    main()
